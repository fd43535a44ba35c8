"""What must never be published: drafts, scheduled posts, source files, unescaped markup."""

from urllib.parse import urlsplit

import feedparser
import lxml.html
import pytest
from conftest import FIXTURE_SITE, SITE_TOML, read_tree, write_files
from servers import raw_get, static_server, waitress_app

from app import create_app
from flatfolio.build.freeze import freeze_site

HIDDEN_MARKERS = [b"SECRET", b"secret-draft", b"secret-tag", b"FUTURE", b"future-tag", b"2999"]

TRAVERSALS = [
    "/blog/../app.py",
    "/blog/%2e%2e/app.py",
    "/blog/%2E%2E/%2E%2E/app.py",
    "/static/../site.toml",
    "/static/%2e%2e/site.toml",
    "/static/..%2fsite.toml",
    "/static/%2e%2e%2f%2e%2e%2fapp.py",
    "/../site.toml",
    "/..%5csite.toml",
    "/static\\..\\site.toml",
    "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "//etc/passwd",
    "/etc/passwd",
    "/posts/secret-draft.md",
    "/site.toml",
    "/app.py",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/C:%5cWindows%5cwin.ini",
]
# Bytes that appear only in files outside the served tree.
SOURCE_MARKERS = [b"root:x:0:0", b"create_app", b'base_url = "https://example.org/"', b"SECRET body"]


def test_hidden_posts_are_unreachable_on_the_app_without_debug(client, frozen):
    urls = ["/" + name.removesuffix("index.html") for name in read_tree(frozen) if not name.startswith(".")]
    assert len(urls) > 20
    for url in urls:
        with client.get(url) as response:
            assert response.status_code == 200, url
            for marker in HIDDEN_MARKERS:
                assert marker not in response.data, (url, marker)
    for url in ("/blog/secret-draft/", "/blog/future/", "/tags/secret-tag/", "/tags/future-tag/feed.xml"):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("marker", HIDDEN_MARKERS)
def test_hidden_posts_are_in_no_frozen_file(frozen, marker):
    assert [name for name, data in read_tree(frozen).items() if marker in data] == []


def assert_not_found_without_contents(status: int, body: bytes, path: str) -> None:
    assert status == 404, (path, status)
    for marker in SOURCE_MARKERS:
        assert marker not in body, (path, marker)


@pytest.fixture(scope="module")
def served_app(tmp_path_factory):
    root = write_files(tmp_path_factory.mktemp("served") / "site", FIXTURE_SITE)
    with waitress_app(root) as port:
        yield port


def test_the_served_app_serves_pages(served_app):
    assert raw_get(served_app, "/blog/first-post/")[0] == 200


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_on_the_served_app_is_404(served_app, path):
    status, headers, body = raw_get(served_app, path)
    if status == 308:  # /app.py -> /app.py/, as a static host would: same site, then 404
        location = urlsplit(headers["Location"])
        assert location.netloc == f"127.0.0.1:{served_app}" and location.path.endswith("/")
        status, _, body = raw_get(served_app, location.path)
    assert_not_found_without_contents(status, body, path)


@pytest.fixture(scope="module")
def served_frozen_tree(frozen):
    with static_server(frozen) as port:
        yield port


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_on_the_frozen_tree_is_404(served_frozen_tree, path):
    status, _, body = raw_get(served_frozen_tree, path)
    assert_not_found_without_contents(status, body, path)


def test_frozen_tree_holds_no_source_files(frozen):
    names = set(read_tree(frozen))
    assert not [name for name in names if name.endswith((".md", ".py", ".toml", ".markdown"))]


def test_the_static_server_serves_the_tree(served_frozen_tree):
    """The traversal tests above mean something: the same server serves real pages."""
    assert raw_get(served_frozen_tree, "/blog/first-post/")[0] == 200


MARKUP = "<script>alert(1)</script> \"double\" 'single' &amp;"


def test_site_config_values_are_escaped_in_html_attributes_and_feeds(site_root, write, tmp_path):
    config = SITE_TOML.replace('title = "Test Site"', f"title = '''{MARKUP} title'''")
    config = config.replace('author = "Ada Tester"', f"author = '''{MARKUP} author'''")
    config = config.replace('description = "A site for tests."', f"description = '''{MARKUP} description'''")
    nav = f"{{ title = '''{MARKUP} nav''', url = '/blog/?a=\"b' }}"
    config = config.replace('{ title = "Blog", url = "/blog/" }', nav)
    write({"site.toml": config})
    out = tmp_path / "out"
    freeze_site(create_app({"SITE_ROOT": str(site_root)}), out)
    tree = read_tree(out)
    for name, data in tree.items():
        if not name.endswith(".pdf"):  # the CV holds the name as PDF text and metadata, never read as markup
            assert b"<script>alert" not in data, name
    home = lxml.html.document_fromstring(tree["index.html"])
    assert [s for s in home.iter("script") if s.get("type") != "application/ld+json"] == []
    assert home.findtext(".//title") == f"{MARKUP} title"
    assert home.find('.//meta[@name="description"]').get("content") == f"{MARKUP} description"
    assert home.find('.//link[@type="application/atom+xml"]').get("title") == f"{MARKUP} title (Atom)"
    nav = home.find(".//nav//a")
    assert (nav.text, nav.get("href")) == (f"{MARKUP} nav", '/blog/?a="b')
    assert f"© {MARKUP} author" in home.find(".//footer").text_content()
    for feed_name in ("feed.xml", "rss.xml", "tags/go/feed.xml"):
        parsed = feedparser.parse(tree[feed_name])
        assert parsed.bozo == 0, feed_name
        assert parsed.feed.title.startswith(f"{MARKUP} title"), feed_name
        if feed_name != "rss.xml":  # RSS names authors only by email address
            assert parsed.entries[0].author == f"{MARKUP} author"
