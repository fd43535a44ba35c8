"""Freezing: build the static site into a fresh folder and swap it in only when complete."""

import contextlib
import os
import shutil
import time
import warnings
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from flask_frozen import FrozenFlaskWarning

from .. import cv, search
from ..config import normalize_base_url
from ..problems import ContentError, Problem
from ..search_index import SearchIndexError
from ..urls import JUNK
from . import frozen, output, parallel, reuse
from .links import broken_links
from .output import MANIFEST, FreezeError
from .prerender import prerender

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
    cv_problems = cv.problems(app, site, base_url)  # the CV, typeset up front: a layout error stops the build here
    if any(not problem.warning for problem in cv_problems):
        raise ContentError(cv_problems)
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
    output.remove_leftovers(out)
    plan = reuse.plan(app, site, base_url, out)
    build = output.build_folder(out, plan.spare)
    indexing = None
    try:
        # The search index: one Pagefind run over all posts when one changed (while the pages are
        # made), else the previous files linked.
        try:
            indexing = search.start_index(app, site, out)
        except SearchIndexError as error:
            raise FreezeError(f"search index: {error}") from None
        state.pinned = site
        try:
            pages = plan.pages(_freeze_into(app, build, out, base_url, plan, progress))
        finally:
            state.pinned = None
        try:
            index, index_reused = search.freeze_index(app, site, build, out, indexing)
        except SearchIndexError as error:
            raise FreezeError(f"search index: {error}") from None
        made = sorted({page.file for page in pages.values()} | _write_extras(build, site.config.cname) | index)
        links = {page.file: page.links for page in pages.values() if page.file.endswith(".html")}
        broken = broken_links(build, urlsplit(base_url).path.rstrip("/"), links, set(made))
        warned = ()
        if broken and site.config.links == "warn":  # the author builds with links that were already dead
            warned = _broken_link_warnings(app, broken)
        elif broken:
            raise FreezeError("broken internal links:\n" + "\n".join(broken))
        if (out / MANIFEST).is_file():  # an empty folder has nothing to carry over
            output.carry_over_foreign_files(out, build)
        output.write_manifest(build, made)
        plan.forget()
        output.swap_in(build, out, plan.spare)
    except OSError as error:  # a full disk, a read-only folder: the previous build stays as it was
        shutil.rmtree(build, ignore_errors=True)
        where = f"{error.filename}: " if error.filename else ""
        raise FreezeError(f"{where}{error.strerror or error}; the previous build is untouched") from None
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    finally:
        for run in (indexing or {}).values():  # a failed build stops Pagefind; a finished run has nothing left
            run.close()
    plan.record(pages)
    state.render_cache.prune_other_versions()
    return BuildReport(
        destination=out, pages=sum(name.endswith(".html") for name in made), posts=len(site.posts),
        files=len(made), bytes=sum(os.stat(out / name).st_size for name in made), seconds=0.0,
        reused=len(plan.reused) + index_reused, warnings=warned,
    )  # fmt: skip


def _broken_link_warnings(app: Flask, broken: list[str]) -> tuple:
    """The broken links as `path:line` warnings from the sources, plus those no source holds (themes)."""
    from ..check import internal_link_problems  # noqa: PLC0415 -- only needed when links are broken

    with app.app_context():
        problems = internal_link_problems(app, app.extensions["flatfolio"].site())
    found = {problem.message.split(": ", 1)[0] for problem in problems}
    rest = [Problem(name, "link", f"{link}: no page at this URL", warning=True) for name, link in
            (item.split(": ", 1) for item in broken) if link not in found]  # fmt: skip
    return tuple(sorted([*problems, *rest], key=lambda p: (p.path, p.line or 0, p.field, p.message)))


def _freeze_into(app: Flask, build: Path, out: Path, base_url: str, plan: reuse.Plan, progress) -> dict:
    """Fill `build`: files of `out` still current are linked, the rest made by Frozen-Flask.

    Returns what was made, url -> (file, bodies used, links). Every warning and
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
            urls = frozen.site_urls(app)
            reused = plan.reusable(urls)
            folders = {os.path.dirname(frozen.file_of(url)) for url in urls}
            # The spare tree's search index files that are already the previous build's stay (search.freeze_index).
            index = search.unchanged_index(app, app.extensions["flatfolio"].pinned, out)
            _link_reused(out, build, reused, folders | {os.path.dirname(name) for name in index}, progress, index)
            return _make(app, [url for url in urls if url not in reused], progress)
        except (FrozenFlaskWarning, ValueError, parallel.WorkerFailed) as error:
            raise FreezeError(str(error)) from None


def _make(app: Flask, urls: list[str], progress) -> dict:
    """Freeze `urls`: in this process, or one share each in forked processes once there are enough pages."""
    # FREEZE_PROCESSES (env FLASK_FREEZE_PROCESSES) forces a count; by default every
    # core, once there are enough pages to make to repay the fork.
    forced = app.config.get("FREEZE_PROCESSES")
    parts = (int(forced) if forced else min(parallel.cpu_count(), MAX_PROCESSES)) if parallel.can_fork() else 1
    made = {}

    def note(item) -> None:
        made[item[0]] = item[1]
        if progress:
            progress(item[0])

    if parts > 1 and (len(urls) >= MIN_PARALLEL_PAGES or forced):
        for name in app.jinja_env.list_templates(filter_func=lambda name: not name.endswith(".typ")):  # Typst: cv.py
            app.jinja_env.get_template(name)  # compiled once here, not once per forked process

        def share(part: int, parts: int):
            # Split by a hash of the URL: the shares cover the site exactly once between them.
            mine = [url for url in urls if zlib.crc32(url.encode()) % parts == part]
            with warnings.catch_warnings():
                warnings.simplefilter("error", FrozenFlaskWarning)
                yield from frozen.freeze_urls(app, mine)

        parallel.in_forked_processes(share, parts, note)
    else:
        for item in frozen.freeze_urls(app, urls):
            note(item)
    return made


def _link_reused(
    out: Path, build: Path, reused: dict[str, reuse.PageRecord], folders: set[str], progress, keep: dict[str, int]
) -> None:
    """Empty `build` but for the reused files, each the same file (hard link) as in `out`.

    `build` may be a spare tree holding an older build: a file there that is already
    the reused file stays, every other file goes, and so do the folders the new build
    has no file in (`folders` lists those it has). Nothing written later can reach a
    file that `out` shares.
    """
    wanted = {page.file: page.stat[0] for page in reused.values()} | keep  # file -> inode in `out`
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


def _write_extras(build: Path, cname: str) -> set[str]:
    """Files a static host reads: .nojekyll (serve as is) and CNAME (custom domain); returns their names."""
    (build / ".nojekyll").write_bytes(b"")
    if not cname:
        return {".nojekyll"}
    (build / "CNAME").write_text(cname.strip() + "\n", encoding="utf-8")
    return {".nojekyll", "CNAME"}
