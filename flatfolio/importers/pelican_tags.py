"""Pelican body syntax to plain Markdown: summary markers, liquid tags, {filename}/{static}/{attach} links, math."""

import html
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from pygments.lexers import get_lexer_for_filename
from pygments.util import ClassNotFound

from .convert import convert_math, fence, keep_dollars, line_at, outside_code, plain_text
from .model import ImportedFile, Note, OldSite
from .notebooks import notebook_markdown

_LIQUID = re.compile(r"\{%\s*(?P<tag>\w+)\s*(?P<args>.*?)\s*%\}")
_LINK = re.compile(
    r"(?P<open>[{|])(?P<what>filename|static|attach|tag|category|author|index)(?P<close>[}|])"
    r"(?P<value>[^\s)\"'<>\]]*)"
)
_IMG = re.compile(
    r"(?P<cls>\S.*?\s+)?(?P<src>(?:https?://|/|\S+/)\S+)(?:\s+(?P<width>\d+))?(?:\s+(?P<height>\d+))?(?P<title>\s+.+)?$"
)
_TITLE_ALT = re.compile(r"""["'](?P<title>[^"']+)?["']\s+["'](?P<alt>[^"']+)?["']""")
_INCLUDE = re.compile(
    r"^(?P<src>\S+)(?:\s+lang:(?P<lang>\S+))?(?:\s+lines:(?P<lines>\d+-\d+))?(?P<flags>(?:\s+:hide\w+:)*)"
    r"(?:\s+(?P<title>.+))?$"
)
_NOTEBOOK = re.compile(
    r"^(?P<src>\S+)(?:\s+cells\[(?P<start>-?\d*):(?P<end>-?\d*)\])?(?:\s+language\[(?P<lang>[^\]]*)\])?$"
)
# Math never crosses a blank line: a paragraph boundary means the backslash was a plain escape.
_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg")


@dataclass
class BodyContext:
    """What converting one entry's body needs to know about the site around it."""

    site: OldSite
    settings: dict
    content: Path  # the Pelican content folder
    source: str  # the file, relative to the old site, for notes
    first_line: int  # line of the file where the body starts
    rel_dir: str  # the file's folder, relative to the content folder
    served_dir: str  # folder the entry is served in, no leading slash ("" at the root), for {attach}
    slug: str  # the entry's slug, for notebook image folders
    urls: dict[str, str]  # content file (relative to the content folder) -> the URL it answers at
    statics: dict[str, str]  # static file (relative to the content folder) -> served path, no leading slash
    attached: dict[str, str] = field(default_factory=dict)  # static file -> where {attach} placed it

    def note(self, text: str, index: int, message: str) -> None:
        """Record a note at character `index` of `text` (a body)."""
        self.site.notes.append(Note(self.source, self.first_line + line_at(text, index) - 1, message))

    def add_file(self, path: str, source: Path | None = None, data: bytes | None = None) -> None:
        """Serve a file at `path`, once."""
        if all(existing.path != path for existing in self.site.files):
            self.site.files.append(ImportedFile(path=path, source=source, data=data))

    def resolve(self, value: str) -> str:
        """A content-relative path from a link: `/x` from the content root, else from the linking file's folder."""
        value = unquote(value)
        joined = value[1:] if value.startswith("/") else posixpath.join(self.rel_dir, value)
        return posixpath.normpath(joined).lstrip("/")


def convert_body(body: str, ctx: BodyContext) -> tuple[str, str | None]:
    """(the body as plain Markdown, the summary its markers gave or None)."""
    # Liquid tags first: Pelican's summary plugin sees the content they produce (a notebook's markers too).
    body = _sub_in_prose(body, _LIQUID, lambda m, text: _liquid(m, text, ctx))
    body, summary = _summary(body, ctx)
    body = _sub_in_prose(body, _LINK, lambda m, text: _link(m, text, ctx), spans=True)
    return _math(body, ctx), summary


def _sub_in_prose(body: str, pattern: re.Pattern, replace: Callable, spans: bool = False) -> str:
    """`pattern` replaced outside fenced code (and outside code spans when `spans`); notes see body offsets."""
    if not spans:
        return _outside_fences(body, lambda prose, start: pattern.sub(lambda m: replace(m, (body, start)), prose))
    return outside_code(body, lambda prose: pattern.sub(lambda m: replace(m, (body, body.find(prose))), prose))


def _outside_fences(body: str, convert: Callable) -> str:
    """`convert(prose, offset)` over the parts of `body` outside fenced code blocks."""
    parts = re.split(r"(?ms)(^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?^ {0,3}\2[`~]*[ \t]*$)", body)
    out, offset = [], 0
    for index, part in enumerate(parts):
        kind = index % 3
        if kind == 0:
            out.append(convert(part, offset))
        elif kind == 1:
            out.append(part)
        if kind != 2:
            offset += len(part)
    return "".join(out)


def _where(match: re.Match, at: tuple[str, int]) -> tuple[str, int]:
    """The body and the index of `match` in it, for a note."""
    body, start = at
    return body, start + match.start()


def _summary(body: str, ctx: BodyContext) -> tuple[str, str | None]:
    """The text between the summary markers as a plain summary, with the markers removed."""
    begin, end = ctx.settings["SUMMARY_BEGIN_MARKER"], ctx.settings["SUMMARY_END_MARKER"]
    if not isinstance(end, str) or end not in body:
        return body, None
    start = body.find(begin) + len(begin) if isinstance(begin, str) and begin and begin in body else 0
    summary = plain_text(_LINK.sub(lambda m: m["value"], body[start : body.find(end)]))
    for marker in (begin, end):
        if marker:
            body = re.sub(rf"(?m)^[ \t]*{re.escape(marker)}[ \t]*\n?", "", body).replace(marker, "")
    ctx.site.conversions["summary marker"] += 1
    return body, summary or None


def _liquid(match: re.Match, at: tuple[str, int], ctx: BodyContext) -> str:
    """One liquid tag (pelican-plugins liquid_tags) as Markdown/HTML, or left in place with a note."""
    tag, args = match["tag"], match["args"]
    converter = {"img": _img, "video": _video, "youtube": _youtube, "vimeo": _vimeo, "literal": _literal}.get(tag)
    if tag == "include_code":
        result = _include_code(args, ctx)
    elif tag == "notebook":
        result = _notebook(args, ctx, _where(match, at))
    else:
        result = converter(args) if converter else None
    if isinstance(result, str):
        ctx.site.conversions[f"liquid {tag}"] += 1
        return result
    ctx.note(*_where(match, at), result[1] if result else f"liquid tag {{% {tag} %}} not converted: left as is")
    return match.group(0)


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def _img(args: str) -> str | tuple:
    match = _IMG.match(args)
    if not match:
        return None, f"{{% img {args} %}}: no image path found: left as is"
    title = alt = (match["title"] or "").strip()
    pair = _TITLE_ALT.match(title)
    if pair:
        title, alt = pair["title"] or "", pair["alt"] or ""
    else:
        title = alt = title.strip("\"'")
    cls, width, height = (match["cls"] or "").strip(), match["width"], match["height"]
    if not (cls or width or height):
        caption = f' "{title.replace(chr(34), chr(39))}"' if title else ""
        return f"![{alt.replace(']', '')}]({match['src']}{caption})"
    attrs = {"src": match["src"], "alt": alt, "title": title, "class": cls, "width": width, "height": height}
    return "<img " + " ".join(f'{name}="{_attr(value)}"' for name, value in attrs.items() if value) + ">"


def _video(args: str) -> str | tuple:
    words = args.split()
    sources = [word for word in words if "/" in word and not word.lower().endswith(_IMAGE_EXTENSIONS)]
    posters = [word for word in words if "/" in word and word.lower().endswith(_IMAGE_EXTENSIONS)]
    sizes = [word for word in words if word.isdigit()]
    if not sources:
        return None, f"{{% video {args} %}}: no video URL found: left as is"
    attrs = "controls" + "".join(f' {name}="{value}"' for name, value in zip(("width", "height"), sizes, strict=False))
    attrs += f' poster="{_attr(posters[0])}"' if posters else ""
    if len(sources) == 1:
        return f'<video {attrs} src="{_attr(sources[0])}"></video>'
    inner = "".join(f'<source src="{_attr(src)}">' for src in sources)
    return f"<video {attrs}>{inner}</video>"


def _literal(args: str) -> str:
    """`{% literal img x.png %}` shows the tag itself."""
    return "{% " + args + " %}"


def _youtube(args: str) -> str | tuple:
    words = args.split()
    if not words:
        return None, "{% youtube %} without a video id: left as is"
    return f"[YouTube video](https://www.youtube.com/watch?v={words[0]})"


def _vimeo(args: str) -> str | tuple:
    words = args.split()
    if not words:
        return None, "{% vimeo %} without a video id: left as is"
    return f"[Vimeo video](https://vimeo.com/{words[0]})"


def _include_code(args: str, ctx: BodyContext) -> str | tuple:
    match = _INCLUDE.match(args)
    if not match:
        return None, f"{{% include_code {args} %}}: not understood: left as is"
    rel = posixpath.join(str(ctx.settings["CODE_DIR"]), match["src"].lstrip("/"))
    try:
        code = (ctx.content / rel).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, f"{{% include_code %}}: cannot read {rel}: {getattr(error, 'strerror', None) or error}"
    if match["lines"]:
        first, last = (int(number) for number in match["lines"].split("-"))
        code = "".join(code.splitlines(keepends=True)[first - 1 : last])
    language = match["lang"] or _language_of(match["src"])
    caption = "" if ":hideall:" in (match["flags"] or "") else (match["title"] or posixpath.basename(match["src"]))
    if caption and rel in ctx.statics and ":hidelink:" not in (match["flags"] or ""):
        caption += f" ([download](/{ctx.statics[rel]}))"
    return (f"*{caption}*\n\n" if caption else "") + fence(code, language)


def _language_of(name: str) -> str:
    """The Pygments name for a file's language, from its file name ("" when unknown)."""
    try:
        return get_lexer_for_filename(name).aliases[0]
    except (ClassNotFound, IndexError):
        return ""


def _notebook(args: str, ctx: BodyContext, where: tuple[str, int]) -> str | tuple:
    match = _NOTEBOOK.match(args)
    if not match:
        return None, f"{{% notebook {args} %}}: not understood: left as is"
    candidates = [
        posixpath.join(str(ctx.settings["NOTEBOOK_DIR"]), match["src"]),
        ctx.resolve(match["src"]),
        match["src"].lstrip("/"),
    ]
    found = next((rel for rel in candidates if (ctx.content / rel).is_file()), None)
    if found is None:
        return None, f"{{% notebook %}}: {match['src']} not found in {ctx.settings['NOTEBOOK_DIR']}/: left as is"
    cells = None
    if match["start"] is not None:
        cells = slice(int(match["start"]) if match["start"] else None, int(match["end"]) if match["end"] else None)
    folder = f"images/notebooks/{ctx.slug}"
    text, files, problems = notebook_markdown(ctx.content / found, folder, cells, match["lang"] or None)
    if text is None:
        return None, f"{{% notebook %}}: {found}: {problems[0]}"
    for file in files:
        ctx.add_file(file.path, data=file.data)
    for problem in problems:
        ctx.note(*where, f"notebook {found}: {problem}")
    return text


def _link(match: re.Match, at: tuple[str, int], ctx: BodyContext) -> str:
    """One `{filename}`-style link as the URL that answers now; tag/category/author links are only noted."""
    if (match["open"] == "{") != (match["close"] == "}"):
        return match.group(0)
    what, value = match["what"], match["value"]
    path, anchor = re.match(r"([^?#]*)(.*)", value).groups()  # a query or fragment stays on the new URL
    if what == "index":
        ctx.site.conversions["{index} link"] += 1
        return "/" + anchor
    if what in ("tag", "category", "author"):
        ctx.note(*_where(match, at), f"{{{what}}}{value}: Pelican's {what} pages are gone: link left as is")
        return match.group(0)
    rel = ctx.resolve(path) if path else ""
    url = None
    if what == "filename":
        url = ctx.urls.get(rel) or ("/" + ctx.statics[rel] if rel in ctx.statics else None)
    elif what == "static":
        url = "/" + ctx.statics[rel] if rel in ctx.statics else _linked_static(rel, ctx)
    elif what == "attach":
        url = _attach(rel, ctx)
    if url is None:
        ctx.note(*_where(match, at), f"{{{what}}}{value}: no such file in the content folder: link left as is")
        return match.group(0)
    ctx.site.conversions[f"{{{what}}} link"] += 1
    return url + anchor


def _linked_static(rel: str, ctx: BodyContext) -> str | None:
    """Pelican copies a file that a {static} link names even outside STATIC_PATHS."""
    if not rel or not (ctx.content / rel).is_file():
        return None
    ctx.statics[rel] = rel
    ctx.add_file(rel, source=ctx.content / rel)
    return "/" + rel


def _attach(rel: str, ctx: BodyContext) -> str | None:
    """The file moves beside the entry that attaches it (the first one, when several do)."""
    if rel in ctx.attached:
        return "/" + ctx.attached[rel]
    if not rel or not (ctx.content / rel).is_file():
        return None
    tail = posixpath.relpath(rel, ctx.rel_dir or ".")
    tail = posixpath.basename(tail) if tail.startswith("..") else tail
    served = posixpath.join(ctx.served_dir, tail)
    ctx.attached[rel] = served
    ctx.add_file(served, source=ctx.content / rel)
    return "/" + served


def _math(body: str, ctx: BodyContext) -> str:
    """MathJax `\\(x\\)` and `\\[x\\]` as `$x$` and `$$x$$`, outside code."""
    # Python-Markdown shows a lone $ as a dollar unless render_math, a KaTeX plugin or the theme makes it math;
    # reStructuredText math came from :math: roles and notebooks use MathJax's dollars.
    markdown = ctx.source.lower().endswith((".md", ".markdown", ".mkd", ".mdown"))
    if markdown and "{% notebook" not in body and not ctx.settings.get("DOLLAR_MATH"):
        body, kept = keep_dollars(body)
        if kept:
            ctx.site.conversions["dollars kept as text"] += kept
    body, count = convert_math(body)
    if count:
        ctx.site.conversions["math"] += count
    return body
