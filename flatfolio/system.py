"""The C library, for the Linux calls Python has no wrapper for (inotify, renameat2, prctl)."""

import ctypes
from functools import cache


@cache
def _load():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def libc(*functions: str):
    """This process's C library with errno kept (ctypes.get_errno), or None if it lacks one of `functions`."""
    lib = _load()
    return lib if lib is not None and all(hasattr(lib, name) for name in functions) else None
