"""Math: `$…$`, `$$…$$`, `\\(…\\)` and `\\[…\\]` turned into MathML at build time (latex2mathml)."""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_block import StateBlock
    from markdown_it.rules_inline import StateInline

_CLOSING = {"$": "$", "$$": "$$", "\\(": "\\)", "\\[": "\\]"}
MATH_TOKENS = ("math_inline", "math_inline_double", "math_block")
# The attributes latex2mathml writes that MathML in HTML knows. Everything else is dropped:
# `style` (the CSP forbids inline styles), `href` (a `javascript:` link), `border-color`.
_ATTRIBUTES = frozenset((
    "display", "mathvariant", "mathcolor", "mathbackground", "mathsize", "stretchy", "fence", "form", "separator",
    "accent", "movablelimits", "largeop", "lspace", "rspace", "width", "height", "depth", "voffset", "linebreak",
    "linethickness", "minsize", "maxsize", "notation", "columnalign", "columnspacing", "rowspacing", "columnlines",
    "rowlines", "displaystyle", "scriptlevel", "symmetric", "frame"
))  # fmt: skip
_CHARACTER_REFERENCE = re.compile(r"&#x([0-9A-Fa-f]{1,6});")
# A command latex2mathml does not know is written out as it is: `<mi>\foo</mi>`.
_UNKNOWN_COMMAND = re.compile(r"<m[io]>(\\[A-Za-z]+)</m[io]>")
_BRACE = re.compile(r"\\.|[{}]", re.S)
# latex2mathml's exceptions carry no message: what each class means.
_MESSAGES = {
    "NumeratorNotFoundError": "a fraction has no numerator",
    "DenominatorNotFoundError": "a fraction has no denominator",
    "ExtraLeftOrMissingRightError": "a \\left has no \\right, or a \\right no \\left",
    "MissingSuperScriptOrSubscriptError": "^ or _ has nothing after it",
    "DoubleSubscriptsError": "double subscript (write x_{ab}, not x_a_b)",
    "DoubleSuperscriptsError": "double superscript (write x^{ab}, not x^a^b)",
    "NoAvailableTokensError": "a command is missing its argument",
    "MissingEndError": "a \\begin has no \\end",
    "InvalidStyleForGenfracError": "invalid style for \\genfrac",
    "InvalidAlignmentError": "invalid column alignment",
    "InvalidWidthError": "invalid width",
    "LimitsMustFollowMathOperatorError": "\\limits must follow an operator such as \\sum",
}


def _character(match: re.Match) -> str:
    """latex2mathml writes symbols as `&#x…;` in its text; a printable code point becomes the character."""
    code = int(match.group(1), 16)
    printable = 0x20 <= code <= 0x10FFFF and not 0x7F <= code <= 0x9F and not 0xD800 <= code <= 0xDFFF
    return chr(code) if printable else match.group(0)


def _text(text: str | None) -> str:
    return escape(_CHARACTER_REFERENCE.sub(_character, text), quote=False) if text else ""


def _serialize(element) -> str:
    """An element as HTML, every text and value escaped: latex2mathml's own string keeps `\\text{<b>}` raw."""
    attributes = "".join(
        f' {name}="{escape(_CHARACTER_REFERENCE.sub(_character, str(value)))}"'
        for name, value in element.attrib.items()
        if name in _ATTRIBUTES
    )
    children = "".join(_serialize(child) + _text(child.tail) for child in element)
    return f"<{element.tag}{attributes}>{_text(element.text)}{children}</{element.tag}>"


def _unbalanced_braces(tex: str) -> str | None:
    depth = 0
    for match in _BRACE.finditer(tex):
        depth += {"{": 1, "}": -1}.get(match.group(0), 0)
        if depth < 0:
            return "a '}' closes no '{'"
    return "a '{' is never closed" if depth else None


@lru_cache(maxsize=4096)
def to_mathml(tex: str, display: bool) -> tuple[str, str | None]:
    """(MathML, None) for LaTeX, or (a fallback showing the source, the error) when it cannot be converted."""
    from latex2mathml.converter import convert_to_element

    error = _unbalanced_braces(tex)
    if error is None:
        try:
            html = _serialize(convert_to_element(tex, xmlns="", display="block" if display else "inline"))
        except Exception as exception:  # noqa: BLE001 -- latex2mathml raises bare classes such as MissingEndError
            error = _MESSAGES.get(type(exception).__name__) or f"cannot convert ({type(exception).__name__})"
        else:
            unknown = _UNKNOWN_COMMAND.search(html)
            if unknown is None:
                return html, None
            error = f"unknown command {unknown.group(1)}"
    return f'<code class="math-error">{escape(tex, quote=False)}</code>', error


def _render(display: bool, block: bool = False):
    def rule(_renderer, tokens, index, _options, _env) -> str:
        html = to_mathml(tokens[index].content.strip(), display)[0]
        return html + "\n" if block else html

    return rule


def _closing(state: StateInline, marker: str, start: int) -> int:
    """Where `marker` next occurs from `start`, -1 if nowhere; a failed search is remembered (no rescans)."""
    nowhere = getattr(state, "flatfolio_no_" + marker, None)
    if nowhere is not None and start >= nowhere:
        return -1
    end = state.src.find(marker, start, state.posMax)
    if end < 0:
        setattr(state, "flatfolio_no_" + marker, start)
    return end


def _bracket_inline(state: StateInline, silent: bool) -> bool:
    r"""`\(x\)` as inline math, `\[x\]` inside a paragraph as display math (the forms MathJax posts use)."""
    opening = state.src[state.pos : state.pos + 2]
    if opening not in ("\\(", "\\["):
        return False
    closing = "\\)" if opening == "\\(" else "\\]"
    end = _closing(state, closing, state.pos + 2)
    if end <= state.pos + 2:
        return False
    if not silent:
        token = state.push("math_inline" if opening == "\\(" else "math_inline_double", "math", 0)
        token.content = state.src[state.pos + 2 : end]
        token.markup = opening
    state.pos = end + 2
    return True


def _bracket_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    r"""A block that starts with `\[` and whose line ends with `\]`, with no blank line between."""
    if state.is_code_block(start_line):
        return False
    begin = state.bMarks[start_line] + state.tShift[start_line]
    if not state.src.startswith("\\[", begin):
        return False
    parts = []
    for line in range(start_line, end_line):
        first = begin + 2 if line == start_line else state.bMarks[line] + state.tShift[line]
        text = state.src[first : state.eMarks[line]].rstrip()
        if line > start_line and not text:
            return False
        if text.endswith("\\]") and (line > start_line or len(text) > 2):
            parts.append(text[:-2])
            break
        parts.append(text)
    else:
        return False
    if not silent:
        token = state.push("math_block", "math", 0)
        token.block = True
        token.content = "\n".join(parts)
        token.markup = "\\["
        token.map = [start_line, line + 1]
    state.line = line + 1
    return True


def math_plugin(md: MarkdownIt) -> None:
    """Dollar math by dollarmath's rules (`$5 and $10` stays prose), bracket math, all rendered as MathML."""
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    dollarmath_plugin(
        md, allow_labels=False, allow_space=False, allow_digits=False, allow_blank_lines=False, double_inline=True
    )
    md.inline.ruler.before("escape", "math_brackets", _bracket_inline)
    md.block.ruler.before("fence", "math_block_brackets", _bracket_block)
    md.add_render_rule("math_inline", _render(display=False))
    md.add_render_rule("math_inline_double", _render(display=True))
    md.add_render_rule("math_block", _render(display=True, block=True))


def could_have_math(text: str) -> bool:
    return "$" in text or "\\(" in text or "\\[" in text


def math_errors(md: MarkdownIt, text: str) -> list[tuple[int, str]]:
    """(0-based line, message) of each math expression in Markdown that LaTeX-to-MathML cannot convert."""
    if not could_have_math(text):
        return []
    errors = []
    for token in md.parse(text, {}):
        line = token.map[0] if token.map else 0
        for child in token.children or [token]:
            if child.type in MATH_TOKENS:
                error = to_mathml(child.content.strip(), child.type != "math_inline")[1]
                if error:
                    source = child.content.strip()
                    shown = source if len(source) <= 40 else source[:39] + "…"
                    errors.append((line, f"{error} in {child.markup}{shown}{_CLOSING[child.markup]}"))
            if child is not token:  # where an inline child is: the lines before it in its paragraph
                line += 1 if child.type in ("softbreak", "hardbreak") else child.content.count("\n")
    return errors
