"""Recording which sources (entry bodies, root files) the pages made in this context use, for incremental reuse."""

from contextlib import contextmanager
from contextvars import ContextVar

# The sources whose bodies the code running in this context has used, when recording.
_body_uses: ContextVar[set[str] | None] = ContextVar("body_uses", default=None)


@contextmanager
def recording_body_uses():
    """Collect the sources of the entries whose body (HTML, summary, TOC, reading time) gets used.

    Everything else a page shows comes from front matter; an incremental freeze needs
    to know which bodies a page was made from to tell when it must be made again.
    """
    used: set[str] = set()
    token = _body_uses.set(used)
    try:
        yield used
    finally:
        _body_uses.reset(token)


def note_source_use(source: str) -> None:
    """Record that a page is made from this source (an entry's body, a root file), if something is recording."""
    used = _body_uses.get()
    if used is not None:
        used.add(source)
