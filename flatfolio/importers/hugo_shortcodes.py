"""Hugo content bodies into plain Markdown: shortcodes, the summary marker and MathJax delimiters."""

import html
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from .convert import commonmark, convert_math, fence, keep_dollars, plain_text
from .model import Note

# An escaped shortcode `{{</* x */>}}` (shown literally by Hugo), or a shortcode tag, opening or closing.
_TAG = re.compile(
    r"\{\{(?P<esc>[<%])/\*(?P<literal>.*?)\*/(?P<esc_end>[>%])\}\}"
    r"|\{\{[<%]\s*(?P<close>/)?\s*(?P<name>[\w.-]+(?:/[\w.-]+)*)(?P<args>.*?)\s*/?\s*[>%]\}\}",
    re.S,
)
_ARG = re.compile(r'(?:([\w-]+)\s*=\s*)?("(?:[^"\\]|\\.)*"|`[^`]*`|[^\s"`]+)', re.S)
_MORE = re.compile(r"[ \t]*<!--\s*more\s*-->[ \t]*\n?")
# MathJax delimiters as written in Markdown: `\(` (Goldmark passthrough) or `\\(` (escaped for Markdown).
_TEX_LIKE = re.compile(r"\\[A-Za-z]|[\^_={}]")


@dataclass
class Body:
    """What a body conversion needs to know about its page, and what it reports back."""

    source: str  # the old file, for notes
    first_line: int  # the line of the old file where the body starts
    resolve: Callable[[str, str], str | None]  # (ref target, shortcode name) -> old URL with #anchor, or None
    param: Callable[[str], object]  # a page or site parameter by (dotted) name, None when unset
    math: bool  # the page or site turned math on: `\(` and `\[` are math even when they do not look like TeX
    conversions: Counter = field(default_factory=Counter)
    notes: list[Note] = field(default_factory=list)


def convert_body(text: str, body: Body) -> tuple[str, str | None]:
    """The body as plain Markdown, and the plain text before `<!--more-->` (None without the marker)."""
    text = _shortcodes(text, body, body.first_line)
    summary = None
    marker = _MORE.search(text)
    if marker:
        summary = plain_text(text[: marker.start()]) or None
        text = _MORE.sub("", text)
        body.conversions["summary marker"] += 1
    if not body.math:  # Hugo shows a lone $ as a dollar unless the site or page turns math on
        text, kept = keep_dollars(text)
        if kept:
            body.conversions["dollars kept as text"] += kept
    # A bare \[a\] may be an escaped bracket: math only where the site turns it on or it looks like TeX.
    text, math = convert_math(text, is_math=lambda inner: body.math or bool(_TEX_LIKE.search(inner)))
    if math:
        body.conversions["math"] += math
    return text, summary


def _shortcodes(text: str, body: Body, first_line: int) -> str:
    out, pos = [], 0
    while match := _TAG.search(text, pos):
        out.append(text[pos : match.start()])
        pos = match.end()
        line = first_line + text.count("\n", 0, match.start())
        if match.group("esc"):
            out.append("{{" + match.group("esc") + match.group("literal") + match.group("esc_end") + "}}")
            body.conversions["escaped shortcode"] += 1
            continue
        name = match.group("name")
        if match.group("close") or name not in _CONVERTERS:
            out.append(match.group(0))
            if not match.group("close"):
                body.notes.append(Note(body.source, line, f"unknown shortcode {name!r} left in place"))
            continue
        inner = None
        if name in _PAIRED:
            closing = re.compile(r"\{\{[<%]\s*/\s*" + re.escape(name) + r"\s*[>%]\}\}").search(text, pos)
            if not closing:
                out.append(match.group(0))
                body.notes.append(Note(body.source, line, f"shortcode {name!r} is never closed: left in place"))
                continue
            inner, pos = text[pos : closing.start()], closing.end()
            if name == "details":  # Markdown inside: its shortcodes are converted too
                inner = _shortcodes(inner, body, line + match.group(0).count("\n"))
        positional, named = _args(match.group("args"))
        converted = _CONVERTERS[name](positional, named, inner, body)
        if converted is None:
            out.append(text[match.start() : pos])
            body.notes.append(Note(body.source, line, f"shortcode {name!r} could not be converted: left in place"))
            continue
        before = next((part for part in reversed(out) if part), "")
        if name in _BLOCKS and before and not before.endswith("\n"):
            converted = "\n" + converted  # a fence must start its own line
        out.append(converted)
        body.conversions[_KIND.get(name, name)] += 1
    out.append(text[pos:])
    return "".join(out)


def _args(text: str) -> tuple[list[str], dict[str, str]]:
    positional, named = [], {}
    for key, raw in _ARG.findall(text):
        if raw.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", raw[1:-1])
        elif raw.startswith("`"):
            value = raw[1:-1]
        else:
            value = raw
        if key:
            named[key.lower()] = value
        else:
            positional.append(value)
    return positional, named


def _arg(positional: list[str], named: dict[str, str], index: int, *names: str) -> str:
    for name in names:
        if named.get(name):
            return named[name]
    return positional[index] if len(positional) > index else ""


def _link(text: str, url: str) -> str:
    return "[" + re.sub(r"([\\\[\]])", r"\\\1", text) + "](" + url + ")"


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def _ref(positional, named, inner, body: Body, name: str = "ref") -> str | None:
    target = _arg(positional, named, 0, "path")
    return body.resolve(target, name) if target else None


def _highlight(positional, named, inner, body):
    language = _arg(positional, named, 0, "lang", "language")
    code = re.sub(r"^[ \t]*\n", "", inner, count=1)
    return fence(code, language)


def _figure(positional, named, inner, body):
    src = named.get("src", "")
    if not src:
        return None
    img = f'<img src="{_attr(src)}" alt="{_attr(named.get("alt", ""))}"'
    for key in ("width", "height", "class", "loading"):
        if named.get(key):
            img += f' {key}="{_attr(named[key])}"'
    img += ">"
    if named.get("link"):
        rel = f' rel="{_attr(named["rel"])}"' if named.get("rel") else ""
        img = f'<a href="{_attr(named["link"])}"{rel}>{img}</a>'
    caption = ""
    if named.get("title"):
        caption += f"<strong>{html.escape(named['title'])}</strong> "
    if named.get("caption"):
        caption += commonmark().renderInline(named["caption"])
    if named.get("attr"):
        attribution = html.escape(named["attr"])
        if named.get("attrlink"):
            attribution = f'<a href="{_attr(named["attrlink"])}">{attribution}</a>'
        caption += f" {attribution}"
    caption = f"<figcaption>{caption.strip()}</figcaption>" if caption.strip() else ""
    return f"<figure>{img}{caption}</figure>"


def _youtube(positional, named, inner, body):
    video = _arg(positional, named, 0, "id")
    if not video:
        return None
    start = named.get("start", "")
    url = f"https://www.youtube.com/watch?v={video}" + (f"&t={start}s" if start.isdigit() else "")
    return _link(named.get("title") or "Video on YouTube", url)


def _vimeo(positional, named, inner, body):
    video = _arg(positional, named, 0, "id")
    return _link(named.get("title") or "Video on Vimeo", f"https://vimeo.com/{video}") if video else None


def _gist(positional, named, inner, body):
    user, gist, file = (
        _arg(positional, named, 0, "user"),
        _arg(positional, named, 1, "id"),
        _arg(positional, named, 2, "file"),
    )
    if not user or not gist:
        return None
    url = f"https://gist.github.com/{user}/{gist}"
    if file:
        url += "#file-" + re.sub(r"[^a-z0-9]", "-", file.lower())
    return _link(f"Gist {user}/{gist}" + (f": {file}" if file else ""), url)


def _tweet(positional, named, inner, body):
    user, post = named.get("user", ""), named.get("id", "")
    if not named and len(positional) == 1:
        post = positional[0]  # Hugo's first form: the id alone
    elif not named and len(positional) == 2:
        user, post = positional
    if not post:
        return None
    if not user:
        return _link("Post on X", f"https://twitter.com/i/status/{post}")
    return _link(f"Post by @{user} on X", f"https://x.com/{user}/status/{post}")


def _instagram(positional, named, inner, body):
    post = _arg(positional, named, 0, "id")
    return _link("Post on Instagram", f"https://www.instagram.com/p/{post}/") if post else None


def _param(positional, named, inner, body):
    value = body.param(_arg(positional, named, 0, "name"))
    return str(value) if isinstance(value, str | int | float) and not isinstance(value, bool) else None


def _details(positional, named, inner, body):
    summary = html.escape(named.get("summary") or "Details")
    opened = " open" if named.get("open", "").lower() == "true" else ""
    return f"<details{opened}>\n<summary>{summary}</summary>\n\n{inner.strip()}\n\n</details>"


_CONVERTERS = {
    "ref": _ref,
    "relref": lambda p, n, i, b: _ref(p, n, i, b, "relref"),
    "highlight": _highlight,
    "figure": _figure,
    "youtube": _youtube,
    "vimeo": _vimeo,
    "gist": _gist,
    "tweet": _tweet,
    "twitter": _tweet,
    "x": _tweet,
    "instagram": _instagram,
    "param": _param,
    "details": _details,
}
_PAIRED = {"highlight", "details"}
_BLOCKS = {"highlight", "details"}
_KIND = {"twitter": "tweet", "x": "tweet"}
