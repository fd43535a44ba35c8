"""Change detection for the dev server: one watcher whose generation counter every consumer reads.

Linux inotify queues an event in the kernel as a file is written, before the write
returns, so one non-blocking read at the start of a request tells exactly whether
anything changed since the last look: an edit still shows on the very next request.
Each consumer (the content state, every live reload poll) remembers the generation it
last saw, so none takes another's events. Where inotify is unavailable, or its watch
limit is hit, `generation()` walks the watched files and compares names, sizes and
modification times instead.
"""

import ctypes
import errno
import hashlib
import os
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .system import libc
from .urls import is_hidden_or_junk, is_junk

IN_MODIFY, IN_ATTRIB, IN_CLOSE_WRITE = 0x002, 0x004, 0x008
IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE = 0x040, 0x080, 0x100, 0x200
IN_DELETE_SELF, IN_MOVE_SELF, IN_Q_OVERFLOW, IN_IGNORED = 0x400, 0x800, 0x4000, 0x8000
IN_ISDIR, IN_NONBLOCK, IN_CLOEXEC = 0x40000000, 0o4000, 0o2000000
WATCH_MASK = (
    IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE
    | IN_DELETE_SELF | IN_MOVE_SELF
)  # fmt: skip
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, name length


def _dotted(name: str) -> bool:
    return name.startswith(".")


@dataclass(frozen=True)
class Watched:
    """A file or folder to watch, and the names below it its reader skips: their changes are no changes.

    The defaults are a content or template folder's (sources.content_files skips only dot folders).
    """

    path: Path
    skip_file: Callable[[str], bool] = is_hidden_or_junk
    skip_folder: Callable[[str], bool] = _dotted


def published(path: Path) -> Watched:
    """A folder published as it is (files/, static/): only junk is skipped, .well-known is not."""
    return Watched(path, is_junk, is_junk)


class Watcher:
    """Watches files and folders (everything below a folder); `generation()` goes up with each change."""

    def __init__(self, watched: list[Watched], inotify: bool = True):
        self.watched = watched
        self._lock = threading.Lock()  # threaded servers: polls and page requests ask at once
        self._generation = 0
        self._libc = libc("inotify_init1") if inotify else None
        self._fd = self._libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC) if self._libc else -1
        self._parents: dict[int, set[str]] = {}  # a watched path's folder: only events naming that path count
        self._below: dict[int, Watched] = {}  # a folder inside a watched folder: every event but skipped names
        self._signature = ""
        if not (self._fd >= 0 and self._watch_all()):
            self._fall_back()

    @property
    def walking(self) -> bool:
        """Whether changes are found by walking the files (no inotify, or its watch limit was hit)."""
        return self._fd < 0

    def generation(self) -> int:
        """A number that goes up when a watched file changed since the previous call (by anyone)."""
        with self._lock:
            if self.walking:
                signature = self._walk_signature()
                if signature != self._signature:
                    self._signature, self._generation = signature, self._generation + 1
            elif self._read_events():
                self._generation += 1
            return self._generation

    def _add(self, path: Path) -> int:
        return self._libc.inotify_add_watch(self._fd, os.fsencode(path), WATCH_MASK)

    def _watch_all(self) -> bool:
        """(Re)add watches on every watched folder and each watched path's parent; False if one cannot be added."""
        parents: dict[int, set[str]] = {}
        below: dict[int, Watched] = {}
        for item in self.watched:
            wd = self._add(item.path.parent)
            if wd < 0:
                return False
            parents.setdefault(wd, set()).add(item.path.name)
            for folder, dirs, _ in os.walk(item.path):  # nothing for a file or a missing folder
                dirs[:] = [d for d in dirs if not item.skip_folder(d)]
                wd = self._add(Path(folder))
                if wd >= 0:
                    below[wd] = item
                elif ctypes.get_errno() != errno.ENOENT:
                    return False  # e.g. the per-user watch limit: fall back to walking
        self._parents, self._below = parents, below
        return True

    def _fall_back(self) -> None:
        """Walk from now on: the signature taken here is what the next walk compares with."""
        self.close()
        self._signature = self._walk_signature()

    def _read_events(self) -> bool:
        """Whether the queued events hold a change; new folders get watches of their own."""
        changed = rewatch = False
        while True:
            try:
                data = os.read(self._fd, 65536)
            except BlockingIOError:
                break
            except OSError:
                self._fall_back()
                return True
            if not data:
                break
            batch_changed, batch_rewatch = self._relevant(data)
            changed, rewatch = changed or batch_changed, rewatch or batch_rewatch
        if rewatch and not self._watch_all():
            self._fall_back()
        return changed

    def _relevant(self, data: bytes) -> tuple[bool, bool]:
        """(a watched file changed, folders came or went) for a batch of events."""
        changed = rewatch = False
        offset = 0
        while offset < len(data):
            wd, mask, _, length = _EVENT.unpack_from(data, offset)
            name = os.fsdecode(data[offset + _EVENT.size : offset + _EVENT.size + length].rstrip(b"\0"))
            offset += _EVENT.size + length
            if mask & IN_Q_OVERFLOW:
                return True, True
            if mask & IN_IGNORED:
                continue  # a watch went away; its folder's own deletion was reported
            item = self._below.get(wd)
            if item is not None:
                folder = bool(mask & (IN_ISDIR | IN_DELETE_SELF | IN_MOVE_SELF))
                if name and (item.skip_folder if mask & IN_ISDIR else item.skip_file)(name):
                    continue  # an editor's swap file, a backup, OS litter
                changed, rewatch = True, rewatch or folder
            elif name in self._parents.get(wd, ()):
                changed = rewatch = True  # a watched file or folder itself was made, replaced or removed
        return changed, rewatch

    def _walk_signature(self) -> str:
        """A hash of the name, size and modification time of every watched file."""
        digest = hashlib.blake2b(digest_size=16)
        for item in self.watched:
            paths = [str(item.path)] if item.path.is_file() else []
            for folder, dirs, names in os.walk(item.path):
                dirs[:] = sorted(d for d in dirs if not item.skip_folder(d))
                paths += (os.path.join(folder, name) for name in sorted(names) if not item.skip_file(name))
            for path in paths:
                try:
                    stat = os.stat(path)
                except OSError:  # deleted while walking: the next look sees it gone
                    continue
                digest.update(f"{path}\0{stat.st_mtime_ns}\0{stat.st_size}\n".encode())
        return digest.hexdigest()

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
        self._fd = -1

    def __del__(self):
        self.close()
