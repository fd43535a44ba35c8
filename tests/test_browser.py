"""Live reload in a real browser: the real dev server, a file saved, the page updating by itself."""

import os
import shutil
import signal
import subprocess
import sys
import time
from urllib.error import URLError
from urllib.request import urlopen

import pytest
from servers import free_port

from app import PROJECT_ROOT

CHROMIUM = shutil.which("chromium")
RELOAD_TIMEOUT_MS = 5000

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install -y chromium)")


@pytest.fixture
def dev_server(site_root, tmp_path):
    """`flask --app app run --debug` on the test site, as the author starts it; yields its URL."""
    port = free_port()
    env = {**os.environ, "FLASK_SITE_ROOT": str(site_root)}
    env.pop("FLASK_DEBUG", None)
    log = (tmp_path / "server.log").open("w")
    # A session of its own: the reloader's child process is stopped with the server.
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "run", "--debug", "--host", "127.0.0.1", "--port", str(port)],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            try:
                with urlopen(url + "/", timeout=2):
                    break
            except (URLError, ConnectionError):
                assert time.monotonic() < deadline, "dev server did not start"
                time.sleep(0.1)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
        log.close()


def test_open_post_reloads_itself_on_save_and_recovers_from_errors(dev_server, site_root, browser):
    from playwright.sync_api import expect

    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(dev_server + "/blog/first-post/")
    content = page.locator("article .content")
    expect(content).to_contain_text("The first paragraph")
    post = site_root / "posts" / "2024-01-10-first-post.md"
    original = post.read_text(encoding="utf-8")

    # Save an edit: the open page shows it without anyone touching the browser.
    post.write_text(original.replace("The first paragraph", "Edited while the browser watched"), encoding="utf-8")
    expect(content).to_contain_text("Edited while the browser watched", timeout=RELOAD_TIMEOUT_MS)

    # Break the front matter: the page turns into the problems page, naming file, line and problem.
    post.write_text("---\ntitle: [unclosed\ndate: 2024-01-10\n---\nBody.\n", encoding="utf-8")
    expect(page.locator("h1")).to_have_text("The site has content errors", timeout=RELOAD_TIMEOUT_MS)
    expect(page.locator("li").first).to_contain_text("posts/2024-01-10-first-post.md:2: front matter: invalid YAML")

    # Fix it: the problems page turns back into the post by itself.
    post.write_text(original.replace("The first paragraph", "Fixed and back"), encoding="utf-8")
    expect(content).to_contain_text("Fixed and back", timeout=RELOAD_TIMEOUT_MS)

    # A site config change shows too.
    toml = site_root / "site.toml"
    toml.write_text(toml.read_text().replace('title = "Test Site"', 'title = "Renamed Site"'))
    expect(page.locator(".site-title")).to_have_text("Renamed Site", timeout=RELOAD_TIMEOUT_MS)
    assert errors == []
    page.close()


def test_every_save_reloads_again(dev_server, site_root, browser):
    # Latency is measured by bench/live_reload_latency.py, not asserted here.
    page = browser.new_page()
    page.goto(dev_server + "/about/")
    page_file = site_root / "pages" / "about.md"
    for attempt in range(3):
        page_file.write_text(f"---\ntitle: About me\n---\nVersion {attempt}.\n", encoding="utf-8")
        page.wait_for_function(
            "text => document.body && document.body.innerText.includes(text)",
            arg=f"Version {attempt}.", polling=50, timeout=RELOAD_TIMEOUT_MS,
        )  # fmt: skip
    page.close()
