"""Render cache: rendered Markdown kept on disk in the site's `.cache/` folder.

Rendering (markdown-it and Pygments) is most of a build's cost, and a post's HTML
depends only on its Markdown, the base path its root-relative links point into and
the renderer itself. So the HTML is stored under a hash of exactly those, and a
changed post, base path, library version or rendering code simply misses.
"""

import hashlib
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from jinja2.bccache import Bucket, FileSystemBytecodeCache

from .store import Store, make_cache_folder

CACHE_FOLDER = ".cache"  # in the site folder; git-ignored, never part of a build
# Everything rendering depends on besides the Markdown text itself.
RENDER_LIBRARIES = ("markdown-it-py", "mdit-py-plugins", "pygments", "lxml", "latex2mathml",
                    "mermaid-render", "graphviz-pure")
RENDER_MODULES = ("render.py", "mathml.py", "codeblocks.py", "callouts.py", "text.py", "feeds.py",
                  "diagrams.py")


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


def cache_key(*parts: str) -> str:
    """A key for a result computed from `parts` by the current rendering code."""
    return hash_parts(renderer_fingerprint(), *parts)


def render_key(text: str, base_path: str) -> str:
    """The cache key of `text` rendered with links inside `base_path`."""
    return cache_key("markdown", base_path, text)


def diagram_store(cache_root: Path | None) -> Store:
    """Laid-out diagrams (`diagrams.py`) by kind and source: a diagram is laid out once, whatever else changes."""
    return Store(cache_root, "diagrams", renderer_fingerprint())


class RenderCache:
    """Rendered HTML by render key: handed-over results in memory, and entries in the store on disk.

    `folder=None` keeps nothing on disk (the cache disabled): only HTML handed over by
    the parallel pre-render is used, once.
    """

    def __init__(self, folder: Path | None):
        self.root = folder
        self.store = Store(folder, "render", renderer_fingerprint())
        self.diagrams = diagram_store(folder)
        self._handed_over: dict[str, str] = {}

    def has(self, text: str, base_path: str) -> bool:
        """Whether rendering `text` can be skipped (a damaged entry is still rendered, by `get`'s caller)."""
        key = render_key(text, base_path)
        return key in self._handed_over or self.store.exists(key)

    def get(self, text: str, base_path: str) -> str | None:
        """The cached HTML, or None; a handed-over result is given out once (the page keeps it)."""
        key = render_key(text, base_path)
        html = self._handed_over.pop(key, None)
        return html if html is not None else self._read(key)

    def put(self, text: str, base_path: str, html: str, hand_over: bool = False) -> None:
        """Store rendered HTML; `hand_over` also keeps it for the next `get` when it cannot go to disk.

        On disk it costs no memory: 10,000 posts held as strings would take 400 MB.
        """
        self.put_many(base_path, [(text, html)], hand_over)

    def put_many(self, base_path: str, rendered, hand_over: bool = False) -> None:
        """`put` for several (text, html) pairs at once: one durable write for all of them."""
        entries = {render_key(text, base_path): html for text, html in rendered}
        stored = self.store.write_many({key: html.encode("utf-8", "surrogatepass") for key, html in entries.items()})
        if hand_over and not stored:
            self._handed_over.update(entries)

    def prune_other_versions(self) -> None:
        """Delete what older renderers (other library versions or rendering code) left: no key can reach it."""
        self.store.prune_other_versions()
        self.diagrams.prune_other_versions()

    def memo(self, compute, *parts: str) -> str:
        """`compute(*parts)`, a pure function of its text arguments, stored on disk."""
        key = cache_key(compute.__module__, compute.__qualname__, *parts)
        value = self._read(key)
        if value is None:
            value = compute(*parts)
            self.store.write(key, value.encode("utf-8", "surrogatepass"))
        return value

    def _read(self, key: str) -> str | None:
        data = self.store.read(key)
        try:
            return data.decode("utf-8", "surrogatepass") if data is not None else None
        except UnicodeDecodeError:
            return None


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
