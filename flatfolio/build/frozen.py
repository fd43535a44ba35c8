"""The Frozen-Flask adapter: every URL of the site, and freezing given URLs while recording what each page used.

Public Frozen-Flask API only (URL generators, `all_urls`, `freeze_yield`,
`urlpath_to_filepath`); tests/test_frozen.py fails loudly if upstream changes it.
"""

import contextlib
import unicodedata
import warnings
from collections.abc import Iterator

from flask import Flask
from flask_frozen import Freezer, MissingURLGeneratorWarning
from werkzeug.exceptions import HTTPException

from .. import views
from ..content.uses import recording_body_uses
from .links import page_links

# Endpoints whose URLs come from views.frozen_urls: none is missing when it yields nothing
# (a blog with a single page of posts has no /blog/page/2/, a site without series no /series/).
# The search index's files are written by search.freeze_index, not frozen page by page.
GENERATED_ENDPOINTS = {"entry", "tag", "tag_feed", "blog_page", "series", "search_index"}

Made = tuple[str, list[str], list[str]]  # (file, sources of the bodies used, links inside)
_NAMING = Freezer()  # no app: only for urlpath_to_filepath


def file_of(url: str) -> str:
    """The file a URL is frozen to, relative to the build root."""
    return unicodedata.normalize("NFC", _NAMING.urlpath_to_filepath(url))


def site_urls(app: Flask) -> list[str]:
    """Every URL of the site, once each: no-argument rules, static files, views.frozen_urls.

    A GET endpoint none of them reaches is an error (Frozen-Flask's missing-generator
    check, done once here for the whole site rather than per share or after reuse).
    """
    everything = Freezer(app, log_url_for=False)  # every URL comes from a generator, never a url_for seen
    everything.register_generator(views.frozen_urls)
    urls = list(dict.fromkeys(everything.all_urls()))
    adapter = app.url_map.bind("localhost")
    seen = set(GENERATED_ENDPOINTS)
    for url in urls:
        with contextlib.suppress(HTTPException):  # made anyway: its status decides if it can be frozen
            seen.add(adapter.match(url, method="GET")[0])
    missing = {
        rule.endpoint for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint not in seen and rule.endpoint.rpartition(".")[2] != "static"
    }  # fmt: skip
    if missing:
        warnings.warn(
            f"Nothing frozen for endpoints {', '.join(sorted(missing))}. Did you forget a URL generator?",
            MissingURLGeneratorWarning,
            stacklevel=2,
        )
    return urls


def freeze_urls(app: Flask, urls: list[str]) -> Iterator[tuple[str, Made]]:
    """Freeze exactly `urls` into FREEZER_DESTINATION, yielding (url, made) for each as it is written."""
    freezer = Freezer(app, with_static_files=False, with_no_argument_rules=False, log_url_for=False)
    freezer.register_generator(lambda: urls)
    steps = freezer.freeze_yield()
    while True:
        # Each step of freeze_yield makes one page: what it reads is what that page used.
        with recording_body_uses() as used, warnings.catch_warnings():
            # URLs given as paths carry no endpoint; site_urls has checked the endpoints.
            warnings.simplefilter("ignore", MissingURLGeneratorWarning)
            page = next(steps, None)
        if page is None:
            return
        name = page.path.as_posix()
        path = freezer.root / page.path
        links = page_links(path.read_text(encoding="utf-8")) if name.endswith(".html") else []
        yield page.url, (name, sorted(used), links)
