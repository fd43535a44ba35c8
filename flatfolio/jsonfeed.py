"""JSON Feed 1.1 at /feed.json: the Atom feed's entries, with the same full content, as JSON."""

import json

from flask import Flask, Response, current_app, request

from . import views
from .content.model import Post
from .content.site import Site
from .feeds import FEED_SIZE, entry_html

VERSION = "https://jsonfeed.org/version/1.1"
MIMETYPE = "application/feed+json"  # what the spec asks for; static hosts send application/json for .json


def build_json_feed(
    site: Site, posts: list[Post], *, title: str, feed_url: str, page_url: str, url_of, base_path: str, cache=None
) -> bytes:
    """The newest posts as a JSON Feed: keys in the spec's order, UTF-8, one trailing newline, same input same bytes."""
    config = site.config
    items = []
    for post in posts[:FEED_SIZE]:
        permalink = url_of(post)
        item = {"id": permalink, "url": permalink}
        if post.external_url:
            item["external_url"] = post.external_url
        item["title"] = post.title
        item["content_html"] = entry_html(site, post, permalink, url_of, base_path, cache)
        if post.summary:
            item["summary"] = post.summary
        item["date_published"] = post.date.isoformat()
        item["date_modified"] = post.last_modified.isoformat()
        item["authors"] = [{"name": config.author}]
        if post.tags:
            item["tags"] = [tag.name for tag in post.tags]
        items.append(item)
    feed = {
        "version": VERSION, "title": title, "home_page_url": page_url, "feed_url": feed_url,
        "description": config.description or config.title, "language": config.language,
        "authors": [{"name": config.author, "url": page_url}], "items": items,
    }  # fmt: skip
    # ensure_ascii=False: UTF-8 as the spec recommends, readable and smaller for non-Latin text.
    # "<" only ever occurs inside strings, where \u003c means the same: no byte of the file can
    # start a tag, should a host or browser ever take it for HTML.
    text = json.dumps(feed, ensure_ascii=False, indent=2).replace("<", "\\u003c")
    return (text + "\n").encode("utf-8")


def json_feed():
    site = views._site()
    data = build_json_feed(
        site, [post for post in site.posts if not post.hidden], title=site.config.title,
        feed_url=views.absolute_url("json_feed"), page_url=views.absolute_url("home"), url_of=views.public_url,
        base_path=request.script_root, cache=current_app.extensions["flatfolio"].render_cache,
    )  # fmt: skip
    # A frozen file's type is the host's guess from .json (application/json, which the spec
    # also accepts); Frozen-Flask checks the response matches it, so the freeze answers that.
    return Response(data, mimetype="application/json" if current_app.config.get("FREEZING") else MIMETYPE)


def init_app(app: Flask) -> None:
    """Register /feed.json."""
    app.add_url_rule("/feed.json", "json_feed", json_feed)
