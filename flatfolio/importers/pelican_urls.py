"""Where a Pelican site served things: entry URLs from URL/SAVE_AS settings, static files, feeds, the post pattern."""

import posixpath
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .convert import expand_pattern, served_path
from .model import ImportedEntry, ImportedFile, Note, OldSite
from .pelican_meta import NOTED, pelican_slug, split_list


@dataclass
class Item:
    """A content file on its way to an entry."""

    kind: str  # "post" or "page"
    path: Path
    rel: str  # relative to the content folder
    source: str  # relative to the old site, for notes
    meta: dict
    body: str
    body_line: int
    slug: str = ""
    lang: str = ""
    when: datetime | None = None
    translation: bool = False
    url: str = ""  # where it answers now
    aliases: list[str] = field(default_factory=list)
    draft_at: str = ""  # where Pelican showed it as a draft


_PATTERN_PARTS = {"{slug}": "{slug}", "{date:%Y}": "{year}", "{date:%m}": "{month}", "{date:%d}": "{day}"}


def settle_urls(item: Item, settings: dict, site: OldSite) -> None:
    """The path an item answers at (from its save_as) and the printed URL as an alias when it differs."""
    meta, key = item.meta, ("ARTICLE" if item.kind == "post" else "PAGE") + ("_LANG" if item.translation else "")
    category = str(meta.get("category") or "")
    authors = split_list(meta.get("authors") or meta.get("author") or settings.get("AUTHOR") or "")
    values = {name: value for name, value in meta.items() if isinstance(value, str)}
    values.update(
        slug=item.slug,
        lang=item.lang,
        date=item.when or datetime.now(),
        category=pelican_slug(category, settings),
        author=pelican_slug(authors[0], settings) if authors else "",
        path=item.rel,
    )
    save_as = meta["save_as"] if "save_as" in meta else _format(settings[f"{key}_SAVE_AS"], values, item, site)
    printed = meta["url"] if "url" in meta else _format(settings[f"{key}_URL"], values, item, site)
    if not save_as:
        site.notes.append(Note(item.source, None, "an empty save_as: Pelican did not publish it; kept as a draft"))
        meta["status"], save_as = "draft", _format(settings["ARTICLE_SAVE_AS"], values, item, site) or item.slug
    item.url = _answering(str(save_as), item, site)
    if str(meta.get("status") or "").lower() == "draft":
        item.draft_at = _format(settings["DRAFT_URL" if item.kind == "post" else "DRAFT_PAGE_URL"], values, item, site)
    old = "/" + str(printed).lstrip("/")
    old = old[: -len("index.html")] if old.endswith("/index.html") else old
    if str(printed).startswith(("http:", "https:", "//")) or old in (item.url, item.url.removesuffix(".html")):
        return
    if old + "/" == item.url:
        return
    alias = served_path(old)
    if alias is None:
        site.notes.append(Note(item.source, None, f"old link URL {old} cannot be kept (not .html or a folder)"))
    elif alias != item.url:
        item.aliases.append(alias)


def _format(pattern, values: dict, item: Item, site: OldSite) -> str:
    """A Pelican URL setting filled in like Pelican does (str.format with the date as a datetime)."""
    try:
        return str(pattern).format(**values)
    except (KeyError, IndexError, ValueError, AttributeError) as error:
        site.notes.append(Note(item.source, None, f"URL setting {pattern!r} cannot be filled in ({error}); slug used"))
        return f"{item.slug}.html"


def _answering(save_as: str, item: Item, site: OldSite) -> str:
    """The URL flatfolio serves a save_as file at: `x/index.html` -> `/x/`, `x.html` stays."""
    path = "/" + save_as.lstrip("/")
    path = path[: -len("index.html")] if path.endswith("/index.html") else path
    served = served_path(path) or posixpath.splitext(path)[0] + ".html"
    if served != path:
        site.notes.append(Note(item.source, None, f"old URL {path} is served as {served}"))
    return served


def static_files(content: Path, found: list[Path], settings: dict, sources: set[str], site: OldSite) -> dict[str, str]:
    """STATIC_PATHS files (not content sources) at their served paths, EXTRA_PATH_METADATA `path` applied."""
    extra = settings.get("EXTRA_PATH_METADATA") or {}
    statics = {}
    for path in found:
        rel = path.relative_to(content).as_posix()
        if rel in sources or path.suffix == ".ipynb-meta":
            continue
        meta = extra.get(rel) if isinstance(extra.get(rel), dict) else {}
        served = str(meta.get("save_as") or meta.get("path") or rel).lstrip("/")
        statics[rel] = served
        if all(file.path != served for file in site.files):
            site.files.append(ImportedFile(path=served, source=path))
    return statics


def feeds(settings: dict, site: OldSite) -> None:
    """The old site-wide feeds keep answering; per-category/tag/author feeds are only noted."""
    for key, feeds in (("FEED_ALL_ATOM", site.atom_feeds), ("FEED_ATOM", site.atom_feeds)):
        if settings.get(key):
            feeds.append("/" + str(settings[key]).lstrip("/"))
    for key in ("FEED_ALL_RSS", "FEED_RSS"):
        if settings.get(key):
            site.rss_feeds.append("/" + str(settings[key]).lstrip("/"))
    site.atom_feeds[:] = list(dict.fromkeys(site.atom_feeds))
    site.rss_feeds[:] = list(dict.fromkeys(site.rss_feeds))
    for key in NOTED:
        if settings.get(key):
            site.notes.append(Note("pelicanconf.py", None, f"{key} ({settings[key]}): these feeds are not kept"))


def post_pattern(save_as) -> str | None:
    """ARTICLE_SAVE_AS as a flatfolio post pattern, when it only uses slug and date parts."""
    path = "/" + str(save_as).lstrip("/")
    path = path[: -len("index.html")] if path.endswith("/index.html") else path
    for part, replacement in _PATTERN_PARTS.items():
        path = path.replace(part, replacement)
    leftover = re.sub(r"\{(slug|year|month|day)\}", "", path)
    return path if "{" not in leftover and "}" not in leftover and path.endswith(("/", ".html")) else None


def pattern_gives(pattern: str, entry: ImportedEntry) -> bool:
    """True when the pattern alone gives the entry's URL (a date with a time keeps its url: zones may shift it)."""
    when, url = entry.front.get("date"), entry.front.get("url")
    if isinstance(when, datetime) and re.search(r"\{(year|month|day)\}", pattern):
        return False
    return expand_pattern(pattern, when, entry.name[11:-3]) == url
