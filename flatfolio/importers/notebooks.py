"""Jupyter notebooks as Markdown: cells in order, code fenced in the notebook's language, outputs as text and images."""

import base64
import binascii
import re
import warnings
from pathlib import Path

import nbformat

from .convert import fence
from .model import ImportedFile

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_IMAGES = {"image/png": "png", "image/jpeg": "jpg", "image/svg+xml": "svg"}
_ATTACHMENT = re.compile(r"\(attachment:([^)\s]+)\)")


def read_notebook(path: Path):
    """The notebook at `path` in format 4, or raise ValueError/OSError with the reason."""
    with warnings.catch_warnings():
        # Old notebooks lack cell ids and the like: nbformat warns, and the cells read fine.
        warnings.simplefilter("ignore")
        return nbformat.read(str(path), as_version=4)


def notebook_markdown(
    path: Path, folder: str, cells: slice | None = None, language: str | None = None
) -> tuple[str | None, list[ImportedFile], list[str]]:
    """(Markdown of the notebook's cells, image files to serve under `folder`, problems); Markdown None if unreadable.

    `cells` slices the cell list as Python does (liquid_tags' `cells[a:b]`).
    """
    try:
        notebook = read_notebook(path)
    except (OSError, ValueError, UnicodeDecodeError, AttributeError, KeyError) as error:
        return None, [], [f"cannot be read: {error}"]
    metadata = notebook.get("metadata", {})
    language = (
        language
        or metadata.get("kernelspec", {}).get("language")
        or metadata.get("language_info", {}).get("name")
        or "python"
    )
    blocks, files, problems = [], [], []
    indexed = list(enumerate(notebook.get("cells", [])))
    for index, cell in indexed[cells] if cells is not None else indexed:
        source = cell.get("source", "")
        if cell.get("cell_type") == "markdown":
            blocks.append(_attachments(source, cell, f"{folder}/{path.stem}-{index}", files))
        elif cell.get("cell_type") == "code":
            if source.strip():
                blocks.append(fence(source, language))
            for number, output in enumerate(cell.get("outputs", [])):
                name = f"{folder}/{path.stem}-{index}-{number}"
                block = _output(output, name, files, problems, index)
                if block:
                    blocks.append(block)
        elif cell.get("cell_type") == "raw" and source.strip():
            problems.append(f"cell {index}: a raw cell, left out")
    return "\n\n".join(block.strip("\n") for block in blocks if block.strip()), files, problems


def _attachments(source: str, cell, stem: str, files: list[ImportedFile]) -> str:
    """A Markdown cell with its `attachment:` images written as files."""
    attachments = cell.get("attachments") or {}

    def link(match: re.Match) -> str:
        for mime, data in (attachments.get(match[1]) or {}).items():
            content = _decode(mime, data)
            if content is not None:
                path = f"{stem}-{match[1]}"
                files.append(ImportedFile(path=path, data=content))
                return f"(/{path})"
        return match.group(0)

    return _ATTACHMENT.sub(link, source)


def _decode(mime: str, data) -> bytes | None:
    """The bytes of an image output (base64 for bitmaps, text for SVG), or None when it is not an image."""
    if mime not in _IMAGES:
        return None
    text = "".join(data) if isinstance(data, list) else str(data)
    if mime == "image/svg+xml":
        return text.encode("utf-8")
    try:
        return base64.b64decode(text)
    except (binascii.Error, ValueError):
        return None


def _output(output, name: str, files: list[ImportedFile], problems: list[str], index: int) -> str:
    """One output of a code cell: an image file and its link, HTML without scripts, or fenced text."""
    kind = output.get("output_type")
    if kind == "stream":
        return fence(_ANSI.sub("", output.get("text", "")), "text")
    if kind == "error":
        return fence(_ANSI.sub("", "\n".join(output.get("traceback", []))), "text")
    data = output.get("data", {})
    for mime, extension in _IMAGES.items():
        content = _decode(mime, data[mime]) if mime in data else None
        if content is not None:
            files.append(ImportedFile(path=f"{name}.{extension}", data=content))
            return f"![output](/{name}.{extension})"
    if "text/html" in data:
        markup = "".join(data["text/html"]) if isinstance(data["text/html"], list) else data["text/html"]
        if "<script" not in markup.lower():
            # A blank line would end the raw HTML block in Markdown.
            return "\n".join(line for line in markup.splitlines() if line.strip())
        problems.append(f"cell {index}: an HTML output with a script, shown as text")
    if "text/markdown" in data:
        return data["text/markdown"]
    if "text/latex" in data:
        return "$$\n" + data["text/latex"].strip().strip("$").strip() + "\n$$"
    if "text/plain" in data:
        return fence(_ANSI.sub("", data["text/plain"]), "text")
    if data:
        problems.append(f"cell {index}: output of type {', '.join(sorted(data))} left out")
    return ""
