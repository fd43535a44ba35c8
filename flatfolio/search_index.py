"""The search index: published posts as records, indexed by Pagefind's binary in a process of its own.

`Indexing.start` launches Pagefind and returns at once, so a freeze makes its pages while
the index is built; `files()` waits for it. The records are the posts' title, tags and
body only (no nav or footer).
"""

import os
import re
import shutil
import subprocess
import tempfile
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


class SearchIndexError(Exception):
    """Pagefind could not index the posts (missing binary, crash, timeout)."""


def index_key(site: Site) -> str:
    """A hash of everything the index is made from: each published post's URL, title, date, tags and body text."""
    parts = [_code_fingerprint(), _pagefind_version(), renderer_fingerprint(), _language(site)]
    for post in site.published_posts:
        parts += [post.url, post.title, post.date.isoformat(), *(tag.name for tag in post.tags), "\0", post.file.body]
    return hash_parts(*parts)


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
    """One Pagefind run over the records of a Site's published posts, started and not yet collected."""

    def __init__(self, key: str, site: Site, render):
        self.key = key
        self._temp = tempfile.mkdtemp(prefix="flatfolio-search-")
        self._process = None
        if not site.published_posts:  # Pagefind refuses an empty folder; the page then lists no posts either
            return
        from pagefind_bin import get_executable  # noqa: PLC0415 -- only when an index is made

        posts = Path(self._temp, "site")
        posts.mkdir()
        for post in site.published_posts:
            path = posts / output_file(post.url)
            path.parent.mkdir(parents=True, exist_ok=True)
            # Rendered for the site root (cached), as result URLs are: the same records whatever base path.
            path.write_text(record(site, post, render(post.file.body, "")), encoding="utf-8")
        command = [
            str(get_executable()), "--site", str(posts), "--output-path", str(Path(self._temp, "out")),
            "--force-language", _language(site),
        ]  # fmt: skip
        # Output to a file, not a pipe: nobody reads a pipe while pages are made, and a full one would stall it.
        with open(Path(self._temp, "log"), "wb") as log:
            try:
                self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
            except OSError as error:
                self.close()
                raise SearchIndexError(f"pagefind: {error}") from None

    def files(self) -> dict[str, bytes]:
        """Wait for Pagefind; its shipped files by name, in name order."""
        try:
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
    """Pagefind's files for the published posts of `site`, made now."""
    return Indexing(index_key(site), site, render).files()
