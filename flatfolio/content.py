"""Content: validating front matter, the Post and Page model, and the Site snapshot."""

import math
import re
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app

from .cache import hash_parts
from .config import SiteConfig
from .problems import Problem
from .render import first_paragraph_text, reading_minutes, table_of_contents
from .sources import InvalidDate, SourceFile
from .text import slugify
from .urls import DEFAULT_POST_URL, ROOT_FILES, Route, assign_routes, clean_path, clean_paths, post_path

URL_KEYS = {"url", "permalink", "aliases", "redirect_from"}  # Hugo's and Jekyll's names both work
POST_KEYS = {
    "title",
    "date",
    "updated",
    "tags",
    "summary",
    "draft",
    "slug",
    "external_url",
    "outlet",
    "sample",
    *URL_KEYS,
}
PAGE_KEYS = {"title", "date", "updated", "summary", "draft", "description", "projects", "publications"} | URL_KEYS
LINK_KINDS = ("code", "report", "paper", "slides", "docs", "video")
RELATED_POSTS = 3
RELATED_CANDIDATES_PER_TAG = 50  # bounds the related-posts search: linear in posts, never quadratic
# First URL segments owned by the site itself: a page there would shadow a route.
RESERVED_PAGE_ROOTS = {
    "blog",
    "tags",
    "static",
    "feed.xml",
    "rss.xml",
    "sitemap.xml",
    "robots.txt",
    "404.html",
    "code.css",
}
_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}-")
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


# --- the model -----------------------------------------------------------------------


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


def to_datetime(value, tz) -> datetime:
    """Turn a front matter date into an aware datetime; naive values are in the site's zone."""
    if isinstance(value, InvalidDate):
        raise ValueError(f"not a real date: {str(value)!r}")
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"not a date: {value!r}; write 2024-05-01 or 2024-05-01T09:30:00+05:30") from None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time(), tz)
    hint = (
        " (YAML reads an unquoted 12:30 as a number)" if isinstance(value, int) and not isinstance(value, bool) else ""
    )
    raise ValueError(f"not a date: {value!r}{hint}; write 2024-05-01 or 2024-05-01T09:30:00+05:30")


def _text(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected text, got {value!r}")
    return value.strip()


def _flag(value) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _tags(value) -> tuple[Tag, ...]:
    if not isinstance(value, list):
        raise ValueError(f"expected a list like [go, databases], got {value!r}")
    tags = {}
    for item in value:
        if not isinstance(item, str) or not slugify(item):
            raise ValueError(f"tag {item!r} has no letters or digits to make a URL from")
        tags.setdefault(slugify(item), Tag(slugify(item), item.strip()))
    return tuple(tags.values())


def _slug(value) -> str:
    if not isinstance(value, str) or not value or slugify(value) != value:
        suggestion = f"; try {slugify(value)!r}" if isinstance(value, str) and slugify(value) else ""
        raise ValueError(f"expected lowercase letters, digits and dashes, got {value!r}{suggestion}")
    return value


def _link_table(value) -> dict[str, str]:
    """Links by kind ({code: URL, paper: ""}); an empty address is kept but never rendered."""
    if not isinstance(value, dict):
        raise ValueError(f"expected links like {{code: https://...}}, got {value!r}")
    for kind, url in value.items():
        if kind not in LINK_KINDS:
            raise ValueError(f"unknown link kind {kind!r}; use one of {', '.join(LINK_KINDS)}")
        if url not in ("", None):
            _url(url)
    return {kind: url or "" for kind, url in value.items()}


def _records(fields: dict):
    """A validator for a list of mappings with the given field validators (title required)."""

    def convert(value) -> list[dict]:
        if not isinstance(value, list):
            raise ValueError(f"expected a list of entries, got {value!r}")
        records = []
        for number, item in enumerate(value, 1):
            if not isinstance(item, dict) or "title" not in item:
                raise ValueError(f"entry {number}: expected a mapping with at least a title")
            unknown = set(item) - set(fields)
            if unknown:
                raise ValueError(f"entry {number}: unknown field {sorted(unknown)[0]!r}")
            try:
                records.append({key: fields[key](item[key]) if key in item else None for key in fields})
            except ValueError as error:
                raise ValueError(f"entry {number} ({item.get('title')!r}): {error}") from None
        return records

    return convert


def _optional_text(value) -> str:
    return "" if value is None else _text(value)


_PROJECT = _records(
    {"title": _text, "context": _optional_text, "summary": _optional_text, "tags": _tags, "links": _link_table}
)
_PUBLICATION = _records({"title": _text, "kind": _optional_text, "venue": _optional_text, "links": _link_table})


def _url(value) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if not parts or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"expected an absolute http(s) URL, got {value!r}")
    return value


class _Checker:
    """Collects field problems for one file, each located at its key's line."""

    def __init__(self, file: SourceFile, known: set[str]):
        self.file, self.problems = file, list(file.problems)
        for key in file.front_matter:
            if key not in known:
                self.problems.append(
                    Problem(file.source, str(key), "unknown key (kept)", file.line_of(str(key)), warning=True)
                )

    def field(self, key: str, convert, default=None, required=False):
        """Return the converted value of `key`, or `default` after recording a problem."""
        meta = self.file.front_matter
        if key not in meta:
            if required:
                self.problems.append(Problem(self.file.source, key, "required", 2))
            return default
        try:
            return convert(meta[key])
        except ValueError as error:
            self.problems.append(Problem(self.file.source, key, str(error), self.file.line_of(key)))
            return default

    @property
    def ok(self) -> bool:
        return not any(not p.warning for p in self.problems)


def _own_url(check: "_Checker") -> tuple[str, tuple[str, ...]]:
    """The entry's own path (url: or permalink:, "" when it has none) and its aliases (aliases:, redirect_from:)."""
    url, permalink = check.field("url", clean_path, ""), check.field("permalink", clean_path, "")
    if url and permalink and url != permalink:
        line = check.file.line_of("permalink")
        check.problems.append(Problem(check.file.source, "permalink", f"differs from url ({url}): give one", line))
    aliases = check.field("aliases", clean_paths, ()) + check.field("redirect_from", clean_paths, ())
    own = url or permalink
    if own in aliases:
        line = check.file.line_of("aliases") or check.file.line_of("redirect_from")
        check.problems.append(Problem(check.file.source, "aliases", f"{own} is the entry's own url", line))
    return own, tuple(dict.fromkeys(aliases))


def build_post(
    file: SourceFile, tz, now: datetime, pattern: str = DEFAULT_POST_URL
) -> tuple[Post | None, list[Problem]]:
    """Validate a post's front matter and build the Post."""
    check = _Checker(file, POST_KEYS)
    if file.problems and not check.ok:
        return None, check.problems
    title = check.field("title", _text, required=True)
    published = check.field("date", lambda v: to_datetime(v, tz), required=True)
    updated = check.field("updated", lambda v: to_datetime(v, tz))
    tags = check.field("tags", _tags, ())
    draft = check.field("draft", _flag, False)
    check.field("summary", _text)
    check.field("outlet", _text)
    check.field("sample", _flag)
    external_url = check.field("external_url", _url)
    own_url, aliases = _own_url(check)
    stem = Path(file.source).stem
    slug = check.field("slug", _slug) or slugify(_DATE_PREFIX.sub("", stem))
    if not slug:
        check.problems.append(Problem(file.source, "slug", "the file name has no letters or digits; add a 'slug:'", 2))
    if published and updated and updated < published:
        check.problems.append(Problem(file.source, "updated", "is before 'date'", file.line_of("updated")))
    if not check.ok:
        return None, check.problems
    try:
        url = own_url or post_path(pattern, published.astimezone(tz), slug)
    except ValueError as error:  # e.g. a slug: with a dot
        check.problems.append(Problem(file.source, "slug", str(error), file.line_of("slug") or 2))
        return None, check.problems
    post = Post(
        file=file, title=title, meta=file.front_matter, updated=updated, draft=draft, url=url, aliases=aliases,
        slug=slug, date=published, tags=tags, external_url=external_url, scheduled=published > now,
    )  # fmt: skip
    return post, check.problems


def page_path(source: str) -> str:
    """URL path of a page file: pages/about.md -> "about", pages/index.md -> ""."""
    parts = Path(source).with_suffix("").parts[1:]
    if parts and parts[-1] == "index":
        parts = parts[:-1]
    return "/".join(slugify(part) or part for part in parts)


def build_page(file: SourceFile, tz) -> tuple[Page | None, list[Problem]]:
    """Validate a page's front matter and build the Page."""
    check = _Checker(file, PAGE_KEYS)
    if file.problems and not check.ok:
        return None, check.problems
    title = check.field("title", _text, required=True)
    updated = check.field("updated", lambda v: to_datetime(v, tz))
    page_date = check.field("date", lambda v: to_datetime(v, tz))
    draft = check.field("draft", _flag, False)
    check.field("summary", _text)
    check.field("description", _text)
    projects = check.field("projects", _PROJECT, [])
    publications = check.field("publications", _PUBLICATION, [])
    own_url, aliases = _own_url(check)
    path = page_path(file.source)
    if not own_url and path.split("/")[0] in RESERVED_PAGE_ROOTS:
        check.problems.append(
            Problem(file.source, "path", f"/{path}/ is reserved for the site's own pages; rename the file")
        )
    if not check.ok:
        return None, check.problems
    page = Page(
        file=file, title=title, meta=file.front_matter, updated=updated, draft=draft, path=path, date=page_date,
        projects=projects, publications=publications, url=own_url or (f"/{path}/" if path else "/"), aliases=aliases,
    )  # fmt: skip
    return page, check.problems


# --- the site ------------------------------------------------------------------------


@dataclass
class Site:
    """One consistent snapshot of the config and all content, as a request or a freeze sees it."""

    config: SiteConfig | None
    problems: list[Problem]
    show_drafts: bool = False
    posts: list[Post] = field(default_factory=list)  # shown posts, newest first
    pages: dict[str, Page] = field(default_factory=dict)  # url path -> page
    tags: dict[str, tuple[Tag, list[Post]]] = field(default_factory=dict)  # slug -> tag, its posts
    expires: datetime | None = None  # when a scheduled post goes live
    routes: dict[str, Route] = field(default_factory=dict)  # path -> what answers there (entries, redirects, files)
    file_stamps: dict[str, str] = field(default_factory=dict)  # "files/x.png" -> size and mtime, for reuse

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]

    @cached_property
    def posts_by_slug(self) -> dict[str, Post]:
        return {post.slug: post for post in self.posts}

    @cached_property
    def _position(self) -> dict[str, int]:
        return {post.slug: index for index, post in enumerate(self.posts)}

    def neighbours(self, post: Post) -> tuple[Post | None, Post | None]:
        """The (newer, older) posts next to `post` in the blog."""
        index = self._position[post.slug]
        newer = self.posts[index - 1] if index > 0 else None
        older = self.posts[index + 1] if index + 1 < len(self.posts) else None
        return newer, older

    def related(self, post: Post) -> list[Post]:
        """Posts sharing the most tags with `post`, newest first among equals."""
        shared: dict[str, int] = {}
        for tag in post.tags:
            for other in self.tags[tag.slug][1][:RELATED_CANDIDATES_PER_TAG]:
                if other is not post:
                    shared[other.slug] = shared.get(other.slug, 0) + 1
        ranked = sorted(shared, key=lambda slug: (-shared[slug], self._position[slug]))
        return [self.posts[self._position[slug]] for slug in ranked[:RELATED_POSTS]]

    @cached_property
    def entries(self) -> dict[str, Entry]:
        """Every shown post and page by source path."""
        return {entry.source: entry for entry in (*self.posts, *self.pages.values())}

    @cached_property
    def front_matter_digest(self) -> str:
        """A hash of what every page may show besides bodies: which entries exist, in order, and their front matter.

        Lists, neighbours, related posts, tags and URLs all come from front matter, so
        a page made from unchanged front matter and unchanged used bodies is unchanged.
        """
        parts = [repr(self.show_drafts)]
        for source, entry in self.entries.items():
            parts += [source, entry.file.front_matter_text]
        return hash_parts(*parts)

    def body_digest(self, source: str) -> str | None:
        """A hash of an entry's Markdown body (or a root file's stamp), None when the site has no such source."""
        entry = self.entries.get(source)
        return entry.file.body_digest if entry else self.file_stamps.get(source)

    @property
    def published_posts(self) -> list[Post]:
        """Posts that belong in feeds and the sitemap (even when drafts are shown)."""
        return [post for post in self.posts if not post.hidden]


def blog_page_count(posts: int, per_page: int) -> int:
    """How many pages the blog index has: always at least one, even with no posts."""
    return max(1, math.ceil(posts / per_page))


def _duplicates(items, key, what: str) -> list[Problem]:
    """Problems for every item whose key another item already has."""
    seen, problems = {}, []
    for item in items:
        other = seen.setdefault(key(item), item)
        if other is not item:
            problems.append(Problem(item.source, what, f"{key(item)!r} is already used by {other.source}"))
    return problems


def build_site(
    config: SiteConfig | None,
    config_problems,
    post_files,
    page_files,
    show_drafts: bool,
    now: datetime,
    files: dict[str, Path] | None = None,
) -> Site:
    """Validate everything and assemble a Site; problems are collected, never raised."""
    problems = list(config_problems)
    if config is None:
        return Site(None, problems)
    tz = config.timezone
    posts, pages = [], []
    for file in post_files:
        post, found = build_post(file, tz, now, config.post_url)
        problems += found
        if post:
            posts.append(post)
    for file in page_files:
        page, found = build_page(file, tz)
        problems += found
        if page:
            pages.append(page)
    # Two posts named alike (or pages at one path) are told as such; other clashes by the URL they share.
    named = [post for post in posts if not post.file.front_matter.keys() & URL_KEYS]
    problems += _duplicates(named, lambda p: p.slug, "slug")
    problems += _duplicates(pages, lambda p: p.path, "path")
    shown = [post for post in posts if show_drafts or not post.hidden]
    shown.sort(key=lambda post: (post.date, post.slug), reverse=True)
    tags: dict[str, tuple[Tag, list[Post]]] = {}
    for post in reversed(shown):  # oldest first, so a tag keeps its first spelling
        for tag in post.tags:
            tags.setdefault(tag.slug, (tag, []))[1].append(post)
    for _, tagged in tags.values():
        tagged.reverse()  # newest first; appending then reversing avoids a quadratic insert(0)
    future = [post.date for post in posts if post.scheduled]
    shown_pages = {page.path: page for page in pages if show_drafts or not page.draft}
    files = files or {}
    reported = {problem.path for problem in problems if not problem.warning}
    entries = [
        entry
        for entry in (*shown_pages.values(), *sorted(shown, key=lambda p: p.source))
        if entry.source not in reported
    ]
    routes, clashes = assign_routes(entries, config.redirects, config.feeds, files)
    problems += clashes
    problems.sort(key=lambda p: (p.path, p.line or 0, p.field, p.message))
    stamps = {}
    for path, file in files.items():
        with suppress(OSError):  # gone since the walk: its route answers 404
            stat = file.stat()
            stamps[ROOT_FILES + path] = f"{stat.st_size} {stat.st_mtime_ns}"
    return Site(
        config=config, problems=problems, show_drafts=show_drafts,
        posts=shown, pages=shown_pages, tags=dict(sorted(tags.items())), expires=min(future) if future else None,
        routes=routes, file_stamps=stamps,
    )  # fmt: skip


def current_site() -> Site:
    """The Site of the current app."""
    return current_app.extensions["flatfolio"].site()
