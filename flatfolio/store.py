"""Cache store: namespaced, versioned entries in `.cache/`, written atomically and checked on every read."""

import contextlib
import hashlib
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

FORMAT = b"flatfolio-store/1"
SYNC_THREADS = 16  # fsyncs in flight at once; the journal commits them together


def make_cache_folder(cache_root: Path, folder: Path) -> None:
    """Create a folder in the cache; raises OSError when the cache cannot be written."""
    folder.mkdir(parents=True, exist_ok=True)
    # Like .pytest_cache: git ignores the cache in any repository, whatever its .gitignore.
    ignore = cache_root / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# flatfolio's caches: safe to delete\n*\n")


def write_atomic(folder: Path, files: dict[str, bytes]) -> None:
    """Replace each file of `folder` named in `files` in one step that survives a crash or power loss.

    Each file's bytes reach the disk before its rename, and the renames before returning;
    otherwise a power loss can leave a new name pointing at an empty or partial file.
    The fsyncs of a batch run side by side and the folder is synced once: one at a time
    they would cost a cold build of 1,000 posts about 5 s.
    """
    temps: list[tuple[int, str, str]] = []
    try:
        for name, data in files.items():
            fd, temp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            temps.append((fd, temp, name))
            view = memoryview(data)
            while view:  # os.write may write less than asked
                view = view[os.write(fd, view) :]
        if len(temps) == 1:
            os.fsync(temps[0][0])
        else:
            with ThreadPoolExecutor(max_workers=min(SYNC_THREADS, len(temps))) as pool:
                list(pool.map(os.fsync, [fd for fd, _, _ in temps]))
        for _, temp, name in temps:
            os.replace(temp, folder / name)
    except BaseException:
        for _, temp, _ in temps:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        raise
    finally:
        for fd, _, _ in temps:
            os.close(fd)
    handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _checksum(fingerprint: str, key: str, payload: bytes) -> bytes:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{len(fingerprint)}:{fingerprint}{len(key)}:{key}".encode())
    digest.update(payload)
    return digest.hexdigest().encode()


class Store:
    """Entries of one namespace and version, each at `<cache root>/<namespace>/<fingerprint>/<key>`.

    An entry is one header line (format, fingerprint, payload length, checksum of the
    fingerprint, key and payload) followed by the payload. One that fails any of those
    checks (truncated, emptied, garbage, another version, another key's file) reads as
    missing, so the caller makes the value again and its write replaces the bad entry.
    `cache_root=None` stores nothing.
    """

    def __init__(self, cache_root: Path | None, namespace: str, fingerprint: str):
        self.cache_root = cache_root
        self.fingerprint = fingerprint
        self.folder = cache_root / namespace / fingerprint if cache_root is not None else None

    def path(self, key: str) -> Path | None:
        """The file of an entry (None without a cache)."""
        return self.folder / key if self.folder is not None else None

    def exists(self, key: str) -> bool:
        """Whether an entry is there, unchecked: a cheap hint, `read` decides."""
        path = self.path(key)
        return path is not None and path.is_file()

    def read(self, key: str) -> bytes | None:
        """The payload stored under `key`, or None when it is missing or fails a check."""
        path = self.path(key)
        if path is None:
            return None
        try:
            data = path.read_bytes()
        except OSError:
            return None
        header, newline, payload = data.partition(b"\n")
        fields = header.split(b" ")
        if not newline or len(fields) != 4 or fields[0] != FORMAT or fields[1] != self.fingerprint.encode():
            return None
        if fields[2] != str(len(payload)).encode() or fields[3] != _checksum(self.fingerprint, key, payload):
            return None
        return payload

    def write(self, key: str, payload: bytes) -> bool:
        """Store an entry atomically; False when there is no cache or it cannot be written (no caching then)."""
        return self.write_many({key: payload})

    def write_many(self, entries: dict[str, bytes]) -> bool:
        """Store several entries, each as `write` does, for the cost of about one."""
        if self.folder is None:
            return False
        framed = {}
        for key, payload in entries.items():
            checksum = _checksum(self.fingerprint, key, payload)
            framed[key] = b" ".join((FORMAT, self.fingerprint.encode(), str(len(payload)).encode(), checksum))
            framed[key] += b"\n" + payload
        try:
            if not self.folder.is_dir():
                make_cache_folder(self.cache_root, self.folder)
            write_atomic(self.folder, framed)
        except OSError:
            return False
        return True

    def delete(self, key: str) -> None:
        """Remove an entry; one that cannot be removed reads as stale anyway once the caller's data moved on."""
        path = self.path(key)
        if path is not None:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)

    def prune_other_versions(self) -> None:
        """Delete everything else in the namespace (older versions, older layouts): no key can reach it."""
        if self.folder is None or not self.folder.parent.is_dir():
            return
        for other in self.folder.parent.iterdir():
            if other == self.folder:
                continue
            if other.is_dir() and not other.is_symlink():
                shutil.rmtree(other, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    other.unlink()
