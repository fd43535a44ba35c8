"""Live reload: served only by the debug dev server, never part of a build."""

import json
import logging
import re
from pathlib import Path

import pytest
from conftest import read_tree, static_files
from test_cli import flask
from test_freeze import EXPECTED_FILES

from app import PROJECT_ROOT
from flatfolio.freeze import freeze_site
from flatfolio.livereload import SCRIPT_PATH, STATE_PATH, Watcher, _QuietPolls, watched_paths

DEV_SERVER = {"SERVER_SOFTWARE": "Werkzeug/3.1.8 Python/3.11"}  # what Werkzeug's dev server sends
SCRIPT_TAG = re.compile(r'<script src="/__flatfolio/live-reload\.js\?since=([0-9a-f]{24})" defer></script>')


def dev_server_client(app):
    """A test client whose requests look like they came through the dev server."""
    client = app.test_client()
    client.environ_base.update(DEV_SERVER)
    return client


def fingerprint(client) -> str:
    return json.loads(client.get(STATE_PATH).data)["fingerprint"]


def test_nothing_exists_without_debug(make_app):
    client = dev_server_client(make_app())
    # (the page route's slash redirect answers first; what it leads to does not exist)
    assert client.get(SCRIPT_PATH, follow_redirects=True).status_code == 404
    assert client.get(STATE_PATH, follow_redirects=True).status_code == 404
    assert b"<script src" not in client.get("/blog/first-post/").data


def test_debug_dev_server_pages_load_the_reload_script(make_app):
    client = dev_server_client(make_app(DEBUG=True))
    html = client.get("/blog/first-post/").get_data(as_text=True)
    tags = SCRIPT_TAG.findall(html)
    assert tags == [fingerprint(client)]
    # One executable script, external: nothing inline for a CSP to block (JSON-LD is data, not run).
    assert html.count("<script") - html.count('<script type="application/ld+json">') == 1
    assert html.index("live-reload.js") < html.index("</head>")


def test_script_and_state_are_served_uncached(make_app):
    client = make_app(DEBUG=True).test_client()
    script = client.get(SCRIPT_PATH)
    assert (script.status_code, script.mimetype) == (200, "text/javascript")
    assert script.headers["Cache-Control"] == "no-store"
    assert 'new URL("live-reload/state", script)' in script.get_data(as_text=True)
    state = client.get(STATE_PATH)
    assert (state.status_code, state.mimetype, state.headers["Cache-Control"]) == (200, "application/json", "no-store")
    assert re.fullmatch(r"[0-9a-f]{24}", json.loads(state.data)["fingerprint"])
    assert client.post(STATE_PATH).status_code == 405


def test_content_errors_page_also_reloads(make_app, write):
    client = dev_server_client(make_app(DEBUG=True))
    write({"posts/2024-01-10-first-post.md": "---\ntitle: [unclosed\n---\n"})
    response = client.get("/blog/first-post/")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "posts/2024-01-10-first-post.md:2: front matter: invalid YAML" in html
    assert SCRIPT_TAG.findall(html) == [fingerprint(client)]


def test_state_changes_when_a_post_is_saved(make_app, write):
    client = make_app(DEBUG=True).test_client()
    before = fingerprint(client)
    assert fingerprint(client) == before
    write({"posts/2024-01-10-first-post.md": "---\ntitle: New\ndate: 2024-01-10\n---\nNew text.\n"})
    assert fingerprint(client) != before


def test_pages_rendered_outside_the_dev_server_have_no_script(make_app):
    # A freeze renders through a test client: even a debug app must not link the script.
    client = make_app(DEBUG=True).test_client()
    assert b"live-reload" not in client.get("/").data


def test_watched_paths_cover_content_config_templates_and_static(make_app, site_root):
    assert watched_paths(make_app()) == [
        site_root / "posts", site_root / "pages", site_root / "site.toml",
        PROJECT_ROOT / "templates", PROJECT_ROOT / "static",
    ]  # fmt: skip


@pytest.fixture
def watched(tmp_path) -> tuple[Watcher, Path]:
    for name in ("posts/a.md", "pages/b.md", "site.toml", "templates/base.html", "static/style.css"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("v1")
    roots = [tmp_path / name for name in ("posts", "pages", "site.toml", "templates", "static")]
    return Watcher(roots), tmp_path


@pytest.mark.parametrize(
    "change",
    ["posts/a.md", "pages/b.md", "site.toml", "templates/base.html", "static/style.css", "posts/new.md",
     "static/img/new.png"],
)  # fmt: skip
def test_fingerprint_changes_with_every_watched_file(watched, change):
    watcher, root = watched
    before = watcher.fingerprint()
    (root / change).parent.mkdir(parents=True, exist_ok=True)
    (root / change).write_text("v2 longer")
    assert watcher.fingerprint() != before


def test_fingerprint_ignores_editor_swap_files_and_notices_deletions(watched):
    watcher, root = watched
    before = watcher.fingerprint()
    for name in (".a.md.swp", "a.md~", "#a.md#", ".#a.md"):
        (root / "posts" / name).write_text("x")
    assert watcher.fingerprint() == before
    (root / "pages" / "b.md").unlink()
    assert watcher.fingerprint() != before


def test_a_page_may_reuse_a_young_fingerprint_but_a_poll_never_does(watched):
    watcher, root = watched
    before = watcher.fingerprint()
    (root / "pages" / "b.md").write_text("---\ntitle: B\n---\nchanged\n")
    assert watcher.fingerprint(max_age=60) == before  # older than the content: one reload too many at worst
    assert watcher.fingerprint() != before


def test_a_restarted_server_is_a_change(watched):
    watcher, _ = watched
    assert Watcher(watcher.paths).fingerprint() != watcher.fingerprint()


def test_poll_requests_are_kept_out_of_the_console():
    def record(line):
        return logging.LogRecord("werkzeug", logging.INFO, "", 0, "%s - - %s", ("127.0.0.1", line), None)

    quiet = _QuietPolls()
    assert not quiet.filter(record(f'"GET {STATE_PATH} HTTP/1.1" 200 -'))
    assert quiet.filter(record('"GET /blog/ HTTP/1.1" 200 -'))


# --- never in a build -------------------------------------------------------------------


def assert_no_live_reload(out: Path):
    tree = read_tree(out)
    assert set(tree) == EXPECTED_FILES | static_files()
    assert [name for name, data in tree.items() if b"__flatfolio" in data or b"live-reload" in data] == []


def test_freezing_a_debug_app_builds_no_live_reload(make_app, tmp_path):
    out = tmp_path / "out"
    freeze_site(make_app(DEBUG=True), out)
    assert_no_live_reload(out)


def test_freeze_command_with_debug_builds_no_live_reload(site_root, tmp_path):
    out = tmp_path / "out"
    result = flask(site_root, "--debug", "freeze", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert_no_live_reload(out)
