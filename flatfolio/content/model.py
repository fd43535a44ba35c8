"""The content model: Tag, Post and Page, and the body-derived values an entry computes once."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..render import first_paragraph_text, reading_minutes, table_of_contents
from .sources import SourceFile
from .uses import note_source_use


class body_derived:  # noqa: N801 -- used like @cached_property
    """A cached property computed from an entry's body; every read counts as a use of the body."""

    def __init__(self, compute):
        self.compute, self.name = compute, compute.__name__
        self.__doc__ = compute.__doc__

    def __get__(self, entry, owner=None):
        if entry is None:
            return self
        entry.note_body_use()
        cache = entry.__dict__.setdefault("_body_derived", {})
        if self.name not in cache:
            cache[self.name] = self.compute(entry)
        return cache[self.name]


@dataclass(frozen=True, order=True)
class Tag:
    """A tag as written by the author, and the slug its URL uses."""

    slug: str
    name: str


@dataclass
class Entry:
    """What posts and pages share: a source file, a title and front matter."""

    file: SourceFile
    title: str
    meta: dict
    updated: datetime | None
    draft: bool
    url: str = ""  # the path it is served at, "/blog/my-post/" (set by build_site for posts without url:)
    aliases: tuple[str, ...] = ()  # old paths that redirect here

    @property
    def source(self) -> str:
        return self.file.source

    def note_body_use(self) -> None:
        """Record that the body is being used, if something is recording (see recording_body_uses)."""
        note_source_use(self.file.source)

    @property
    def html(self) -> str:
        """The rendered body (rendered once per file version by Flask-FlatPages)."""
        self.note_body_use()
        return self.file.html

    @body_derived  # list pages ask for it again and again
    def summary(self) -> str:
        """The front matter summary, else the first paragraph as plain text."""
        summary = self.meta.get("summary")
        return summary if isinstance(summary, str) and summary.strip() else first_paragraph_text(self.html)

    @body_derived
    def toc(self) -> list[tuple[int, str, str]]:
        """(level, id, text) of the body's h2 and h3 headings."""
        return table_of_contents(self.html)

    @body_derived
    def reading_minutes(self) -> int:
        """Estimated reading time in minutes."""
        return reading_minutes(self.file.body)


@dataclass
class Post(Entry):
    """A dated blog post."""

    slug: str = ""
    date: datetime = datetime.min.replace(tzinfo=UTC)
    tags: tuple[Tag, ...] = ()
    external_url: str | None = None
    scheduled: bool = False
    series: str | None = None  # the name of the series it is a part of (see content/series.py)
    series_order: int | None = None  # its place in the series, when not by date

    @property
    def last_modified(self) -> datetime:
        return self.updated or self.date

    @property
    def hidden(self) -> bool:
        """Drafts and scheduled posts are never published."""
        return self.draft or self.scheduled


@dataclass
class Page(Entry):
    """A standalone page served at /<path>/ ("" is the home page)."""

    path: str = ""
    date: datetime | None = None
    projects: list[dict] = field(default_factory=list)  # validated `projects:` entries
    publications: list[dict] = field(default_factory=list)  # validated `publications:` entries
