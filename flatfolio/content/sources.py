"""Sources: reading content files through Flask-FlatPages, strict `---` front matter, problems per file."""

import hashlib
import os
import re
import stat
from functools import cached_property, partial
from pathlib import Path

import yaml
from flask import current_app, has_app_context, has_request_context, request
from flask_flatpages import FlatPages
from flask_flatpages.page import Page as FlatPage

from ..bundles import INDEXES
from ..problems import Problem
from ..render import (
    alt_problems,
    code_problems,
    diagram_problems,
    math_problems,
    nesting_overflow,
    render_markdown,
)
from ..store import Store
from ..text import has_control_chars, strip_control_chars
from ..urls import is_hidden_or_junk
from .frontmatter import InvalidDate, load_yaml
from .parsed import ParsedMemo

EXTENSIONS = (".md", ".markdown")
_FENCE = re.compile(r"^---[ \t]*$", re.M)

# --- reading files -------------------------------------------------------------------


class SourceFile(FlatPage):
    """A Flask-FlatPages page that also knows its file, its parsed front matter and its problems."""

    def __init__(
        self, source: str, meta: dict, body: str, body_line: int, problems: list[Problem], key_lines=None,
        front_matter_text: str = "",
    ):  # fmt: skip
        # The HTML renderer is set by the SourceFolder that loads the file.
        super().__init__(source, "", body, None, os.path.dirname(source))
        self.source = source
        self.front_matter = meta
        self.front_matter_text = front_matter_text
        self.body_line = body_line
        self.problems = problems
        self.key_lines: dict[str, int] = key_lines or {}

    @cached_property
    def body_digest(self) -> str:
        """A hash of the Markdown body, for telling whether pages made from it are still current."""
        return hashlib.blake2b(self.body.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()

    def line_of(self, key: str) -> int | None:
        """The line number of a front matter key, for error messages."""
        return self.key_lines.get(key)


def render_flatpage(text: str, flatpages, page) -> str:
    """Flask-FlatPages' HTML renderer: Markdown with links inside the serving base path."""
    base_path = request.script_root if has_request_context() else ""
    if not has_app_context():
        return render_markdown(text, base_path)
    return current_app.extensions["flatfolio"].render(text, base_path)


def _is_ignored(name: str) -> bool:
    """Dotfiles, editor locks (.#x), backups (x~), swap files and anything but Markdown are never content."""
    return not name.endswith(EXTENSIONS) or is_hidden_or_junk(name)


def parse_source(source: str, data: bytes, remembered: ParsedMemo | None = None) -> SourceFile:
    """Decode a file and split its `---` front matter from its Markdown body.

    `remembered` holds what reading the front matter of each file version found, so
    a file parsed in an earlier run skips YAML and the nesting check.
    """
    problems: list[Problem] = []
    try:
        text = data.decode("utf-8-sig")  # a BOM is tolerated and dropped
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start : error.start + 1].hex()
        problems.append(Problem(source, "encoding", f"not UTF-8 (byte 0x{byte}); save the file as UTF-8", line))
        return SourceFile(source, {}, "", 1, problems)
    text = text.replace("\r\n", "\n")
    if has_control_chars(text):
        problems.append(Problem(source, "text", "control characters removed", warning=True))
        text = strip_control_chars(text)

    first_line, _, rest = text.partition("\n")
    if not _FENCE.fullmatch(first_line):
        message = "missing: the file must start with a '---' line, then YAML, then a closing '---' line"
        problems.append(Problem(source, "front matter", message, 1))
        return SourceFile(source, {}, "", 1, problems)
    closing = _FENCE.search(rest)
    if closing is None:
        problems.append(Problem(source, "front matter", "unclosed: no closing '---' line", 1))
        return SourceFile(source, {}, "", 1, problems)
    meta_text = rest[: closing.start()]
    body = rest[closing.end() :].removeprefix("\n")
    body_line = meta_text.count("\n") + 3
    key = hashlib.blake2b(source.encode("utf-8", "surrogatepass") + b"\0" + data, digest_size=16).digest()
    found = remembered.get(key) if remembered is not None else None
    if found is None:
        found = _read_front_matter(source, meta_text, body, body_line, remembered.diagrams if remembered else None)
        if remembered is not None:
            remembered.put(key, found)
    meta, more_problems, key_lines = found
    return SourceFile(source, meta, body, body_line, problems + more_problems, key_lines, meta_text)


def _read_front_matter(source: str, meta_text: str, body: str, body_line: int, diagrams: Store | None = None):
    """The costly part of parsing: (front matter, problems, line of each key)."""
    problems = []
    overflow = nesting_overflow(body)
    if overflow is not None:
        message = "lists or quotes nested too deeply (over 9 lists or 19 quotes); the rest of the file would be lost"
        problems.append(Problem(source, "markdown", message, body_line + overflow))
    for line, message in math_problems(body):
        problems.append(Problem(source, "math", message, body_line + line))
    for line, message in code_problems(body):
        problems.append(Problem(source, "code", message, body_line + line))
    for line, message in diagram_problems(body, diagrams):
        problems.append(Problem(source, "diagram", message, body_line + line))
    for line, message in alt_problems(body):
        problems.append(Problem(source, "image", message, body_line + line))
    try:
        meta = _clean_strings(load_yaml(meta_text), {})
    except RecursionError:
        problems.append(Problem(source, "front matter", "invalid YAML: nested too deeply", 2))
        meta = {}
    except yaml.reader.ReaderError as error:  # its own str() is several lines and names no line
        line = meta_text[: error.position].count("\n") + 2
        message = f"invalid YAML: {error.reason} (U+{error.character:04X})"
        problems.append(Problem(source, "front matter", message, line))
        meta = {}
    except yaml.YAMLError as error:
        # Where an unclosed construct began says more than where the file ended.
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark else None
        problem = getattr(error, "problem", None) or str(error)
        problems.append(Problem(source, "front matter", f"invalid YAML: {problem}", line))
        meta = {}
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        kind = "a list" if isinstance(meta, list) else f"the value {meta!r}"
        problems.append(Problem(source, "front matter", f"expected 'key: value' lines, got {kind}", 2))
        meta = {}
    # Greedy up to the first colon, then stripped: a lazy `[^:]*?\s*:` retried `\s*` at
    # every position of a long run of spaces (quadratic).
    key_lines = {
        match.group(1).rstrip(): number + 2
        for number, line in enumerate(meta_text.split("\n"))
        if (match := re.match(r"([^\s:#][^:]*):", line))
    }
    return meta, problems, key_lines


def _clean_strings(value, done: dict):
    """Strip control characters from every string YAML produced ("\\x07" escapes included).

    `done` maps id() of each cleaned list or dict to its copy: YAML aliases share one
    object, and cleaning it once keeps an alias bomb (a: &a [*b, *b, ...]) linear.
    """
    if isinstance(value, str) and not isinstance(value, InvalidDate):
        return strip_control_chars(value)
    if not isinstance(value, list | dict):
        return value
    if id(value) not in done:
        if isinstance(value, list):
            done[id(value)] = [_clean_strings(item, done) for item in value]
        else:
            done[id(value)] = {key: _clean_strings(item, done) for key, item in value.items()}
    return done[id(value)]


class SourceFolder(FlatPages):
    """Flask-FlatPages kept thin: strict front matter, and problems kept per file, never raised.

    FlatPages' own loader guesses where unfenced front matter ends and raises on the
    first bad file; a site generator must instead report every bad file at once.
    """

    memo: ParsedMemo | None = None  # set by the ContentState that owns the folder

    def __init__(self, app=None, name: str | None = None):
        super().__init__(app, name)
        # Ours, not FlatPages' (which keys by file name and mtime): source -> (page, (mtime_ns, size)).
        self._file_cache: dict[str, tuple[SourceFile, tuple[int, int]]] = {}

    @cached_property
    def _pages(self) -> dict[str, SourceFile]:
        """The one FlatPages override (its walk and parser; `reload()` drops this): our walk, our parser."""
        root = Path(self.root)
        label = Path(self.config("root")).name
        pages = {}
        for file, rel in content_files(root, bundles=self.name == "posts"):
            source = f"{label}/{rel}"
            page = self._load(file, source, root)
            if page is not None:
                pages[source] = page
        if self.memo is not None:
            self.memo.save()
        return pages

    def _load(self, file: str, source: str, root: Path) -> SourceFile | None:
        """Read one file, reusing the parsed result while its size and mtime are unchanged; None if not a file."""
        try:
            if os.path.islink(file) and not Path(os.path.realpath(file)).is_relative_to(os.path.realpath(root)):
                return SourceFile(
                    source, {}, "", 1, [Problem(source, "file", "symlink points outside the content folder")]
                )
            status = os.stat(file)
            if not stat.S_ISREG(status.st_mode):
                return None  # a FIFO, socket or device: opening it could block forever
            signature = (status.st_mtime_ns, status.st_size)
            cached = self._file_cache.get(source)
            if cached and cached[1] == signature:
                return cached[0]
            data = read_regular_file(file)
            if data is None:
                return None
            page = parse_source(source, data, self.memo)
            page.html_renderer = partial(_render_page, self.config("html_renderer"), self)
        except OSError as error:
            return SourceFile(source, {}, "", 1, [Problem(source, "file", f"cannot read: {error.strerror or error}")])
        self._file_cache[source] = (page, signature)
        return page


def _render_page(renderer, folder: SourceFolder, page: SourceFile) -> str:
    """A page's HTML from FLATPAGES_HTML_RENDERER, called as FlatPages documents it: (body, flatpages, page)."""
    return renderer(page.body, folder, page)


def read_regular_file(path) -> bytes | None:
    """The bytes of a regular file, or None for anything else; never blocks on a FIFO swapped in meanwhile."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with open(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return handle.read()


def content_files(root: Path, bundles: bool = False):
    """Yield (path, relative name) of every content file below `root`, sorted, links not followed.

    Names only: `SourceFolder._load` skips what is not a regular file (a FIFO would block a read forever).
    With `bundles` (posts/), a folder below `root` holding an index.md is one post: only that file is yielded.
    """
    if not root.is_dir():
        return
    prefix = len(str(root)) + 1
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        index = next((name for name in INDEXES if name in files), None) if bundles and len(folder) >= prefix else None
        if index is not None:  # the rest of the folder is the bundle's files (see bundles.py)
            dirs[:] = []
            path = os.path.join(folder, index)
            yield path, path[prefix:].replace(os.sep, "/")
            continue
        for name in sorted(files):
            if not _is_ignored(name):
                path = os.path.join(folder, name)
                yield path, path[prefix:].replace(os.sep, "/")
