"""Page bundles: a post that is a folder (posts/2024-05-01-x/index.md) and the files beside it, served at its URL."""

import posixpath
from pathlib import Path, PurePosixPath

from .urls import Route, files_below, is_hidden_or_junk

INDEXES = ("index.md", "index.markdown")  # a folder of posts/ holding one of these is a bundle
PAGE_SUFFIXES = (".md", ".markdown")  # Markdown beside index.md is a resource of the post (as in Hugo): never published


def is_bundle(source: str) -> bool:
    """Whether a post's source ("posts/x/index.md") is the index of a bundle, not a file at the top of posts/."""
    # String tests, not a path parse: this runs for every post on every rebuild of the Site.
    return source.count("/") >= 2 and source.endswith(("/index.md", "/index.markdown"))


def _skipped(name: str) -> bool:
    """What a bundle never publishes: dotfiles, editor litter and Markdown (other pages' text, notes)."""
    return is_hidden_or_junk(name) or name.endswith(PAGE_SUFFIXES)


def bundle_files(post_files, posts_root: Path) -> dict[str, dict[str, Path]]:
    """The files of each bundle by the post's source, then by their path inside the bundle ("img/a.png")."""
    found = {}
    for file in post_files:
        if is_bundle(file.source):
            folder = PurePosixPath(*PurePosixPath(file.source).parts[1:-1])  # posts/<folder>/index.md
            files = files_below(posts_root / folder, _skipped)
            if files:
                found[file.source] = files
    return found


def folder_url(url: str) -> str:
    """The URL a relative link on the page at `url` starts from: "/blog/x/" stays, "/blog/x.html" -> "/blog/"."""
    return url if url.endswith("/") else url.rsplit("/", 1)[0] + "/"


def resolve(url: str, link: str) -> str:
    """A link relative to the page at `url` as a site path, as a browser reads it ("../a.png" and "./a.png" too)."""
    joined = posixpath.normpath(posixpath.join(folder_url(url), link))
    return joined if joined.startswith("/") else "/" + joined


def bundle_routes(entries, bundles: dict[str, dict[str, Path]]) -> list[tuple[str, Route]]:
    """(path, Route) of every file of the shown posts' bundles: a hidden post's files are never routed."""
    claims = []
    for entry in entries:
        files = bundles.get(entry.source)
        if not files:
            continue
        folder, base = posixpath.dirname(entry.source), folder_url(entry.url)
        for rel, path in files.items():
            claims.append((base + rel, Route("file", f"{folder}/{rel}", path, "file")))
    return claims
