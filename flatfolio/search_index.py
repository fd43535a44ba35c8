"""The search index: published posts as records, in parts, each indexed by Pagefind's binary in a process.

A freeze writes the records of the parts it needs and launches the first few Pagefind
runs before making its pages, so they share its time; `collect` waits for them and runs
the rest, as many at once as there are cores. The records are the posts' title, tags and
body only (no nav or footer).
"""

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from markupsafe import escape

from .cache import hash_parts, renderer_fingerprint
from .content.site import Site
from .urls import output_file

INDEX_VERSION = "1"  # raise when the records below change shape
# What pagefind.js loads: the script, its worker, the entry, the wasm and the index chunks (not its UIs).
SHIPPED = re.compile(
    r"pagefind\.js|pagefind-worker\.js|pagefind-entry\.json|wasm\.[\w-]+\.pagefind|pagefind\.[\w-]+\.pf_meta"
    r"|(index|fragment|filter)/[\w-]+\.pf_(index|fragment|filter)"
)
# Marks the renderer adds that are not text to find: heading `#` links and code line numbers.
NOT_TEXT = {
    '<a class="heading-anchor" ': '<a data-pagefind-ignore class="heading-anchor" ',
    '<span class="ln" ': '<span data-pagefind-ignore class="ln" ',
}
TIMEOUT = 600  # seconds for one indexing run: a bound, never a hang
PART_POSTS = 64  # posts in one part of the index, about (index_parts)


class SearchIndexError(Exception):
    """Pagefind could not index the posts (missing binary, crash, timeout)."""


@dataclass(frozen=True)
class Part:
    """One part of the index: its folder below the index folder ("" for a one-part index), posts and key."""

    folder: str
    posts: tuple
    key: str  # a hash of everything the part is made from: each post's URL, title, date, tags and body


def index_parts(site: Site) -> list[Part]:
    """The published posts split into parts of about PART_POSTS, by a hash of their URL; empty parts left out.

    Pagefind cannot update an index, so an edit re-indexes only its post's part. The number
    of parts is a power of two, so it changes (and every part with it) only when the site
    doubles. The search page loads the first part and merges the others (`mergeIndex`).
    """
    posts = site.published_posts
    count = 1
    while count * PART_POSTS < len(posts):
        count *= 2
    numbered: dict[int, list] = {}
    for post in posts:
        numbered.setdefault(int(hash_parts(post.url)[:8], 16) % count, []).append(post)
    common = [_code_fingerprint(), _pagefind_version(), renderer_fingerprint(), _language(site), str(count)]
    parts = []
    for number, members in sorted(numbered.items()):
        values = [*common, str(number)]
        for post in members:
            values += [post.url, post.title, post.date.isoformat(), *(tag.name for tag in post.tags), "\0"]
            values.append(post.file.body)
        parts.append(Part(f"part-{number:03d}/" if count > 1 else "", tuple(members), hash_parts(*values)))
    return parts


def index_key(parts: list[Part]) -> str:
    """A hash of everything the whole index is made from: each part's folder and key."""
    return hash_parts(*(part.folder + part.key for part in parts))


@cache
def _code_fingerprint() -> str:
    """This module's code and the index layout version: an edit of the records makes the index again."""
    return hash_parts(INDEX_VERSION, Path(__file__).read_text(encoding="utf-8"))


def _pagefind_version() -> str:
    try:
        return version("pagefind-bin")
    except PackageNotFoundError:
        return "unknown"


def _language(site: Site) -> str:
    """The ISO 639-1 code Pagefind stems words for (en-GB -> en)."""
    language = site.config.language if site.config else "en"
    return (language or "en").split("-")[0].lower()


def record(site: Site, post, body: str) -> str:
    """One post as Pagefind reads it: title (its result title), tags and body HTML; no nav, no footer."""
    tags = ", ".join(tag.name for tag in post.tags)
    day = post.date.strftime("%-d %B %Y")  # shown under the result's title
    for mark, ignored in NOT_TEXT.items():
        body = body.replace(mark, ignored)
    return (
        f'<!doctype html><html lang="{escape(_language(site))}"><head><meta charset="utf-8">'
        f"<title>{escape(post.title)}</title></head><body>"
        f'<main data-pagefind-body data-pagefind-meta="date:{day}">'
        f"<h1>{escape(post.title)}</h1><p>{escape(tags)}</p>{body}</main></body></html>"
    )


class Indexing:
    """One Pagefind run over the records of some published posts: records written, run launched, files collected."""

    def __init__(self, key: str, site: Site, render, posts=None):
        self.key = key
        self._temp = tempfile.mkdtemp(prefix="flatfolio-search-")
        self._process = None
        self._command: list[str] | None = None
        posts = site.published_posts if posts is None else posts
        if not posts:  # Pagefind refuses an empty folder; the page then lists no posts either
            return
        from pagefind_bin import get_executable  # noqa: PLC0415 -- only when an index is made

        folder = Path(self._temp, "site")
        folder.mkdir()
        for post in posts:
            path = folder / output_file(post.url)
            path.parent.mkdir(parents=True, exist_ok=True)
            # Rendered for the site root (cached), as result URLs are: the same records whatever base path.
            path.write_text(record(site, post, render(post.file.body, "")), encoding="utf-8")
        self._command = [
            str(get_executable()), "--site", str(folder), "--output-path", str(Path(self._temp, "out")),
            "--force-language", _language(site),
        ]  # fmt: skip

    def launch(self) -> None:
        """Start Pagefind, once."""
        if self._command is None or self._process is not None:
            return
        # Output to a file, not a pipe: nobody reads a pipe while pages are made, and a full one would stall it.
        with open(Path(self._temp, "log"), "wb") as log:
            try:
                self._process = subprocess.Popen(self._command, stdout=log, stderr=subprocess.STDOUT)
            except OSError as error:
                self.close()
                raise SearchIndexError(f"pagefind: {error}") from None

    def files(self) -> dict[str, bytes]:
        """Wait for Pagefind (launched now if it was not); its shipped files by name, in name order."""
        try:
            self.launch()
            if self._process is None:
                return {}
            try:
                code = self._process.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                raise SearchIndexError(f"pagefind: no index after {TIMEOUT} s") from None
            if code != 0:
                log = Path(self._temp, "log").read_text(errors="replace")
                raise SearchIndexError(f"pagefind exited with {code}: {log[-2000:]}")
            bundle, files = Path(self._temp, "out"), {}
            for folder, _, names in os.walk(bundle):
                for name in names:
                    relative = Path(folder, name).relative_to(bundle).as_posix()
                    if SHIPPED.fullmatch(relative):
                        files[relative] = Path(folder, name).read_bytes()
            return dict(sorted(files.items()))
        finally:
            self.close()

    def close(self) -> None:
        """Stop Pagefind if it still runs and remove the records; safe to call twice."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        shutil.rmtree(self._temp, ignore_errors=True)


def build_index(site: Site, render) -> dict[str, bytes]:
    """Pagefind's files for the published posts of `site`, made now, each part in its folder."""
    runs = {part.folder: Indexing(part.key, site, render, part.posts) for part in index_parts(site)}
    return {folder + name: data for folder, found in collect(runs).items() for name, data in found.items()}


def collect(runs: dict[str, Indexing]) -> dict[str, dict[str, bytes]]:
    """Each run's files, by part folder; at most as many Pagefind processes at once as there are cores."""
    order = list(runs.values())
    found = {}
    for index, (folder, run) in enumerate(runs.items()):
        for ahead in order[index : index + (os.cpu_count() or 1)]:
            ahead.launch()
        found[folder] = run.files()
    return found
