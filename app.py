"""flatfolio: a Flask blog and portfolio that freezes to a static site."""

from pathlib import Path

from flask import Flask
from jinja2 import StrictUndefined

from flatfolio import (
    bibliography,
    commands,
    cv,
    images,
    jsonfeed,
    jsonld,
    livereload,
    pagecache,
    search,
    security,
    series,
    social,
    views,
)
from flatfolio.content import state

PROJECT_ROOT = Path(__file__).resolve().parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; `SITE_ROOT` (default: this folder) holds site.toml, posts/ and pages/."""
    app = Flask(__name__, root_path=str(PROJECT_ROOT))
    app.config.from_mapping(SITE_ROOT=str(PROJECT_ROOT), SHOW_DRAFTS=app.debug, BASE_URL=None)
    app.config.from_prefixed_env()  # e.g. FLASK_SITE_ROOT=/path/to/another/site
    if test_config:
        app.config.update(test_config)
    app.jinja_env.undefined = StrictUndefined
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    app.extensions["flatfolio"] = state.ContentState(app, Path(app.config["SITE_ROOT"]))
    views.init_app(app)
    images.init_app(app)
    jsonld.init_app(app)
    series.init_app(app)
    jsonfeed.init_app(app)
    security.init_app(app)
    pagecache.init_app(app)
    commands.init_app(app)
    livereload.init_app(app)
    social.init_app(app)
    bibliography.init_app(app)
    search.init_app(app)
    cv.init_app(app)
    return app
