"""Series: validation, part numbers and order, the post's series nav, the series pages, feeds and JSON-LD."""

import json
import random
from datetime import UTC, datetime, timedelta

import feedparser
import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from flatfolio.build.freeze import freeze_site
from flatfolio.check import check_site
from flatfolio.content.fields import build_post
from flatfolio.content.series import group_series, part_order
from flatfolio.content.site import current_site
from flatfolio.content.sources import parse_source

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def post_text(title: str, date: str, extra: str = "", body: str = "Body.") -> str:
    return f"---\ntitle: {title}\ndate: {date}\n{extra}---\n{body}\n"


def problems_of(make_app) -> list[str]:
    with make_app().app_context():
        return [str(problem) for problem in current_site().problems]


def html(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    return lxml.html.document_fromstring(response.data)


# --- order and numbers -----------------------------------------------------------------

part_specs = st.lists(
    st.tuples(st.dates(min_value=datetime(2000, 1, 1).date(), max_value=datetime(2029, 12, 31).date()),
              st.one_of(st.none(), st.integers(min_value=-3, max_value=3))),
    min_size=1, max_size=8,
)  # fmt: skip


def make_posts(specs) -> list:
    posts = []
    for number, (day, order) in enumerate(specs):
        extra = "series: Building a cache\n" + (f"series_order: {order}\n" if order is not None else "")
        file = parse_source(f"posts/p{number}.md", post_text(f"P{number}", day.isoformat(), extra).encode())
        post, problems = build_post(file, UTC, NOW)
        assert post is not None, problems
        posts.append(post)
    return posts


# Derandomized and with a generous deadline: 2 shared cores make single examples slow now and then.
@settings(derandomize=True, database=None, max_examples=150, deadline=timedelta(seconds=10),
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(part_specs, st.randoms(use_true_random=False))
def test_parts_are_numbered_in_the_documented_order_whatever_order_the_files_come_in(specs, rng):
    posts = make_posts(specs)
    series, _ = group_series(posts)
    shuffled = list(posts)
    rng.shuffle(shuffled)
    again, _ = group_series(shuffled)
    (one,) = series.values()
    assert [p.source for p in one.parts] == [p.source for p in again["building-a-cache"].parts]
    assert sorted(p.source for p in one.parts) == sorted(p.source for p in posts)  # every part, once
    assert [one.number(part) for part in one.parts] == list(range(1, len(posts) + 1))
    for earlier, later in zip(one.parts, one.parts[1:], strict=False):
        if earlier.series_order is None:  # numbered parts come first, so the rest are unnumbered too
            assert later.series_order is None
            assert (earlier.date, earlier.source) < (later.date, later.source)
        elif later.series_order is not None:
            assert (earlier.series_order, earlier.date, earlier.source) < (later.series_order, later.date, later.source)


def test_order_by_number_beats_date_and_unnumbered_parts_follow_by_date():
    specs = [
        (datetime(2024, 5, 1).date(), None),  # p0
        (datetime(2024, 1, 1).date(), 2),  # p1
        (datetime(2024, 3, 1).date(), 1),  # p2
        (datetime(2023, 1, 1).date(), None),  # p3
        (datetime(2022, 1, 1).date(), 2),  # p4: same number as p1, older, so first
    ]
    (one,) = group_series(make_posts(specs))[0].values()
    assert [p.source for p in one.parts] == [f"posts/p{n}.md" for n in (2, 4, 1, 3, 0)]
    assert part_order(one.parts[0]) < part_order(one.parts[-1])


def test_a_shared_series_order_is_a_warning_at_its_line(make_app, write):
    write({
        "posts/2020-01-01-a.md": post_text("A", "2020-01-01", "series: S\nseries_order: 1\n"),
        "posts/2020-02-01-b.md": post_text("B", "2020-02-01", "series: S\nseries_order: 1\n"),
    })  # fmt: skip
    assert (
        "posts/2020-02-01-b.md:5: warning: series_order: 1 is also the order of posts/2020-01-01-a.md: "
        "the older part comes first"
    ) in problems_of(make_app)


# --- validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("series: 5\n", "posts/2020-01-01-x.md:4: series: expected text, got 5"),
        ('series: "  "\n', "posts/2020-01-01-x.md:4: series: expected text, got '  '"),
        ('series: "!!!"\n', "posts/2020-01-01-x.md:4: series: series '!!!' has no letters or digits"),
        ("series: S\nseries_order: two\n", "posts/2020-01-01-x.md:5: series_order: expected a whole number"),
        ("series: S\nseries_order: true\n", "posts/2020-01-01-x.md:5: series_order: expected a whole number"),
        ("series: S\nseries_order: 1.5\n", "posts/2020-01-01-x.md:5: series_order: expected a whole number"),
        ("series_order: 1\n", "posts/2020-01-01-x.md:4: series_order: needs a 'series:'"),
        ("series: [A, B]\n", "posts/2020-01-01-x.md:4: series: a post is part of one series, got ['A', 'B']"),
        ("series: []\n", "posts/2020-01-01-x.md:4: series: expected text, got []"),
    ],
)
def test_invalid_series_values_are_problems_at_their_line(make_app, write, extra, expected):
    write({"posts/2020-01-01-x.md": post_text("X", "2020-01-01", extra)})
    assert any(problem.startswith(expected) for problem in problems_of(make_app)), problems_of(make_app)


def test_a_list_of_one_name_as_hugo_writes_it_is_that_series(make_app, write):
    write({"posts/2020-01-01-x.md": post_text("X", "2020-01-01", "series: [Building a cache]\n")})
    client = make_app().test_client()
    assert "Part 1 of 3" in html(client, "/blog/x/").xpath("string(//nav[@class='series-nav']/p)")


def test_two_names_with_one_slug_are_a_problem_naming_both(make_app, write):
    write({
        "posts/2020-01-01-a.md": post_text("A", "2020-01-01", "series: Building a cache\n"),
        "posts/2020-02-01-b.md": post_text("B", "2020-02-01", "series: building a cache!\n"),
    })  # fmt: skip
    assert (
        "posts/2020-02-01-b.md:4: series: 'building a cache!' and 'Building a cache' (in posts/2020-01-01-a.md) "
        "make one URL, /series/building-a-cache/: spell them alike"
    ) in problems_of(make_app)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"pages/series.md": "---\ntitle: My series\n---\nHand made.\n"},
            "posts/2024-01-10-first-post.md:5: series: /series/ is already used by pages/series.md",
        ),
        (
            {"posts/2020-01-01-x.md": post_text("X", "2020-01-01", "url: /series/building-a-cache/\n")},
            "posts/2024-01-10-first-post.md:5: series: /series/building-a-cache/ is already used by "
            "posts/2020-01-01-x.md",
        ),
        (
            {"posts/2020-01-01-x.md": post_text("X", "2020-01-01", "aliases: /series/building-a-cache/\n")},
            "posts/2024-01-10-first-post.md:5: series: /series/building-a-cache/ is already used by "
            "posts/2020-01-01-x.md",
        ),
    ],
)
def test_a_series_page_never_takes_a_url_that_already_answers(make_app, write, files, expected):
    write(files)
    assert expected in problems_of(make_app)


def test_content_under_series_that_no_series_claims_still_answers(make_app, write):
    write({"pages/series/notes.md": "---\ntitle: Notes on series\n---\nHand made.\n"})
    client = make_app().test_client()
    assert b"Notes on series" in client.get("/series/notes/").data
    assert client.get("/series/").status_code == 200  # the index of the fixture's series


def test_a_site_without_series_has_no_series_pages(make_app, site_root, tmp_path):
    for name in ("posts/2024-01-10-first-post.md", "posts/2024-02-20-second-post.md", "posts/2999-01-01-future.md"):
        post = site_root / name  # the draft left in the series is hidden: no published series remains
        post.write_text(post.read_text().replace("series: Building a cache\n", ""))
    client = make_app().test_client()
    assert client.get("/series/").status_code == 404
    assert client.get("/series/building-a-cache/").status_code == 404
    out = tmp_path / "out"
    freeze_site(make_app(), out)  # no series endpoint is missing a URL generator
    assert not (out / "series").exists() and (out / "feed.json").is_file()


# --- pages -------------------------------------------------------------------------------


def test_each_part_shows_part_n_of_m_with_every_part_linked_and_the_current_one_marked(client):
    for number, url in enumerate(["/blog/first-post/", "/blog/second-post/"], 1):
        nav = html(client, url).xpath("//nav[@class='series-nav']")[0]
        label = nav.get_element_by_id(nav.get("aria-labelledby"))
        assert " ".join(label.text_content().split()) == f"Part {number} of 2 in the series Building a cache"
        assert label.xpath(".//a/@href") == ["/series/building-a-cache/"]
        assert nav.xpath(".//li/a/@href") == ["/blog/first-post/", "/blog/second-post/"]
        assert nav.xpath(".//a[@aria-current='page']/@href") == [url]


def test_a_post_outside_any_series_has_no_series_nav(client):
    assert html(client, "/blog/elsewhere/").xpath("//nav[@class='series-nav']") == []


def test_the_series_page_lists_the_parts_in_order_and_the_index_lists_the_series(client):
    page = html(client, "/series/building-a-cache/")
    assert page.findtext(".//h1") == "Building a cache"
    parts = page.xpath("//ol[contains(@class, 'series-parts')]/li//h2/a/@href")
    assert parts == ["/blog/first-post/", "/blog/second-post/"]
    index = html(client, "/series/")
    assert index.xpath("//main//li/a/@href") == ["/series/building-a-cache/"]


def test_drafts_and_scheduled_parts_count_only_where_drafts_are_shown(frozen, make_app):
    built = lxml.html.parse(str(frozen / "blog/second-post/index.html")).getroot()
    assert "Part 2 of 2" in built.xpath("string(//nav[@class='series-nav']/p)")
    page = lxml.html.parse(str(frozen / "series/building-a-cache/index.html")).getroot()
    assert len(page.xpath("//ol[contains(@class, 'series-parts')]/li")) == 2
    drafts = make_app(SHOW_DRAFTS=True).test_client()
    nav = html(drafts, "/blog/second-post/").xpath("//nav[@class='series-nav']")[0]
    assert "Part 3 of 4" in nav.text_content()  # the draft is older, the scheduled post newer
    assert b"Part 2 of 2 in the series" in drafts.get("/feed.xml").data  # feeds number published parts only


def test_the_sitemap_lists_the_series_pages(frozen):
    sitemap = (frozen / "sitemap.xml").read_text()
    assert "<loc>https://example.org/series/</loc>" in sitemap
    assert "<loc>https://example.org/series/building-a-cache/</loc>" in sitemap


def test_series_pages_follow_a_sub_path(site_root, tmp_path):
    out = tmp_path / "sub"
    freeze_site(create_app({"SITE_ROOT": str(site_root)}), out, "https://user.github.io/site/")
    post = lxml.html.parse(str(out / "blog/first-post/index.html")).getroot()
    assert post.xpath("//nav[@class='series-nav']//a/@href")[0] == "/site/series/building-a-cache/"
    data = json.loads(_json_ld(post))
    assert data["isPartOf"]["url"] == "https://user.github.io/site/series/building-a-cache/"


# --- JSON-LD and feeds -------------------------------------------------------------------


def _json_ld(document) -> str:
    return document.xpath("//script[@type='application/ld+json']")[0].text


def test_json_ld_names_the_series_a_post_is_part_of(client):
    data = json.loads(_json_ld(html(client, "/blog/second-post/")))
    assert data["isPartOf"] == {
        "@type": "CreativeWorkSeries", "name": "Building a cache", "url": "https://example.org/series/building-a-cache/"
    }  # fmt: skip
    assert data["position"] == 2
    assert "isPartOf" not in json.loads(_json_ld(html(client, "/blog/elsewhere/")))


@pytest.mark.parametrize("name", ["feed.xml", "rss.xml", "tags/databases/feed.xml"])
def test_feed_entries_start_with_their_part_in_the_series(frozen, name):
    entries = {entry.title: entry for entry in feedparser.parse((frozen / name).read_bytes()).entries}
    content = entries['First <post> & "quotes"'].content[0].value
    assert content.startswith(
        '<p>Part 1 of 2 in the series <a href="https://example.org/series/building-a-cache/">Building a cache</a>.</p>'
    )
    assert not entries["Published elsewhere"].content[0].value.startswith("<p>Part")


def test_json_feed_items_carry_the_same_series_line(frozen):
    items = {item["title"]: item for item in json.loads((frozen / "feed.json").read_bytes())["items"]}
    assert items['First <post> & "quotes"']["content_html"].startswith("<p>Part 1 of 2 in the series <a href=")


def test_check_resolves_links_to_series_pages(make_app, write):
    links = "Read [the series](/series/building-a-cache/) or [all of them](/series/)."
    write({"pages/about.md": f"---\ntitle: About me\n---\n{links}\n"})
    app = make_app(SHOW_DRAFTS=True)
    with app.app_context():
        report = check_site(app, current_site())
    assert not [line for line in map(str, report.problems) if "series" in line], report.problems


def test_check_reports_a_link_to_a_series_that_does_not_exist(make_app, write):
    write({"pages/about.md": "---\ntitle: About me\n---\nRead [the series](/series/no-such-thing/).\n"})
    app = make_app(SHOW_DRAFTS=True)
    with app.app_context():
        report = check_site(app, current_site())
    assert any("/series/no-such-thing/" in str(p) and "no series at this URL" in str(p) for p in report.problems)


def test_order_of_equal_dates_is_by_path_not_by_reading_order():
    day = datetime(2024, 1, 1).date()
    posts = make_posts([(day, None), (day, None), (day, None)])
    rng = random.Random(0)
    for _ in range(5):
        rng.shuffle(posts)
        (one,) = group_series(posts)[0].values()
        assert [p.source for p in one.parts] == ["posts/p0.md", "posts/p1.md", "posts/p2.md"]
