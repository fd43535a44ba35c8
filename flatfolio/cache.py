"""Render cache: rendered Markdown kept on disk in the site's `.cache/` folder.

Rendering (markdown-it and Pygments) is most of a build's cost, and a post's HTML
depends only on its Markdown, the base path its root-relative links point into and
the renderer itself. So the HTML is stored under a hash of exactly those, and a
changed post, base path, library version or rendering code simply misses.
"""

import hashlib
import os
import shutil
import tempfile
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from jinja2.bccache import Bucket, FileSystemBytecodeCache

CACHE_FOLDER = ".cache"  # in the site folder; git-ignored, never part of a build
# Everything rendering depends on besides the Markdown text itself.
RENDER_LIBRARIES = ("markdown-it-py", "mdit-py-plugins", "pygments", "lxml")
RENDER_MODULES = ("render.py", "text.py", "feeds.py")


def hash_parts(*parts: str) -> str:
    """A hash of text parts, length-prefixed so that ("a", "bc") never equals ("ab", "c")."""
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        digest.update(b"%d:%s" % (len(data), data))
    return digest.hexdigest()


def installed_versions(names) -> str:
    """A `name==version` line for each installed distribution (a missing one says so)."""
    lines = []
    for name in names:
        try:
            lines.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            lines.append(f"{name} (no metadata)")
    return "\n".join(lines)


@cache
def renderer_fingerprint() -> str:
    """A hash of what decides the HTML for a given text: library versions and our rendering code."""
    here = Path(__file__).parent
    # Settings live in the code: any edit of a rendering module invalidates.
    modules = [(here / module).read_text(encoding="utf-8") for module in RENDER_MODULES]
    return hash_parts(installed_versions(RENDER_LIBRARIES), *modules)[:16]


def make_cache_folder(cache_root: Path, folder: Path) -> None:
    """Create a folder in the cache; raises OSError when the cache cannot be written."""
    folder.mkdir(parents=True, exist_ok=True)
    # Like .pytest_cache: git ignores the cache in any repository, whatever its .gitignore.
    ignore = cache_root / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# flatfolio's caches: safe to delete\n*\n")


def cache_key(*parts: str) -> str:
    """A key for a result computed from `parts` by the current rendering code."""
    return hash_parts(renderer_fingerprint(), *parts)


def render_key(text: str, base_path: str) -> str:
    """The cache key of `text` rendered with links inside `base_path`."""
    return cache_key("markdown", base_path, text)


class RenderCache:
    """Rendered HTML by render key: handed-over results in memory, and files on disk.

    `folder=None` keeps nothing on disk (the cache disabled): only HTML handed over by
    the parallel pre-render is used, once.
    """

    def __init__(self, folder: Path | None):
        self.root = folder
        self.folder = folder / "render" / renderer_fingerprint() if folder else None
        self._handed_over: dict[str, str] = {}

    def _file(self, key: str) -> Path | None:
        return self.folder / f"{key}.html" if self.folder else None

    def has(self, text: str, base_path: str) -> bool:
        """Whether rendering `text` can be skipped."""
        key = render_key(text, base_path)
        file = self._file(key)
        return key in self._handed_over or (file is not None and file.is_file())

    def get(self, text: str, base_path: str) -> str | None:
        """The cached HTML, or None; a handed-over result is given out once (the page keeps it)."""
        key = render_key(text, base_path)
        html = self._handed_over.pop(key, None)
        return html if html is not None else self._read(key)

    def put(self, text: str, base_path: str, html: str, hand_over: bool = False) -> None:
        """Store rendered HTML; `hand_over` also keeps it for the next `get` when it cannot go to disk.

        On disk it costs no memory: 10,000 posts held as strings would take 400 MB.
        """
        key = render_key(text, base_path)
        if not self._write(key, html) and hand_over:
            self._handed_over[key] = html

    def prune_other_versions(self) -> None:
        """Delete what older renderers (other library versions or rendering code) left: no key can reach it."""
        if self.folder is None or not self.folder.parent.is_dir():
            return
        for folder in self.folder.parent.iterdir():
            if folder != self.folder:
                shutil.rmtree(folder, ignore_errors=True)

    def memo(self, compute, *parts: str) -> str:
        """`compute(*parts)`, a pure function of its text arguments, stored on disk."""
        key = cache_key(compute.__module__, compute.__qualname__, *parts)
        value = self._read(key)
        if value is None:
            value = compute(*parts)
            self._write(key, value)
        return value

    def _read(self, key: str) -> str | None:
        file = self._file(key)
        if file is None:
            return None
        try:
            return file.read_bytes().decode("utf-8", "surrogatepass")
        except (OSError, UnicodeDecodeError):
            return None

    def _write(self, key: str, html: str) -> bool:
        """Store an entry on disk; False when there is no cache folder or it cannot be written."""
        file = self._file(key)
        if file is None:
            return False
        # Write to a temporary file and rename, so a reader never sees half an entry;
        # a folder we cannot write to just means no caching.
        try:
            if not file.parent.is_dir():
                make_cache_folder(self.root, file.parent)
            fd, temp = tempfile.mkstemp(dir=file.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(html.encode("utf-8", "surrogatepass"))
            os.replace(temp, file)
        except OSError:
            return False
        return True


class TemplateCache(FileSystemBytecodeCache):
    """Jinja's compiled templates, in `.cache/templates/`: a process skips compiling them.

    Jinja keys each by the template's name and source and checks its own version;
    a cache folder that cannot be written just means compiling every time.
    """

    def __init__(self, cache_root: Path, environment):
        self.cache_root = cache_root
        # Jinja's key leaves out the environment's syntax options, which change the compiled code.
        options = (
            version("jinja2"), environment.trim_blocks, environment.lstrip_blocks,
            environment.keep_trailing_newline, environment.newline_sequence, sorted(environment.extensions),
            [environment.autoescape(name) if callable(environment.autoescape) else environment.autoescape
             for name in ("a.html", "a.xml", "a.txt")],
        )  # fmt: skip
        super().__init__(str(cache_root / "templates" / cache_key(repr(options))[:16]))

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            return  # not there or not readable: compiled as usual

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            make_cache_folder(self.cache_root, Path(self.directory))
            super().dump_bytecode(bucket)
        except OSError:
            return
