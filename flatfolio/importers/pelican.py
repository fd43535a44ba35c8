"""Pelican reader: articles, pages, static files and feeds of a Pelican site, each kept at its old URL."""

import os
import posixpath
import re
from datetime import datetime
from pathlib import Path

from ..text import slugify
from .convert import plain_text, post_name, theme_loads_math
from .model import ImportedEntry, Note, OldSite
from .notebooks import notebook_markdown, read_notebook
from .pelican_meta import (
    CONFIG_FILES,
    front_date,
    markdown_header,
    pelican_slug,
    read_settings,
    rst_header,
    split_list,
    timezone_of,
    to_datetime,
)
from .pelican_rst import rst_to_markdown
from .pelican_tags import BodyContext, convert_body
from .pelican_urls import Item, feeds, pattern_gives, post_pattern, settle_urls, static_files

MARKDOWN = (".md", ".markdown", ".mkd", ".mdown")
_NOTEBOOK_KEYS = ("title", "date", "category", "tags", "slug", "author", "summary", "status")


def looks_like(root: Path) -> bool:
    """A Pelican site: pelicanconf.py (or only publishconf.py) beside its content folder."""
    has_settings = any((root / name).is_file() for name in CONFIG_FILES)
    return has_settings and _content_dir(root, read_settings(root)[0]).is_dir()


def _content_dir(root: Path, settings: dict) -> Path:
    path = settings.get("PATH")
    return root / path if isinstance(path, str) and path and (root / path).is_dir() else root / "content"


def read_site(root: Path) -> OldSite:
    """Everything a Pelican site served: entries with their old URLs, static files, feeds."""
    settings, notes = read_settings(root)
    plugins = " ".join(str(plugin) for plugin in settings.get("PLUGINS") or ())
    theme = root / str(settings.get("THEME") or "theme")
    # Derived, not Pelican's: whether a lone $ was math (render_math, a KaTeX plugin, or a theme loading either).
    settings["DOLLAR_MATH"] = bool(re.search(r"math|katex", plugins)) or theme_loads_math([theme, root / "themes"])
    site = OldSite("pelican", notes=notes)
    content = _content_dir(root, settings)
    if not content.is_dir():
        raise FileNotFoundError(f"{content}: the Pelican content folder (PATH) does not exist")
    source = lambda path: path.relative_to(root).as_posix()  # noqa: E731
    items: dict[str, Item] = {}
    for kind, paths, excludes, others in (
        ("post", "ARTICLE_PATHS", "ARTICLE_EXCLUDES", "PAGE_PATHS"),
        ("page", "PAGE_PATHS", "PAGE_EXCLUDES", "ARTICLE_PATHS"),
    ):
        for path in _walk(content, settings[paths], list(settings[excludes]) + list(settings[others])):
            rel = path.relative_to(content).as_posix()
            if rel not in items:
                item = _read(kind, path, rel, source(path), settings, site)
                if item is not None and _settle(item, settings, site):
                    items[rel] = item
    found = _walk(content, settings["STATIC_PATHS"], settings["STATIC_EXCLUDES"])
    statics = static_files(content, found, settings, set(items), site)
    _mark_translations(list(items.values()), settings)
    for item in items.values():
        settle_urls(item, settings, site)
    urls = {rel: item.url for rel, item in items.items()}
    attached: dict[str, str] = {}
    names: set[str] = set()
    for item in items.values():
        site.entries.append(_entry(item, settings, site, content, urls, statics, attached, names))
    feeds(settings, site)
    site.post_pattern = post_pattern(settings["ARTICLE_SAVE_AS"])
    for entry in site.entries:
        if entry.kind == "post" and site.post_pattern and pattern_gives(site.post_pattern, entry):
            del entry.front["url"]
    return site


def _walk(content: Path, paths, excludes) -> list[Path]:
    """Files below the content-relative `paths`, minus excluded folders, hidden folders and editor locks."""
    excluded = {str(path).strip("/") for path in excludes or () if str(path).strip("/")}
    found = []
    for entry in paths if isinstance(paths, list | tuple) else [paths]:
        start = content / str(entry) if entry else content
        if start.is_file():
            found.append(start)
        for folder, dirs, files in os.walk(start):
            here = Path(folder)
            dirs[:] = sorted(
                name
                for name in dirs
                if not name.startswith(".") and (here / name).relative_to(content).as_posix() not in excluded
            )
            found += [here / name for name in sorted(files) if not name.startswith(".#")]
    return found


def _read(kind: str, path: Path, rel: str, source: str, settings: dict, site: OldSite) -> Item | None:
    """A content file's metadata (defaults, path metadata, then the file's own) and body."""
    suffix = path.suffix.lower()
    sidecar = path.with_name(path.name.split(".")[0] + ".ipynb-meta")
    notebook = suffix == ".ipynb" and (sidecar.is_file() or "ipynb" in settings["MARKUP"])
    html_reader = (settings.get("READERS") or {}).get("html", True) is not None
    if suffix in (".html", ".htm") and html_reader and _in_paths(rel, settings["STATIC_PATHS"]) is None:
        site.notes.append(Note(source, None, "an HTML content file: Pelican's HTML reader is not supported, skipped"))
    if suffix not in (*MARKDOWN, ".rst") and not notebook:
        return None
    try:
        text = (sidecar if notebook and sidecar.is_file() else path).read_text(encoding="utf-8-sig")
        if suffix in MARKDOWN or notebook and sidecar.is_file():
            own, body, line = markdown_header(text)
        elif suffix == ".rst":
            own, body, line = rst_header(text)
            body = rst_to_markdown(body, source, line, site)
        else:
            data = read_notebook(path).get("metadata", {})
            own, body, line = {key: data[key] for key in _NOTEBOOK_KEYS if key in data}, "", 1
    except (OSError, UnicodeDecodeError, ValueError) as error:
        site.notes.append(Note(source, None, f"cannot be read, skipped: {error}"))
        return None
    meta = {"category": settings["DEFAULT_CATEGORY"]} if kind == "post" else {}
    meta.update({str(key).lower(): value for key, value in (settings.get("DEFAULT_METADATA") or {}).items()})
    if settings["DEFAULT_DATE"] == "fs":
        meta["date"] = datetime.fromtimestamp(path.stat().st_mtime)
    elif settings["DEFAULT_DATE"]:
        meta["date"] = settings["DEFAULT_DATE"]
    for key, extra in sorted((settings.get("EXTRA_PATH_METADATA") or {}).items()):
        if rel == key or rel.startswith(str(key).rstrip("/") + "/"):
            meta.update({str(name).lower(): value for name, value in extra.items() if name != "path"})
    meta.update(_path_metadata(rel, settings))
    meta.update(own)
    return Item(kind, path, rel, source, meta, body if not notebook else "", line)


def _path_metadata(rel: str, settings: dict) -> dict:
    """FILENAME_METADATA on the file name, PATH_METADATA on the path, and the folder as category."""
    folder = posixpath.basename(posixpath.dirname(rel))
    checks = [(settings.get("FILENAME_METADATA"), posixpath.splitext(posixpath.basename(rel))[0])]
    checks.append((settings.get("PATH_METADATA"), rel))
    if settings.get("USE_FOLDER_AS_CATEGORY"):
        checks.append(("(?P<category>.*)", folder))
    found = {}
    for pattern, text in checks:
        try:
            match = re.match(pattern, text) if pattern and text else None
        except (re.error, TypeError):
            match = None
        for key, value in (match.groupdict() if match else {}).items():
            if value is not None and key.lower() not in found:
                found[key.lower()] = value
    return found


def _settle(item: Item, settings: dict, site: OldSite) -> bool:
    """Title, date, slug and language of an item; False (with a note) when Pelican skipped the file."""
    meta = item.meta
    if not str(meta.get("title") or "").strip():
        site.notes.append(Note(item.source, None, "no Title: Pelican skipped this file, so does the import"))
        return False
    if meta.get("date") not in (None, ""):
        item.when = to_datetime(meta["date"], timezone_of(settings))
        if item.when is None:
            site.notes.append(Note(item.source, None, f"Date {meta['date']!r} is not a date"))
    if item.kind == "post" and item.when is None:
        site.notes.append(Note(item.source, None, "no date: Pelican skipped this article, so does the import"))
        return False
    basis = str(meta["title"]) if settings["SLUGIFY_SOURCE"] == "title" else Path(item.rel).name.split(".")[0]
    item.slug = str(meta.get("slug") or pelican_slug(basis, settings))
    if "slug" not in meta and not item.slug.isascii():
        site.notes.append(Note(item.source, None, f"slug {item.slug!r} made without unidecode: check the old URL"))
    item.lang = str(meta.get("lang") or settings["DEFAULT_LANG"])
    return True


def _mark_translations(items: list[Item], settings: dict) -> None:
    """Pelican's translations: same slug, another language than the original (the default language, else first)."""
    groups: dict[tuple[str, str], list[Item]] = {}
    for item in items:
        groups.setdefault((item.kind, item.slug), []).append(item)
    for group in groups.values():
        originals = [item for item in group if item.lang == settings["DEFAULT_LANG"]] or group[:1]
        for item in group:
            item.translation = item not in originals


def _in_paths(rel: str, paths) -> str | None:
    """The entry of `paths` (content-relative folders or files) that holds `rel`, or None."""
    for path in paths or ():
        path = str(path).strip("/")
        if not path or rel == path or rel.startswith(path + "/"):
            return path
    return None


def _entry(item: Item, settings, site: OldSite, content: Path, urls, statics, attached, names) -> ImportedEntry:
    """The flatfolio entry: front matter and the converted body."""
    meta = item.meta
    fslug = slugify(item.slug + (f"-{item.lang}" if item.translation else "")) or "post"
    name, number = fslug, 1
    while (item.kind, name) in names:
        number += 1
        name = f"{fslug}-{number}"
    if name != fslug:
        site.notes.append(Note(item.source, None, f"slug {fslug!r} is taken: file named with {name!r}"))
    names.add((item.kind, name))
    served_dir = item.url.strip("/") if item.url.endswith("/") else posixpath.dirname(item.url.strip("/"))
    ctx = BodyContext(
        site, settings, content, item.source, item.body_line, posixpath.dirname(item.rel), served_dir, name,
        urls, statics, attached,
    )  # fmt: skip
    body = item.body
    if item.path.suffix.lower() == ".ipynb":
        markdown, files, problems = notebook_markdown(item.path, f"images/notebooks/{name}")
        body = markdown or ""
        for file in files:
            ctx.add_file(file.path, data=file.data)
        site.notes += [Note(item.source, None, problem) for problem in problems or ()]
    body, marked = convert_body(body, ctx)
    front: dict = {"title": plain_text(str(meta["title"]))}
    if item.when is not None:
        front["date"] = front_date(item.when)
    front["url"] = item.url
    if item.aliases:
        front["aliases"] = item.aliases
    updated = to_datetime(meta["modified"], timezone_of(settings)) if meta.get("modified") else None
    if updated is not None:
        front["updated"] = front_date(updated)
    if item.kind == "post":
        category = str(meta.get("category") or "").strip()
        tags = ([category] if category else []) + split_list(meta.get("tags") or [])
        front["tags"] = list({slugify(tag): tag for tag in reversed(tags) if slugify(tag)}.values())[::-1]
        if category:
            front["category"] = category
    summary = plain_text(str(meta["summary"])) if meta.get("summary") else marked
    if summary:
        front["summary"] = summary
    status = str(meta.get("status") or "published").lower()
    if status == "draft":
        front["draft"] = True
        site.notes.append(Note(item.source, None, f"a draft (Pelican showed it at /{item.draft_at}): kept a draft"))
    elif status == "hidden":
        site.notes.append(Note(item.source, None, "Status: hidden: now listed like the others"))
    if item.lang != settings["DEFAULT_LANG"]:
        front["lang"] = item.lang
    if meta.get("template"):
        site.notes.append(Note(item.source, None, f"Template: {meta['template']} is not kept"))
    page_name = "index.md" if item.url == "/" else f"{name}.md"
    file_name = post_name(item.when, name) if item.kind == "post" else page_name
    return ImportedEntry(item.kind, item.source, file_name, front, body.strip("\n") + "\n")
