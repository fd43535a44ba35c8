"""The shipped site as readers get it: frozen into a folder and served over HTTP on 127.0.0.1.

Shared by the browser tests (tests/shipped/) and scripts/lighthouse.py.
"""

import re
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import lxml.html

from app import PROJECT_ROOT, create_app
from flatfolio.build.freeze import freeze_site

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip  # without the networking flags Chromium keeps calling hosts it cannot reach
NODE_MODULES = PROJECT_ROOT / "node_modules"
_ANNOUNCED_PORT = re.compile(r" port (\d+) ")


@contextmanager
def serving(folder: Path, startup_timeout: float = 15.0) -> Iterator[str]:
    """Serve `folder` with Python's http.server on a free 127.0.0.1 port; yields the base URL."""
    command = [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(folder)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        yield f"http://127.0.0.1:{_announced_port(server, startup_timeout)}/"
    finally:
        server.terminate()  # our own child's PID: sys.executable is the real interpreter, not a shim
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stdout.close()


def _announced_port(server: subprocess.Popen, timeout: float) -> int:
    """The port http.server picked, read from its "Serving HTTP on ... port N" line."""
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([server.stdout], [], [], remaining)
        if not ready:
            break
        line = server.stdout.readline()
        if not line:
            raise RuntimeError(f"http.server exited with status {server.wait()} before serving")
        if match := _ANNOUNCED_PORT.search(line):
            return int(match.group(1))
    raise RuntimeError(f"http.server did not announce its port within {timeout:.0f} s")


@contextmanager
def built_and_served(folder: Path, site_root: Path = PROJECT_ROOT) -> Iterator[tuple[Path, str]]:
    """Freeze the site at `site_root` into `folder`/build and serve it; yields (build, base URL).

    The server starts first so the build can use its address as base URL: absolute links
    (canonical, OpenGraph, feeds) then point into the served build, whatever site.toml says.
    """
    build = folder / "build"  # made by the freeze; http.server looks the folder up on each request
    with serving(build) as url:
        freeze_site(create_app({"SITE_ROOT": str(site_root)}), build, base_url=url)
        yield build, url


def page_url(build: Path, file: Path, base_url: str) -> str:
    """The URL a built HTML file is served at (`x/index.html` is `x/`)."""
    path = file.relative_to(build).as_posix()
    return base_url + (path.removesuffix("index.html") if path.endswith("index.html") else path)


def built_file(build: Path, url: str, base_url: str) -> Path | None:
    """The file in the build a URL is served from; None if the URL is outside the site."""
    if not url.startswith(base_url):
        return None
    path = unquote(urlsplit(url).path)[len(urlsplit(base_url).path) :]
    return build / (path + "index.html" if path == "" or path.endswith("/") else path)


def linked_urls(build: Path, url: str, base_url: str) -> list[str]:
    """Absolute URLs (fragment dropped) of the `<a href>` links in a built page, in document order."""
    document = lxml.html.parse(str(built_file(build, url, base_url))).getroot()
    return [urljoin(url, href).split("#", 1)[0] for href in document.xpath("//a/@href")]


def post_urls(build: Path, base_url: str, max_pages: int = 100) -> list[str]:
    """The built posts the blog index lists, in its order (newest first), following its pages."""
    post = re.compile(re.escape(base_url) + r"blog/(?!page/)[^/]+/$")
    found, index = [], base_url + "blog/"
    for _ in range(max_pages):
        document = lxml.html.parse(str(built_file(build, index, base_url))).getroot()
        for href in document.xpath("//a/@href"):
            url = urljoin(index, href).split("#", 1)[0]
            if post.match(url) and url not in found and built_file(build, url, base_url).is_file():
                found.append(url)
        older = document.xpath("//a[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]/@href")
        if not older:
            break
        index = urljoin(index, older[0])
    return found
