"""What an importer reads out of an old site, before anything is written: the contract between readers and writer."""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Note:
    """Something the author should look at: `path:line: problem`, path relative to the old site."""

    source: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}" if self.line else f"{self.source}: {self.message}"


@dataclass
class ImportedEntry:
    """A post or page, converted: flatfolio front matter (insertion-ordered) and a plain Markdown body."""

    kind: str  # "post" or "page"
    source: str  # path in the old site, for the report
    name: str  # file to write, relative to posts/ or pages/, e.g. "2016-03-17-some-post.md"
    front: dict  # title, date, url, aliases, tags, summary, draft, ... (YAML-safe values only)
    body: str


@dataclass
class ImportedFile:
    """A file the old site served as is, at `path` (no leading slash): written to files/<path>."""

    path: str
    source: Path | None = None  # copied from here...
    data: bytes | None = None  # ...or these bytes (e.g. a notebook's image output)


@dataclass
class OldSite:
    """Everything read from an old site's source folder."""

    generator: str  # "hugo", "jekyll" or "pelican"
    entries: list[ImportedEntry] = field(default_factory=list)
    files: list[ImportedFile] = field(default_factory=list)
    atom_feeds: list[str] = field(default_factory=list)  # old paths that served an Atom feed, e.g. "/atom.xml"
    rss_feeds: list[str] = field(default_factory=list)  # old paths that served an RSS feed, e.g. "/index.xml"
    post_pattern: str | None = None  # the old default post URL, as a flatfolio pattern ("/{year}/{month}/{slug}/")
    conversions: Counter = field(default_factory=Counter)  # kind of conversion -> how many were made
    notes: list[Note] = field(default_factory=list)  # what needs the author's attention
