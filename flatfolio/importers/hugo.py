"""Reading a Hugo site: its config, content pages and bundles, static files and feeds, as an OldSite."""

import json
import re
import tomllib
from datetime import date, datetime
from pathlib import Path, PurePosixPath

import yaml

from .convert import FrontMatterError, split_front_matter, theme_loads_math
from .hugo_entries import build_entries, collect_files, read_feeds, to_date
from .hugo_urls import Page, Rules, page_url
from .model import Note, OldSite

CONFIG_NAMES = tuple(f"{base}.{ext}" for base in ("hugo", "config") for ext in ("toml", "yaml", "yml", "json"))
CONTENT_SUFFIXES = {".md", ".markdown", ".mdown"}
OTHER_CONTENT = {".html", ".htm", ".org", ".adoc", ".asciidoc", ".ad", ".rst", ".pandoc", ".pdc"}
DATE_KEYS = ("date", "publishdate", "pubdate", "published", "lastmod", "modified")
_TOML_LINE = re.compile(r"at line (\d+)")
_DATED_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-?(.*)$")


def looks_like(root: Path) -> bool:
    """True for a Hugo source folder: a config file (or config/_default/) and a content/ folder."""
    has_config = any((root / name).is_file() for name in CONFIG_NAMES) or (root / "config" / "_default").is_dir()
    return has_config and (root / "content").is_dir()


def read_site(root: Path) -> OldSite:
    """Everything a Hugo site holds that flatfolio can serve, with its old URLs."""
    site = OldSite("hugo")
    config = read_config(root, site.notes)
    rules = _rules(config, site.notes)
    content = root / content_dir(config)
    pages, sections, resources = _read_content(root, content, config, site.notes)
    for page in pages:
        try:
            page.url = page_url(page, rules)
        except ValueError as error:
            site.notes.append(Note(page.source, None, f"{error}: URL made from the file path instead"))
            page.url = page_url(page, Rules(ugly=rules.ugly, lower=rules.lower, prefix=rules.prefix))
    build_entries(site, config, rules, pages, sections, theme_loads_math([root / "layouts", root / "themes"]))
    collect_files(site, root, content, config, pages, resources)
    read_feeds(site, config, rules, pages)
    return site


def content_dir(config: dict) -> str:
    """The content folder: `contentDir`, or the default language's own one, else content/."""
    languages = config.get("languages") if isinstance(config.get("languages"), dict) else {}
    default = languages.get(str(config.get("defaultcontentlanguage") or "en").lower())
    own = default.get("contentdir") if isinstance(default, dict) else None
    return str(config.get("contentdir") or own or "content")


def read_config(root: Path, notes: list[Note]) -> dict:
    """The site config (config/_default/ merged under the root file), every key lower-cased as Hugo does."""
    config: dict = {}
    folder = root / "config" / "_default"
    for path in sorted(folder.iterdir()) if folder.is_dir() else ():
        stem, _, suffix = path.name.partition(".")
        data = _read_data(path, root, notes) if suffix in ("toml", "yaml", "yml", "json") else None
        if isinstance(data, dict) and stem in ("hugo", "config"):
            config.update(data)
        elif isinstance(data, dict):
            config[stem.lower()] = data
    source = "config/_default" if config else "config"
    for name in CONFIG_NAMES:
        if (root / name).is_file():
            config.update(_read_data(root / name, root, notes) or {})
            source = name
            break
    return {**_lower_keys(config), "_source": source}


def _read_data(path: Path, root: Path, notes: list[Note]):
    source = path.relative_to(root).as_posix()
    try:
        text = path.read_text(encoding="utf-8-sig")
        if path.suffix == ".toml":
            return tomllib.loads(text)
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as error:
        notes.append(Note(source, None, f"cannot read: {error}"))
    except tomllib.TOMLDecodeError as error:
        line = _TOML_LINE.search(str(error))
        notes.append(Note(source, int(line.group(1)) if line else None, f"not valid TOML: {error}"))
    except json.JSONDecodeError as error:
        notes.append(Note(source, error.lineno, f"not valid JSON: {error.msg}"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        notes.append(Note(source, mark.line + 1 if mark else None, f"not valid YAML: {str(error).splitlines()[0]}"))
    return None


def _lower_keys(value):
    if isinstance(value, dict):
        return {str(key).lower(): _lower_keys(item) for key, item in value.items()}
    return [_lower_keys(item) for item in value] if isinstance(value, list) else value


def _rules(config: dict, notes: list[Note]) -> Rules:
    permalinks = config.get("permalinks") or {}
    if isinstance(permalinks, dict) and isinstance(permalinks.get("page"), dict):
        permalinks = permalinks["page"]  # Hugo 0.115's per-kind form
    if not isinstance(permalinks, dict):
        notes.append(Note(config["_source"], None, "permalinks in this form are not read: URLs from file paths"))
        permalinks = {}
    languages = config.get("languages") if isinstance(config.get("languages"), dict) else {}
    default = str(config.get("defaultcontentlanguage") or "en").lower()
    if len(languages) > 1:
        others = ", ".join(sorted(set(languages) - {default}))
        notes.append(Note(config["_source"], None, f"multilingual site: only {default!r} imported, not {others}"))
    base = re.sub(r"^[a-z]+://[^/]*", "", str(config.get("baseurl") or ""), flags=re.I).strip("/")
    if base:
        notes.append(Note(config["_source"], None, f"baseURL has the path /{base}/: URLs are kept without it"))
    return Rules(
        permalinks={str(k).strip(" /"): v for k, v in permalinks.items() if isinstance(v, str)},
        ugly=config.get("uglyurls") or False,
        lower=not config.get("disablepathtolower"),
        remove_accents=bool(config.get("removepathaccents")),
        prefix=f"/{default}" if config.get("defaultcontentlanguageinsubdir") else "",
    )


def _read_content(root: Path, content: Path, config: dict, notes: list[Note]):
    """Regular pages, section folders (those with an _index file, and their notes) and other files under content/."""
    languages = config.get("languages") if isinstance(config.get("languages"), dict) else {}
    default = str(config.get("defaultcontentlanguage") or "en").lower()
    known_languages = set(languages) | {default}
    files = sorted(p for p in content.rglob("*") if p.is_file()) if content.is_dir() else []
    files = [p for p in files if not _hidden(p.relative_to(content))]
    bundles = {p.parent for p in files if p.stem == "index" and p.suffix in CONTENT_SUFFIXES}
    sections = {p.parent for p in files if p.stem.split(".")[0] == "_index"}
    pages, section_sources, resources, skipped = [], {}, [], 0
    for path in files:
        rel = path.relative_to(content)
        source = path.relative_to(root).as_posix()
        bundle = next((b for b in bundles if b == path.parent or b in path.parents), None)
        stem, _, language = path.stem.rpartition(".")
        if not stem or language.lower() not in known_languages:  # a dot in the name, not a language code
            stem, language = path.stem, ""
        if path.suffix not in CONTENT_SUFFIXES:
            if path.suffix in OTHER_CONTENT and bundle is None:
                notes.append(Note(source, None, f"{path.suffix} content is not imported"))
            else:
                resources.append((path, bundle))
            continue
        if bundle is not None and (path.parent != bundle or stem != "index"):
            continue  # a Markdown resource of a bundle: never a page of its own
        if language and language.lower() != default:
            skipped += 1
            continue
        parsed = _parse(path, source, notes)
        if parsed is None:
            continue
        front, body, body_line = parsed
        if stem == "_index":
            section_sources[rel.parent.as_posix()] = (source, rel.as_posix(), body)
            continue
        pages.append(_page(path, stem, rel, source, front, body, body_line, content, sections, config, notes))
    if skipped:
        notes.append(Note("content", None, f"{skipped} page(s) in other languages not imported"))
    return pages, section_sources, resources


def _hidden(rel: PurePosixPath) -> bool:
    return any(part.startswith((".", "#")) or part.endswith("~") for part in rel.parts)


def _parse(path: Path, source: str, notes: list[Note]) -> tuple[dict, str, int] | None:
    """(front matter with lower-cased keys, body, line the body starts at), or None with a note."""
    try:
        text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    except (OSError, UnicodeDecodeError) as error:
        notes.append(Note(source, None, f"cannot read: {error}"))
        return None
    try:
        front, body, line = _split(text)
    except FrontMatterError as error:
        notes.append(Note(source, error.line, f"{error}; file not imported"))
        return None
    return {str(key).lower(): value for key, value in front.items()}, body, line


def _split(text: str) -> tuple[dict, str, int]:
    first = text.split("\n", 1)[0].rstrip()
    if first == "+++":
        end = re.search(r"^\+\+\+[ \t]*$", text[4:], re.M)
        if not end:
            raise FrontMatterError(1, "front matter has no closing +++")
        try:
            front = tomllib.loads(text[4 : 4 + end.start()])
        except tomllib.TOMLDecodeError as error:
            line = _TOML_LINE.search(str(error))
            message = f"front matter is not valid TOML: {error}"
            raise FrontMatterError(int(line.group(1)) + 1 if line else 1, message) from None
        rest = text[4 + end.end() :]
        return front, rest[1:] if rest.startswith("\n") else rest, text.count("\n", 0, 4 + end.end()) + 2
    if first.startswith("{"):
        try:
            front, end = json.JSONDecoder().raw_decode(text)
        except json.JSONDecodeError as error:
            raise FrontMatterError(error.lineno, f"front matter is not valid JSON: {error.msg}") from None
        if not isinstance(front, dict):
            raise FrontMatterError(1, "front matter is not a mapping of keys to values")
        rest = text[end:]
        skip = len(rest) - len(rest.lstrip(" \t").removeprefix("\n"))
        return front, rest[skip:], text.count("\n", 0, end + skip) + 1
    front, body, line = split_front_matter(text)
    return front or {}, body, line


def _page(path, stem, rel, source, front, body, body_line, content, sections, config, notes) -> Page:
    bundle = stem == "index"
    parts = rel.parent.parts if bundle else (*rel.parent.parts, stem)
    folder = path.parent.parent if bundle else path.parent
    current = next((s for s in (folder, *folder.parents) if s in sections and s != content), None)
    section = parts[0] if len(parts) > 1 else ""
    when, slug = _page_date(front, source, config, notes), str(front.get("slug") or "").strip()
    order = (config.get("frontmatter") or {}).get("date") or []
    dated = _DATED_NAME.match(parts[-1])
    if ":filename" in order and dated:  # Hugo takes the date (and the slug) from a dated file name
        when = when if when and order.index(":filename") > 0 else to_date(dated.group(1), source, config, notes)
        slug = slug or dated.group(2)
    return Page(
        source=source,
        rel=rel.as_posix(),
        parts=parts,
        bundle=bundle,
        front=front,
        body=body,
        body_line=body_line,
        section=section,
        sections=current.relative_to(content).as_posix() if current else section,
        date=when,
        title=str(front.get("title") or "").strip(),
        slug=slug,
        filename="index" if bundle else parts[-1],
    )


def _page_date(front: dict, source: str, config: dict, notes: list[Note]) -> date | datetime | None:
    """The date Hugo gives a page: `date`, else publishDate, lastmod and their aliases."""
    for key in DATE_KEYS:
        if front.get(key) not in (None, ""):
            return to_date(front[key], source, config, notes)
    return None
