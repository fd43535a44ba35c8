"""Where everything lives: entry URLs, redirects, files at the site root and extra feeds, one owner per path."""

import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from fnmatch import translate
from pathlib import Path
from urllib.parse import SplitResult, urlsplit

from .problems import Problem

ROOT_FILES = "files"  # <site>/files/x/y.png is served at /x/y.png
DEFAULT_POST_URL = "/blog/{slug}/"
POST_URL_FIELDS = ("year", "month", "day", "slug")
# Editor backups, swap files and OS litter: never published, from files/ or static/.
JUNK = (".DS_Store", "._*", "*~", "*.swp", "*.swo", "*.swx", ".#*", "#*#", "*.tmp", "Thumbs.db", "desktop.ini",
        ".gitkeep", ".git", ".gitignore", ".svn", ".hg")  # fmt: skip
# Paths the site itself writes, by output file, with what writes them.
SITE_FILES = {
    "index.html": "the home page", "blog/index.html": "the blog index", "tags/index.html": "the tag index",
    "feed.xml": "the Atom feed", "rss.xml": "the RSS feed", "sitemap.xml": "the sitemap", "robots.txt": "robots.txt",
    "code.css": "the code stylesheet", "404.html": "the 404 page", ".nojekyll": "every build (.nojekyll)",
    "feed.json": "the JSON feed",
    "search/index.html": "the search page",
    "cv.pdf": "the CV (flatfolio/cv.py)",
}  # fmt: skip
# The theme's static/ is not reserved whole: an old site's /static/... files may live beside its files.
SITE_FOLDERS = {"tags/": "the tag pages", "blog/page/": "the blog pages",
                "__flatfolio/": "live reload", "search/pagefind/": "the search index",
                "_img/": "the image variants"}  # fmt: skip
_JUNK = re.compile("|".join(translate(pattern) for pattern in JUNK))  # one match per name, not one per pattern
_FIELD = re.compile(r"\{([^{}]*)\}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_UNSAFE = re.compile(r"[\s\\<>\"'`\x00-\x1f\x7f]")


def is_junk(name: str) -> bool:
    """Whether a file or folder name is litter that must never be published (files/, static/: .well-known is not)."""
    return _JUNK.match(name) is not None


def is_hidden_or_junk(name: str) -> bool:
    """Whether a name in a content or template folder is never read: junk, dotfiles and `#` editor locks too."""
    return name.startswith((".", "#")) or is_junk(name)


def http_url_parts(value) -> SplitResult | None:
    """The parts of an absolute http(s) URL with a host, else None: never javascript: or another scheme."""
    try:
        parts = urlsplit(value) if isinstance(value, str) else None
    except ValueError:  # an unclosed [IPv6 host
        return None
    return parts if parts and parts.scheme in ("http", "https") and parts.netloc else None


def _path_segments(value) -> list[str]:
    """The segments of a safe site path, or ValueError saying what is wrong with it."""
    if not isinstance(value, str) or not value.startswith("/"):
        raise ValueError(f"expected a path starting with '/', like /blog/2016/03/17/my-post/, got {value!r}")
    parts = urlsplit(value)
    if value.startswith("//") or parts.scheme or parts.query or parts.fragment or "?" in value or "#" in value:
        raise ValueError(f"expected a path on this site, without a host, query or #fragment, got {value!r}")
    if _UNSAFE.search(value):
        raise ValueError(f"spaces, quotes, backslashes and control characters are not allowed in a path: {value!r}")
    segments = value[1:].split("/")
    if any(segment in (".", "..") for segment in segments) or "" in segments[:-1]:
        raise ValueError(f"'.', '..' and empty segments ('//') are not allowed in a path: {value!r}")
    return segments


def site_path(value) -> str:
    """Any safe path on this site ("/", "/repo/", "/a/b.xml"), or ValueError saying what is wrong with it."""
    _path_segments(value)
    return value


def clean_path(value) -> str:
    """A page's path from front matter or site.toml: "/x/y/", "/x.html"; "/x" becomes "/x/". ValueError if unsafe."""
    last = _path_segments(value)[-1]
    if last.lower().endswith((".html", ".htm")):
        return value
    if "." in last:
        raise ValueError(f"a page's path ends in '/' or '.html', got {value!r}")
    return value if value.endswith("/") else value + "/"


def clean_file_path(value) -> str:
    """The path of a file, such as an extra feed ("/atom.xml"). ValueError if unsafe or a folder."""
    if not _path_segments(value)[-1]:
        raise ValueError(f"expected a file path like /atom.xml, got {value!r}")
    return value


def clean_paths(value) -> tuple[str, ...]:
    """One path or a list of them (aliases, redirect_from)."""
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values:
        raise ValueError(f"expected a path or a list of paths, got {value!r}")
    return tuple(dict.fromkeys(clean_path(item) for item in values))


def check_post_pattern(pattern) -> str:
    """The site's post URL pattern, validated ("/{year}/{month}/{slug}/")."""
    if not isinstance(pattern, str):
        raise ValueError(f"expected text like {DEFAULT_POST_URL!r}, got {pattern!r}")
    unknown = [name for name in _FIELD.findall(pattern) if name not in POST_URL_FIELDS]
    if unknown or "{slug}" not in pattern:
        raise ValueError(f"use {{slug}} and any of {{year}}, {{month}}, {{day}}; got {pattern!r}")
    clean_path(pattern.replace("{", "").replace("}", ""))
    return pattern


def post_path(pattern: str, date: datetime, slug: str) -> str:
    """A post's URL from the site's pattern."""
    fields = {"year": f"{date.year:04d}", "month": f"{date.month:02d}", "day": f"{date.day:02d}", "slug": slug}
    return clean_path(pattern.format(**fields))


def output_file(path: str) -> str:
    """The build file a site path is written to: "/a/b/" -> "a/b/index.html" (NFC, as Frozen-Flask writes it)."""
    name = path.lstrip("/")
    return unicodedata.normalize("NFC", name + "index.html" if not name or name.endswith("/") else name)


def site_owner(file: str, theme: frozenset[str] = frozenset()) -> str | None:
    """What part of the site itself writes `file`, if any (`theme`: the theme's files, as "static/style.css")."""
    folder = next((what for prefix, what in SITE_FOLDERS.items() if file.startswith(prefix)), None)
    return SITE_FILES.get(file) or folder or ("the theme's static files" if file in theme else None)


def theme_files(static_folder: str | None) -> frozenset[str]:
    """The theme's published static files, as build files ("static/style.css")."""
    if not static_folder:
        return frozenset()
    prefix = len(str(static_folder)) + 1
    return frozenset(
        "static/" + os.path.join(folder, name)[prefix:]
        for folder, dirs, names in os.walk(static_folder)
        for name in names
        if not is_junk(name) and not any(is_junk(part) for part in folder[prefix:].split(os.sep) if part)
    )


@dataclass(frozen=True)
class Route:
    """What answers at a path: an entry, a redirect, a file of files/ or an extra feed; `owner` put it there."""

    kind: str  # "entry", "redirect", "file" (of files/ or a bundle), "feed", "card" (a generated image) or "series"
    owner: str  # the source file (or site.toml) that asked for this path
    target: object  # the Entry; a redirect target; the file's Path; "atom"/"rss"; a cards.Card; the Series
    field: str = "url"  # where the owner asked for it, for problems
    line: int | None = None


def served_file(path: str, routes: dict, static_folder: str | None) -> tuple[Path | None, str | None]:
    """The file served at a site path (of files/, of a bundle, or the theme's static/) and its route's owner.

    The one resolver of images (images.py) and social images (social.py); the owner is the
    source a page showing the file records as used (None: a theme file, in the build key).
    """
    route = routes.get(path)
    if route is not None:
        return (route.target, route.owner) if route.kind == "file" else (None, None)
    if not path.startswith("/static/") or not static_folder:
        return None, None
    base = Path(static_folder).resolve()
    name = path[len("/static/") :]
    file = (base / name).resolve()
    if file.is_relative_to(base) and file.is_file() and not any(is_junk(part) for part in name.split("/")):
        return file, None  # junk is never published (FREEZER_STATIC_IGNORE)
    return None, None


def root_files(site_root: Path) -> dict[str, Path]:
    """Every publishable file below files/ by the path it is served at; junk, FIFOs and escaping links left out."""
    return {"/" + rel: path for rel, path in files_below(site_root / ROOT_FILES, is_junk).items()}


def files_below(base: Path, skip) -> dict[str, Path]:
    """Every regular file below `base` by relative path, sorted; names `skip` matches and escaping links left out."""
    if not base.is_dir():
        return {}
    real_base, found = base.resolve(), {}
    for folder, dirs, names in os.walk(base, followlinks=False):
        dirs[:] = sorted(name for name in dirs if not skip(name))
        for name in sorted(names):
            path = Path(folder, name)
            try:
                inside = path.resolve().is_relative_to(real_base) and path.is_file()  # is_file follows symlinks
            except (OSError, RuntimeError):  # a symlink loop
                inside = False
            if not skip(name) and inside:
                found[path.relative_to(base).as_posix()] = path
    return found


def assign_routes(
    entries, redirects: dict, feeds: dict, files: dict[str, Path], theme: frozenset[str] = frozenset(), more=(),
) -> tuple[dict[str, Route], list]:
    """Every path the content asks for, by path; a second claim to one output file is a problem naming both.

    Claims are made in a fixed order (entries, their aliases, site.toml redirects, extra
    feeds, files, then `more`: (path, Route) pairs such as page bundle files, cards and, last, the
    series pages), so the first owner keeps the path and the later one is reported.
    """
    routes: dict[str, Route] = {}
    by_file: dict[str, Route] = {}
    problems = []

    def claim(path: str, route: Route) -> None:
        file = output_file(path)
        other = by_file.get(file)
        owner = None if route.kind == "entry" and path == "/" else site_owner(file, theme)  # the home page's own
        if owner or other:
            what = owner or (other.owner if other.owner != route.owner else f"its own {other.field}")
            problems.append(Problem(route.owner, route.field, f"{path} is already used by {what}", route.line))
            return
        by_file[file] = routes[path] = route

    for entry in entries:
        line = entry.file.line_of("url") or entry.file.line_of("permalink")
        claim(entry.url, Route("entry", entry.source, entry, "url", line))
    for entry in entries:
        line = entry.file.line_of("aliases") or entry.file.line_of("redirect_from")
        for alias in entry.aliases:
            claim(alias, Route("redirect", entry.source, entry.url, "aliases", line))
    for old, new in redirects.items():
        claim(old, Route("redirect", "site.toml", new, "redirects"))
    for path, kind in feeds.items():
        claim(path, Route("feed", "site.toml", kind, f"{kind}_feeds"))
    file_routes = [(path, Route("file", f"{ROOT_FILES}{path}", file, "file")) for path, file in files.items()]
    for path, route in (*file_routes, *more):
        if _CONTROL.search(path):  # URL parsing drops tabs and line breaks: no URL can reach such a file
            message = "a name with a tab, line break or control character cannot be a URL: rename the file"
            shown = _CONTROL.sub(lambda match: repr(match.group())[1:-1], route.owner)  # stays one line
            problems.append(Problem(shown, "file", message))
            continue
        claim(path, route)
    return routes, problems
