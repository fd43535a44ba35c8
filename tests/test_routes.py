"""The app as the dev server serves it: statuses, MIME types, drafts, live edits."""

import pytest

ROUTES = [
    ("/", 200, "text/html"),
    ("/blog/", 200, "text/html"),
    ("/blog/page/2/", 200, "text/html"),
    ("/blog/first-post/", 200, "text/html"),
    ("/blog/elsewhere/", 200, "text/html"),
    ("/tags/", 200, "text/html"),
    ("/tags/go/", 200, "text/html"),
    ("/tags/go/feed.xml", 200, "application/xml"),
    ("/feed.xml", 200, "application/xml"),
    ("/rss.xml", 200, "application/xml"),
    ("/feed.json", 200, "application/feed+json"),
    ("/series/", 200, "text/html"),
    ("/series/building-a-cache/", 200, "text/html"),
    ("/sitemap.xml", 200, "application/xml"),
    ("/robots.txt", 200, "text/plain"),
    ("/404.html", 200, "text/html"),
    ("/code.css", 200, "text/css"),
    ("/cv.pdf", 200, "application/pdf"),
    ("/about/", 200, "text/html"),
    ("/notes/deep/", 200, "text/html"),
    ("/static/style.css", 200, "text/css"),
    ("/static/favicon.svg", 200, "image/svg+xml"),
]

NOT_FOUND = [
    "/nope/",
    "/blog/nope/",
    "/blog/page/1/",
    "/blog/page/3/",
    "/tags/nope/",
    "/tags/nope/feed.xml",
    "/series/nope/",
    "/blog/../app.py",
    "/blog/%2e%2e/app.py",
    "/static/../site.toml",
    "/static/%2e%2e/site.toml",
    "/static/..%2fsite.toml",
    "/..%5csite.toml",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/index/",  # pages/index.md is the home page, not /index/
    "/blog/secret-draft/",  # drafts are hidden without --debug
    "/blog/future/",
    "/tags/secret-tag/",
]


@pytest.mark.parametrize(("url", "status", "mimetype"), ROUTES)
def test_route_serves_status_and_mimetype(client, url, status, mimetype):
    with client.get(url) as response:
        assert (response.status_code, response.mimetype) == (status, mimetype)


@pytest.mark.parametrize("url", NOT_FOUND)
def test_unknown_and_traversal_paths_are_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert b"Page not found" in response.data
    assert b"Test Site" in response.data


def test_missing_trailing_slash_redirects_like_a_static_host(client):
    response = client.get("/about")
    assert response.status_code == 308
    assert response.location.endswith("/about/")


def test_drafts_are_shown_with_a_marker_on_the_debug_server(make_app):
    client = make_app(SHOW_DRAFTS=True).test_client()
    draft = client.get("/blog/secret-draft/")
    assert draft.status_code == 200
    assert b"Draft: shown by the dev server only" in draft.data
    future = client.get("/blog/future/")
    assert b"Scheduled: published on" in future.data
    assert b"SECRET draft" in client.get("/tags/secret-tag/").data
    # Even when shown, they stay out of feeds and the sitemap.
    for url in ("/feed.xml", "/rss.xml", "/feed.json", "/sitemap.xml", "/tags/go/feed.xml"):
        data = client.get(url).data
        assert b"SECRET" not in data and b"FUTURE" not in data, url


def test_content_edits_show_on_the_next_request(client, write):
    assert b"Rewritten body" not in client.get("/about/").data
    write({"pages/about.md": "---\ntitle: About me\n---\nRewritten body.\n"})
    assert b"Rewritten body." in client.get("/about/").data
    write({"posts/2024-04-01-new.md": "---\ntitle: Brand new\ndate: 2024-04-01\n---\nNew.\n"})
    assert b"Brand new" in client.get("/blog/").data


def test_site_config_edits_show_on_the_next_request(client, write, site_root):
    write({"site.toml": (site_root / "site.toml").read_text().replace("Test Site", "Renamed Site")})
    assert b"Renamed Site" in client.get("/").data


def test_content_errors_show_as_a_page_naming_the_file_in_debug_mode(make_app, write):
    client = make_app(DEBUG=True).test_client()  # without debug: the last good content (test_serving.py)
    write({"posts/bad.md": "---\ntitle: Bad\ndate: tomorrow\n---\n"})
    response = client.get("/")
    assert response.status_code == 500
    assert b"posts/bad.md:3: date: not a date: &#39;tomorrow&#39;" in response.data
    write({"posts/bad.md": None})
    assert client.get("/").status_code == 200


def test_html_escapes_titles(client):
    data = client.get("/blog/first-post/").data
    assert b"First &lt;post&gt; &amp; &#34;quotes&#34;" in data
    assert b"<post>" not in data


def test_external_post_page_points_canonical_at_the_article(client):
    data = client.get("/blog/elsewhere/").data
    assert b'<link rel="canonical" href="https://blog.example.com/article">' in data
    assert b"Example blog" in data


def test_home_shows_index_page_and_latest_posts(client):
    data = client.get("/").data.decode()
    assert "Hello from the <strong>home page</strong>" in data
    assert data.index("Published elsewhere") < data.index("Second post") < data.index("First &lt;post")
