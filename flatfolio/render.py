"""Rendering: Markdown (markdown-it-py) to HTML, code highlighted by Pygments, math as MathML.

markdown-it, Pygments and latex2mathml are imported on first use: a dev server or a build that
finds every post in the render cache never loads them.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from html import escape, unescape
from typing import TYPE_CHECKING

from .text import slugify

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore

LIGHT_CODE_STYLE = "default"
DARK_CODE_STYLE = "github-dark"
CODE_CSS_SCOPE = ".highlight"


@cache
def _lexer(language: str):
    """The Pygments lexer for a fence's language name, or None when unknown."""
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=True)
    except ClassNotFound:
        return None


@cache
def _formatter():
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(nowrap=True)


def highlight_code(code: str, language: str, _attrs) -> str:
    """Highlight a fenced block; unknown or missing languages stay plain escaped text."""
    from pygments import highlight

    lexer = _lexer(language.lower()) if language else None
    if lexer is None:
        return f'<pre class="code" tabindex="0"><code>{escape(code, quote=False)}</code></pre>'
    body = highlight(code, lexer, _formatter())
    lang = escape(language.lower())
    return (
        f'<pre class="code highlight" data-lang="{lang}" tabindex="0">'
        f'<code class="language-{lang}">{body}</code></pre>'
    )


def _prefix_root_relative_links(state: StateCore) -> None:
    """Point root-relative Markdown links and images inside the site's base path.

    `[x](/blog/post/)` must keep working when the site is hosted at a sub-path,
    so the base path (e.g. `/site`) is prepended as the tokens are rendered.
    """
    base_path = state.env.get("base_path", "")
    if not base_path:
        return
    for block in state.tokens:
        for token in block.children or ():
            attr = {"link_open": "href", "image": "src"}.get(token.type)
            value = token.attrGet(attr) if attr else None
            if isinstance(value, str) and value.startswith("/") and not value.startswith("//"):
                token.attrSet(attr, base_path + value)


def _focusable_scrollers(state: StateCore) -> None:
    """Tables scroll sideways on narrow screens: keyboard users must be able to focus them."""
    for token in state.tokens:
        if token.type == "table_open":
            token.attrSet("tabindex", "0")


def _heading_permalinks(state: StateCore) -> None:
    """Append a labelled `#` link to each h2-h4, so readers can link to a section."""
    from markdown_it.token import Token

    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.tag not in ("h2", "h3", "h4") or not token.attrGet("id"):
            continue
        inline = tokens[index + 1]
        title = "".join(child.content for child in inline.children or () if child.type in ("text", "code_inline"))
        link_open = Token("link_open", "a", 1)
        anchor = token.attrGet("id")
        link_open.attrs = {"class": "heading-anchor", "href": f"#{anchor}", "aria-label": f"Link to “{title}”"}
        text = Token("text", "", 0, content="#")
        inline.children = [*(inline.children or []), Token("text", "", 0, content=" "), link_open, text,
                           Token("link_close", "a", -1)]


def _heading_ids(state: StateCore) -> None:
    """Give every heading an id from its text, numbered when taken (`same`, `same-1`, `same-2`).

    Each base slug resumes numbering where it stopped: ids are only ever added, so the
    numbers before are still taken, and 5,000 identical headings stay linear.
    """
    tokens = state.tokens
    taken = {str(token.attrGet("id")) for token in tokens if token.type == "heading_open" and token.attrGet("id")}
    next_number: dict[str, int] = {}
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.attrGet("id"):
            continue
        inline = tokens[index + 1]
        title = "".join(child.content for child in inline.children or () if child.type in ("text", "code_inline"))
        base = slugify(title)
        slug, number = base, next_number.get(base, 0)
        if number:
            slug = f"{base}-{number}"
        while slug in taken:
            number += 1
            slug = f"{base}-{number}"
        next_number[base] = number
        taken.add(slug)
        token.attrSet("id", slug)


def _alignment_classes(state: StateCore) -> None:
    """Table alignment as classes (`align-right`), not style attributes a strict CSP blocks."""
    for token in state.tokens:
        style = token.attrGet("style") if token.type in ("th_open", "td_open") else None
        if isinstance(style, str) and style.startswith("text-align:"):
            del token.attrs["style"]
            token.attrSet("class", "align-" + style.removeprefix("text-align:"))


def make_markdown() -> MarkdownIt:
    """A CommonMark renderer with the GFM extensions authors expect from GitHub."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin
    from mdit_py_plugins.tasklists import tasklists_plugin

    from .callouts import callouts_plugin
    from .codeblocks import code_blocks_plugin
    from .diagrams import diagrams_plugin
    from .mathml import math_plugin

    md = MarkdownIt("commonmark", {"highlight": highlight_code})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    md.use(tasklists_plugin)
    md.use(math_plugin)
    md.use(code_blocks_plugin)
    md.use(diagrams_plugin)
    md.use(callouts_plugin)
    md.core.ruler.push("heading_ids", _heading_ids)
    md.core.ruler.push("heading_permalinks", _heading_permalinks)
    md.core.ruler.push("focusable_scrollers", _focusable_scrollers)
    md.core.ruler.push("root_relative_links", _prefix_root_relative_links)
    md.core.ruler.push("alignment_classes", _alignment_classes)
    return md


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    """One shared renderer: building it costs more than rendering a short post."""
    return make_markdown()


def render_markdown(text: str, base_path: str = "", diagrams=None) -> str:
    """Render Markdown to HTML; root-relative links are prefixed with `base_path`, diagrams kept in `diagrams`."""
    return _markdown().render(text, {"base_path": base_path.rstrip("/"), "diagrams": diagrams})


# What a line opening a nested container starts with: quote marks, list markers, indentation
# and footnote labels (`[^note]:`, whose definitions nest too).
_CONTAINER_PREFIX = re.compile(r"^(?:[ \t>*+\-.)0-9]|\[\^[^\]\s]*\]:)+", re.M)
_DEEP_PREFIX_COLUMNS = 18
# A line starting with 18 prefix characters, or whose run of them meets a tab or a `[`
# (a tab counts as up to 4 columns; `[` may begin a footnote label): those are measured.
_MAYBE_DEEP_PREFIX = re.compile(r"^[ >*+\-.)0-9]{18}|^(?=[ >*+\-.)0-9]*[\t\[])", re.M)


def _could_nest_deeply(text: str) -> bool:
    """A cheap necessary condition for `nesting_overflow`, so most files skip the block parse.

    Every nesting level costs the line that opens it at least one column of prefix
    (`>`, a list marker and its space, indentation or a footnote label): a file whose
    lines all start with fewer than 18 such columns cannot reach markdown-it's nesting limit.
    """
    for match in _MAYBE_DEEP_PREFIX.finditer(text):
        prefix = _CONTAINER_PREFIX.match(text, match.start())
        if prefix and len(prefix.group(0).expandtabs(4)) >= _DEEP_PREFIX_COLUMNS:
            return True
    return False


def nesting_overflow(text: str) -> int | None:
    """The 0-based line where lists or quotes nest deeper than markdown-it goes, else None.

    Past `maxNesting` levels markdown-it stops parsing blocks (a guard against deep
    recursion) and silently drops the rest of the document: that must be reported.
    """
    if not _could_nest_deeply(text):
        return None
    from markdown_it.rules_core import StateCore, normalize
    from markdown_it.rules_core import block as parse_blocks

    md = _markdown()
    state = StateCore(text, md, {})
    normalize(state)
    parse_blocks(state)
    deepest = md.options.maxNesting - 1
    for token, following in zip(state.tokens, state.tokens[1:], strict=False):
        # A container opened at the last level is closed at once: its content was dropped.
        if token.nesting == 1 and token.level >= deepest and following.nesting == -1:
            return token.map[0] if token.map else 0
    return None


def math_problems(text: str) -> list[tuple[int, str]]:
    """(0-based line, message) of each math expression that cannot become MathML (rendering shows its source)."""
    from .mathml import math_errors

    return math_errors(_markdown(), text)


def code_problems(text: str) -> list[tuple[int, str]]:
    """(0-based line, message) of each fence whose `hl_lines` or `linenums` names no line of it."""
    from .codeblocks import code_errors

    return code_errors(_markdown(), text)


def diagram_problems(text: str, diagrams=None) -> list[tuple[int, str]]:
    """(0-based line, message) of each mermaid or dot fence that cannot be laid out (the page shows its source)."""
    from .diagrams import diagram_errors

    return diagram_errors(_markdown(), text, diagrams)


_FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
_TAG = re.compile(r"<[^>]+>")
_FOOTNOTE_REF = re.compile(r'<sup class="footnote-ref">.*?</sup>', re.S)


def first_paragraph_text(html: str) -> str:
    """The plain text of the first paragraph of rendered HTML (footnote marks removed)."""
    match = _FIRST_PARAGRAPH.search(html)
    if not match:
        return ""
    text = _TAG.sub("", _FOOTNOTE_REF.sub("", match.group(1)))
    return " ".join(unescape(text).split())


_HEADING = re.compile(r'<h([23]) id="([^"]+)">(.*?)</h\1>', re.S)
_PERMALINK = re.compile(r'\s*<a class="heading-anchor".*?</a>', re.S)
WORDS_PER_MINUTE = 230


def table_of_contents(html: str) -> list[tuple[int, str, str]]:
    """(level, id, text) of every h2 and h3 in rendered HTML."""
    return [
        (int(level), anchor, " ".join(unescape(_TAG.sub("", _PERMALINK.sub("", inner))).split()))
        for level, anchor, inner in _HEADING.findall(html)
    ]


# Link targets and HTML tags. Neither class crosses the opening character it starts
# with, so each attempt stops at the next one: 100,000 `<` (or `](`) stay linear.
_NOT_READ = re.compile(r"\]\([^()]*\)|<[^<>]+>")


def reading_minutes(markdown: str) -> int:
    """Estimated reading time of a Markdown body, at least one minute.

    Counted on the Markdown, not the HTML: a list of posts shows each one's reading
    time without rendering (or loading) any of them.
    """
    words = len(_NOT_READ.sub(" ", markdown).split())
    return max(1, round(words / WORDS_PER_MINUTE))


def code_css() -> str:
    """Pygments CSS: light and dark themes, each in its own color-scheme block.

    Each theme is complete on its own, so no light-only rule leaks into dark mode.
    """
    from pygments.formatters import HtmlFormatter

    blocks = []
    for scheme, style in (("light", LIGHT_CODE_STYLE), ("dark", DARK_CODE_STYLE)):
        rules = HtmlFormatter(style=style).get_style_defs(CODE_CSS_SCOPE)
        indented = "\n".join("  " + line for line in rules.splitlines())
        blocks.append(f"@media (prefers-color-scheme: {scheme}) {{\n{indented}\n}}\n")
    return "".join(blocks)
