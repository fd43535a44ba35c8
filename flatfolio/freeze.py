"""Freezing: build the static site into a fresh folder and swap it in only when complete."""

import contextlib
import ctypes
import multiprocessing
import os
import queue
import re
import shutil
import signal
import tempfile
import threading
import time
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Flask
from flask_frozen import Freezer, FrozenFlaskWarning

from . import views
from .config import normalize_base_url
from .prerender import cpu_count, prerender
from .problems import ContentError

MANIFEST = ".flatfolio-build"  # lists every file a build made; marks a folder as ours
# Endpoints whose URLs come from views.frozen_urls: none is missing when it yields nothing
# (a blog with a single page of posts has no /blog/page/2/).
GENERATED_ENDPOINTS = {"post", "tag", "tag_feed", "blog_page", "page"}
_LINK = re.compile(r'(?:href|src)="([^"]*)"')
MIN_PARALLEL_PAGES = 200  # below this, forking costs more than it saves
MAX_PROCESSES = 4


class FreezeError(Exception):
    """A freeze that could not go ahead or did not complete; the previous build is untouched."""


@dataclass(frozen=True)
class BuildReport:
    """What a freeze made, for the summary line."""

    destination: Path
    pages: int
    posts: int
    files: int
    bytes: int
    seconds: float

    def __str__(self) -> str:
        return (
            f"Built {self.pages} pages ({self.posts} posts), {self.files} files, "
            f"{self.bytes:,} bytes in {self.seconds:.2f} s -> {self.destination}"
        )


class SiteFreezer(Freezer):
    """Frozen-Flask, told which endpoints our URL generator covers; optionally one share of the URLs.

    Every URL comes from a generator (no-argument rules, static files, views.frozen_urls),
    never only from a url_for call seen while rendering, so shares split by a hash of
    the URL cover the site exactly once between them.
    """

    def __init__(self, app: Flask, share: tuple[int, int] = (0, 1)):
        super().__init__(app, log_url_for=share[1] == 1)
        self.share = share
        self.register_generator(views.frozen_urls)

    def _generate_all_urls(self):
        part, parts = self.share
        for item in super()._generate_all_urls():
            if parts == 1 or zlib.crc32(item[0].encode()) % parts == part:
                yield item

    def _check_endpoints(self, seen_endpoints):
        if self.share[1] == 1:  # a share sees only some endpoints: the parent checks them all
            super()._check_endpoints(set(seen_endpoints) | GENERATED_ENDPOINTS)

    def check_all_endpoints(self) -> int:
        """Warn (an error here) about endpoints no generator covers; return the number of URLs."""
        urls = {url: endpoint for url, endpoint, _ in Freezer._generate_all_urls(self)}
        Freezer._check_endpoints(self, set(urls.values()) | GENERATED_ENDPOINTS)
        return len(urls)


def check_destination(out: Path, site_root: Path, code_root: Path | None = None) -> None:
    """Refuse destinations whose files flatfolio must not replace."""
    out, site_root = out.resolve(), site_root.resolve()
    protected = {Path(out.anchor), Path.home().resolve(), site_root, *site_root.parents}
    if code_root is not None:
        protected |= {code_root.resolve(), *code_root.resolve().parents}
    if out in protected:
        raise FreezeError(f"{out}: refusing to build into this folder; choose a dedicated one like build/")
    if out.exists() and not out.is_dir():
        raise FreezeError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise FreezeError(f"{out}: not empty and not made by flatfolio; empty it or choose another --out")


def freeze_site(app: Flask, out: Path, base_url: str | None = None, progress=None) -> BuildReport:
    """Validate, freeze into a temporary folder beside `out`, check it, then swap it in.

    On any failure the temporary folder is removed and `out` is left exactly as it was.
    """
    started = time.perf_counter()
    site_root = Path(app.config["SITE_ROOT"])
    out = out.resolve()
    check_destination(out, site_root, Path(app.root_path))
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
    entries = [*site.posts, *site.pages.values()]
    prerender(state.render_cache, (entry.file.body for entry in entries), urlsplit(base_url).path.rstrip("/"))

    _remove_leftovers(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        build = Path(tempfile.mkdtemp(prefix=f".{out.name}.flatfolio-", dir=out.parent))
    except OSError as error:
        raise FreezeError(f"{out.parent}: cannot create the build folder: {error.strerror or error}") from None
    try:
        os.chmod(build, 0o777 & ~_umask())  # mkdtemp's 0700 would hide the site from a web server's user
        state.pinned = site
        try:
            _freeze_into(app, build, base_url, progress)
        finally:
            state.pinned = None
        _write_extras(build, site.config.cname)
        broken = broken_links(build, urlsplit(base_url).path.rstrip("/"))
        if broken:
            raise FreezeError("broken internal links:\n" + "\n".join(broken))
        made = sorted(_files(build))
        if (out / MANIFEST).is_file():  # an empty folder has nothing to carry over
            _carry_over_foreign_files(out, build)
        (build / MANIFEST).write_text("".join(f"{name}\n" for name in made), encoding="utf-8")
        _swap_in(build, out)
    except OSError as error:  # a full disk, a read-only folder: the previous build stays as it was
        shutil.rmtree(build, ignore_errors=True)
        where = f"{error.filename}: " if error.filename else ""
        raise FreezeError(f"{where}{error.strerror or error}; the previous build is untouched") from None
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    sizes = [(out / name).stat().st_size for name in made]
    return BuildReport(
        destination=out, pages=sum(name.endswith(".html") for name in made), posts=len(site.posts),
        files=len(made), bytes=sum(sizes), seconds=time.perf_counter() - started,
    )  # fmt: skip


def _umask() -> int:
    """The process umask (reading it means setting it, so it is put straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _freeze_into(app: Flask, build: Path, base_url: str, progress) -> None:
    """Run Frozen-Flask into `build`, every warning and unexpected status an error."""
    app.config.update(
        FREEZER_DESTINATION=str(build), FREEZER_BASE_URL=base_url, FREEZER_REMOVE_EXTRA_FILES=False,
        FREEZER_REDIRECT_POLICY="error", FREEZER_IGNORE_404_NOT_FOUND=False,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error", FrozenFlaskWarning)
        try:
            # FREEZE_PROCESSES (env FLASK_FREEZE_PROCESSES) forces a count; by default every
            # core, once the site is large enough to repay the fork.
            forced = app.config.get("FREEZE_PROCESSES")
            parts = (int(forced) if forced else min(cpu_count(), MAX_PROCESSES)) if _can_fork() else 1
            if parts > 1 and (SiteFreezer(app).check_all_endpoints() >= MIN_PARALLEL_PAGES or forced):
                _freeze_in_processes(app, parts, progress)
                return
            for page in SiteFreezer(app).freeze_yield():
                if progress:
                    progress(page.url)
        except (FrozenFlaskWarning, ValueError) as error:
            raise FreezeError(str(error)) from None


def _can_fork() -> bool:
    """fork copies the loaded site for free; unsafe with other threads running (e.g. a browser driver)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _freeze_share(app: Flask, share: tuple[int, int], messages) -> None:
    """In a forked process: freeze one share of the URLs, reporting each page or the error."""
    _die_with_parent()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", FrozenFlaskWarning)
            for page in SiteFreezer(app, share).freeze_yield():
                messages.put(("page", page.url))
    except OSError as error:
        messages.put(("oserror", (error.errno, error.strerror, error.filename)))
    except BaseException as error:  # noqa: BLE001 -- reported to the parent, which raises it
        messages.put(("error", str(error) or type(error).__name__))
    else:
        messages.put(("done", None))


def _die_with_parent() -> None:
    """Linux: end this process when the freeze that forked it ends (even by kill -9)."""
    with contextlib.suppress(AttributeError, OSError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _freeze_in_processes(app: Flask, parts: int, progress) -> None:
    """Freeze on every core: each forked process renders and writes its share of the URLs."""
    context = multiprocessing.get_context("fork")
    messages = context.Queue()
    workers = [context.Process(target=_freeze_share, args=(app, (part, parts), messages)) for part in range(parts)]
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
            if kind == "page" and progress:
                progress(value)
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


def _write_extras(build: Path, cname: str) -> None:
    """Files a static host reads: .nojekyll (serve as is) and CNAME (custom domain)."""
    (build / ".nojekyll").write_bytes(b"")
    if cname:
        (build / "CNAME").write_text(cname.strip() + "\n", encoding="utf-8")


def _files(root: Path):
    """Relative POSIX paths of all files below `root`."""
    for folder, _, names in os.walk(root):
        for name in names:
            yield Path(folder, name).relative_to(root).as_posix()


def broken_links(build: Path, base_path: str) -> list[str]:
    """Every href/src in the built HTML that points inside the site at a file that is not there."""
    files = set(_files(build))  # one walk; then each link is a set lookup, not a stat
    checked: dict[tuple[str, str], bool] = {}  # (link, page folder) -> resolves; nav links repeat on every page
    broken = []
    for name in sorted(files):
        if not name.endswith(".html"):
            continue
        page_dir = "/" + name.rsplit("/", 1)[0] + "/" if "/" in name else "/"
        html = (build / name).read_text(encoding="utf-8")
        for link in sorted(set(_LINK.findall(html))):
            # Relative links depend on the page's folder; others resolve the same from any page.
            key = (link, page_dir if _is_relative(link) else "")
            resolves = checked.get(key)
            if resolves is None:
                target = _target_file(link, page_dir, base_path)
                target = os.path.normpath(target) if target else target  # "a/../b" as the filesystem sees it
                resolves = target is None or target != "" and (target in files or f"{target}/index.html" in files)
                checked[key] = resolves
            if not resolves:
                broken.append(f"{name}: {link}")
    return broken


def _is_relative(link: str) -> bool:
    """A link whose target depends on the page it is on (`../x/`, `x.png`), not `/x/` or `https://`."""
    parts = urlsplit(link)
    return not (parts.scheme or parts.netloc or parts.path.startswith("/"))


def _target_file(link: str, page_dir: str, base_path: str) -> str | None:
    """The built file a link needs, relative to the build root; None for outside links."""
    parts = urlsplit(link.replace("&amp;", "&"))
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    if path.startswith("/"):
        if base_path and not (path + "/").startswith(base_path + "/"):
            return ""  # root-relative but outside the base path: broken at a sub-path
        path = path[len(base_path) :]
    else:
        path = os.path.normpath(page_dir + path) + ("/" if path.endswith("/") else "")
    if path.endswith("/"):
        path += "index.html"
    return path.lstrip("/")


def _remove_leftovers(out: Path) -> None:
    """Delete temporary folders that an interrupted freeze left beside `out`."""
    if out.parent.is_dir():
        for leftover in out.parent.glob(f".{out.name}.flatfolio-*"):
            shutil.rmtree(leftover, ignore_errors=True)


def _carry_over_foreign_files(old: Path, build: Path) -> None:
    """Hard-link into the new build every file of the old one that flatfolio did not make.

    Links, not moves: until the swap, the old build must stay exactly as it was.
    """
    made = set((old / MANIFEST).read_text(encoding="utf-8").split())
    made.add(MANIFEST)
    for name in sorted(_files(old)):
        if name in made:
            continue
        target = build / name
        if target.exists():
            if name == "CNAME":
                continue  # the site config's CNAME replaces a hand-made one
            raise FreezeError(f"{old / name}: not made by flatfolio, and the new build writes the same file")
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(old / name, target)
        except OSError:
            shutil.copy2(old / name, target)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _swap_in(build: Path, out: Path) -> None:
    """Put the finished build at `out`, replacing the previous one in a single step."""
    if not out.exists():
        os.rename(build, out)
        return
    if not _exchange(build, out):
        # No atomic exchange here: two renames, with the old build kept until the second.
        previous = build.with_name(build.name + "-old")
        os.rename(out, previous)
        os.rename(build, out)
        build = previous
    shutil.rmtree(build)  # now holds the previous build
