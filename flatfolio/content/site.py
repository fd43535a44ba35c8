"""The Site snapshot: every valid entry of one moment, its routes, tags and neighbours, assembled by build_site."""

import math
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path

from flask import current_app

from .. import bibliography
from ..bundles import bundle_routes
from ..cache import hash_parts
from ..cards import card_routes
from ..config import SiteConfig
from ..problems import Problem
from ..social import SocialImage, social_images
from ..text import slugify
from ..urls import Route, assign_routes
from .fields import URL_KEYS, build_page, build_post
from .model import Entry, Page, Post, Tag
from .series import Series, group_series, series_routes

RELATED_POSTS = 3
RELATED_CANDIDATES_PER_TAG = 50  # bounds the related-posts search: linear in posts, never quadratic


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
    social: dict[str, SocialImage] = field(default_factory=dict)  # source ("" for site.toml's) -> og:image
    bibliographies: dict = field(default_factory=dict)  # "files/x.bib" -> bibliography.Bibliography
    series: dict[str, Series] = field(default_factory=dict)  # slug -> series of shown posts

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

    def series_of(self, post: Post) -> Series | None:
        """The series `post` is a part of, if any."""
        return self.series.get(slugify(post.series)) if post.series else None

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
    theme: frozenset[str] = frozenset(),
    bundles: dict[str, dict[str, Path]] | None = None,
    static_folder: str | None = None,
    site_root: Path | None = None,
) -> Site:
    """Validate everything and assemble a Site; problems are collected, never raised.

    `files`: the files of files/ by the path they are served at; `theme`: the theme's own
    static files ("static/style.css"), which no file of files/ may replace; `bundles`: each
    page bundle's files (bundles.bundle_files); `static_folder`: where social images in /static/ are;
    `site_root`: where the .bib files pages name (`bibliography:`) are read from.
    """
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
    cards = card_routes([entry for entry in entries if isinstance(entry, Post)], config)
    series, series_problems = group_series(shown)
    # Series pages last: a new series never takes a URL that already answers.
    more = [*bundle_routes(entries, bundles or {}), *cards, *series_routes(series)]
    routes, clashes = assign_routes(entries, config.redirects, config.feeds, files, theme, more)
    problems += series_problems + clashes
    card_paths = {route.owner: path for path, route in cards if routes.get(path) is route}
    social, found = social_images(entries, config, routes, static_folder, card_paths)
    problems += found
    bibliographies, found = bibliography.load(shown_pages.values(), site_root, config.author) if site_root else ({}, [])
    problems += found
    problems.sort(key=lambda p: (p.path, p.line or 0, p.field, p.message))
    stamps = {}
    for route in routes.values():
        if route.kind == "file":  # of files/ or a bundle
            with suppress(OSError):  # gone since the walk: its route answers 404
                stat = route.target.stat()
                stamps[route.owner] = f"{stat.st_size} {stat.st_mtime_ns}"
    stamps.update({path: f"bib {bib.digest}" for path, bib in bibliographies.items()})  # pages record their use
    return Site(
        config=config, problems=problems, show_drafts=show_drafts,
        posts=shown, pages=shown_pages, tags=dict(sorted(tags.items())), expires=min(future) if future else None,
        routes=routes, file_stamps=stamps, social=social, bibliographies=bibliographies, series=series,
    )  # fmt: skip


def current_site() -> Site:
    """The Site of the current app."""
    return current_app.extensions["flatfolio"].site()
