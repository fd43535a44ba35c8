"""The Frozen-Flask and Flask-FlatPages APIs the adapters rely on: an upstream change fails here first."""

import inspect
from functools import cached_property

import pytest
from flask import Flask
from flask_flatpages import FlatPages
from flask_flatpages.page import Page
from flask_frozen import Freezer, FrozenFlaskWarning, MissingURLGeneratorWarning

from flatfolio.build import frozen
from flatfolio.build.freeze import FreezeError, freeze_site


def test_freezer_takes_the_arguments_frozen_py_passes():
    parameters = inspect.signature(Freezer).parameters
    assert {"app", "with_static_files", "with_no_argument_rules", "log_url_for"} <= parameters.keys()
    for method in ("register_generator", "all_urls", "freeze_yield", "urlpath_to_filepath"):
        assert callable(getattr(Freezer, method)), method
    assert issubclass(MissingURLGeneratorWarning, FrozenFlaskWarning)


def test_each_step_of_freeze_yield_makes_exactly_one_page(tmp_path):
    """frozen.freeze_urls records what a page used around one step of freeze_yield."""
    app = Flask(__name__)
    app.config["FREEZER_DESTINATION"] = str(tmp_path)
    served = []
    app.add_url_rule("/<name>/", "page", lambda name: served.append(name) or name)
    freezer = Freezer(app, with_static_files=False, with_no_argument_rules=False, log_url_for=False)
    freezer.register_generator(lambda: ["/a/", "/b/"])
    steps = freezer.freeze_yield()
    assert next(steps).url == "/a/" and served == ["a"]
    assert next(steps).url == "/b/" and served == ["a", "b"]
    with pytest.warns(MissingURLGeneratorWarning):  # string URLs carry no endpoint: frozen.py ignores this one
        assert next(steps, None) is None
    assert frozen.file_of("/a/") == "a/index.html" and frozen.file_of("/feed.xml") == "feed.xml"


def test_an_endpoint_no_generator_covers_stops_the_freeze(make_app, tmp_path):
    app = make_app()
    app.add_url_rule("/extra/<name>/", "extra", lambda name: name)
    with pytest.raises(FreezeError, match="Nothing frozen for endpoints extra"):
        freeze_site(app, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_flatpages_loads_through_the_one_property_sources_py_overrides():
    """SourceFolder overrides `_pages`: FlatPages must still read every page through it, and reload() drop it."""
    assert isinstance(inspect.getattr_static(FlatPages, "_pages"), cached_property)
    for method in (FlatPages.get, FlatPages.__iter__, FlatPages.reload):
        assert "_pages" in inspect.getsource(method), method
    assert list(inspect.signature(Page).parameters) == ["path", "meta", "body", "html_renderer", "folder"]
    page = Page("x", "", "body", lambda page: f"<p>{page.body}</p>", "")
    assert page.html == "<p>body</p>"
