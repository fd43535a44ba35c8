"""The output folder: destination safety, the lock, the build folder, the manifest, carry-over and the atomic swap."""

import contextlib
import fcntl
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from ..system import libc

MANIFEST = ".flatfolio-build"  # lists every file a build made, one per line; marks a folder as ours
LOCK_TIMEOUT = 600  # seconds a freeze waits for another one into the same folder (FREEZE_LOCK_TIMEOUT)
_held = threading.local()  # folders this thread has locked


class FreezeError(Exception):
    """A freeze that could not go ahead or did not complete; the previous build is untouched."""


def check_destination(out: Path, site_root: Path, code_root: Path | None = None) -> None:
    """Refuse destinations whose files flatfolio must not replace."""
    out, site_root = out.resolve(), site_root.resolve()
    protected = {Path(out.anchor), Path.home().resolve(), site_root, *site_root.parents}
    if code_root is not None:
        protected |= {code_root.resolve(), *code_root.resolve().parents}
    if out in protected:
        raise FreezeError(f"{out}: refusing to build into this folder; choose a dedicated one like build/")
    for folder in out.parents:  # Path.exists says False below a file: name the file instead
        if folder.exists() or folder.is_symlink():
            if not folder.is_dir():
                raise FreezeError(f"{folder}: exists and is not a folder, so {out} cannot be built")
            break
    if out.exists() and not out.is_dir():
        raise FreezeError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise FreezeError(f"{out}: not empty and not made by flatfolio; empty it or choose another --out")


@contextlib.contextmanager
def destination_lock(out: Path, timeout: float = LOCK_TIMEOUT, on_wait=None):
    """Hold the lock of `out`'s parent folder: one freeze or publish there (so into `out` and its spare tree) at a time.

    The lock is an flock on the folder itself: no lock file to leave behind, and a
    killed freeze never leaves it held. Another process holding it is waited for, up
    to `timeout` seconds, after calling `on_wait(out)` once. Within a thread it is
    reentrant: publish holds it around its freeze and commit.
    """
    folder = out.parent
    held = _held.__dict__.setdefault("folders", set())
    if folder in held:
        yield
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        where = error.filename or folder
        raise FreezeError(
            f"{where}: cannot open the destination folder: {error.strerror or error}"
        ) from None
    try:
        _acquire(fd, out, timeout, on_wait)
        held.add(folder)
        try:
            yield
        finally:
            held.discard(folder)
    finally:
        os.close(fd)  # releases the lock


def _acquire(fd: int, out: Path, timeout: float, on_wait) -> None:
    """flock `fd`, polling so that the wait is bounded; FreezeError when it is not free in time."""
    deadline = None
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        if deadline is None:
            deadline = time.monotonic() + timeout
            if on_wait:
                on_wait(out)
        if time.monotonic() >= deadline:
            raise FreezeError(
                f"{out}: another freeze or publish in {out.parent} is still running after {timeout:g} s; "
                "try again when it has finished"
            )
        time.sleep(0.1)


def build_folder(out: Path, spare: Path | None) -> Path:
    """The folder to build in: the spare tree kept from the build before last, else a new one beside `out`.

    A spare tree already has the site's folders and, hard-linked, most of its files:
    bringing it up to date costs far less than making every folder again.
    """
    if spare is not None and spare.is_dir() and not spare.is_symlink() and same_device(spare, out.parent):
        return spare
    try:
        build = Path(tempfile.mkdtemp(prefix=f".{out.name}.flatfolio-", dir=out.parent))
        os.chmod(build, 0o777 & ~_umask())  # mkdtemp's 0700 would hide the site from a web server's user
    except OSError as error:
        raise FreezeError(f"{out.parent}: cannot create the build folder: {error.strerror or error}") from None
    return build


def same_device(a: Path, b: Path) -> bool:
    """Whether a rename can move a folder from `a` to `b` (one filesystem)."""
    try:
        return a.stat().st_dev == b.stat().st_dev
    except OSError:
        return False


def _umask() -> int:
    """The process umask (reading it means setting it, so it is put straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def files(root: Path):
    """Relative POSIX paths of all files below `root`."""
    prefix = len(str(root)) + 1
    for folder, _, names in os.walk(root):
        for name in names:
            yield os.path.join(folder, name)[prefix:]


def write_manifest(build: Path, made: list[str]) -> None:
    """List the files a build made, one name per line, as the bytes the filesystem holds."""
    for name in made:
        if "\n" in name:
            raise FreezeError(f"{name!r}: a file name with a line break cannot be built; rename the file")
    text = "".join(f"{name}\n" for name in made)  # surrogateescape: names as os.walk gave them, any bytes
    (build / MANIFEST).write_text(text, encoding="utf-8", errors="surrogateescape", newline="")


def read_manifest(out: Path) -> set[str]:
    """The files the build in `out` made (split on line feeds only: a name may hold any other space)."""
    text = (out / MANIFEST).read_bytes().decode("utf-8", "surrogateescape")  # read_text would turn \r into \n
    return {name for name in text.split("\n") if name}


def remove_leftovers(out: Path) -> None:
    """Delete temporary folders that an interrupted freeze left beside `out`."""
    if out.parent.is_dir():
        for leftover in out.parent.glob(f".{out.name}.flatfolio-*"):
            shutil.rmtree(leftover, ignore_errors=True)


def carry_over_foreign_files(old: Path, build: Path) -> None:
    """Hard-link into the new build every file of the old one that flatfolio did not make.

    Links, not moves: until the swap, the old build must stay exactly as it was.
    """
    made = read_manifest(old) | {MANIFEST}
    for name in sorted(files(old)):
        if name in made:
            continue
        target = build / name
        if target.exists():
            if name == "CNAME":
                continue  # the site config's CNAME replaces a hand-made one
            raise FreezeError(f"{old / name}: not made by flatfolio, and the new build writes the same file")
        link_or_copy(old / name, target)


def link_or_copy(source: Path, target: Path) -> None:
    """Hard-link `source` at `target` (its folder made), or copy it where a link cannot be made (another device)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    lib = libc("renameat2")
    if lib is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    return lib.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def swap_in(build: Path, out: Path, spare: Path | None) -> None:
    """Put the finished build at `out`, replacing the previous one in a single step.

    The previous build is kept as the spare tree for the next build when there is a
    place for one on the same filesystem, else removed.
    """
    if not out.exists():
        os.rename(build, out)
        return
    if not _exchange(build, out):
        # No atomic exchange here: two renames, with the old build kept until the second.
        previous = build.with_name(build.name + "-old")
        os.rename(out, previous)
        os.rename(build, out)
        build = previous
    # `build` now holds the previous build.
    if spare is not None and build != spare:
        with contextlib.suppress(OSError):
            spare.parent.mkdir(parents=True, exist_ok=True)
            if same_device(spare.parent, build):
                shutil.rmtree(spare, ignore_errors=True)
                os.rename(build, spare)
    if build.exists() and build != spare:
        shutil.rmtree(build)
