"""Conversion helpers every reader needs: front matter, dates, URLs, summaries, code fences and math."""

import html
import re
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache

import yaml

_DATE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2}|[+-]\d{2})?$"
)
_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|div|blockquote|pre|tr|td|th|dt|dd)>|<br\s*/?>", re.I)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
_INLINE_DOUBLE_DOLLAR = re.compile(r"(?<![\\$])\$\$(?=\S)([^$\n]+?)(?<=\S)\$\$(?!\$)")
_NO_BLANK_LINE = r"((?:(?!\n[ \t]*\n).)+?)"  # math never spans a paragraph break
_PAREN_MATH = re.compile(r"\\\\\(" + _NO_BLANK_LINE + r"\\\\\)", re.S)
_BRACKET_MATH = re.compile(r"\\\\\[" + _NO_BLANK_LINE + r"\\\\\]", re.S)
_ONE_OR_TWO_PAREN = re.compile(r"(?<!\\)\\{1,2}\(" + _NO_BLANK_LINE + r"\\{1,2}\)", re.S)
_ONE_OR_TWO_BRACKET = re.compile(r"(?<!\\)\\{1,2}\[" + _NO_BLANK_LINE + r"\\{1,2}\]", re.S)


class FrontMatterError(ValueError):
    """Front matter that YAML cannot read, with the line of the file where it failed."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


def split_front_matter(text: str, closers: tuple[str, ...] = ("---",)) -> tuple[dict | None, str, int]:
    """(front matter, body, line of the file where the body starts); front matter None when the file has none."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return None, text, 1
    for index, line in enumerate(lines[1:], start=1):
        if line.rstrip() in closers:
            meta = "".join(lines[1:index])
            try:
                front = yaml.safe_load(meta)
            except yaml.YAMLError as error:
                mark = getattr(error, "problem_mark", None)
                line_no = mark.line + 2 if mark is not None else 1
                raise FrontMatterError(line_no, f"front matter is not valid YAML: {_first_line(error)}") from None
            if front is None:
                front = {}
            if not isinstance(front, dict):
                raise FrontMatterError(2, "front matter is not a mapping of keys to values")
            return front, "".join(lines[index + 1 :]), index + 2
    raise FrontMatterError(1, "front matter has no closing ---")


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def parse_date(value) -> date | datetime | None:
    """A front matter or file name date as a date, or a datetime (aware when an offset was given)."""
    if isinstance(value, datetime | date):
        return value
    match = _DATE.match(str(value).strip()) if value is not None else None
    if not match:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        if hour is None:
            return date(int(year), int(month), int(day))
        tzinfo = None
        if zone == "Z":
            tzinfo = UTC
        elif zone:
            digits = zone[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
            tzinfo = timezone(offset if zone[0] == "+" else -offset)
        return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), tzinfo=tzinfo)
    except ValueError:
        return None


def front_date(value: date | datetime) -> date | datetime:
    """A date for flatfolio front matter: a plain date when the time was midnight and no zone was given."""
    if isinstance(value, datetime) and value.tzinfo is None and value.time() == datetime.min.time():
        return value.date()
    return value


def served_path(path: str) -> str | None:
    """The path flatfolio can serve an old URL at: `/about` becomes `/about.html`; None if it cannot."""
    path = "/" + path.lstrip("/")
    last = path.rsplit("/", 1)[1]
    if path.endswith("/") or last.endswith(".html"):
        return path
    if last.endswith(".htm"):
        return None
    return path + ".html" if "." not in last else None


def expand_pattern(pattern: str, when: date | datetime, slug: str) -> str:
    """A post URL from a flatfolio pattern such as `/{year}/{month}/{day}/{slug}/`."""
    return pattern.format(year=f"{when.year:04d}", month=f"{when.month:02d}", day=f"{when.day:02d}", slug=slug)


def post_name(when: date | datetime, slug: str) -> str:
    """The file name flatfolio expects for a post: `YYYY-MM-DD-<slug>.md`."""
    return f"{when.year:04d}-{when.month:02d}-{when.day:02d}-{slug}.md"


@lru_cache(maxsize=1)
def commonmark():
    """A CommonMark parser with GFM tables and strikethrough, raw HTML on (as flatfolio renders)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def plain_text(markdown: str) -> str:
    """Markdown (or HTML) as one line of plain text, for a summary."""
    rendered = commonmark().render(markdown)
    return " ".join(html.unescape(_TAG.sub("", _BLOCK_END.sub(" ", rendered))).split())


def fence(code: str, language: str = "") -> str:
    """A fenced code block that no backtick run inside `code` can close early."""
    longest = max((len(run) for run in re.findall(r"`{3,}", code)), default=2)
    ticks = "`" * (longest + 1)
    return f"{ticks}{language}\n{code.rstrip(chr(10))}\n{ticks}"


def line_at(text: str, index: int) -> int:
    """The 1-based line of `text` that holds character `index`."""
    return text.count("\n", 0, index) + 1


def outside_code(text: str, convert) -> str:
    """`convert(prose)` applied to every stretch of text outside fenced code blocks and code spans."""
    out, prose, closing = [], [], None
    for line in text.splitlines(keepends=True):
        match = _FENCE.match(line)
        if closing is None and match:
            out.append(_outside_spans("".join(prose), convert))
            prose, closing = [], match.group(1)
            out.append(line)
        elif closing is not None:
            out.append(line)
            if match and match.group(1)[0] == closing[0] and len(match.group(1)) >= len(closing):
                closing = None
        else:
            prose.append(line)
    out.append(_outside_spans("".join(prose), convert))
    return "".join(out)


def _outside_spans(text: str, convert) -> str:
    parts, start = [], 0
    for match in _CODE_SPAN.finditer(text):
        parts += [convert(text[start : match.start()]), match.group(0)]
        start = match.end()
    parts.append(convert(text[start:]))
    return "".join(parts)


def _unescape(math: str) -> str:
    return re.sub(r"\\([_*])", r"\1", math)


def convert_math(text: str, *, single_backslash: bool = True, kramdown: bool = False, is_math=None) -> tuple[str, int]:
    """MathJax delimiters as the math renderer reads them, outside code: `\\(x\\)` -> `$x$`, `\\[x\\]` -> `$$x$$`.

    Math never spans a blank line. `single_backslash`: `\\(` counts as well as `\\\\(` (Hugo,
    Pelican; kramdown sources escape the backslash). `kramdown`: its inline `$$x$$` (inside
    a line of text) is `$x$`, and the `\\_`, `\\*` escapes inside math are undone.
    `is_math(inner)`: when given, only what it accepts is converted (a bare `\\[a\\]` may be
    an escaped bracket in prose).
    """
    paren, bracket = (_ONE_OR_TWO_PAREN, _ONE_OR_TWO_BRACKET) if single_backslash else (_PAREN_MATH, _BRACKET_MATH)
    count = 0

    def math(match: re.Match, dollars: str) -> str:
        nonlocal count
        inner = match.group(1)
        if is_math is not None and not is_math(inner):
            return match.group(0)
        count += 1
        inner = _unescape(inner) if kramdown else inner
        return f"{dollars}{inner.strip() if dollars == '$' else inner}{dollars}"

    def one(prose: str) -> str:
        nonlocal count
        prose = bracket.sub(lambda m: math(m, "$$"), paren.sub(lambda m: math(m, "$"), prose))
        if not kramdown:
            return prose
        lines = []
        for line in prose.splitlines(keepends=True):
            if line.strip().startswith("$$") and line.strip().endswith("$$"):
                lines.append(line)  # a display block on its own line stays display math
                continue
            line, inline = _INLINE_DOUBLE_DOLLAR.subn(lambda m: f"${m.group(1)}$", line)
            count += inline
            lines.append(line)
        return "".join(lines)

    return outside_code(text, one), count


# Front matter or config keys that turn client-side math on in Hugo themes and Jekyll (al-folio: enable_math).
MATH_SWITCHES = ("math", "mathjax", "katex", "enable_math")


def math_switched(*settings: dict) -> bool:
    """Whether any of the mappings turns math on with one of MATH_SWITCHES."""
    return any(isinstance(mapping, dict) and mapping.get(key) for mapping in settings for key in MATH_SWITCHES)


_THEME_SUFFIXES = (".html", ".htm", ".liquid", ".tmpl", ".j2", ".jinja", ".js")
_LOADS_MATH = re.compile(rb"mathjax|katex", re.I)


def theme_loads_math(folders) -> bool:
    """Whether a template or script in `folders` (the old site's layouts, includes, themes) loads MathJax or KaTeX.

    Such a site may read a lone `$` as math in the reader's browser, so dollars are left
    as math rather than kept as text.
    """
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() in _THEME_SUFFIXES and path.is_file() and not path.is_symlink():
                try:
                    if _LOADS_MATH.search(path.read_bytes()[:200_000]):
                        return True
                except OSError:
                    continue
    return False


_LONE_DOLLAR = re.compile(r"(?<![\\$])\$(?!\$)")
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def keep_dollars(text: str) -> tuple[str, int]:
    """Escape the lone `$` signs of each block that flatfolio would read as `$…$` math; returns (text, blocks).

    For old sites where a single dollar was never math (kramdown, Hugo and Pelican without
    a math setting): `$this … $that` in prose stays text, as the old site showed it. Only
    blocks where the math renderer finds single-dollar math change, outside code spans.
    """
    if "$" not in text:
        return text, 0
    from ..render import _markdown

    lines = _LINES.findall(text)  # as markdown-it counts lines: not at U+2028 and the like
    touched = 0
    for token in _markdown().parse(text, {}):
        if token.type != "inline" or not token.map:
            continue
        if not any(child.type == "math_inline" and child.markup == "$" for child in token.children or ()):
            continue
        start, end = token.map
        block = "".join(lines[start:end])
        escaped = _outside_spans(block, lambda prose: _LONE_DOLLAR.sub(r"\\$", prose))
        lines[start:end] = _LINES.findall(escaped)
        touched += 1
    return "".join(lines), touched
