"""Callouts in GitHub's syntax: a quote whose first line is `[!NOTE]` (or TIP, IMPORTANT, WARNING, CAUTION)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore

KINDS = {"note": "Note", "tip": "Tip", "important": "Important", "warning": "Warning", "caution": "Caution"}
# The marker alone on the quote's first line, as GitHub requires; any case.
_MARKER = re.compile(r"\[!(note|tip|important|warning|caution)\][ \t]*(?:\n|$)", re.I)


def _closing(tokens, index: int) -> int:
    """The index of the blockquote_close that ends the quote opened at `index`."""
    level = tokens[index].level
    closes = (i for i in range(index + 1, len(tokens)) if tokens[i].type == "blockquote_close")
    return next(i for i in closes if tokens[i].level == level)


def _callouts(state: StateCore) -> None:
    """Turn each marked quote into `<div class="callout callout-KIND" role="note">` with a title paragraph."""
    from markdown_it.token import Token

    tokens = state.tokens
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token.type != "blockquote_open" or index + 1 >= len(tokens) or tokens[index].type != "paragraph_open":
            continue
        inline = tokens[index + 1]
        match = _MARKER.match(inline.content)
        if match is None:
            continue
        kind = match.group(1).lower()
        close = tokens[_closing(tokens, index - 1)]
        token.tag = close.tag = "div"
        token.attrs = {"class": f"callout callout-{kind}", "role": "note"}
        rest = inline.content[match.end() :]
        children = inline.children or []
        # The marker's text children, up to and including the line break after it.
        breaks = [i for i, child in enumerate(children) if child.type in ("softbreak", "hardbreak")]
        drop = breaks[0] + 1 if breaks else len(children)
        title_open = Token("paragraph_open", "p", 1, level=token.level + 1, block=True)
        title_open.attrs = {"class": "callout-title"}
        title = Token("inline", "", 0, content=KINDS[kind], level=token.level + 2, block=True,
                      children=[Token("text", "", 0, content=KINDS[kind])])  # fmt: skip
        title_close = Token("paragraph_close", "p", -1, level=token.level + 1, block=True)
        if rest.strip():
            inline.content, inline.children = rest, children[drop:]
            tokens[index:index] = [title_open, title, title_close]
        else:  # only the marker in this paragraph: it becomes the title
            tokens[index : index + 3] = [title_open, title, title_close]
        index += 3


def callouts_plugin(md: MarkdownIt) -> None:
    """Recognise GitHub's callouts once inline content is parsed (the marker is a text child by then)."""
    md.core.ruler.push("callouts", _callouts)
