"""Feeds: Atom and RSS 2.0 built with feedgen, with absolute links and content-derived dates; each entry's HTML."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from .content.model import Post, Tag
from .content.series import Series
from .content.site import Site

if TYPE_CHECKING:
    from feedgen.feed import FeedGenerator

FEED_SIZE = 20
_CODE_BLOCK = re.compile(r'<pre class="code[^"]*"[^>]*>.*?</pre>', re.S)  # as render.highlight_code writes them
_SET_ASIDE = re.compile(r'<pre data-set-aside="(\d+)"></pre>')
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)


def absolute_links(html: str, page_url: str, site_url: str, base_path: str) -> str:
    """Make every link in `html` absolute, as feed readers need.

    Root-relative links already carry the serving base path (e.g. `/site/blog/x/`);
    they are resolved against the configured site URL, never the request's host.
    """
    if not html.strip():
        return html

    def resolve(link: str) -> str:
        if link.startswith("/") and not link.startswith("//"):
            if base_path and (link == base_path or link.startswith(base_path + "/")):
                link = link[len(base_path) :]
            return site_url + link.lstrip("/")
        return urljoin(page_url, link)

    # Code blocks are most of a post's elements and hold no links: parsing them is
    # wasted work, so they wait outside (as placeholders) while the rest is rewritten.
    set_aside: list[str] = []

    def set_aside_block(match: re.Match) -> str:
        block = match.group(0)
        if "href=" in block or "src=" in block:  # raw HTML inside, or code about links: parse it
            return block
        set_aside.append(block)
        return f'<pre data-set-aside="{len(set_aside) - 1}"></pre>'

    import lxml.html  # imported on first use: a build whose feeds are all unchanged never needs it

    # huge_tree: libxml2 otherwise silently drops everything nested 255 elements deep or more.
    parser = lxml.html.HTMLParser(huge_tree=True)
    wrapper = lxml.html.fragment_fromstring(_CODE_BLOCK.sub(set_aside_block, html), create_parent="div", parser=parser)
    wrapper.rewrite_links(resolve, resolve_base_href=False)
    inner = (wrapper.text or "") + "".join(lxml.html.tostring(child, encoding="unicode") for child in wrapper)
    return _SET_ASIDE.sub(lambda match: set_aside[int(match.group(1))], inner)


def part_note(series: Series, post: Post, series_url: str) -> str:
    """The line a part's feed entry starts with: "Part 2 of 3 in the series <a>Name</a>.".

    Feeds hold published posts only, even on a dev server showing drafts: so do their numbers.
    """
    parts = [part for part in series.parts if not part.hidden]
    number = next(index for index, part in enumerate(parts, 1) if part is post)
    where = f'<a href="{escape(series_url)}">{escape(series.name)}</a>'
    return f"<p>Part {number} of {len(parts)} in the series {where}.</p>\n"


def entry_html(site: Site, post: Post, permalink: str, url_of, base_path: str, cache=None) -> str:
    """A post's HTML for feeds: absolute links, after a "Part n of m" line when it is part of a series.

    Readers show an entry's content, while few show its categories: the series line is
    what a reader of one part sees of the others.
    """
    link_args = (post.html, permalink, site.config.base_url, base_path)
    content = cache.memo(absolute_links, *link_args) if cache else absolute_links(*link_args)
    series = site.series_of(post)
    return part_note(series, post, url_of(series)) + content if series else content


def build_feed(
    site: Site, posts: list[Post], *, title: str, feed_url: str, page_url: str, url_of, base_path: str, cache=None,
    tag: Tag | None = None,
) -> FeedGenerator:
    """A feed of the newest posts; `url_of(post)` gives a post's absolute URL on the site.

    A tag's feed gives each entry that tag as its only category: every category in each
    of a post's tag feeds would make 500 tags cost 250,000 categories.

    With a `cache` (a RenderCache), each post's absolute-link HTML is computed once,
    not once per feed it appears in (the main feeds and up to one per tag).
    """
    from feedgen.feed import FeedGenerator  # imported on first use, like lxml

    config = site.config
    posts = posts[:FEED_SIZE]
    feed = FeedGenerator()
    feed.id(page_url)
    feed.title(title)
    feed.author({"name": config.author})
    feed.description(config.description or config.title)
    feed.language(config.language)
    feed.generator("flatfolio")
    # feedgen takes the RSS <link> from the last link added: self first, alternate last.
    feed.link(href=feed_url, rel="self")
    feed.link(href=page_url, rel="alternate")
    # From content, never the clock, so that unchanged content gives the same bytes.
    newest = max((post.last_modified for post in posts), default=EMPTY_FEED_UPDATED)
    feed.updated(newest)
    feed.lastBuildDate(newest)
    for post in posts:
        permalink = url_of(post)
        entry = feed.add_entry(order="append")  # feedgen prepends by default
        entry.id(permalink)
        entry.title(post.title)
        entry.link(href=post.external_url or permalink)
        entry.published(post.date)
        entry.updated(post.last_modified)
        entry.author({"name": config.author})
        if post.summary:
            entry.summary(post.summary)
        content = entry_html(site, post, permalink, url_of, base_path, cache)
        if content.strip():
            entry.content(content, type="html")
        for category in [tag] if tag is not None else post.tags:
            entry.category(term=category.name)
    return feed
