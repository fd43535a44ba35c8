"""Feeds as feed readers see them: feedparser, plus what RFC 4287 requires."""

import feedparser
import pytest
from lxml import etree

from app import create_app
from flatfolio.build.freeze import freeze_site

ATOM = "{http://www.w3.org/2005/Atom}"
FEEDS = ["feed.xml", "rss.xml", "tags/go/feed.xml", "tags/databases/feed.xml"]


@pytest.mark.parametrize("name", FEEDS)
def test_feed_parses_cleanly(frozen, name):
    parsed = feedparser.parse((frozen / name).read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.entries


def test_main_feed_is_newest_first_with_stable_absolute_ids(frozen):
    parsed = feedparser.parse((frozen / "feed.xml").read_bytes())
    assert [entry.title for entry in parsed.entries] == [
        "Published elsewhere",
        "Second post",
        'First <post> & "quotes"',
    ]
    assert [entry.id for entry in parsed.entries] == [
        "https://example.org/blog/elsewhere/",
        "https://example.org/blog/second-post/",
        "https://example.org/blog/first-post/",
    ]


def test_rss_has_the_same_entries_and_site_link(frozen):
    parsed = feedparser.parse((frozen / "rss.xml").read_bytes())
    assert parsed.feed.link == "https://example.org/"
    assert [entry.link for entry in parsed.entries] == [
        "https://blog.example.com/article",
        "https://example.org/blog/second-post/",
        "https://example.org/blog/first-post/",
    ]


def test_external_post_links_to_the_article(frozen):
    entry = feedparser.parse((frozen / "feed.xml").read_bytes()).entries[0]
    assert entry.link == "https://blog.example.com/article"


def test_content_is_html_with_absolute_links(frozen):
    tree = etree.parse(str(frozen / "feed.xml"))
    contents = tree.findall(f"{ATOM}entry/{ATOM}content")
    assert contents and all(c.get("type") == "html" for c in contents)
    first = feedparser.parse((frozen / "feed.xml").read_bytes()).entries[2].content[0].value
    assert 'href="https://example.org/blog/second-post/"' in first
    assert 'src="https://example.org/static/favicon.svg"' in first
    second = feedparser.parse((frozen / "feed.xml").read_bytes()).entries[1].content[0].value
    assert 'href="https://example.org/blog/first-post/"' in second  # was ../first-post/
    for content in contents:
        assert 'href="/' not in content.text and 'src="/' not in content.text


def test_required_atom_elements(frozen):
    root = etree.parse(str(frozen / "feed.xml")).getroot()
    for element in ("id", "title", "updated", "author/" + ATOM + "name"):
        assert root.find(ATOM + element) is not None, element
    self_link = root.find(f"{ATOM}link[@rel='self']")
    assert self_link.get("href") == "https://example.org/feed.xml"
    for entry in root.findall(f"{ATOM}entry"):
        for element in ("id", "title", "updated", "link"):
            assert entry.find(ATOM + element) is not None, element


def test_updated_comes_from_content_not_the_clock(frozen):
    root = etree.parse(str(frozen / "feed.xml")).getroot()
    assert root.findtext(f"{ATOM}updated") == "2024-03-05T10:00:00+00:00"
    rss = etree.parse(str(frozen / "rss.xml")).getroot()
    assert rss.findtext("channel/lastBuildDate") == "Tue, 05 Mar 2024 10:00:00 +0000"


def test_tag_feed_holds_only_that_tag(frozen):
    parsed = feedparser.parse((frozen / "tags/go/feed.xml").read_bytes())
    assert [e.title for e in parsed.entries] == ["Second post", 'First <post> & "quotes"']
    assert parsed.feed.title == "Test Site: Go"


def test_feed_ids_use_configured_url_not_request_host(app):
    response = app.test_client().get("/feed.xml", base_url="http://evil.test:8000")
    assert b"evil.test" not in response.data
    assert b"https://example.org/blog/first-post/" in response.data


def test_feed_keeps_only_the_latest_twenty(site_root, write, tmp_path):
    write({
        f"posts/2023-01-{day:02d}-p{day}.md": f"---\ntitle: P{day}\ndate: 2023-01-{day:02d}\n---\nBody {day}.\n"
        for day in range(1, 26)
    })  # fmt: skip
    out = tmp_path / "out"
    freeze_site(create_app({"SITE_ROOT": str(site_root)}), out)
    entries = feedparser.parse((out / "feed.xml").read_bytes()).entries
    assert len(entries) == 20
    assert entries[-1].title == "P9"


def test_control_characters_do_not_break_feeds(site_root, write, tmp_path):
    write({"posts/2024-06-01-ctl.md": '---\ntitle: "Bell\\x07 title"\ndate: 2024-06-01\n---\nA\x01B\x1f text.\n'})
    out = tmp_path / "out"
    freeze_site(create_app({"SITE_ROOT": str(site_root)}), out)
    parsed = feedparser.parse((out / "feed.xml").read_bytes())
    assert parsed.bozo == 0
    assert parsed.entries[0].title == "Bell title"


def test_code_blocks_pass_through_unchanged_and_links_around_them_become_absolute():
    from flatfolio.feeds import absolute_links
    from flatfolio.render import render_markdown

    html = render_markdown(
        'See [the post](../other/).\n\n```python\nprint("<a href=x>")  # text about a link\n```\n\n'
        "```go\nfunc main() {}\n```\n\n"
        '<pre class="code"><a href="/raw/">raw HTML in a pre</a></pre>\n'
    )
    out = absolute_links(html, "https://example.com/blog/this/", "https://example.com/", "")
    assert 'href="https://example.com/blog/other/"' in out
    assert 'href="https://example.com/raw/"' in out
    go_block = html[html.index('<pre class="code highlight" data-lang="go"') :].split("</pre>")[0]
    assert go_block in out  # byte for byte
    assert "print" in out and "set-aside" not in out


def test_a_tag_feed_gives_each_entry_only_its_tag(frozen):
    parsed = feedparser.parse((frozen / "tags/databases/feed.xml").read_bytes())
    assert [[tag.term for tag in entry.tags] for entry in parsed.entries] == [["Databases"], ["Databases"]]
    main = feedparser.parse((frozen / "feed.xml").read_bytes())
    assert [tag.term for tag in main.entries[-1].tags] == ["Go", "Databases"]


def test_content_nested_300_elements_deep_stays_in_the_feed():
    from flatfolio.feeds import absolute_links

    html = "<div>" * 300 + '<a href="/deep/">deep</a>' + "</div>" * 300 + "<p>after</p>"
    out = absolute_links(html, "https://example.org/blog/p/", "https://example.org/", "")
    assert out == "<div>" * 300 + '<a href="https://example.org/deep/">deep</a>' + "</div>" * 300 + "<p>after</p>"
