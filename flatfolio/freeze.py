"""Freezing: build the static site into a fresh folder and swap it in only when complete."""

import contextlib
import multiprocessing
import os
import queue
import shutil
import signal
import threading
import time
import unicodedata
import warnings
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from flask_frozen import Freezer, FrozenFlaskWarning

from . import output, reuse, views
from .config import normalize_base_url
from .links import broken_links, page_links
from .output import MANIFEST, FreezeError
from .prerender import cpu_count, prerender
from .problems import ContentError, Problem
from .system import libc
from .urls import JUNK
from .uses import recording_body_uses

# Endpoints whose URLs come from views.frozen_urls: none is missing when it yields nothing
# (a blog with a single page of posts has no /blog/page/2/).
GENERATED_ENDPOINTS = {"entry", "tag", "tag_feed", "blog_page"}
MIN_PARALLEL_PAGES = 200  # below this, forking costs more than it saves
MAX_PROCESSES = 4


@dataclass(frozen=True)
class BuildReport:
    """What a freeze made, for the summary line."""

    destination: Path
    pages: int
    posts: int
    files: int
    bytes: int
    seconds: float
    reused: int = 0  # files unchanged since the previous build, linked instead of made
    warnings: tuple = ()  # broken links kept by `links = "warn"`, as Problems

    def __str__(self) -> str:
        unchanged = f", {self.reused} unchanged" if self.reused else ""
        return (
            f"Built {self.pages} pages ({self.posts} posts), {self.files} files{unchanged}, "
            f"{self.bytes:,} bytes in {self.seconds:.2f} s -> {self.destination}"
        )


class SiteFreezer(Freezer):
    """Frozen-Flask, told which URLs to leave out (reused) and, optionally, to freeze one share of the rest.

    Every URL comes from a generator (no-argument rules, static files, views.frozen_urls),
    never only from a url_for call seen while rendering, so shares split by a hash of
    the URL cover the site exactly once between them. For each file it makes, it keeps
    what an incremental build needs to know: the bodies used and the links inside.
    """

    def __init__(self, app: Flask, share: tuple[int, int] = (0, 1), skip=frozenset()):
        super().__init__(app, log_url_for=False)  # every URL comes from a generator
        self.share, self.skip = share, skip
        self.made: dict[str, tuple[str, list[str], list[str]]] = {}  # url -> (file, bodies used, links)
        self.register_generator(views.frozen_urls)

    def file_of(self, url: str) -> str:
        """The file a URL is frozen to, relative to the build root."""
        return unicodedata.normalize("NFC", self.urlpath_to_filepath(url))

    def _generate_all_urls(self):
        part, parts = self.share
        for item in super()._generate_all_urls():
            url = item[0]
            if url not in self.skip and (parts == 1 or zlib.crc32(url.encode()) % parts == part):
                yield item

    def _build_one(self, url, last_modified=None):
        with recording_body_uses() as used:
            path = super()._build_one(url, last_modified)
        name = path.relative_to(self.root).as_posix()
        links = page_links(path.read_text(encoding="utf-8")) if name.endswith(".html") else []
        self.made[url] = (name, sorted(used), links)
        return path

    def _check_endpoints(self, seen_endpoints):
        """Done once for the whole site by all_urls_checked, before any share or reuse."""

    def all_urls_checked(self) -> dict[str, str]:
        """Every URL of the site with its endpoint; an endpoint no generator covers is an error."""
        urls = {url: endpoint for url, endpoint, _ in Freezer._generate_all_urls(self)}
        Freezer._check_endpoints(self, set(urls.values()) | GENERATED_ENDPOINTS)
        return urls


def freeze_site(app: Flask, out: Path, base_url: str | None = None, progress=None, on_wait=None) -> BuildReport:
    """Validate, freeze into a separate folder (the spare tree, or a new one beside `out`), check it, swap it in.

    On any failure that folder is removed and `out` is left exactly as it was. One
    freeze at a time builds into `out`: another one waits for it (`on_wait(out)` says
    so), up to FREEZE_LOCK_TIMEOUT seconds.
    """
    started = time.perf_counter()
    site_root = Path(app.config["SITE_ROOT"])
    out = out.resolve()
    output.check_destination(out, site_root, Path(app.root_path))
    if base_url:
        try:
            base_url = normalize_base_url(base_url)
        except ValueError as error:
            raise FreezeError(f"--base-url: {error}") from None
    state = app.extensions["flatfolio"]
    # Freezing reads each file once: no per-request re-walk, no drafts, a clean cache.
    app.config.update(
        SHOW_DRAFTS=False, BASE_URL=base_url,
        FLATPAGES_POSTS_AUTO_RELOAD=False, FLATPAGES_PAGES_AUTO_RELOAD=False,
    )  # fmt: skip
    state.reset()
    with app.app_context():
        site = state.site()
    if site.errors:
        raise ContentError(site.problems)
    base_url = base_url or site.config.base_url
    # Render uncached Markdown on every core first; Frozen-Flask then finds it in the cache.
    bodies = (entry.file.body for entry in site.entries.values())
    prerender(state.render_cache, bodies, urlsplit(base_url).path.rstrip("/"))
    timeout = float(app.config.get("FREEZE_LOCK_TIMEOUT", output.LOCK_TIMEOUT))
    with output.destination_lock(out, timeout, on_wait):
        output.check_destination(out, site_root, Path(app.root_path))  # again: another freeze may have run
        report = _build_and_swap(app, site, out, base_url, progress)
    return replace(report, seconds=time.perf_counter() - started)


def _build_and_swap(app: Flask, site, out: Path, base_url: str, progress) -> BuildReport:
    """The build itself, under the destination's lock: fill a build folder, check it, swap it in."""
    state = app.extensions["flatfolio"]
    base_path = urlsplit(base_url).path.rstrip("/")
    output.remove_leftovers(out)
    cache_root = state.render_cache.root  # None when caching is off: every file is made afresh
    spare = reuse.spare_folder(cache_root, out)
    build = output.build_folder(out, spare)
    try:
        state.pinned = site
        try:
            pages, reused = _freeze_into(app, site, build, out, base_url, cache_root, progress)
        finally:
            state.pinned = None
        made = sorted({page.file for page in pages.values()} | _write_extras(build, site.config.cname))
        links = {page.file: page.links for page in pages.values() if page.file.endswith(".html")}
        broken = broken_links(build, base_path, links, set(made))
        warned = ()
        if broken and site.config.links == "warn":  # the author builds with links that were already dead
            warned = _broken_link_warnings(app, broken)
        elif broken:
            raise FreezeError("broken internal links:\n" + "\n".join(broken))
        if (out / MANIFEST).is_file():  # an empty folder has nothing to carry over
            output.carry_over_foreign_files(out, build)
        output.write_manifest(build, made)
        reuse.forget_record(cache_root, out)  # until the new one is saved, nothing is reused
        output.swap_in(build, out, spare)
    except OSError as error:  # a full disk, a read-only folder: the previous build stays as it was
        shutil.rmtree(build, ignore_errors=True)
        where = f"{error.filename}: " if error.filename else ""
        raise FreezeError(f"{where}{error.strerror or error}; the previous build is untouched") from None
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    stats = {name: reuse.file_stat(out / name) for name in made}  # (inode, size, mtime_ns)
    for page in pages.values():
        page.stat = stats[page.file]
    reuse.save_record(cache_root, out, pages)
    state.render_cache.prune_other_versions()
    return BuildReport(
        destination=out, pages=sum(name.endswith(".html") for name in made), posts=len(site.posts),
        files=len(made), bytes=sum(size for _, size, _ in stats.values()), seconds=0.0, reused=reused, warnings=warned,
    )  # fmt: skip


def _broken_link_warnings(app: Flask, broken: list[str]) -> tuple:
    """The broken links as `path:line` warnings from the sources, plus those no source holds (themes)."""
    from .check import internal_link_problems  # noqa: PLC0415 -- only needed when links are broken

    with app.app_context():
        problems = internal_link_problems(app, app.extensions["flatfolio"].site())
    found = {problem.message.split(": ", 1)[0] for problem in problems}
    rest = [Problem(name, "link", f"{link}: no page at this URL", warning=True) for name, link in
            (item.split(": ", 1) for item in broken) if link not in found]  # fmt: skip
    return tuple(sorted([*problems, *rest], key=lambda p: (p.path, p.line or 0, p.field, p.message)))


def _freeze_into(
    app: Flask, site, build: Path, out: Path, base_url: str, cache_root: Path | None, progress
) -> tuple[dict[str, reuse.PageRecord], int]:
    """Fill `build`: files of `out` still current are linked, the rest made by Frozen-Flask.

    Returns the record of every URL's file, and how many were reused. Every warning and
    unexpected status is an error.
    """
    app.config.update(
        FREEZER_DESTINATION=str(build), FREEZER_BASE_URL=base_url, FREEZER_REMOVE_EXTRA_FILES=False,
        FREEZER_REDIRECT_POLICY="error", FREEZER_IGNORE_404_NOT_FOUND=False, FREEZER_STATIC_IGNORE=list(JUNK),
        FREEZING=True,  # redirects become pages with a meta refresh, not 301s
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error", FrozenFlaskWarning)
        try:
            everything = SiteFreezer(app)
            urls = everything.all_urls_checked()
            key = reuse.build_key(app, site, base_url)
            previous = reuse.load_record(cache_root, out) if (out / MANIFEST).is_file() else {}
            reused = reuse.reusable(previous, urls, key, site, out)
            folders = {os.path.dirname(everything.file_of(url)) for url in urls}
            _link_reused(out, build, reused, folders, progress)
            # FREEZE_PROCESSES (env FLASK_FREEZE_PROCESSES) forces a count; by default every
            # core, once there are enough pages to make to repay the fork.
            forced = app.config.get("FREEZE_PROCESSES")
            parts = (int(forced) if forced else min(cpu_count(), MAX_PROCESSES)) if _can_fork() else 1
            if parts > 1 and (len(urls) - len(reused) >= MIN_PARALLEL_PAGES or forced):
                for name in app.jinja_env.list_templates():
                    app.jinja_env.get_template(name)  # compiled once here, not once per forked process
                made = _freeze_in_processes(app, parts, reused, progress)
            else:
                freezer = SiteFreezer(app, skip=reused)
                for page in freezer.freeze_yield():
                    if progress:
                        progress(page.url)
                made = freezer.made
        except (FrozenFlaskWarning, ValueError) as error:
            raise FreezeError(str(error)) from None
    pages = dict(reused)
    for url, (name, uses, links) in made.items():
        page_key = reuse.page_key(key, url, uses, site)
        if page_key is not None:
            pages[url] = reuse.PageRecord(name, page_key, uses, links)
    return pages, len(reused)


def _link_reused(out: Path, build: Path, reused: dict[str, reuse.PageRecord], folders: set[str], progress) -> None:
    """Empty `build` but for the reused files, each the same file (hard link) as in `out`.

    `build` may be a spare tree holding an older build: a file there that is already
    the reused file stays, every other file goes, and so do the folders the new build
    has no file in (`folders` lists those it has). Nothing written later can reach a
    file that `out` shares.
    """
    wanted = {page.file: page.stat[0] for page in reused.values()}  # file -> inode in `out`
    kept = set()
    prefix = len(str(build)) + 1
    for folder, dirs, names in os.walk(build, topdown=False):
        for name in names:
            path = os.path.join(folder, name)
            inode = wanted.get(path[prefix:])
            if inode is not None and os.lstat(path).st_ino == inode:
                kept.add(path[prefix:])
            else:
                os.unlink(path)
        for name in dirs:
            path = os.path.join(folder, name)
            if os.path.islink(path):
                os.unlink(path)
            elif path[prefix:] not in folders:
                with contextlib.suppress(OSError):  # not empty: it holds reused files
                    os.rmdir(path)
    for url, page in reused.items():
        if page.file not in kept:
            output.link_or_copy(out / page.file, build / page.file)
        if progress:
            progress(url)


def _can_fork() -> bool:
    """fork copies the loaded site for free; unsafe with other threads running (e.g. a browser driver)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _freeze_share(app: Flask, share: tuple[int, int], skip, messages) -> None:
    """In a forked process: freeze one share of the URLs, reporting each page or the error."""
    _die_with_parent()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", FrozenFlaskWarning)
            freezer = SiteFreezer(app, share, skip)
            for page in freezer.freeze_yield():
                messages.put(("page", (page.url, freezer.made[page.url])))
    except OSError as error:
        messages.put(("oserror", (error.errno, error.strerror, error.filename)))
    except BaseException as error:  # noqa: BLE001 -- reported to the parent, which raises it
        messages.put(("error", str(error) or type(error).__name__))
    else:
        messages.put(("done", None))


def _die_with_parent() -> None:
    """Linux: end this process when the freeze that forked it ends (even by kill -9)."""
    lib = libc("prctl")
    if lib is not None:
        lib.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _freeze_in_processes(app: Flask, parts: int, skip, progress) -> dict[str, tuple[str, list[str], list[str]]]:
    """Freeze on every core: each forked process renders and writes its share of the URLs."""
    context = multiprocessing.get_context("fork")
    messages = context.Queue()
    workers = [
        context.Process(target=_freeze_share, args=(app, (part, parts), skip, messages)) for part in range(parts)
    ]
    made = {}
    for worker in workers:
        worker.start()
    failure, running = None, parts
    try:
        while running:
            try:
                kind, value = messages.get(timeout=1)
            except queue.Empty:
                dead = [worker.exitcode for worker in workers if worker.exitcode not in (None, 0)]
                if dead:  # killed before it could report
                    failure = failure or ("error", f"a freeze process died (exit status {dead[0]})")
                    break
                continue
            if kind == "page":
                made[value[0]] = value[1]
                if progress:
                    progress(value[0])
            elif kind in ("done", "error", "oserror"):
                running -= 1
                failure = failure or (None if kind == "done" else (kind, value))
    finally:
        for worker in workers:
            if failure:
                worker.kill()
            worker.join()
    if failure and failure[0] == "oserror":
        raise OSError(*failure[1])
    if failure:
        raise FreezeError(failure[1])
    return made


def _write_extras(build: Path, cname: str) -> set[str]:
    """Files a static host reads: .nojekyll (serve as is) and CNAME (custom domain); returns their names."""
    (build / ".nojekyll").write_bytes(b"")
    if not cname:
        return {".nojekyll"}
    (build / "CNAME").write_text(cname.strip() + "\n", encoding="utf-8")
    return {".nojekyll", "CNAME"}
