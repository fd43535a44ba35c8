"""The series pages: /series/ lists every series, /series/<slug>/ the parts of one, in order."""

from flask import Flask, render_template

from . import views
from .content.model import Post
from .content.series import SERIES_ROOT, Series
from .content.state import request_site


def series_page(slug: str | None = None):
    """A series page (the index when `slug` is None); any other content at that path answers as usual."""
    site = views._site()
    path = SERIES_ROOT + (f"{slug}/" if slug else "")
    route = site.routes.get(path)
    if route is None or route.kind != "series":  # a page, alias or file there (no series claimed it)
        return views.entry(path[1:])
    if route.target is None:
        return render_template("series_index.html", all_series=list(site.series.values()))
    return render_template("series.html", series=route.target)


def series_of(post: Post) -> Series | None:
    """The series a post is a part of, for the templates."""
    return request_site().series_of(post)


def shown_series() -> list[Series]:
    """Every series a published build has (the sitemap lists them)."""
    return [series for series in request_site().series.values() if series.published]


def init_app(app: Flask) -> None:
    """Register the series routes and the template helpers."""
    # One endpoint with an optional slug: neither rule is argument-less, so Frozen-Flask
    # freezes /series/ only when views.frozen_urls yields it (when the site has a series).
    app.add_url_rule(SERIES_ROOT, "series", series_page, defaults={"slug": None})
    app.add_url_rule(SERIES_ROOT + "<slug>/", "series", series_page)
    app.jinja_env.globals.update(series_of=series_of, shown_series=shown_series)
