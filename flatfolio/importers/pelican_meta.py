"""Pelican's settings and per-file metadata: pelicanconf.py read with ast (never run), header blocks, dates, slugs."""

import ast
import re
import unicodedata
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from .convert import parse_date
from .model import Note

# publishconf.py holds what the published site was built with (feeds, mostly): it is read after pelicanconf.py.
CONFIG_FILES = ("pelicanconf.py", "publishconf.py")
DEFAULTS = {
    "PATH": "content",
    "ARTICLE_PATHS": [""],
    "ARTICLE_EXCLUDES": [],
    "PAGE_PATHS": ["pages"],
    "PAGE_EXCLUDES": [],
    "ARTICLE_URL": "{slug}.html",
    "ARTICLE_SAVE_AS": "{slug}.html",
    "ARTICLE_LANG_URL": "{slug}-{lang}.html",
    "ARTICLE_LANG_SAVE_AS": "{slug}-{lang}.html",
    "DRAFT_URL": "drafts/{slug}.html",
    "DRAFT_SAVE_AS": "drafts/{slug}.html",
    "PAGE_URL": "pages/{slug}.html",
    "PAGE_SAVE_AS": "pages/{slug}.html",
    "PAGE_LANG_URL": "pages/{slug}-{lang}.html",
    "PAGE_LANG_SAVE_AS": "pages/{slug}-{lang}.html",
    "DRAFT_PAGE_URL": "drafts/pages/{slug}.html",
    "SLUGIFY_SOURCE": "title",
    "SLUG_REGEX_SUBSTITUTIONS": [(r"[^\w\s-]", ""), (r"(?u)\A\s*", ""), (r"(?u)\s*\Z", ""), (r"[-\s]+", "-")],
    "USE_FOLDER_AS_CATEGORY": True,
    "DEFAULT_CATEGORY": "misc",
    "DEFAULT_LANG": "en",
    "DEFAULT_METADATA": {},
    "STATIC_PATHS": ["images"],
    "STATIC_EXCLUDES": [],
    "EXTRA_PATH_METADATA": {},
    "FEED_ALL_ATOM": "feeds/all.atom.xml",
    "FEED_ATOM": None,
    "FEED_RSS": None,
    "FEED_ALL_RSS": None,
    "CATEGORY_FEED_ATOM": "feeds/{slug}.atom.xml",
    "FILENAME_METADATA": r"(?P<date>\d{4}-\d{2}-\d{2}).*",
    "PATH_METADATA": "",
    "DEFAULT_DATE": None,
    "TIMEZONE": None,
    "AUTHOR": None,
    "MARKUP": ["rst", "md", "markdown", "mkd", "mdown"],
    "CODE_DIR": "code",
    "NOTEBOOK_DIR": "notebooks",
    "SUMMARY_BEGIN_MARKER": "<!-- PELICAN_BEGIN_SUMMARY -->",
    "SUMMARY_END_MARKER": "<!-- PELICAN_END_SUMMARY -->",
}
# Settings that only matter for a note: every other unknown setting is ignored silently.
NOTED = ("CATEGORY_FEED_ATOM", "CATEGORY_FEED_RSS", "TAG_FEED_ATOM", "TAG_FEED_RSS", "AUTHOR_FEED_ATOM")
_META = re.compile(r"^ {0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)$")
_MORE = re.compile(r"^ {4,}(?P<value>.*)$")
_ADORNMENT = re.compile(r"^([!-/:-@\[-`{-~])\1+\s*$")
_FIELD = re.compile(r"^:(?P<key>[^:\s][^:]*):\s*(?P<value>.*)$")
_DATE_FORMATS = (
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%d %B %Y",
    "%B %d, %Y",
    "%d.%m.%Y",
    "%a %d %B %Y",
    "%Y-%m-%d %H:%M:%S%z",
)


def read_settings(root: Path) -> tuple[dict, list[Note]]:
    """Pelican's defaults overlaid with the literal module-level assignments of pelicanconf.py and publishconf.py."""
    settings, notes = dict(DEFAULTS), []
    for name in CONFIG_FILES:
        path = root / name
        if not path.is_file():
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), name)
        except (SyntaxError, ValueError, UnicodeDecodeError) as error:
            notes.append(Note(name, getattr(error, "lineno", None), f"cannot be parsed, settings ignored: {error}"))
            continue
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            value = getattr(node, "value", None)
            for target in targets:
                if not isinstance(target, ast.Name) or value is None:
                    continue
                try:
                    settings[target.id] = _literal(value, settings)
                except ValueError:
                    if target.id in DEFAULTS:
                        notes.append(Note(name, node.lineno, f"{target.id} is not a literal value: not read"))
    return settings, notes


def _literal(node: ast.AST, known: dict):
    """A literal value, a name assigned earlier, or a sum of such strings/lists; anything else raises ValueError."""
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    if isinstance(node, ast.Name) and node.id in known:
        return known[node.id]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left, known), _literal(node.right, known)
        if type(left) is type(right) and isinstance(left, str | list | tuple):
            return left + right
    raise ValueError("not a literal")


def timezone_of(settings: dict) -> tzinfo:
    """Pelican's TIMEZONE (UTC when unset or unknown, as Pelican falls back)."""
    try:
        return ZoneInfo(str(settings["TIMEZONE"])) if settings.get("TIMEZONE") else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def to_datetime(value, tz) -> datetime | None:
    """A Pelican date (metadata text, YAML date, settings tuple) as an aware datetime; None if unreadable."""
    if isinstance(value, list | tuple):
        try:
            value = datetime(*value)
        except (TypeError, ValueError):
            return None
    parsed = parse_date(value)
    if parsed is None and isinstance(value, str):
        for form in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(value.strip(), form)
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    if not isinstance(parsed, datetime):
        parsed = datetime(parsed.year, parsed.month, parsed.day)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def front_date(when: datetime) -> date | datetime:
    """A date for flatfolio front matter: a plain date at midnight, else the aware datetime."""
    return when.date() if when.time() == datetime.min.time() else when


def pelican_slug(text: str, settings: dict) -> str:
    """Pelican's slugify: tags stripped, NFKC, accents folded (Pelican uses unidecode), substitutions, lowercase."""
    text = unicodedata.normalize("NFKC", re.sub(r"<[^>]*>", "", text))
    text = "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))
    text = unicodedata.normalize("NFC", text)
    for pattern, replacement in settings.get("SLUG_REGEX_SUBSTITUTIONS") or DEFAULTS["SLUG_REGEX_SUBSTITUTIONS"]:
        try:
            text = re.sub(pattern, replacement, text, flags=re.IGNORECASE)
        except (re.error, TypeError):
            continue
    return text.lower().strip()


def split_list(value) -> list[str]:
    """Pelican's list metadata: a YAML list, or text split on `;` when it has one, else on `,`."""
    if isinstance(value, list | tuple):
        return [str(item).strip() for item in value if str(item).strip()]
    text = str(value)
    return [item.strip() for item in text.split(";" if ";" in text else ",") if item.strip()]


def markdown_header(text: str) -> tuple[dict, str, int]:
    """(metadata with lowercase keys, body, line where the body starts) of a Markdown file.

    Python-Markdown's `Key: value` block (ended by a blank line, continuation lines indented), optionally
    between `---` lines; a `---` block that is a YAML mapping is read as YAML (pelican-yaml-metadata).
    """
    lines = text.split("\n")
    if lines[0].rstrip() == "---":
        end = next((index for index in range(1, len(lines)) if lines[index].rstrip() in ("---", "...")), None)
        if end is not None:
            try:
                data = yaml.safe_load("\n".join(lines[1:end]))
            except yaml.YAMLError:
                data = None
            if not isinstance(data, dict):
                data = _key_values(lines[1:end])[0]
            return {str(key).lower(): value for key, value in data.items()}, "\n".join(lines[end + 1 :]), end + 2
    meta, used = _key_values(lines)
    return meta, "\n".join(lines[used:]), used + 1


def _key_values(lines: list[str]) -> tuple[dict, int]:
    """Python-Markdown meta: (metadata, lines used); continuation lines join with a space (tags with a comma)."""
    found: dict[str, list[str]] = {}
    key, used = None, len(lines)
    for index, line in enumerate(lines):
        match, more = _META.match(line), _MORE.match(line)
        if not line.strip():
            used = index + 1
            break
        if match:
            key = match["key"].lower()
            found.setdefault(key, []).append(match["value"].strip())
        elif more and key:
            found[key].append(more["value"].strip())
        else:
            used = index
            break
    joiner = {"tags": ", ", "authors": ", "}
    return {key: joiner.get(key, " ").join(values) for key, values in found.items()}, used


def rst_header(text: str) -> tuple[dict, str, int]:
    """(metadata, body, body line) of a reStructuredText file: the document title and the field list after it."""
    lines, index, meta = text.split("\n"), 0, {}
    while index < len(lines) and not lines[index].strip():
        index += 1
    over = index + 2 < len(lines) and _ADORNMENT.match(lines[index]) and _ADORNMENT.match(lines[index + 2])
    if over:
        meta["title"], index = lines[index + 1].strip(), index + 3
    elif index + 1 < len(lines) and lines[index].strip() and _ADORNMENT.match(lines[index + 1]):
        meta["title"], index = lines[index].strip(), index + 2
    while index < len(lines) and not lines[index].strip():
        index += 1
    key = None
    while index < len(lines):
        match = _FIELD.match(lines[index])
        if match:
            key = match["key"].strip().lower()
            meta[key] = match["value"].strip()
        elif key and lines[index][:1] in (" ", "\t") and lines[index].strip():
            meta[key] += " " + lines[index].strip()
        else:
            break
        index += 1
    return meta, "\n".join(lines[index:]), index + 1
