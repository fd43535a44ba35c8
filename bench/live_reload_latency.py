"""Measure live reload latency: from saving a post to its new text on screen in Chromium.

Usage: python bench/live_reload_latency.py [SAVES]   (needs chromium and playwright)
Starts `flask --app app run --debug` on a copy of the test site, opens a post in headless
Chromium, saves the file SAVES times (default 20) and prints min / median / max seconds.
"""

import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from conftest import FIXTURE_SITE, write_files  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from servers import free_port  # noqa: E402

from scripts.shipped_site import CHROMIUM_FLAGS  # noqa: E402


def main(saves: int) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("chromium is not installed")
    with tempfile.TemporaryDirectory() as folder:
        site = write_files(Path(folder) / "site", FIXTURE_SITE)
        post = site / "posts" / "2024-01-10-first-post.md"
        original = post.read_text(encoding="utf-8")
        port = free_port()
        env = {**os.environ, "FLASK_SITE_ROOT": str(site)}
        server = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "run", "--debug", "--port", str(port)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urlopen(url + "/", timeout=2):
                        break
                except (URLError, ConnectionError):
                    if time.monotonic() > deadline:
                        sys.exit("dev server did not start")
                    time.sleep(0.1)
            times = []
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
                page = browser.new_page()
                page.goto(url + "/blog/first-post/")
                for number in range(saves):
                    marker = f"Saved version {number}"
                    post.write_text(original.replace("The first paragraph", marker), encoding="utf-8")
                    saved = time.monotonic()
                    page.wait_for_function(
                        "text => document.body && document.body.innerText.includes(text)",
                        arg=marker, polling="raf", timeout=10_000,
                    )  # fmt: skip
                    times.append(time.monotonic() - saved)
                    time.sleep(0.3)  # let the reloaded page settle, like an author between saves
                browser.close()
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=10)
    print(
        f"{saves} saves: min {min(times):.3f} s, median {statistics.median(times):.3f} s, max {max(times):.3f} s"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
