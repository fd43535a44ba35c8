"""JSON Feed 1.1 at /feed.json: valid by the spec, the Atom feed's entries in its order, stable bytes."""

import json
import re
from datetime import datetime

import feedparser
import lxml.html
import pytest
from lxml import etree

from app import create_app
from flatfolio.build.freeze import freeze_site

ATOM = "{http://www.w3.org/2005/Atom}"
VERSION = "https://jsonfeed.org/version/1.1"
RFC_3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})\Z")

# What https://www.jsonfeed.org/version/1.1/ defines, field by field: its type and whether it is required.
TOP_LEVEL = {
    "version": (str, True), "title": (str, True), "home_page_url": (str, False), "feed_url": (str, False),
    "description": (str, False), "user_comment": (str, False), "next_url": (str, False), "icon": (str, False),
    "favicon": (str, False), "authors": (list, False), "language": (str, False), "expired": (bool, False),
    "hubs": (list, False), "items": (list, True), "author": (dict, False),  # author: 1.0, deprecated but valid
}  # fmt: skip
ITEM = {
    "id": (str, True), "url": (str, False), "external_url": (str, False), "title": (str, False),
    "content_html": (str, False), "content_text": (str, False), "summary": (str, False), "image": (str, False),
    "banner_image": (str, False), "date_published": (str, False), "date_modified": (str, False),
    "authors": (list, False), "tags": (list, False), "language": (str, False), "attachments": (list, False),
    "author": (dict, False),
}  # fmt: skip
AUTHOR = {"name": (str, False), "url": (str, False), "avatar": (str, False)}
ATTACHMENT = {
    "url": (str, True), "mime_type": (str, True), "title": (str, False), "size_in_bytes": ((int, float), False),
    "duration_in_seconds": ((int, float), False),
}  # fmt: skip
HUB = {"type": (str, True), "url": (str, True)}


def _fields(value, spec: dict, where: str) -> list[str]:
    """Problems of one object against a field table; extension keys (`_x`) are the publisher's own."""
    if not isinstance(value, dict):
        return [f"{where}: expected an object, got {type(value).__name__}"]
    problems = [f"{where}.{key}: not a JSON Feed 1.1 field" for key in value if key not in spec and key[:1] != "_"]
    for key, (kind, required) in spec.items():
        if key not in value:
            problems += [f"{where}.{key}: required"] if required else []
        elif isinstance(value[key], bool) and kind is not bool or not isinstance(value[key], kind):
            problems.append(f"{where}.{key}: expected {kind}, got {value[key]!r}")
    return problems


def _authors(authors, where: str) -> list[str]:
    problems = []
    for number, author in enumerate(authors):
        problems += _fields(author, AUTHOR, f"{where}[{number}]")
        if isinstance(author, dict) and not author.keys() & AUTHOR.keys():
            problems.append(f"{where}[{number}]: an author needs a name, url or avatar")
    return problems


def json_feed_problems(feed) -> list[str]:
    """Everything in `feed` (parsed JSON) that the JSON Feed 1.1 spec does not allow; [] when valid."""
    problems = _fields(feed, TOP_LEVEL, "feed")
    if problems and not isinstance(feed, dict):
        return problems
    if feed.get("version") != VERSION:
        problems.append(f"feed.version: expected {VERSION}, got {feed.get('version')!r}")
    problems += _authors(feed.get("authors") or [], "feed.authors")
    for number, hub in enumerate(feed.get("hubs") or []):
        problems += _fields(hub, HUB, f"feed.hubs[{number}]")
    for number, item in enumerate(feed.get("items") or []):
        where = f"feed.items[{number}]"
        problems += _fields(item, ITEM, where)
        if not isinstance(item, dict):
            continue
        if "content_html" not in item and "content_text" not in item:
            problems.append(f"{where}: needs content_html or content_text")
        for key in ("date_published", "date_modified"):
            if isinstance(item.get(key), str) and not RFC_3339.match(item[key]):
                problems.append(f"{where}.{key}: not an RFC 3339 date: {item[key]!r}")
        problems += _authors(item.get("authors") or [], f"{where}.authors")
        if not all(isinstance(tag, str) for tag in item.get("tags") or []):
            problems.append(f"{where}.tags: expected strings")
        for index, attachment in enumerate(item.get("attachments") or []):
            problems += _fields(attachment, ATTACHMENT, f"{where}.attachments[{index}]")
    return problems


def post(title: str, date: str) -> str:
    return f"---\ntitle: {title}\ndate: {date}\n---\nText.\n"


def load(path) -> dict:
    return json.loads(path.read_bytes())


# --- the checker itself ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("feed", "expected"),
    [
        ({"title": "T", "items": []}, "feed.version: required"),
        ({"version": VERSION, "items": []}, "feed.title: required"),
        ({"version": VERSION, "title": "T"}, "feed.items: required"),
        ({"version": "https://jsonfeed.org/version/1", "title": "T", "items": []}, "feed.version: expected"),
        ({"version": VERSION, "title": "T", "items": [{"content_html": ""}]}, "feed.items[0].id: required"),
        ({"version": VERSION, "title": "T", "items": [{"id": 1, "content_text": ""}]}, "feed.items[0].id: expected"),
        ({"version": VERSION, "title": "T", "items": [{"id": "1"}]}, "feed.items[0]: needs content_html"),
        (
            {"version": VERSION, "title": "T", "items": [{"id": "1", "content_text": "", "date_published": "2024"}]},
            "feed.items[0].date_published: not an RFC 3339 date",
        ),
        ({"version": VERSION, "title": "T", "items": [], "expired": "no"}, "feed.expired: expected"),
        ({"version": VERSION, "title": "T", "items": [], "authors": [{}]}, "feed.authors[0]: an author needs"),
        ({"version": VERSION, "title": "T", "items": [], "colour": "red"}, "feed.colour: not a JSON Feed 1.1 field"),
    ],
)
def test_the_checker_finds_what_the_spec_forbids(feed, expected):
    assert any(problem.startswith(expected) for problem in json_feed_problems(feed)), json_feed_problems(feed)


def test_the_checker_accepts_the_spec_example_with_an_extension():
    example = {
        "version": VERSION, "title": "My Example Feed", "home_page_url": "https://example.org/",
        "feed_url": "https://example.org/feed.json", "_blue_shed": {"about": "x"},
        "items": [
            {"id": "2", "content_text": "This is a second item.", "url": "https://example.org/second-item"},
            {"id": "1", "content_html": "<p>Hello, world!</p>", "url": "https://example.org/initial-post"},
        ],
    }  # fmt: skip
    assert json_feed_problems(example) == []


# --- the site's feed -----------------------------------------------------------------------


def test_the_json_feed_is_valid_json_feed_1_1(frozen):
    feed = load(frozen / "feed.json")
    assert json_feed_problems(feed) == []
    assert feed["title"] == "Test Site" and feed["language"] == "en" and feed["description"] == "A site for tests."
    assert feed["home_page_url"] == "https://example.org/"
    assert feed["feed_url"] == "https://example.org/feed.json"
    assert feed["authors"] == [{"name": "Ada Tester", "url": "https://example.org/"}]


def test_it_lists_the_atom_feeds_entries_in_the_same_order_with_the_same_dates(frozen):
    atom = feedparser.parse((frozen / "feed.xml").read_bytes())
    items = load(frozen / "feed.json")["items"]
    assert [item["id"] for item in items] == [entry.id for entry in atom.entries]
    assert [item["title"] for item in items] == [entry.title for entry in atom.entries]
    for item, entry in zip(items, atom.entries, strict=True):
        assert datetime.fromisoformat(item["date_published"]) == datetime.fromisoformat(entry.published)
        assert datetime.fromisoformat(item["date_modified"]) == datetime.fromisoformat(entry.updated)
        assert item["tags"] == [tag.term for tag in entry.tags]
        assert item["summary"] == entry.summary
        assert item["url"] == item["id"]


def test_it_carries_the_atom_feeds_full_content_with_absolute_links(frozen):
    atom = etree.parse(str(frozen / "feed.xml"))
    contents = [entry.findtext(f"{ATOM}content") for entry in atom.findall(f"{ATOM}entry")]
    items = load(frozen / "feed.json")["items"]
    assert [item["content_html"] for item in items] == contents
    first = items[2]["content_html"]
    assert 'href="https://example.org/blog/second-post/"' in first
    assert 'src="https://example.org/static/favicon.svg"' in first
    for item in items:
        fragment = lxml.html.fragment_fromstring(item["content_html"], create_parent="div")
        links = fragment.xpath("//@href | //@src")
        assert all(link.startswith("https://") for link in links), links


def test_an_external_post_keeps_its_page_as_url_and_names_the_article(frozen):
    item = load(frozen / "feed.json")["items"][0]
    assert item["url"] == "https://example.org/blog/elsewhere/"
    assert item["external_url"] == "https://blog.example.com/article"


def test_it_holds_the_newest_twenty_published_posts(make_app, write):
    write({f"posts/2023-01-{day:02d}-p{day}.md": post(f"P{day}", f"2023-01-{day:02d}") for day in range(1, 26)})
    client = make_app(SHOW_DRAFTS=True).test_client()
    items = json.loads(client.get("/feed.json").data)["items"]
    atom = feedparser.parse(client.get("/feed.xml").data)
    assert len(items) == 20
    assert [item["id"] for item in items] == [entry.id for entry in atom.entries]
    titles = [item["title"] for item in items]
    assert not [title for title in titles if "SECRET" in title or "FUTURE" in title]


def test_the_dev_server_serves_it_as_application_feed_json_with_the_frozen_bytes(client, frozen):
    response = client.get("/feed.json")
    assert response.status_code == 200
    assert response.mimetype == "application/feed+json"
    assert response.data == (frozen / "feed.json").read_bytes()


def test_its_bytes_are_utf8_json_with_one_trailing_newline_and_no_markup(frozen, make_app, write):
    data = (frozen / "feed.json").read_bytes()
    assert data.endswith(b"}\n") and not data.endswith(b"\n\n")
    assert data.startswith(b'{\n  "version": "https://jsonfeed.org/version/1.1"')
    assert b"<" not in data  # every "<" is written \u003c
    write({"posts/2024-04-01-utf.md": "---\ntitle: Café “quoted”\ndate: 2024-04-01\n---\nNaïve <b>bold</b>.\n"})
    data = make_app().test_client().get("/feed.json").data
    assert "Café “quoted”".encode() in data  # UTF-8, not \u escapes
    assert json.loads(data)["items"][0]["content_html"] == "<p>Naïve <b>bold</b>.</p>\n"


def test_every_page_advertises_it_in_the_head(frozen):
    for name in ("index.html", "blog/index.html", "blog/first-post/index.html", "series/building-a-cache/index.html"):
        head = lxml.html.parse(str(frozen / name)).getroot().find("head")
        links = head.xpath("link[@rel='alternate' and @type='application/feed+json']/@href")
        assert links == ["/feed.json"], name


def test_a_sub_path_build_gives_absolute_ids_and_links_under_it(site_root, tmp_path):
    out = tmp_path / "sub"
    freeze_site(create_app({"SITE_ROOT": str(site_root)}), out, "https://user.github.io/site/")
    feed = load(out / "feed.json")
    assert json_feed_problems(feed) == []
    assert feed["feed_url"] == "https://user.github.io/site/feed.json"
    assert feed["items"][1]["id"] == "https://user.github.io/site/blog/second-post/"
    assert 'href="https://user.github.io/site/blog/first-post/"' in feed["items"][1]["content_html"]
