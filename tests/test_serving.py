"""Serving outside debug mode: the last good content while files are broken, bounded caches, headers everywhere."""

import http.client
import logging
import threading
import time

import pytest
from conftest import SITE_TOML
from servers import raw_get, waitress_app
from test_security import HEADERS, security_headers

from flatfolio.content.site import current_site
from flatfolio.livereload import SCRIPT_PATH, STATE_PATH

BAD_POST = "---\ntitle: Bad\ndate: tomorrow\n---\nBody.\n"
BAD_POST_PROBLEM = "posts/bad.md:3: date: not a date: 'tomorrow'; write 2024-05-01 or 2024-05-01T09:30:00+05:30"
BROKEN_DRAFT = "---\ntitle: Broken draft\ndate: tomorrow\ndraft: true\n---\nDRAFT body.\n"
BROKEN_DRAFT_PROBLEM = BAD_POST_PROBLEM.replace("bad.md", "broken-draft.md")
NEW_ABOUT = "---\ntitle: About me\n---\nRewritten about.\n"


def logged(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "app"]


def test_a_broken_post_leaves_the_last_good_content_served(client, write, caplog):
    assert client.get("/").status_code == 200
    write({"posts/bad.md": BAD_POST, "pages/about.md": NEW_ABOUT})
    with caplog.at_level(logging.ERROR, logger="app"):
        responses = {url: client.get(url) for url in ("/", "/about/", "/nope/", "/feed.xml", "/blog/bad/")}
        client.get("/")
    assert {url: r.status_code for url, r in responses.items()} == {
        "/": 200, "/about/": 200, "/nope/": 404, "/feed.xml": 200, "/blog/bad/": 404,
    }  # fmt: skip
    for response in responses.values():
        assert b"bad.md" not in response.data and b"tomorrow" not in response.data
    assert b"I build" in responses["/about/"].data  # the edit waits with the rest of the snapshot
    assert logged(caplog) == [
        "content errors: still serving the last good content (fix the files, or see them with `flask run --debug`)",
        BAD_POST_PROBLEM,
    ]
    write({"posts/bad.md": None})
    assert b"Rewritten about." in client.get("/about/").data


def test_each_change_of_the_problems_is_logged_once(client, write, caplog):
    client.get("/")
    with caplog.at_level(logging.ERROR, logger="app"):
        write({"posts/bad.md": BAD_POST})
        client.get("/")
        write({"pages/about.md": NEW_ABOUT})  # another change, the same problems
        client.get("/")
        write({"posts/bad.md": BAD_POST.replace("tomorrow", "someday")})
        client.get("/")
    assert [line for line in logged(caplog) if line.startswith("posts/")] == [
        BAD_POST_PROBLEM, BAD_POST_PROBLEM.replace("tomorrow", "someday"),
    ]  # fmt: skip


def test_a_broken_draft_holds_back_nothing_readers_see(client, write, caplog, app):
    """An author expects a half-done draft not to freeze the published site; `check` still reports it."""
    client.get("/")
    with caplog.at_level(logging.ERROR, logger="app"):
        write({"posts/broken-draft.md": BROKEN_DRAFT, "pages/about.md": NEW_ABOUT})
        about = client.get("/about/")
        client.get("/")
    assert about.status_code == 200 and b"Rewritten about." in about.data
    assert client.get("/blog/broken-draft/").status_code == 404
    assert b"DRAFT" not in client.get("/blog/").data
    assert logged(caplog) == [
        "content errors in hidden drafts: readers see the rest of the changes",
        BROKEN_DRAFT_PROBLEM,
    ]
    with app.app_context():
        assert [str(problem) for problem in current_site().errors] == [BROKEN_DRAFT_PROBLEM]


def test_with_drafts_shown_a_broken_draft_holds_back_the_changes(make_app, write):
    client = make_app(SHOW_DRAFTS=True).test_client()
    client.get("/")
    write({"posts/broken-draft.md": BROKEN_DRAFT, "pages/about.md": NEW_ABOUT})
    about = client.get("/about/")
    assert about.status_code == 200 and b"I build" in about.data


def test_without_good_content_the_server_answers_503_naming_no_file(client, write):
    write({"posts/bad.md": BAD_POST})
    for url in ("/", "/nope/", "/feed.xml", "/static/style.css"):
        with client.get(url) as response:
            expected = 200 if url.startswith("/static/") else 503
            assert response.status_code == expected, url
            assert security_headers(response.headers) == HEADERS, url
            assert b"bad.md" not in response.data and b"tomorrow" not in response.data
    assert b"temporarily unavailable" in client.get("/").data
    write({"posts/bad.md": None})
    assert client.get("/").status_code == 200


def test_a_broken_site_toml_leaves_the_last_good_content_served(client, write):
    assert client.get("/").status_code == 200
    write({"site.toml": SITE_TOML + "nav = 5\n["})
    response = client.get("/")
    assert response.status_code == 200 and b"Test Site" in response.data


def test_debug_mode_shows_the_problem_page(make_app, write):
    client = make_app(DEBUG=True).test_client()
    client.get("/")
    write({"posts/bad.md": BAD_POST})
    for url in ("/", "/nope/"):
        response = client.get(url)
        assert response.status_code == 500
        assert b"posts/bad.md:3: date: not a date: &#39;tomorrow&#39;" in response.data


# --- the server under load while content changes ---------------------------------------------

POST_FILE = "posts/2024-01-10-first-post.md"
LOAD_PATHS = ["/", "/blog/page/2/", "/blog/first-post/", "/feed.xml"]  # the blog shows 2 posts a page


def post_version(name: str) -> str:
    return f"---\ntitle: Loaded {name}\ndate: 2024-01-10\ntags: [go]\n---\nBody of {name}.\n"


def fetch_until(port: int, stop: threading.Event, seen: list) -> None:
    """GET the load paths over one connection until told to stop; record (path, status, versions shown)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        while not stop.is_set():
            for path in LOAD_PATHS:
                connection.request("GET", path)
                response = connection.getresponse()
                body = response.read()
                versions = frozenset(name for name in ("OLD", "NEW") if f"Loaded {name}".encode() in body)
                seen.append((path, response.status, versions))
    finally:
        connection.close()


def rewrite_in_place(root, stop: threading.Event) -> int:
    """Save the post the way editors do (truncate, then write), and add and remove a broken draft."""
    saves = 0
    while not stop.is_set():
        for name in ("NEW", "OLD"):
            with open(root / POST_FILE, "w", encoding="utf-8") as handle:
                handle.write(post_version(name))
            saves += 1
        draft = root / "posts" / "broken-draft.md"
        if saves % 4:
            draft.write_text(BROKEN_DRAFT, encoding="utf-8")
        else:
            draft.unlink(missing_ok=True)
    return saves


def test_waitress_serves_old_or_new_content_while_a_post_is_saved_in_place(site_root, write):
    write({POST_FILE: post_version("OLD")})
    with waitress_app(site_root, threads=6) as port:
        assert raw_get(port, "/")[0] == 200  # a running site: it has had good content (else 503, tested above)
        stop = threading.Event()
        seen: list = []
        clients = [threading.Thread(target=fetch_until, args=(port, stop, seen)) for _ in range(6)]
        for thread in clients:
            thread.start()
        saves = []
        writer = threading.Thread(target=lambda: saves.append(rewrite_in_place(site_root, stop)))
        writer.start()
        time.sleep(3)
        stop.set()
        for thread in [writer, *clients]:
            thread.join(timeout=60)
        write({POST_FILE: post_version("NEW"), "posts/broken-draft.md": None})
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/blog/first-post/")
        final = connection.getresponse().read()
        connection.close()
    assert saves[0] > 10 and len(seen) > 100
    assert [entry for entry in seen if entry[1] != 200] == []
    assert [entry for entry in seen if len(entry[2]) != 1] == []  # each page shows exactly one version
    assert b"Loaded NEW" in final


# --- per-app caches keyed by nothing a client controls ----------------------------------------

CACHED_PATHS = [
    "/", "/blog/", "/blog/page/2/", "/blog/first-post/", "/tags/go/", "/feed.xml", "/tags/go/feed.xml", "/rss.xml",
    "/sitemap.xml", "/robots.txt", "/about/", "/about", "/nope/", "/tags/nope/", "/old/",
]  # fmt: skip


def cache_sizes(app) -> dict[str, int]:
    """The size of every cache the app keeps between requests."""
    state = app.extensions["flatfolio"]
    with app.app_context():
        served = state.served_pages(state.site())
    return {
        "built_urls": len(state.built_urls),
        "served_pages": len(served),
        "handed_over": len(state.render_cache._handed_over),
        "source_files": sum(len(folder._file_cache) for folder in state.folders.values()),
        "templates": len(app.jinja_env.cache or ()),
    }


@pytest.fixture
def redirect_site(write, site_root):
    write({"site.toml": SITE_TOML + '[redirects]\n"/old/" = "/about/"\n'})


@pytest.mark.parametrize("debug", [False, True])
def test_distinct_hosts_queries_and_headers_add_no_cache_entries(make_app, redirect_site, debug):
    app = make_app(DEBUG=debug)
    client = app.test_client()
    for path in CACHED_PATHS:
        client.get(path)
    before = cache_sizes(app)
    for number in range(2000):
        path = CACHED_PATHS[number % len(CACHED_PATHS)]
        headers = {"Host": f"h{number}.example", "X-Forwarded-Host": f"x{number}", "Accept-Language": f"l{number}"}
        response = client.get(f"{path}?q={number}", headers=headers)
        assert response.status_code in (200, 301, 308, 404), path
    assert cache_sizes(app) == before


def test_distinct_missing_paths_add_no_cache_entries(make_app, redirect_site):
    app = make_app()
    client = app.test_client()
    for path in CACHED_PATHS:
        client.get(path)
    before = cache_sizes(app)
    for number in range(500):
        for path in (f"/nope-{number}/", f"/tags/t{number}/", f"/blog/page/{'0' * (number % 50 + 1)}2/"):
            assert client.get(path).status_code == 404, path
    assert cache_sizes(app) == before


# --- security headers on every kind of response ------------------------------------------------

EXTRA_ROUTES_TOML = SITE_TOML + '[urls]\natom_feeds = ["/atom.xml"]\n[redirects]\n"/old/" = "/about/"\n'


@pytest.fixture
def extra_routes_app(make_app, write):
    write({"site.toml": EXTRA_ROUTES_TOML, "files/hello.txt": "hi\n"})
    return make_app


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [("GET", "/old/", 301), ("GET", "/hello.txt", 200), ("GET", "/atom.xml", 200), ("POST", "/", 405),
     ("HEAD", "/blog/", 200), ("GET", "/blog/page/02/", 404), ("GET", "/about", 308)],
)  # fmt: skip
def test_every_route_carries_the_security_headers(extra_routes_app, method, url, status):
    response = extra_routes_app().test_client().open(url, method=method)
    assert response.status_code == status
    assert security_headers(response.headers) == HEADERS


@pytest.mark.parametrize("path", [SCRIPT_PATH, STATE_PATH])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_live_reload_endpoints_carry_the_security_headers(make_app, path, method):
    response = make_app(DEBUG=True).test_client().open(path, method=method)
    assert response.status_code == (200 if method == "GET" else 405)
    assert security_headers(response.headers) == HEADERS


def test_the_problem_page_and_the_503_page_carry_the_security_headers(make_app, write):
    write({"posts/bad.md": BAD_POST})
    assert security_headers(make_app(DEBUG=True).test_client().get("/").headers) == HEADERS
    assert security_headers(make_app().test_client().get("/").headers) == HEADERS


# --- links in site settings ------------------------------------------------------------------


NAV_SETTING = 'nav = [{{ title = "X", url = "{}" }}]'
SOCIAL_SETTING = '[social]\nGitHub = "{}"'


@pytest.mark.parametrize(
    ("setting", "field", "url"),
    [
        (NAV_SETTING, "nav[0].url", "javascript:alert(1)"),
        (NAV_SETTING, "nav[0].url", " JavaScript:alert(1)"),
        (NAV_SETTING, "nav[0].url", "java\tscript:x"),  # browsers drop the tab
        (NAV_SETTING, "nav[0].url", "data:text/html,<b>"),
        (SOCIAL_SETTING, "social.GitHub", "vbscript:x"),
        (SOCIAL_SETTING, "social.GitHub", "data:,x"),
    ],
)
def test_unsafe_links_in_site_settings_are_problems(make_app, write, setting, field, url):
    toml_url = url.replace("\t", "\\t")
    write({"site.toml": SITE_TOML.replace("nav = [", "old_nav = [") + setting.format(toml_url) + "\n"})
    with make_app().app_context():
        errors = [str(p) for p in current_site().errors]
    expected = "a path like /blog/ or an http(s) URL" if field.startswith("nav") else "an http(s) URL"
    assert errors == [f"site.toml: {field}: expected {expected}, got {url!r}"]


@pytest.mark.parametrize("url", ["/blog/", "/about/", "https://example.org/", "http://example.org:8080/x?y=z#top"])
def test_ordinary_links_in_site_settings_are_accepted(make_app, write, url):
    write({"site.toml": SITE_TOML.replace("/about/", url)})
    with make_app().app_context():
        assert current_site().errors == []
