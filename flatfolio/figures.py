"""Markdown images: a titled image alone in its paragraph becomes a figure with a caption; images need alt text."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore
    from markdown_it.token import Token


def _lone_image(inline: Token) -> Token | None:
    """The paragraph's only content when that is an image (spaces around it allowed)."""
    children = [child for child in inline.children or () if child.type != "text" or child.content.strip()]
    return children[0] if len(children) == 1 and children[0].type == "image" else None


def _figures(state: StateCore) -> None:
    """`![alt](x.png "Caption")` alone in its paragraph: `<figure>`, the image, `<figcaption>Caption</figcaption>`."""
    from markdown_it.token import Token

    tokens = state.tokens
    for index in range(len(tokens) - 2):
        opening, inline, closing = tokens[index : index + 3]
        if opening.type != "paragraph_open" or opening.hidden or closing.type != "paragraph_close":
            continue  # a tight list's paragraph has no tags to become the figure's
        image = _lone_image(inline)
        title = str(image.attrGet("title") or "").strip() if image else ""
        if not title:
            continue
        del image.attrs["title"]  # the caption says it: no tooltip repeating it
        opening.tag = closing.tag = "figure"
        opening.attrSet("class", "image")
        caption = Token("html_inline", "", 0, content=f"<figcaption>{escape(title, quote=False)}</figcaption>")
        inline.children = [image, caption]


def figures_plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("figures", _figures)


def _alt_text(image: Token) -> str:
    return "".join(child.content for child in image.children or ()).strip()


def alt_errors(md: MarkdownIt, text: str) -> list[tuple[int, str]]:
    """(0-based line, message) of each Markdown image without alt text (raw HTML `<img alt="">` stays allowed)."""
    if "![" not in text:
        return []
    errors = []
    for token in md.parse(text, {}):
        line = token.map[0] if token.map else 0
        for child in token.children or ():
            if child.type == "image" and not _alt_text(child):
                src = child.attrGet("src")
                errors.append((line, f"{src}: no alt text: say what it shows, ![what it shows]({src})"))
            line += 1 if child.type in ("softbreak", "hardbreak") else child.content.count("\n")
    return errors
