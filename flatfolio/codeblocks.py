"""Fenced code attributes as MkDocs writes them: `title="x.py"`, `hl_lines="2 4-6"` and `linenums="10"`."""

from __future__ import annotations

import re
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

ATTRIBUTES = ("title", "hl_lines", "linenums")
# `key="value"`, `key='value'` or `key=value`; anything else in the info string is skipped.
_ATTRIBUTE = re.compile(r"""([A-Za-z_][\w-]*)=(?:"([^"]*)"|'([^']*)'|(\S+))""")
_RANGE = re.compile(r"(\d+)(?:-(\d+))?")


def split_info(info: str) -> tuple[str, dict[str, str]]:
    """A fence's info string as (language, {attribute: value}); unknown attributes are dropped."""
    words = info.split(maxsplit=1)
    language = ""
    if words and "=" not in words[0]:
        language, info = words[0], words[1] if len(words) > 1 else ""
    attributes = {}
    for match in _ATTRIBUTE.finditer(info):
        name = match.group(1)
        if name in ATTRIBUTES:
            attributes[name] = next(value for value in match.groups()[1:] if value is not None)
    return language, attributes


def highlighted_lines(value: str, count: int) -> tuple[set[int], list[str]]:
    """The 1-based lines `hl_lines` names, and what is wrong with each item that names none."""
    lines, errors = set(), []
    for item in value.split():
        match = _RANGE.fullmatch(item)
        if match is None:
            errors.append(f'hl_lines item "{item}" is not a line number or a range like 4-6')
            continue
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if first < 1:
            errors.append(f'hl_lines item "{item}": lines are numbered from 1')
        elif last < first:
            errors.append(f'hl_lines item "{item}": the range ends before it starts')
        elif last > count:
            errors.append(f'hl_lines item "{item}" is past the end of the block ({count} lines)')
        else:
            lines.update(range(first, last + 1))
    return lines, errors


def first_number(value: str | None) -> tuple[int | None, str | None]:
    """The first line number `linenums` asks for (None when absent), and the error if it is not one."""
    if value is None:
        return None, None
    if value.isdigit() and int(value) >= 1:
        return int(value), None
    return None, f'linenums "{value}" is not a line number (1 or more)'


def _code_lines(code: str, language: str) -> tuple[list[str], str]:
    """The block's lines as HTML, each with its tags closed (Pygments closes them at every newline)."""
    from pygments import highlight

    from .render import _formatter, _lexer

    lexer = _lexer(language.lower()) if language else None
    body = highlight(code, lexer, _formatter()) if lexer else escape(code, quote=False)
    lines = body.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines, ("highlight" if lexer else "")


def render_code_block(code: str, language: str, attributes: dict[str, str]) -> str:
    """A block with a title bar, marked lines and unselectable line numbers; bad values are left out."""
    lines, highlighted = _code_lines(code, language)
    marked = highlighted_lines(attributes.get("hl_lines", ""), len(lines))[0]
    start = first_number(attributes.get("linenums"))[0]
    width = len(str(start + len(lines) - 1)) if start else 0
    out = []
    for number, line in enumerate(lines, 1):
        if start:
            line = f'<span class="ln" aria-hidden="true">{str(start + number - 1).rjust(width)}</span>{line}'
        out.append(f'<mark class="hl">{line}</mark>' if number in marked else line)
    lang = escape(language.lower())
    pre_class, code_class = ("code highlight", f' class="language-{lang}"') if highlighted else ("code", "")
    data = f' data-lang="{lang}"' if highlighted else ""
    pre = f'<pre class="{pre_class}"{data} tabindex="0"><code{code_class}>' + "\n".join(out) + "\n</code></pre>"
    if "title" not in attributes:
        return pre + "\n"
    title = escape(attributes["title"], quote=False)
    return f'<figure class="code-block">\n<figcaption class="code-title">{title}</figcaption>\n{pre}\n</figure>\n'


def code_blocks_plugin(md: MarkdownIt) -> None:
    """Fences with a known attribute render as `render_code_block`; every other fence as before."""
    from markdown_it.common.utils import unescapeAll

    plain = md.renderer.rules["fence"]

    def fence(renderer, tokens, index, options, env) -> str:
        token = tokens[index]
        language, attributes = split_info(unescapeAll(token.info)) if "=" in token.info else ("", {})
        if not attributes:
            return plain(tokens, index, options, env)
        return render_code_block(token.content, language, attributes)

    md.add_render_rule("fence", fence)


def code_errors(md: MarkdownIt, text: str) -> list[tuple[int, str]]:
    """(0-based line, message) of each bad `hl_lines` or `linenums` on a fence in Markdown."""
    if "hl_lines" not in text and "linenums" not in text:
        return []
    from markdown_it.common.utils import unescapeAll

    errors = []
    for token in md.parse(text, {}):
        if token.type != "fence" or "=" not in token.info:
            continue
        attributes = split_info(unescapeAll(token.info))[1]
        line = token.map[0] if token.map else 0
        count = token.content.count("\n") + (0 if token.content.endswith("\n") or not token.content else 1)
        if "hl_lines" in attributes:
            errors += [(line, error) for error in highlighted_lines(attributes["hl_lines"], count)[1]]
        if error := first_number(attributes.get("linenums"))[1]:
            errors.append((line, error))
    return errors
