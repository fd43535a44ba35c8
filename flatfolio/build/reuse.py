"""Incremental freezing: reuse a file of the previous build when nothing it was made from changed.

A frozen file is made from three things:
- the build key: flatfolio's code, the templates, the static files, site.toml, the
  base URL and the library versions;
- the front matter of every published entry, which decides lists, neighbours,
  related posts, tags and URLs (`Site.front_matter_digest`);
- the bodies of the entries it shows, recorded while it renders
  (`content.recording_body_uses`).
Its page key hashes exactly those. A file whose key is what the last build recorded,
and which is still as that build left it, is hard-linked into the new build instead of
being rendered again. The record lives in the site's `.cache/` folder, one per destination.
"""

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from flask import Flask

from ..cache import hash_parts, installed_versions
from ..content.site import Site
from ..store import Store
from .output import MANIFEST

RECORD_FOLDER = "builds"
RECORD_VERSION = 2  # 2: kept in the cache store
# Installed code that shapes the output, besides flatfolio itself.
OUTPUT_LIBRARIES = (
    "flask", "werkzeug", "jinja2", "markupsafe", "frozen-flask", "flask-flatpages", "feedgen", "lxml",
    "markdown-it-py", "mdit-py-plugins", "pygments", "pyyaml", "pillow", "typst",
    "bibtexparser", "pylatexenc",  # publications pages
)  # fmt: skip
# The app settings that change what pages say (others, like RUN_FROM_CLI, do not).
OUTPUT_SETTINGS = ("SITE_ROOT", "SHOW_DRAFTS", "BASE_URL", "APPLICATION_ROOT", "PREFERRED_URL_SCHEME", "SERVER_NAME")
_PACKAGE = Path(__file__).resolve().parent.parent  # all of flatfolio's code, not only build/


@dataclass
class PageRecord:
    """What the last build made for one URL: the file, its key, the bodies it used, its links."""

    file: str  # relative to the build root
    key: str
    uses: list[str]  # sources of the entries whose bodies the page used
    links: list[str]  # href/src values, for the broken-link check without re-reading the file
    stat: tuple[int, int, int] = (0, 0, 0)  # inode, size, mtime_ns of the file in the destination


def _tree_digest(folder: Path | None, digest) -> None:
    """Feed the names and bytes of every file below `folder` into `digest`."""
    if folder is None or not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(hashlib.blake2b(path.read_bytes(), digest_size=16).digest())


def build_key(app: Flask, site: Site, base_url: str) -> str:
    """A hash of everything every frozen file depends on besides content."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"record {RECORD_VERSION}; python {sys.version}; base {base_url}\n".encode())
    digest.update(installed_versions(OUTPUT_LIBRARIES).encode())
    _tree_digest(_PACKAGE, digest)
    root = Path(app.root_path)
    for folder in (app.template_folder, app.static_folder):
        _tree_digest(root / folder if folder else None, digest)
    factory = root / "app.py"
    if factory.is_file():
        digest.update(factory.read_bytes())
    site_toml = Path(app.config["SITE_ROOT"]) / "site.toml"
    digest.update(site_toml.read_bytes() if site_toml.is_file() else b"")
    digest.update(repr([app.config.get(name) for name in OUTPUT_SETTINGS]).encode())
    digest.update(site.front_matter_digest.encode())
    return digest.hexdigest()


def page_key(build: str, url: str, uses, site: Site) -> str | None:
    """The key of the file made for `url` from the bodies `uses`; None if one of them is gone."""
    bodies = []
    for source in sorted(uses):
        body = site.body_digest(source)
        if body is None:
            return None
        bodies += [source, body]
    return hash_parts(build, url, *bodies)


def _records(cache_root: Path | None) -> Store:
    return Store(cache_root, RECORD_FOLDER, f"record-{RECORD_VERSION}")


def _record_key(out: Path) -> str:
    return hash_parts(str(out.resolve()))


def spare_folder(cache_root: Path | None, out: Path) -> Path | None:
    """Where the build before last into `out` is kept, to be brought up to date by the next build."""
    return None if cache_root is None else cache_root / RECORD_FOLDER / f"{_record_key(out)}.spare"


def file_stat(path: Path | str) -> tuple[int, int, int]:
    """(inode, size, mtime_ns): changes whenever the file is replaced or rewritten."""
    stat = os.stat(path)
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


def load_record(cache_root: Path | None, out: Path) -> dict[str, PageRecord]:
    """The last build's pages by URL; empty when there is no usable record."""
    data = _records(cache_root).read(_record_key(out))
    if data is None:
        return {}
    try:
        pages = json.loads(data)
        return {url: PageRecord(**{**fields, "stat": tuple(fields["stat"])}) for url, fields in pages.items()}
    except (ValueError, TypeError, KeyError, AttributeError):
        return {}  # written by other code under the same version: build everything


def save_record(cache_root: Path | None, out: Path, pages: dict[str, PageRecord]) -> None:
    """Keep this build's record for the next one; failing to write it only costs a full build."""
    data = {url: vars(page) for url, page in sorted(pages.items())}
    _records(cache_root).write(_record_key(out), json.dumps(data, separators=(",", ":")).encode())


def forget_record(cache_root: Path | None, out: Path) -> None:
    """Drop the record before `out` changes, so a failed or interrupted build never leaves a stale one."""
    # Cannot delete it (no cache folder, read-only): still safe, as each file's
    # recorded inode and mtime no longer match a file the new build replaced.
    _records(cache_root).delete(_record_key(out))


def reusable(previous: dict[str, PageRecord], urls, build: str, site: Site, out: Path) -> dict[str, PageRecord]:
    """The URLs among `urls` whose file in `out` can be reused as it is, with their records."""
    found = {}
    root = str(out)
    for url in urls:
        page = previous.get(url)
        if page is None or page_key(build, url, page.uses, site) != page.key:
            continue
        try:
            if file_stat(os.path.join(root, page.file)) == page.stat:
                found[url] = page
        except OSError:
            continue
    return found


class Plan:
    """One build's reuse, made once per build: the spare tree, what to link from `out`, how to record the build."""

    def __init__(self, app: Flask, site: Site, base_url: str, out: Path):
        self.app, self.site, self.base_url, self.out = app, site, base_url, out
        self.cache_root = app.extensions["flatfolio"].render_cache.root
        self.spare = spare_folder(self.cache_root, out)  # None when caching is off: every file is made afresh
        self.reused: dict[str, PageRecord] = {}

    @cached_property
    def key(self) -> str:
        """The build key, computed when first needed: inside the build, which reports a failed read."""
        return build_key(self.app, self.site, self.base_url)

    def reusable(self, urls) -> dict[str, PageRecord]:
        """The URLs among `urls` whose file in `out` is still current (an empty folder has none)."""
        previous = load_record(self.cache_root, self.out) if (self.out / MANIFEST).is_file() else {}
        self.reused = reusable(previous, urls, self.key, self.site, self.out)
        return self.reused

    def pages(self, made: dict[str, tuple[str, list[str], list[str]]]) -> dict[str, PageRecord]:
        """The record of every URL's file: the reused ones and those `made` (url -> file, bodies used, links)."""
        pages = dict(self.reused)
        for url, (name, uses, links) in made.items():
            key = page_key(self.key, url, uses, self.site)
            if key is not None:
                pages[url] = PageRecord(name, key, uses, links)
        return pages

    def forget(self) -> None:
        """Before `out` changes: until the new record is saved, nothing is reused."""
        forget_record(self.cache_root, self.out)

    def record(self, pages: dict[str, PageRecord]) -> None:
        """After the swap: keep each page's key and file stat in `out` for the next build."""
        for page in pages.values():
            page.stat = file_stat(self.out / page.file)
        save_record(self.cache_root, self.out, pages)


def plan(app: Flask, site: Site, base_url: str, out: Path) -> Plan:
    """The reuse plan of a build of `site` into `out`."""
    return Plan(app, site, base_url, out)
