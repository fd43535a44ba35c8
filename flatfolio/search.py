"""Search: the /search/ page and its Pagefind index, made from the published posts of a Site snapshot."""

import os
import threading
from pathlib import Path

from flask import Flask, Response, abort, current_app, render_template, url_for

from .content.site import Site
from .search_index import INDEX_VERSION, Indexing, Part, collect, index_key, index_parts
from .security import content_security_policy
from .store import Store

EXTENSION = "flatfolio.search"
INDEX_FOLDER = "search/pagefind/"  # where the index lives in a build, below the search page
# Pagefind compiles its WebAssembly search code in the page (and in its worker): this page alone allows that.
SEARCH_CSP = {"script-src": "'wasm-unsafe-eval'"}
MIMETYPES = {".js": "text/javascript", ".json": "application/json"}  # the rest: application/octet-stream


def _pack(key: str, files: dict[str, bytes]) -> bytes:
    """The index as one cache entry: the key line, then per file its name, length and bytes."""
    parts = [key.encode() + b"\n"]
    for name, data in files.items():
        parts += [name.encode() + b"\0" + str(len(data)).encode() + b"\n", data]
    return b"".join(parts)


def _unpack(payload: bytes) -> tuple[str, dict[str, bytes]]:
    """`_pack` undone, reading by offset (1,000 posts make a 6 MB entry: no copy of the rest per file)."""
    end = payload.index(b"\n")
    key, position, files = payload[:end].decode(), end + 1, {}
    while position < len(payload):
        end = payload.index(b"\n", position)
        name, _, size = payload[position:end].partition(b"\0")
        position = end + 1 + int(size)
        if position > len(payload):
            raise ValueError("truncated")
        files[name.decode()] = payload[end + 1 : position]
    return key, files


class SearchState:
    """Per-app search index: the files for the latest snapshot in memory, each part's latest in `.cache/search/`."""

    def __init__(self, content):
        self.render = content.render  # the content state's cached Markdown rendering
        self.store = Store(content.render_cache.root, "search", f"index-{INDEX_VERSION}")  # the newest parts
        self._lock = threading.Lock()  # a threaded server asks from many threads: one build at a time
        self._latest: tuple[Site | None, str | None, dict[str, bytes]] = (None, None, {})
        self.builds = 0  # Pagefind runs made by this app, one per part indexed (tests count them)
        self._parted: tuple[Site | None, list[Part]] = (None, [])
        self._checked: tuple[str, Path | None, list[str] | None] = ("", None, None)  # this freeze's `unchanged`

    def parts(self, site: Site) -> list[Part]:
        """index_parts of `site`, computed once per snapshot (a freeze and the search page ask several times)."""
        if self._parted[0] is not site:
            self._parted = (site, index_parts(site))
        return self._parted[1]

    def key(self, site: Site) -> str:
        """A hash of the whole index's inputs."""
        return index_key(self.parts(site))

    def files(self, site: Site, started: dict[str, Indexing] | None = None) -> dict[str, bytes]:
        """The index of `site`: the same snapshot costs nothing, an unchanged part costs a hash.

        `started`: Pagefind runs already under way, by part folder (a freeze starts them first).
        """
        with self._lock:
            held, held_key, files = self._latest
            if held is site:
                return files
            key = self.key(site)
            if key != held_key:
                stored = {part.folder: self._stored(part) for part in self.parts(site)}
                runs, started = {}, started or {}
                for part in self.parts(site):
                    if stored[part.folder] is None:
                        run = started.get(part.folder)
                        ok = run is not None and run.key == part.key  # else its records changed again since
                        runs[part.folder] = run if ok else Indexing(part.key, site, self.render, part.posts)
                made = collect(runs)
                self.builds += len(made)
                files = {}
                for part in self.parts(site):
                    if part.folder in made:
                        self.store.write(_entry(part), _pack(part.key, made[part.folder]))
                    found = made.get(part.folder, stored[part.folder]) or {}
                    files.update({part.folder + name: data for name, data in found.items()})
            self._latest = (site, key, files)
            return files

    def unchanged(self, site: Site, out: Path, fresh: bool = False) -> list[str] | None:
        """The index files of the build in `out` when they index the same records as `site`, else None.

        Checked once per freeze (`start`, its first step, asks `fresh`): the later steps of
        the same freeze reuse the answer instead of reading every file's stamp again.
        """
        key = self.key(site)
        if fresh or self._checked[:2] != (key, out):
            self._checked = (key, out, _unchanged_files(self.store, key, out / INDEX_FOLDER))
        return self._checked[2]

    def start(self, site: Site, out: Path) -> dict[str, Indexing]:
        """Start Pagefind now for each part a freeze into `out` will need anew; by part folder."""
        if self.unchanged(site, out, fresh=True) or self._latest[1] == self.key(site):
            return {}
        runs = {
            part.folder: Indexing(part.key, site, self.render, part.posts)
            for part in self.parts(site) if self._stored(part) is None
        }  # fmt: skip
        for run in list(runs.values())[: os.cpu_count() or 1]:  # the rest after the pages (`collect`)
            run.launch()
        return runs

    def _stored(self, part: Part) -> dict[str, bytes] | None:
        payload = self.store.read(_entry(part))
        if payload is None:
            return None
        try:
            stored_key, files = _unpack(payload)
        except (ValueError, UnicodeDecodeError):
            return None
        return files if stored_key == part.key else None


def _entry(part: Part) -> str:
    """The cache entry holding a part's latest files."""
    return "latest-" + (part.folder.strip("/") or "whole")


def start_index(app: Flask, site: Site, out: Path) -> dict[str, Indexing]:
    """Start making the index parts a freeze of `site` into `out` needs, while its pages are made."""
    return app.extensions[EXTENSION].start(site, out)


def freeze_index(app: Flask, site: Site, build: Path, out: Path, started: dict[str, Indexing] | None = None):
    """Write the index into `build`; a file the previous build in `out` has with the same bytes is linked.

    Returns the names written and how many were linked (with unchanged posts: all of them).
    Without a cache nothing is reused, as for pages. `started`: from `start_index`.
    """
    from .build.output import link_or_copy  # noqa: PLC0415 -- freezing only

    state = app.extensions[EXTENSION]
    key = state.key(site)
    unchanged = state.unchanged(site, out)
    if unchanged is not None:  # nothing indexed changed: link the previous build's files, reading none
        for name in unchanged:
            previous, target = out / INDEX_FOLDER / name, build / INDEX_FOLDER / name
            if not (target.exists() and os.path.samefile(previous, target)):  # the spare tree may hold it
                link_or_copy(previous, target)
        _note_written(state.store, key, build / INDEX_FOLDER, unchanged)
        return {INDEX_FOLDER + name for name in unchanged}, len(unchanged)
    names, linked = set(), 0
    files = state.files(site, started)
    for name, data in files.items():
        target, previous = build / INDEX_FOLDER / name, out / INDEX_FOLDER / name
        try:
            same = state.store.folder is not None and previous.is_file() and not previous.is_symlink()
            same = same and previous.read_bytes() == data
        except OSError:
            same = False
        if same:
            link_or_copy(previous, target)
            linked += 1
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        names.add(INDEX_FOLDER + name)
    _note_written(state.store, key, build / INDEX_FOLDER, list(files))
    return names, linked


def unchanged_index(app: Flask, site: Site, out: Path) -> dict[str, int]:
    """The previous build's index files (build file -> inode) when `site` indexes the same; else none."""
    state = app.extensions[EXTENSION]
    names = state.unchanged(site, out) or ()
    return {INDEX_FOLDER + name: (out / INDEX_FOLDER / name).lstat().st_ino for name in names}


def _stamp(path: Path) -> str:
    stat = path.lstat()
    return f"{stat.st_ino} {stat.st_size} {stat.st_mtime_ns} {stat.st_mode}"


def _note_written(store: Store, key: str, folder: Path, names: list[str]) -> None:
    """Record the index files a build holds (inode, size, mtime: the swap keeps them) for the next freeze."""
    lines = [key, *(f"{name}\0{_stamp(folder / name)}" for name in names)]
    store.write("written", "\n".join(lines).encode())


def _unchanged_files(store: Store, key: str, folder: Path) -> list[str] | None:
    """The names of the previous build's index files when it indexed the same records and they are untouched."""
    record = store.read("written")
    lines = record.decode(errors="replace").split("\n") if record is not None else []
    if not lines or lines[0] != key:
        return None
    names = []
    for line in lines[1:]:
        name, _, stamp = line.partition("\0")
        try:
            if _stamp(folder / name) != stamp:
                return None
        except OSError:
            return None
        names.append(name)
    return names


def _site() -> Site:
    from .views import _site  # noqa: PLC0415 -- the views' snapshot rules (503, debug problems)

    return _site()


def search_page():
    """The search box (shown by search.js), and for readers without JavaScript the tags and every post."""
    site = _site()
    folders = [part.folder for part in current_app.extensions[EXTENSION].parts(site)] or [""]
    merge = [url_for("search_index", name=folder).removesuffix("/") + "/" for folder in folders[1:]]
    html = render_template(
        "search.html", posts=site.published_posts, tags=site.tags.values(), index_parts=folders, merge=merge,
        csp_meta=content_security_policy(meta=True, additions=SEARCH_CSP),
    )  # fmt: skip
    return _with_search_csp(Response(html, mimetype="text/html"))


def index_file(name: str):
    """A file of the index, made from the current snapshot on first request (the dev server; a build writes them)."""
    data = current_app.extensions[EXTENSION].files(_site()).get(name)
    if data is None:
        abort(404)
    mimetype = MIMETYPES.get(os.path.splitext(name)[1], "application/octet-stream")
    return _with_search_csp(Response(data, mimetype=mimetype))


def _with_search_csp(response: Response) -> Response:
    """The search page's policy in the header too (its worker script gets its policy from its own response)."""
    response.headers["Content-Security-Policy"] = content_security_policy(additions=SEARCH_CSP)
    return response


def init_app(app: Flask) -> None:
    """The search page and index routes, and the per-app index state."""
    app.extensions[EXTENSION] = SearchState(app.extensions["flatfolio"])
    app.add_url_rule("/search/", "search", search_page)
    app.add_url_rule(f"/{INDEX_FOLDER}<path:name>", "search_index", index_file)
