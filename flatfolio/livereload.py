"""Live reload for the debug dev server: the open page reloads itself when a site file changes.

A small external script polls a fingerprint: the server process's id and the generation
of the change watcher (watch.py) over posts/, pages/, files/, site.toml, templates/ and
static/. Both are served by a WSGI middleware installed only when app.debug is set,
so they are no Flask routes: Frozen-Flask, which freezes every argument-less GET route,
never sees them, and pages rendered for a freeze never link to them.
"""

import hashlib
import json
import logging
import uuid
from collections.abc import Callable

from flask import Flask, g, request
from werkzeug.wrappers import Request, Response

from .security import add_security_headers

PREFIX = "/__flatfolio/"
SCRIPT_PATH = PREFIX + "live-reload.js"
STATE_PATH = PREFIX + "live-reload/state"
POLL_MILLISECONDS = 250  # a save shows in the browser well within a second

SCRIPT = f"""\
// flatfolio live reload (debug dev server only): reload this page when a site file changes.
(() => {{
  const script = new URL(document.currentScript.src);
  const stateUrl = new URL("live-reload/state", script);
  let known = script.searchParams.get("since");
  async function poll() {{
    try {{
      const response = await fetch(stateUrl, {{ cache: "no-store" }});
      const {{ fingerprint }} = await response.json();
      if (known !== null && fingerprint !== known) {{
        location.reload();
        return;
      }}
      known = fingerprint;
    }} catch (error) {{
      // The server is restarting (the reloader saw a code change): keep polling.
    }}
    setTimeout(poll, {POLL_MILLISECONDS});
  }}
  setTimeout(poll, {POLL_MILLISECONDS});
}})();
"""


class Fingerprint:
    """What the page compares: this server process's id and the change watcher's generation."""

    def __init__(self, generation: Callable[[], int]):
        self.generation = generation
        # A new server process (the reloader restarting after a code change) is a change too.
        self.boot = uuid.uuid4().hex

    def __call__(self) -> str:
        return hashlib.blake2b(f"{self.boot}:{self.generation()}".encode(), digest_size=12).hexdigest()


class LiveReloadMiddleware:
    """Serves the reload script and the change fingerprint in front of the Flask app."""

    def __init__(self, wsgi_app, fingerprint: Fingerprint):
        self.wsgi_app = wsgi_app
        self.fingerprint = fingerprint

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == SCRIPT_PATH:
            response = Response(SCRIPT, mimetype="text/javascript")
        elif path == STATE_PATH:
            body = json.dumps({"fingerprint": self.fingerprint()})
            response = Response(body, mimetype="application/json")
        else:
            return self.wsgi_app(environ, start_response)
        if Request(environ).method not in ("GET", "HEAD"):
            response = Response("method not allowed", 405, {"Allow": "GET, HEAD"}, mimetype="text/plain")
        response.headers["Cache-Control"] = "no-store"
        # No Flask route, so Flask's after_request never sees it: the same headers as every other response.
        return add_security_headers(response)(environ, start_response)


def served_by_dev_server() -> bool:
    """True for requests that came through Werkzeug's dev server (not a freeze or a test client)."""
    return request.environ.get("SERVER_SOFTWARE", "").startswith("Werkzeug/")


class _QuietPolls(logging.Filter):
    """Keep the dev server's console free of the poll requests it answers twice a second."""

    def filter(self, record: logging.LogRecord) -> bool:
        return STATE_PATH not in record.getMessage()


def init_app(app: Flask) -> None:
    """In debug mode, serve the reload script and add it to pages the dev server renders."""

    @app.context_processor
    def live_reload_context():
        # The script URL carries the fingerprint from before the page read its content, so a
        # save made while the page was rendering still triggers a reload.
        since = g.get("live_reload_since")
        script = f"{request.script_root}{SCRIPT_PATH}?since={since}" if since else False
        return {"live_reload": script}

    if not app.debug:
        return
    state = app.extensions["flatfolio"]
    fingerprint = Fingerprint(lambda: state.watcher.generation())  # the watcher the content state reads too
    app.wsgi_app = LiveReloadMiddleware(app.wsgi_app, fingerprint)

    @app.before_request
    def remember_fingerprint():
        if app.debug and request.endpoint != "static" and served_by_dev_server():
            g.live_reload_since = fingerprint()

    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(existing, _QuietPolls) for existing in werkzeug_log.filters):
        werkzeug_log.addFilter(_QuietPolls())
