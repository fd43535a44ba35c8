"""Per-app content state: the source folders, the render caches and the Site snapshot requests and freezes see."""

import threading
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app, request

from .. import bibliography
from ..bundles import bundle_files
from ..cache import CACHE_FOLDER, RenderCache, TemplateCache
from ..config import load_config
from ..render import render_markdown
from ..urls import ROOT_FILES, root_files, theme_files
from ..watch import Watched, Watcher, published
from .parsed import ParsedMemo
from .site import Site, build_site
from .sources import EXTENSIONS, SourceFolder, render_flatpage

HELD_BACK = "content errors: still serving the last good content (fix the files, or see them with `flask run --debug`)"
NONE_YET = "content errors: answering 503 until they are fixed (see them with `flask run --debug`)"
DRAFTS_ONLY = "content errors in hidden drafts: readers see the rest of the changes"


class ContentState:
    """Per-app content access: the two FlatPages folders, the latest Site snapshot and the last good one."""

    def __init__(self, app, site_root: Path):
        self.site_root = site_root
        self.folders = {}
        self.watched: list[Watched] = []  # what the dev server's change watcher covers (content folders first)
        for name in ("posts", "pages"):
            prefix = f"FLATPAGES_{name.upper()}_"
            app.config.setdefault(prefix + "ROOT", str(site_root / name))
            app.config.setdefault(prefix + "EXTENSION", EXTENSIONS)
            app.config.setdefault(prefix + "AUTO_RELOAD", True)  # a bool: "if debug" warns per request
            app.config.setdefault(prefix + "HTML_RENDERER", render_flatpage)
            self.folders[name] = SourceFolder(app, name=name)
            self.watched.append(Watched(Path(app.root_path, app.config[prefix + "ROOT"])))
        # Rendered Markdown survives restarts in <site>/.cache/ (RENDER_CACHE=False: memory only).
        app.config.setdefault("RENDER_CACHE", True)
        cache_root = site_root / CACHE_FOLDER if app.config["RENDER_CACHE"] else None
        self.render_cache = RenderCache(cache_root)
        if cache_root is not None:
            app.jinja_env.bytecode_cache = TemplateCache(cache_root, app.jinja_env)
        for name, folder in self.folders.items():
            folder.memo = ParsedMemo(cache_root, name)
        self._site: Site | None = None
        self._key = None
        # Everything a page shows: content, config and files/ (read here), templates and static files (live reload).
        self.watched += [Watched(site_root / "site.toml"), published(site_root / ROOT_FILES)]
        self.watched.append(Watched(Path(app.root_path, app.template_folder or "templates")))
        if app.static_folder:
            self.watched.append(published(Path(app.static_folder)))
        self._watcher: Watcher | None = None  # made on first use by the dev server
        self._seen = None  # the watcher's generation when the content was last looked at
        self.pinned: Site | None = None  # set while freezing: no change checks per page
        self._served: tuple[Site | None, dict] = (None, {})
        self.built_urls: dict[tuple, str] = {}  # see views.built_url; routes never change
        self._config_cache = (None, None, [])
        # A threaded server (waitress) asks from many threads: one rebuild at a time, never a half-set snapshot.
        self._lock = threading.RLock()
        self._hidden_drafts: frozenset[str] = frozenset()  # sources of the snapshot's hidden drafts
        self._good: Site | None = None  # the newest snapshot readers may see (outside debug mode)
        self._judged: Site | None = None  # the snapshot served() last looked at: the same one costs nothing
        self._logged: list = []  # the problems last logged, so each change is logged once
        self._logger = app.logger

    def _config_signature(self):
        """site.toml's modification time and size, or None when it cannot be read."""
        try:
            stat = (self.site_root / "site.toml").stat()
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def _config(self):
        """The site config, re-read only when site.toml changes."""
        signature = self._config_signature()
        if self._config_cache[0] != signature or signature is None:
            self._config_cache = (signature, *load_config(self.site_root))
        return self._config_cache[1], self._config_cache[2]

    def render(self, text: str, base_path: str) -> str:
        """Markdown to HTML through the render cache."""
        html = self.render_cache.get(text, base_path)
        if html is None:
            html = render_markdown(text, base_path, self.render_cache.diagrams)
            self.render_cache.put(text, base_path, html)
        return html

    def served_pages(self, site: Site) -> dict:
        """Responses made from `site` (see pagecache); a new snapshot starts an empty one."""
        if self._served[0] is not site:
            self._served = (site, {})
        return self._served[1]

    def reset(self) -> None:
        """Forget everything read, so the next access re-reads and re-renders all files."""
        for folder in self.folders.values():
            folder._file_cache.clear()
            folder.reload()
        self._site, self._key, self._config_cache = None, None, (None, None, [])
        self.pinned = None
        self._served = (None, {})

    def _reloading(self) -> bool:
        """Whether content files are re-read as they change (the dev server; not while freezing)."""
        modes = [folder.config("auto_reload") for folder in self.folders.values()]
        return any(current_app.debug if mode == "if debug" else mode for mode in modes)

    def _maybe_changed(self) -> bool:
        """A cheap look for changes since the last full check (with inotify: no walk, no stat per file)."""
        if not self._reloading():
            return self._config_signature() != self._config_cache[0]  # only the config is re-read
        seen, self._seen = self._seen, self.watcher.generation()
        return seen != self._seen  # None the first time: anything may have changed before the watcher started

    @property
    def watcher(self) -> Watcher:
        """The dev server's one change watcher, shared with live reload; made on first use (a freeze needs none)."""
        if self._watcher is None:
            with self._lock:
                if self._watcher is None:
                    self._watcher = Watcher(self.watched)
        return self._watcher

    def site(self) -> Site:
        """The current Site, errors and all, rebuilt only when a file, the config or the clock says so."""
        if self.pinned is not None:  # a freeze renders every page from one snapshot
            return self.pinned
        with self._lock:
            return self._current()

    def shows_problems(self) -> bool:
        """Whether pages show the current content's problems: in debug mode and while freezing (which refuses them)."""
        return current_app.debug or self.pinned is not None

    def served(self) -> Site | None:
        """What readers see outside debug mode: the newest snapshot with no errors outside hidden drafts.

        A broken or half-saved file leaves the last good snapshot served and its problems
        logged once; a draft's mistake changes nothing readers see. None: never a good one.
        """
        with self._lock:
            site = self._current()
            if site is self._judged:
                return self._good
            self._judged, errors = site, site.errors
            held_back = any(problem.path not in self._hidden_drafts for problem in errors)
            if not held_back:
                self._good = site
            if errors != self._logged:
                self._logged = errors
                if errors:
                    self._logger.error(DRAFTS_ONLY if not held_back else HELD_BACK if self._good else NONE_YET)
                for problem in errors:
                    self._logger.error("%s", problem)
            return self._good

    def _current(self) -> Site:
        show_drafts = bool(current_app.config["SHOW_DRAFTS"])
        now = datetime.now(UTC)
        site = self._site
        # Per request on the dev server, and several times per frozen page: skip the walk
        # over every file unless the watcher (or, while freezing, site.toml) saw a change.
        fresh = site is not None and self._key[1] == show_drafts and not (site.expires and now >= site.expires)
        if fresh and not self._maybe_changed():
            return site
        config, config_problems = self._config()
        post_files = list(self.folders["posts"])
        page_files = list(self.folders["pages"])
        files = root_files(self.site_root)
        bundles = bundle_files(post_files, Path(self.folders["posts"].root))
        # The key holds the file objects themselves: FlatPages keeps the same object while a
        # file is unchanged, and holding them stops a recycled id() from looking unchanged.
        # Served files by path and stamp: an edited file (same path) is a new snapshot, so no page cache keeps it.
        served = [*files.values(), *(path for found in bundles.values() for path in found.values())]
        key = (config, show_drafts, tuple(post_files), tuple(page_files), tuple(map(_stamp, served)))
        key += (bibliography.stamps(self.site_root, page_files),)  # a .bib file is no FlatPages file
        site = self._site
        if site is None or key != self._key or (site.expires and now >= site.expires):
            theme = theme_files(current_app.static_folder)
            site = build_site(config, config_problems, post_files, page_files, show_drafts, now, files, theme, bundles,
                              current_app.static_folder, self.site_root)  # fmt: skip
            self._site, self._key = site, key
            # A file that says `draft: true` is hidden whatever else is wrong with it.
            hidden = () if show_drafts else (*post_files, *page_files)
            self._hidden_drafts = frozenset(f.source for f in hidden if f.front_matter.get("draft") is True)
        return site


def _stamp(path: Path) -> tuple:
    """A file's path, size and mtime (only its path once it is gone)."""
    try:
        status = path.stat()
    except OSError:
        return (path,)
    return (path, status.st_size, status.st_mtime_ns)


def request_site() -> Site | None:
    """The snapshot the current request shows, the same one for all of it (None: no good content yet).

    In debug mode and while freezing that is the current content, errors and all;
    otherwise the last good snapshot (see ContentState.served).
    """
    environ = request.environ
    if "flatfolio.content.site" not in environ:  # per request, not g: a test may share one app context across requests
        state = current_app.extensions["flatfolio"]
        environ["flatfolio.content.site"] = state.site() if state.shows_problems() else state.served()
    return environ["flatfolio.content.site"]
