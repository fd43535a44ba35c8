"""Front matter checks: each key of a post or page converted and validated, problems located at their line."""

from datetime import date, datetime, time
from pathlib import Path

from ..problems import Problem
from ..text import file_slug, slugify
from ..urls import DEFAULT_POST_URL, clean_path, clean_paths, http_url_parts, post_path
from .model import Page, Post, Tag
from .sources import InvalidDate, SourceFile

URL_KEYS = {"url", "permalink", "aliases", "redirect_from"}  # Hugo's and Jekyll's names both work
IMAGE_KEYS = {"image", "image_alt"}  # the social card (social.py checks that the file exists)
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
    "series",
    "series_order",
    *URL_KEYS,
    *IMAGE_KEYS,
}
PAGE_KEYS = {"title", "date", "updated", "summary", "draft", "description", "projects", "publications"} | URL_KEYS
PAGE_KEYS |= IMAGE_KEYS
PAGE_KEYS |= {"bibliography"}  # a .bib file's path, read and checked by bibliography.py
LINK_KINDS = ("code", "report", "paper", "slides", "docs", "video")
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
    "feed.json",
}


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


def _series(value) -> str:
    """A series name: text with letters or digits, which its page's URL is made from.

    A list of one name is taken too: Hugo writes its `series` taxonomy that way (and
    `import` keeps it), while a post in two series would have two "Part n of m".
    """
    if isinstance(value, list) and len(value) > 1:
        raise ValueError(f"a post is part of one series, got {value!r}")
    name = _text(value[0] if isinstance(value, list) and value else value)
    if not slugify(name):
        raise ValueError(f"series {name!r} has no letters or digits to make a URL from")
    return name


def _integer(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"expected a whole number like 2, got {value!r}")
    return value


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


def _year(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1000 <= value <= 9999:
        raise ValueError(f"expected a year like 2014, got {value!r}")
    return value


_PUBLICATION = _records(
    {"title": _text, "kind": _optional_text, "venue": _optional_text, "year": _year, "links": _link_table}
)


def _url(value) -> str:
    if not http_url_parts(value):
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
    check.field("image", _text)
    check.field("image_alt", _text)
    external_url = check.field("external_url", _url)
    series, series_order = check.field("series", _series), check.field("series_order", _integer)
    if series_order is not None and "series" not in file.front_matter:
        check.problems.append(Problem(file.source, "series_order", "needs a 'series:'", file.line_of("series_order")))
    own_url, aliases = _own_url(check)
    slug = check.field("slug", _slug) or file_slug(file.source)
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
        series=series, series_order=series_order,
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
    check.field("image", _text)
    check.field("image_alt", _text)
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
