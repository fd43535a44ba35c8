"""Change detection for the dev server without walking the content tree on every request.

Linux inotify queues an event in the kernel as a file is written, before the write
returns, so one non-blocking read at the start of a request tells exactly whether
anything changed since the last look: an edit still shows on the very next request.
Elsewhere (or when inotify is unavailable) every check says "maybe changed" and the
caller walks and stats the files as before.
"""

import ctypes
import errno
import os
import struct
from pathlib import Path

from .system import libc

IN_MODIFY, IN_ATTRIB, IN_CLOSE_WRITE = 0x002, 0x004, 0x008
IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE = 0x040, 0x080, 0x100, 0x200
IN_DELETE_SELF, IN_MOVE_SELF, IN_Q_OVERFLOW, IN_IGNORED = 0x400, 0x800, 0x4000, 0x8000
IN_NONBLOCK, IN_CLOEXEC = 0o4000, 0o2000000
WATCH_MASK = (
    IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE
    | IN_DELETE_SELF | IN_MOVE_SELF
)  # fmt: skip
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, name length


class ContentWatcher:
    """Watches the site root (only `names` there) and every folder below the content folders."""

    def __init__(self, root: Path, names: tuple[str, ...], folders: tuple[str, ...]):
        self.root, self.names, self.folders = root, set(names), folders
        self._libc = libc("inotify_init1")
        self._fd = self._libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC) if self._libc else -1
        self._root_wd = None
        self._watching = self._fd >= 0 and self._watch_all()

    def _add(self, path: Path) -> int:
        return self._libc.inotify_add_watch(self._fd, os.fsencode(path), WATCH_MASK)

    def _watch_all(self) -> bool:
        """(Re)add watches on the root and every content folder; False if any cannot be watched."""
        self._root_wd = self._add(self.root)
        if self._root_wd < 0:
            return False
        for name in self.folders:
            for folder, dirs, _ in os.walk(self.root / name):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                if self._add(Path(folder)) < 0 and ctypes.get_errno() != errno.ENOENT:
                    return False  # e.g. the per-user watch limit: fall back to walking
        return True

    def changed(self) -> bool:
        """True if something may have changed since the previous call (always, without inotify)."""
        if not self._watching:
            return True
        changed = False
        while True:
            try:
                data = os.read(self._fd, 65536)
            except BlockingIOError:
                break
            except OSError:
                self.close()
                return True
            if not data:
                break
            changed = self._relevant(data) or changed
        if changed:
            self._watching = self._watch_all()  # new folders need watches of their own
        return changed

    def _relevant(self, data: bytes) -> bool:
        """Whether a batch of events touches content: anything below the folders, or a watched root name."""
        offset = 0
        while offset < len(data):
            wd, mask, _, length = _EVENT.unpack_from(data, offset)
            name = data[offset + _EVENT.size : offset + _EVENT.size + length].rstrip(b"\0")
            offset += _EVENT.size + length
            if mask & IN_Q_OVERFLOW:
                return True
            if mask & IN_IGNORED:
                continue  # a watch went away; its folder's own deletion was reported
            if wd != self._root_wd or os.fsdecode(name) in self.names or mask & (IN_DELETE_SELF | IN_MOVE_SELF):
                return True
        return False

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
        self._fd, self._watching = -1, False

    def __del__(self):
        self.close()
