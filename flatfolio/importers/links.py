"""What an imported site answers: entry URLs, the old URLs kept, and the internal links that already led nowhere."""

import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from ..check import raw_html_links
from ..text import file_slug
from .convert import commonmark, expand_pattern, parse_date
from .model import ImportedEntry, Note, OldSite

DEFAULT_POST_PATTERN = "/blog/{slug}/"
# Paths flatfolio itself serves: an old feed there already answers, and links there are fine.
OWN_PATHS = frozenset({"/", "/blog/", "/tags/", "/feed.xml", "/rss.xml", "/sitemap.xml", "/robots.txt", "/404.html"})
OWN_PREFIXES = ("/blog/page/", "/tags/")  # /static/ holds the theme's few files; old files may live beside them
_MISSING_SCHEME = re.compile(r"^(?:https?//|https?:/(?!/)|www\.)", re.I)
_DOMAIN_LIKE = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|io|dev|edu|gov|me|co|uk|de|fr|info|ai)(?:/|$)", re.I)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)


def is_own_path(path: str) -> bool:
    """True for a path flatfolio serves by itself (home, blog, tags, feeds, sitemap, static files)."""
    return path in OWN_PATHS or path.startswith(OWN_PREFIXES)


def post_slug(entry: ImportedEntry) -> str:
    """The slug flatfolio gives a post: its `slug:` key, else the file name minus date and extension."""
    return str(entry.front.get("slug") or file_slug(entry.name))


def entry_url(entry: ImportedEntry, pattern: str) -> str:
    """The path an imported entry will be served at, given the site's post URL pattern."""
    if entry.front.get("url"):
        return str(entry.front["url"])
    if entry.kind == "post":
        when = parse_date(entry.front.get("date")) or parse_date(entry.name[:10])
        return expand_pattern(pattern, when, post_slug(entry)) if when else f"/blog/{post_slug(entry)}/"
    path = entry.name.rsplit(".", 1)[0]
    return "/" if path == "index" else f"/{path}/"


def old_urls(old: OldSite, pattern: str) -> list[str]:
    """Every old URL the import keeps answering: published entries, their aliases, files and feeds."""
    urls = set(old.atom_feeds) | set(old.rss_feeds) | {"/" + file.path for file in old.files}
    for entry in old.entries:
        if not entry.front.get("draft"):
            urls.add(entry_url(entry, pattern))
            urls.update(str(alias) for alias in entry.front.get("aliases") or ())
    return sorted(urls)


def _answers(path: str, known: set[str]) -> bool:
    """True when `path` is served, the way a static host answers it (`/x` from `/x/index.html` or `/x.html`)."""
    if is_own_path(path) or path in known:
        return True
    if path.endswith("/"):
        return path + "index.html" in known
    if path.endswith("/index.html") and path[: -len("index.html")] in known:
        return True
    return any(candidate in known for candidate in (path + "/", path + ".html", path + "/index.html"))


def body_links(body: str) -> list[str]:
    """Every link and image target in a Markdown body, raw HTML href/src included (not those in code)."""
    links = []
    for block in commonmark().parse(body):
        if block.type == "html_block":
            links += _html_links(block.content)
        for token in block.children or ():
            if token.type == "link_open":
                links.append(str(token.attrGet("href") or ""))
            elif token.type == "image":
                links.append(str(token.attrGet("src") or ""))
            elif token.type == "html_inline":
                links += _html_links(token.content)
    return links


def _html_links(html: str) -> list[str]:
    return [value for _, _, value in raw_html_links(html)]


def dead_links(old: OldSite, root: Path, pattern: str, extra: set[str]) -> list[Note]:
    """Internal links in the imported bodies that point at nothing the new site will serve, and malformed links."""
    known = set(old_urls(old, pattern)) | extra
    for entry in old.entries:  # a draft linked from a draft is not dead
        known.add(entry_url(entry, pattern))
    notes = []
    for entry in old.entries:
        base = entry_url(entry, pattern)
        for link in dict.fromkeys(body_links(entry.body)):
            problem = link_problem(link, base, known)
            if problem:
                notes.append(Note(entry.source, _line_in_source(root, entry.source, link), problem))
    return notes


def link_problem(link: str, base: str, known: set[str]) -> str | None:
    """Why an internal link from the page at `base` leads nowhere, or None when it is fine or external."""
    link = link.strip()
    if not link or link.startswith(("#", "?")):
        return None
    if _MISSING_SCHEME.match(link) or _DOMAIN_LIKE.match(link):
        return f"malformed link (scheme missing?): {link}"
    if _SCHEME.match(link) or link.startswith("//"):
        return None
    path = unquote(urlsplit(urljoin("https://old.invalid" + base, link)).path) or "/"
    return None if _answers(path, known) else f"already dead link: {link}"


def _line_in_source(root: Path, source: str, needle: str) -> int | None:
    """The first line of the old file that holds `needle` (bodies were converted, so their lines moved)."""
    try:
        text = (root / source).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else None
