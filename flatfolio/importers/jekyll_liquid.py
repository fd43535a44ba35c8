"""Jekyll's Liquid and kramdown syntax in a post or page, converted to plain Markdown/HTML at import time."""

import re
from collections import Counter
from dataclasses import dataclass, field

from .convert import fence, line_at, outside_code
from .model import Note

_T = r"\{%-?\s*"  # a tag opening, with Liquid's optional whitespace control
_E = r"\s*-?%\}"
_RAW = re.compile(_T + r"raw" + _E + r"(.*?)" + _T + r"endraw" + _E, re.S)
_COMMENT = re.compile(_T + r"comment" + _E + r"(.*?)" + _T + r"endcomment" + _E, re.S)
_HIGHLIGHT = re.compile(_T + r"highlight\s+([^\s%]+)[^%]*?" + _E + r"[ \t]*\n?(.*?)" + _T + r"endhighlight" + _E, re.S)
_POST_URL = re.compile(_T + r"post_url\s+([^\s%]+)" + _E)
_LINK = re.compile(_T + r"link\s+([^\s%]+)" + _E)
_GIST = re.compile(_T + r"gist\s+([\w-]+/)?([0-9a-f]+)(?:\s+[^%]*?)?" + _E)
_FILTERED = re.compile(r"\{\{-?\s*(['\"])(.*?)\1\s*\|\s*(?:relative_url|absolute_url)\s*-?\}\}")
_PAGE_VALUE = re.compile(r"\{\{-?\s*page\.(\w+)\s*-?\}\}")  # {{ page.title }}, no filters
_SITE_URL = re.compile(r"(?:\{\{-?\s*site\.(?:url|baseurl)\s*-?\}\})+")
_LEFT = re.compile(r"\{%-?.*?-?%\}|\{\{-?.*?-?\}\}", re.S)
_IAL_LINE = re.compile(r"^[ \t]*\{:[^}\n]*\}[ \t]*\n", re.M)
_TOC = re.compile(r"^[ \t]*(?:[*+-]|1\.)[ \t]+[^\n]*\n[ \t]*\{:\s*\.?toc\s*\}[ \t]*\n?", re.M)
_IAL_INLINE = re.compile(r"(?<=[)\]*_`])\{:[^}\n]*\}")


@dataclass
class Context:
    """What the converter needs from the whole site, and where it records what it did."""

    post_urls: dict[str, str]  # `2010-07-21-name` and `sub/2010-07-21-name` -> old URL
    link_urls: dict[str, str]  # source path (`_posts/...md`, `about.md`, `assets/x.png`) -> old URL
    baseurl: str = ""
    conversions: Counter = field(default_factory=Counter)
    notes: list[Note] = field(default_factory=list)


def convert(body: str, source: str, body_line: int, context: Context, page: dict | None = None) -> str:
    """`body` with Jekyll's tags converted; what cannot be converted stays and is noted with its line.

    `page`: the document's front matter, for `{{ page.title }}` and other plain values.
    """
    parts, start = [], 0
    for match in _RAW.finditer(body):
        parts.append(_convert_part(body[start : match.start()], body, source, body_line, context, page or {}))
        parts.append(match.group(1))  # raw: shown exactly as written
        context.conversions["raw"] += 1
        start = match.end()
    parts.append(_convert_part(body[start:], body, source, body_line, context, page or {}))
    return "".join(parts)


def _convert_part(text: str, whole: str, source: str, body_line: int, context: Context, page: dict) -> str:
    counts = context.conversions

    def where(needle: str) -> int:
        index = whole.find(needle)
        return body_line + line_at(whole, index) - 1 if index >= 0 else body_line

    def comment(match: re.Match) -> str:
        counts["comment"] += 1
        return "<!--" + match.group(1).replace("--", "- -") + "-->"

    def highlight(match: re.Match) -> str:
        counts["highlight"] += 1
        before = match.string[: match.start()]
        lead = "" if not before or before.endswith("\n") else "\n"
        return lead + fence(match.group(2), match.group(1))

    def resolved(url: str | None, match: re.Match, kind: str, missing: str) -> str:
        """`url` in place of the tag (counted), or the tag left as written with a note."""
        if url is None:
            context.notes.append(Note(source, where(match.group(0)), f"{missing}: {match.group(1)}"))
            return match.group(0)
        counts[kind] += 1
        return url

    def post_url(match: re.Match) -> str:
        key = match.group(1).strip("/").rsplit(".", 1)[0] if "." in match.group(1) else match.group(1).strip("/")
        url = context.post_urls.get(key) or context.post_urls.get(key.rsplit("/", 1)[-1])
        return resolved(url, match, "post_url", "post_url names no post")

    def link(match: re.Match) -> str:
        return resolved(context.link_urls.get(match.group(1).strip("/")), match, "link", "link names no file")

    def gist(match: re.Match) -> str:
        counts["gist"] += 1
        address = f"https://gist.github.com/{match.group(1) or ''}{match.group(2)}"
        return f"[View the gist on GitHub]({address})"

    def filtered(match: re.Match) -> str:
        counts["relative_url"] += 1
        return "/" + match.group(2).lstrip("/")

    def site_url(match: re.Match) -> str:
        counts["site_url"] += 1
        return "" if match.string[match.end() : match.end() + 1] == "/" else "/"

    def page_value(match: re.Match) -> str:
        value = page.get(match.group(1))
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            return match.group(0)  # a list, a date to format, or nothing: left and noted below
        counts["page variable"] += 1
        return str(value)

    text = _COMMENT.sub(comment, text)
    text = _PAGE_VALUE.sub(page_value, text)
    text = _HIGHLIGHT.sub(highlight, text)
    text = _POST_URL.sub(post_url, text)
    text = _LINK.sub(link, text)
    text = _GIST.sub(gist, text)
    text = _FILTERED.sub(filtered, text)
    text = _SITE_URL.sub(site_url, text)
    for match in _LEFT.finditer(text):
        tag = " ".join(match.group(0).split())
        context.notes.append(Note(source, where(match.group(0)), f"Liquid left in place: {tag}"))
    return text


def convert_kramdown(body: str, baseurl: str, context: Context) -> str:
    """kramdown-only syntax flatfolio would show as text: `{:toc}` lists and `{: .class}` attribute lists
    are removed (flatfolio makes its own table of contents); links written with the old `baseurl` lose it."""
    counts = context.conversions

    def prose(text: str) -> str:
        text, toc = _TOC.subn("", text)
        text, lines = _IAL_LINE.subn("", text)
        text, inline = _IAL_INLINE.subn("", text)
        counts["kramdown_toc"] += toc
        counts["kramdown_attributes"] += lines + inline
        if baseurl:
            prefix = re.escape(baseurl.rstrip("/"))
            text, links = re.subn(r"(\]\(|\b(?:href|src)=[\"']?)" + prefix + r"(?=/)", r"\1", text)
            counts["baseurl"] += links
        return text

    converted = outside_code(body, prose)
    for kind in ("kramdown_toc", "kramdown_attributes", "baseurl"):
        if not counts[kind]:
            del counts[kind]
    return converted
