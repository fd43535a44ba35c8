"""Diagrams: ```mermaid and ```dot fences laid out as inline SVG at build time, sanitised and cached.

Mermaid goes through mermaid-render (Pele in an embedded QuickJS, a PyPI wheel), Graphviz through
graphviz-pure (a self-contained `dot` port, a PyPI wheel); both are imported or started on first use.
The SVG is rebuilt from an allowlist: no style, script, foreignObject, links or event handlers, and
colours become classes (the page's light or dark scheme applies), with `currentColor` where CSS is absent.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import hash_parts
from .store import Store

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

KINDS = ("mermaid", "dot")
DOT_TIMEOUT = 20  # seconds; Mermaid's engine has its own 10 s limit
_FENCE = re.compile(r"^ {0,3}(?:`{3,}|~{3,})[ \t]*(?:mermaid|dot)\b", re.M)
_ELEMENTS = frozenset(("svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text",
                       "tspan", "defs", "marker", "clipPath", "use"))  # fmt: skip
_UNWRAPPED = frozenset(("a", "switch"))  # links are dropped, what they hold is kept
_ATTRIBUTES = frozenset((
    "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "dx", "dy", "width", "height", "d", "points",
    "transform", "viewBox", "preserveAspectRatio", "stroke-width", "stroke-dasharray", "stroke-linecap",
    "stroke-linejoin", "stroke-miterlimit", "stroke-opacity", "fill-opacity", "opacity", "font-family", "font-size",
    "font-weight", "font-style", "text-anchor", "dominant-baseline", "markerWidth", "markerHeight", "refX", "refY",
    "orient", "markerUnits", "marker-start", "marker-mid", "marker-end", "clip-path", "clipPathUnits",
))  # fmt: skip
_PAINT = ("fill", "stroke")
_REFERENCE = re.compile(r"url\(#([^)]+)\)")
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:px|pt)?")
# Scheme roles: a renderer's colours map onto these, and static/style.css gives each a light and dark value.
ROLES = ("fg", "muted", "line", "border", "surface", "surface-alt", "bg")
_INK = frozenset(("fg", "muted", "line", "border"))  # drawn in currentColor when no CSS applies (feeds)
_GRAPHVIZ_COLOURS = {"black": "line", "#000000": "line", "white": "bg", "#ffffff": "bg", "lightgrey": "surface"}
_TEXT_TAGS = frozenset(("text", "tspan"))
# Graphviz's default font is Times; Helvetica (measured with the bundled Arimo) matches the site's sans text.
_SANS = ("-Gfontname=Helvetica", "-Nfontname=Helvetica", "-Efontname=Helvetica")


def _one_line(message: str, limit: int = 200) -> str:
    """A renderer's message on one line; of several lines (a quoted excerpt, a caret) the first and last."""
    lines = [line for line in message.strip().splitlines() if line.strip()]
    text = " ".join(" ".join(lines[:1] + lines[-1:] if len(lines) > 2 else lines).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mermaid(source: str) -> tuple[str, dict[str, str]]:
    """Mermaid's SVG and its palette (colour: role); raises ValueError with the renderer's message."""
    from mermaid_render import mermaid_to_svg
    from mermaid_render.renderer import THEMES

    svg = mermaid_to_svg(source).decode("utf-8")
    theme = THEMES["redux-color"]
    palette = {colour.lower(): ("border" if role == "accent" else role) for role, colour in theme.items()}
    return svg, palette


def _graphviz_program() -> str | None:
    """graphviz-pure beside this Python (a venv run without activation has it off PATH), else on PATH."""
    import shutil
    import sysconfig

    beside = Path(sysconfig.get_path("scripts")) / "graphviz-pure"
    return str(beside) if beside.is_file() else shutil.which("graphviz-pure")


def _dot(source: str) -> tuple[str, dict[str, str]]:
    """Graphviz's SVG (graphviz-pure, one process per diagram) and its palette; raises ValueError."""
    import subprocess

    program = _graphviz_program()
    if program is None:
        raise ValueError("graphviz-pure is not installed (pip install -r requirements.txt)")
    try:
        done = subprocess.run([program, "-Tsvg", *_SANS], input=source.encode("utf-8", "surrogatepass"),
                              capture_output=True, timeout=DOT_TIMEOUT, check=False)  # fmt: skip
    except subprocess.TimeoutExpired:
        raise ValueError(f"Graphviz took over {DOT_TIMEOUT} s; stopped") from None
    if done.returncode != 0 or not done.stdout:
        message = done.stderr.decode("utf-8", "replace").replace("<stdin>: ", "").removeprefix("Error: ")
        raise ValueError(message.strip() or f"Graphviz failed (exit status {done.returncode})")
    return done.stdout.decode("utf-8"), _GRAPHVIZ_COLOURS


def _declarations(element) -> dict[str, str]:
    """The element's attributes, then its `style` declarations (which win, as in CSS) as attributes."""
    found = {name.rpartition("}")[2]: value for name, value in element.attrib.items()}
    for declaration in found.pop("style", "").split(";"):
        name, _, value = (part.strip() for part in declaration.partition(":"))
        if name == "font":  # the shorthand Pele writes: `16px sans-serif`
            size, _, family = value.partition(" ")
            found.update({"font-size": size, "font-family": family})
        elif value and not name.startswith("--"):
            found[name] = value
    return found


def _paint(tag: str, prop: str, value: str, palette: dict[str, str]) -> tuple[str, str | None]:
    """An attribute value that reads without CSS, and the class that gives it the scheme's colour."""
    value = value.strip().lower()
    if value in ("none", "transparent"):
        return "none", None
    # Text in any other role could fall below 4.5:1 contrast in one scheme.
    role = "fg" if tag in _TEXT_TAGS else palette.get(value) or ("surface" if prop == "fill" else "line")
    return ("currentColor" if role in _INK else "none"), f"d-{prop}-{role}"


def _font_family(value: str) -> str:
    """A renderer's font (measured with it) with a generic fallback, for readers without it."""
    generic = value.split(",")[-1].strip().lower()
    return value if generic in ("serif", "sans-serif", "monospace") else f"{value}, sans-serif"


class _Writer:
    """Serialises an allowlisted copy of an SVG tree; kept ids get the diagram's prefix."""

    def __init__(self, palette: dict[str, str], prefix: str, referenced: set[str]):
        self.palette, self.prefix, self.referenced = palette, prefix, referenced
        self.ids: dict[str, str] = {}

    def _id(self, old: str) -> str:
        return self.ids.setdefault(old, f"{self.prefix}-{len(self.ids) + 1}")

    def _reference(self, value: str) -> str | None:
        """A `url(#id)` value pointing at a kept id, rewritten; anything else (an outside URL) is dropped."""
        match = _REFERENCE.fullmatch(value.strip())
        return f"url(#{self._id(match.group(1))})" if match and match.group(1) in self.referenced else None

    def attributes(self, tag: str, found: dict[str, str]) -> list[tuple[str, str]]:
        kept, classes = [], []
        for name, value in sorted(found.items()):
            if name in _PAINT:
                value, css_class = _paint(tag, name, value, self.palette)
                classes += [css_class] if css_class else []
            elif name in ("marker-start", "marker-mid", "marker-end", "clip-path"):
                value = self._reference(value)
            elif name == "href":
                value = f"#{self._id(value[1:])}" if value.startswith("#") and value[1:] in self.referenced else None
            elif name == "id":
                value = self._id(value) if value in self.referenced else None
            elif name == "font-family":
                value = _font_family(value)
            elif name == "rx" or name == "ry":
                value = value if _NUMBER.fullmatch(value) else None
            elif name not in _ATTRIBUTES:
                continue
            if value is not None:
                kept.append((name, value))
        if classes:
            kept.append(("class", " ".join(classes)))
        return kept

    def element(self, node) -> str:
        if not isinstance(node.tag, str):  # a comment or processing instruction
            return ""
        tag = node.tag.rpartition("}")[2]
        if tag in _UNWRAPPED:
            return "".join(self.element(child) for child in node)
        if tag not in _ELEMENTS:
            return ""  # title, desc, style, script, foreignObject, image and anything unknown
        attributes = "".join(f' {name}="{escape(value)}"' for name, value in self.attributes(tag, _declarations(node)))
        text = escape(node.text or "", quote=False) if tag in _TEXT_TAGS else ""
        children = "".join(
            self.element(child) + (escape(child.tail or "", quote=False) if tag in _TEXT_TAGS else "") for child in node
        )
        return f"<{tag}{attributes}>{text}{children}</{tag}>"


def sanitize(svg: str, palette: dict[str, str], prefix: str, label: str) -> str:
    """An allowlisted copy of `svg`: role="img", the label as its `<title>`, sized by its viewBox."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True,
                             remove_pis=True, huge_tree=False)  # fmt: skip
    root = etree.fromstring(svg.encode("utf-8"), parser)
    referenced = set()
    for element in root.iter():
        for name, value in element.attrib.items():
            referenced.update(_REFERENCE.findall(value))
            if name.rpartition("}")[2] == "href" and value.startswith("#"):
                referenced.add(value[1:])
    writer = _Writer(palette, prefix, referenced)
    found = {name: value for name, value in _declarations(root).items() if name in ("viewBox", "width", "height")}
    found.setdefault("font-family", "sans-serif")
    found.update({k: v for k, v in _declarations(root).items() if k in ("font-family", "font-size")})
    attributes = "".join(f' {name}="{escape(value)}"' for name, value in writer.attributes("svg", found))
    children = "".join(writer.element(child) for child in root)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" fill="currentColor"{attributes}>'
            f"<title>{escape(label, quote=False)}</title>{children}</svg>")  # fmt: skip


@lru_cache(maxsize=256)
def _diagram(kind: str, source: str) -> tuple[str, str | None]:
    """(sanitised SVG, None), or ("", what went wrong): never raises."""
    try:
        svg, palette = (_mermaid if kind == "mermaid" else _dot)(source)
        return sanitize(svg, palette, "d" + hash_parts(kind, source)[:8], source.strip()), None
    except ModuleNotFoundError as error:
        return "", f"{error.name} is not installed (pip install -r requirements.txt)"
    except Exception as error:  # noqa: BLE001 -- a renderer's own error classes vary; the page shows the source
        return "", _one_line(str(error) or type(error).__name__)


def render_diagram(kind: str, source: str, store: Store | None = None) -> tuple[str, str | None]:
    """(SVG, None) or ("", error) for a diagram, laid out once per source while `store` keeps it."""
    key = hash_parts(kind, source)
    payload = store.read(key) if store is not None else None
    if payload is not None:
        status, _, value = payload.decode("utf-8", "surrogatepass").partition("\n")
        return (value, None) if status == "svg" else ("", value)
    svg, error = _diagram(kind, source)
    if store is not None:
        store.write(key, (f"error\n{error}" if error else f"svg\n{svg}").encode("utf-8", "surrogatepass"))
    return svg, error


def _figure(kind: str, source: str, svg: str, occurrence: int) -> str:
    if occurrence > 1:  # the same diagram twice on a page: its ids must differ
        prefix = "d" + hash_parts(kind, source)[:8] + "-"
        svg = svg.replace(prefix, f"{prefix}{occurrence}-")
    code = escape(source, quote=False)
    return (f'<figure class="diagram diagram-{kind}">\n{svg}\n<details class="diagram-source">'
            f'<summary>Diagram source</summary><pre class="code" tabindex="0"><code>{code}</code></pre>'
            "</details>\n</figure>\n")  # fmt: skip


def diagrams_plugin(md: MarkdownIt) -> None:
    """Fences whose language is `mermaid` or `dot` become a figure; on failure, the source as a code block."""
    previous = md.renderer.rules["fence"]

    def fence(renderer, tokens, index, options, env) -> str:
        token = tokens[index]
        kind = token.info.split(maxsplit=1)[0].lower() if token.info.strip() else ""
        if kind not in KINDS:
            return previous(tokens, index, options, env)
        svg, error = render_diagram(kind, token.content, env.get("diagrams"))
        if error:
            return previous(tokens, index, options, env)
        counts = env.setdefault("diagram_counts", {})
        counts[svg] = counts.get(svg, 0) + 1
        return _figure(kind, token.content, svg, counts[svg])

    md.add_render_rule("fence", fence)


def _diagram_line(error: str) -> int:
    """The 1-based line of the diagram an error names (`at 3:6`, `in line 3`), else 0."""
    match = re.search(r"\bat (\d+):\d+|\bline (\d+)\b", error)
    return int(match.group(1) or match.group(2)) if match else 0


def diagram_errors(md: MarkdownIt, text: str, store: Store | None = None) -> list[tuple[int, str]]:
    """(0-based line, message) of each diagram in Markdown that cannot be laid out."""
    if not _FENCE.search(text):
        return []
    errors = []
    for token in md.parse(text, {}):
        kind = token.info.split(maxsplit=1)[0].lower() if token.type == "fence" and token.info.strip() else ""
        if kind in KINDS:
            error = render_diagram(kind, token.content, store)[1]
            if error:
                line = token.map[0] if token.map else 0
                errors.append((line + _diagram_line(error), f"{kind}: {error}"))
    return errors
