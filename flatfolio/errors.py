"""Answers without a page: 404, the debug server's content-problems page, and 503 before any good content."""

from flask import Flask, Response, current_app, render_template

from .content.site import Site
from .content.state import request_site

# Before any content was good (every file read so far has errors): names no file, needs no site config.
UNAVAILABLE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Temporarily unavailable</title></head>
<body><h1>Temporarily unavailable</h1><p>The site is temporarily unavailable. Please try again shortly.</p></body>
</html>
"""


class ContentProblems(Exception):
    """The content has errors: the debug dev server shows them instead of a page."""

    def __init__(self, site: Site):
        self.site = site


def not_found(_error):
    site = request_site()
    if site is None:
        return unavailable(None)
    if site.errors and current_app.extensions["flatfolio"].shows_problems():
        return content_problems(ContentProblems(site))
    return render_template("404.html", canonical_url=None), 404


def unavailable(_error):
    """503: no good content yet; a plain page that names no file (the log has the problems)."""
    return Response(UNAVAILABLE, 503, {"Retry-After": "10"}, mimetype="text/html")


def content_problems(error: ContentProblems):
    return render_template("problems.html", problems=error.site.problems), 500


def init_app(app: Flask) -> None:
    app.register_error_handler(404, not_found)
    app.register_error_handler(503, unavailable)
    app.register_error_handler(ContentProblems, content_problems)
