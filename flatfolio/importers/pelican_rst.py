"""A basic reStructuredText to Markdown conversion for Pelican .rst bodies: sections, code, links, images, math."""

import re
import textwrap

from .convert import fence
from .model import Note, OldSite

_ADORNMENT = re.compile(r"^([!-/:-@\[-`{-~])\1{2,}\s*$")
_DIRECTIVE = re.compile(r"^\.\.\s+([\w-]+)::\s*(.*)$")
_TARGET = re.compile(r"^\.\.\s+_([^:]+):\s*(\S+)\s*$")
_OPTION = re.compile(r"^\s+:([\w-]+):\s*(.*)$")
_CODE_DIRECTIVES = ("code-block", "code", "sourcecode")
_INLINE = [
    (re.compile(r"`([^`<]+?)\s*<([^>]+)>`__?"), r"[\1](\2)"),
    (re.compile(r":math:`([^`]+)`"), r"$\1$"),
    (re.compile(r"``([^`]+)``"), r"`\1`"),
]


def rst_to_markdown(body: str, source: str, first_line: int, site: OldSite) -> str:
    """The body as Markdown; directives it does not know are left as they are and noted."""
    lines, out, styles = body.split("\n"), [], []
    targets = {match[1].strip().lower(): match[2] for line in lines if (match := _TARGET.match(line))}
    index = 0
    while index < len(lines):
        line, following = lines[index], lines[index + 1] if index + 1 < len(lines) else ""
        if _TARGET.match(line):
            index += 1
            continue
        if line.strip() and not _ADORNMENT.match(line) and _ADORNMENT.match(following):
            style = following.strip()[0]
            styles += [style] if style not in styles else []
            out.append("#" * min(6, styles.index(style) + 2) + " " + line.strip())
            index += 2
            continue
        if _ADORNMENT.match(line) and index + 2 < len(lines) and _ADORNMENT.match(lines[index + 2]):
            lines[index] = ""  # an overline: the title and underline follow
            index += 1
            continue
        directive = _DIRECTIVE.match(line)
        if directive:
            index = _directive(directive, lines, index + 1, out, source, first_line, site)
            continue
        if line.rstrip().endswith("::") and not line.lstrip().startswith(".."):
            text = line.rstrip()[:-2].rstrip()
            out.append(text + ":" if text and not text.endswith(":") else text)
            block, index = _indented(lines, index + 1)
            if block:
                _add(out, fence(block))
                site.conversions["rst literal block"] += 1
            continue
        out.append(_inline(line, targets))
        index += 1
    site.conversions["rst body"] += 1
    return "\n".join(out)


def _inline(line: str, targets: dict[str, str]) -> str:
    for pattern, replacement in _INLINE:
        line = pattern.sub(replacement, line)
    line = re.sub(
        r"`([^`]+)`_(?!_)", lambda m: f"[{m[1]}]({targets[m[1].lower()]})" if m[1].lower() in targets else m[0], line
    )
    return re.sub(r"^(\s*)#\.\s", r"\g<1>1. ", line)


def _indented(lines: list[str], index: int) -> tuple[str, int]:
    """The indented block starting at `index` (blank lines inside kept), dedented, and the index after it."""
    start = index
    while index < len(lines) and (not lines[index].strip() or lines[index][:1] in (" ", "\t")):
        index += 1
    while index > start and not lines[index - 1].strip():
        index -= 1
    return textwrap.dedent("\n".join(lines[start:index])).strip("\n"), index


def _directive(match: re.Match, lines: list[str], index: int, out: list[str], source, first_line, site) -> int:
    """One `.. name:: argument` directive with its options and content; returns the index after it."""
    name, argument, start = match[1], match[2].strip(), index
    options = {}
    while index < len(lines) and (option := _OPTION.match(lines[index])):
        options[option[1]] = option[2].strip()
        index += 1
    block, after = _indented(lines, index)
    if name in _CODE_DIRECTIVES:
        _add(out, fence(block, argument.split()[0] if argument else ""))
    elif name in ("image", "figure"):
        _add(out, f"![{options.get('alt', '')}]({argument})" + (f"\n\n{block}" if name == "figure" and block else ""))
    elif name == "math":
        _add(out, f"$$\n{block or argument}\n$$")
    elif name == "raw" and argument == "html":
        _add(out, "\n".join(line for line in block.split("\n") if line.strip()))
    elif name in ("note", "warning", "tip", "important"):
        quoted = "\n".join("> " + line if line else ">" for line in block.split("\n"))
        _add(out, f"> **{name.capitalize()}:**\n>\n{quoted}")
    else:
        line = first_line + start - 1
        site.notes.append(Note(source, line, f"reStructuredText directive {name}:: not converted: left as is"))
        out += [match.group(0), *lines[start:after]]
        return after
    site.conversions[f"rst {name}"] += 1
    return after


def _add(out: list[str], block: str) -> None:
    """Append a Markdown block, separated from what came before by one blank line."""
    if out and out[-1].strip():
        out.append("")
    out.append(block)
