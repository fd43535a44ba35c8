"""Live reload: served only by the debug dev server, never part of a build."""

import json
import logging
import re
from pathlib import Path

import pytest
from conftest import read_tree, static_files
from test_cli import flask
from test_freeze import EXPECTED_FILES, search_index_files

from app import PROJECT_ROOT
from flatfolio.build.freeze import freeze_site
from flatfolio.livereload import SCRIPT_PATH, STATE_PATH, Fingerprint, _QuietPolls
from flatfolio.watch import Watched, Watcher, published

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


def test_watched_paths_cover_content_config_files_templates_and_static(make_app, site_root):
    assert [watched.path for watched in make_app().extensions["flatfolio"].watched] == [
        site_root / "posts", site_root / "pages", site_root / "site.toml", site_root / "files",
        PROJECT_ROOT / "templates", PROJECT_ROOT / "static",
    ]  # fmt: skip


@pytest.fixture(params=[True, False], ids=["inotify", "walk"])
def watched(request, tmp_path) -> tuple[Fingerprint, Path]:
    for name in ("posts/a.md", "pages/b.md", "site.toml", "files/.well-known/x", "templates/base.html",
                 "static/style.css"):  # fmt: skip
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("v1")
    roots = [Watched(tmp_path / name) for name in ("posts", "pages", "site.toml", "templates")]
    watcher = Watcher([*roots, published(tmp_path / "files"), published(tmp_path / "static")], request.param)
    assert watcher.walking is not request.param
    yield Fingerprint(watcher.generation), tmp_path
    watcher.close()


@pytest.mark.parametrize(
    "change",
    ["posts/a.md", "pages/b.md", "site.toml", "templates/base.html", "static/style.css", "posts/new.md",
     "static/img/new.png", "files/.well-known/x", "files/new/deep.txt"],
)  # fmt: skip
def test_fingerprint_changes_with_every_watched_file(watched, change):
    fingerprint, root = watched
    before = fingerprint()
    (root / change).parent.mkdir(parents=True, exist_ok=True)
    (root / change).write_text("v2 longer")
    assert fingerprint() != before


def test_fingerprint_ignores_editor_swap_files_and_notices_deletions(watched):
    fingerprint, root = watched
    before = fingerprint()
    for name in (".a.md.swp", "a.md~", "#a.md#", ".#a.md"):
        (root / "posts" / name).write_text("x")
        (root / "files" / name).write_text("x")
    (root / "build").mkdir()  # beside the watched folders
    assert fingerprint() == before
    (root / "pages" / "b.md").unlink()
    assert fingerprint() != before


def test_every_consumer_sees_each_change(watched):
    # The content state and each open tab read one watcher: a change seen by one is seen by all.
    fingerprint, root = watched
    tabs = [Fingerprint(fingerprint.generation) for _ in range(2)]
    before = [tab() for tab in tabs]
    (root / "posts" / "a.md").write_text("v2 longer")
    assert tabs[0]() != before[0]
    assert tabs[1]() != before[1]
    assert [tab() for tab in tabs] == [tab() for tab in tabs]


def test_a_restarted_server_is_a_change(watched):
    fingerprint, _ = watched
    assert Fingerprint(fingerprint.generation)() != fingerprint()


def test_poll_requests_are_kept_out_of_the_console():
    def record(line):
        return logging.LogRecord("werkzeug", logging.INFO, "", 0, "%s - - %s", ("127.0.0.1", line), None)

    quiet = _QuietPolls()
    assert not quiet.filter(record(f'"GET {STATE_PATH} HTTP/1.1" 200 -'))
    assert quiet.filter(record('"GET /blog/ HTTP/1.1" 200 -'))


# --- never in a build -------------------------------------------------------------------


def assert_no_live_reload(out: Path):
    tree = read_tree(out)
    assert set(tree) - search_index_files(tree) == EXPECTED_FILES | static_files()
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
