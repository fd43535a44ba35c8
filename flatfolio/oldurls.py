"""Proof that a move kept every URL: each old URL (from a sitemap or a list) still answers on the new site."""

from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Flask

from .check import LinkChecker
from .content.site import Site
from .problems import Problem


def read_old_urls(path: Path, base_path: str = "") -> tuple[list[tuple[int, str]], list[Problem]]:
    """(line, site path) of every URL in a sitemap.xml or a text list (paths or absolute URLs, # comments)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        return [], [Problem(str(path), "file", f"cannot read: {error.strerror or error}")]
    if data.lstrip()[:5] in (b"<?xml", b"<urls") or b"<urlset" in data[:500]:
        return _sitemap_urls(path, data, base_path)
    found = []
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            found.append((number, _site_path(line, base_path)))
    return found, []


def _sitemap_urls(path: Path, data: bytes, base_path: str):
    import lxml.etree  # noqa: PLC0415 -- only sitemaps need it

    try:
        root = lxml.etree.fromstring(data, lxml.etree.XMLParser(resolve_entities=False, no_network=True))
    except lxml.etree.XMLSyntaxError as error:
        return [], [Problem(str(path), "sitemap", f"not valid XML: {error}", error.lineno)]
    locations = root.iterfind(".//{*}loc")
    return [(loc.sourceline, _site_path((loc.text or "").strip(), base_path)) for loc in locations], []


def _site_path(url: str, base_path: str) -> str:
    """The site path of an old URL: host and the old base path dropped, escapes decoded."""
    path = unquote(urlsplit(url).path) or "/"
    if base_path and (path + "/").startswith(base_path + "/"):
        path = path[len(base_path) :] or "/"
    return path if path.startswith("/") else "/" + path


def missing_old_urls(app: Flask, site: Site, listing: Path) -> tuple[int, list[Problem]]:
    """How many old URLs the list holds, and a problem for each that no page, redirect or file answers."""
    urls, problems = read_old_urls(listing, site.config.base_path)
    checker = LinkChecker(app, site)
    for line, path in urls:
        if not _answers(checker, path):
            problems.append(Problem(str(listing), "old URL", f"{path}: nothing answers here any more", line))
    return len(urls), problems


def _answers(checker: LinkChecker, path: str) -> bool:
    """Whether a static host would answer `path` from the build: itself, path/index.html or path.html."""
    candidates = [path]
    if not path.endswith("/"):
        candidates += [path + "/", path + ".html"]
    if path.endswith("/index.html"):
        candidates.append(path[: -len("index.html")])
    return any(checker.resolve_published(candidate) for candidate in candidates)
