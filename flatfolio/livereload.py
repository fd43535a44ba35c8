"""Live reload for the debug dev server: the open page reloads itself when a site file changes.

A small external script polls a fingerprint of posts/, pages/, templates/, static/ and
site.toml. Both are served by a WSGI middleware installed only when app.debug is set,
so they are no Flask routes: Frozen-Flask, which freezes every argument-less GET route,
never sees them, and pages rendered for a freeze never link to them.
"""

import hashlib
import json
import logging
import os
import threading
import time
import uuid
from pathlib import Path

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


def _is_noise(name: str) -> bool:
    """Editor swap, backup and lock files: saving a post must not count twice."""
    return name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp"))


class Watcher:
    """A fingerprint of every watched file's name, size and modification time."""

    def __init__(self, paths: list[Path]):
        self.paths = paths
        # A new server process (the reloader restarting after a code change) is a change too.
        self.boot = uuid.uuid4().hex
        self._last = (float("-inf"), "")
        self._lock = threading.Lock()

    def files(self):
        """(path, mtime_ns, size) of every watched file, in a stable order."""
        for root in self.paths:
            if root.is_file():
                stat = root.stat()
                yield str(root), stat.st_mtime_ns, stat.st_size
                continue
            for folder, dirs, names in os.walk(root):
                dirs[:] = sorted(d for d in dirs if not _is_noise(d))
                for name in sorted(names):
                    if _is_noise(name):
                        continue
                    path = os.path.join(folder, name)
                    try:
                        stat = os.stat(path)
                    except OSError:  # deleted while walking: the next poll sees it gone
                        continue
                    yield path, stat.st_mtime_ns, stat.st_size

    def fingerprint(self, max_age: float = 0.0) -> str:
        """The fingerprint; one computed less than `max_age` seconds ago may be reused."""
        with self._lock:
            taken, value = self._last
            if time.monotonic() - taken < max_age:
                return value
            started = time.monotonic()
            digest = hashlib.blake2b(self.boot.encode(), digest_size=12)
            for path, mtime, size in self.files():
                digest.update(f"{path}\0{mtime}\0{size}\n".encode())
            self._last = (started, digest.hexdigest())
            return self._last[1]


def watched_paths(app: Flask) -> list[Path]:
    """Everything whose change the browser should show: content, config, templates, static files."""
    site_root = Path(app.config["SITE_ROOT"])
    paths = [site_root / "posts", site_root / "pages", site_root / "site.toml"]
    paths.append(Path(app.root_path, app.template_folder or "templates"))
    if app.static_folder:
        paths.append(Path(app.static_folder))
    return paths


class LiveReloadMiddleware:
    """Serves the reload script and the change fingerprint in front of the Flask app."""

    def __init__(self, wsgi_app, watcher: Watcher):
        self.wsgi_app = wsgi_app
        self.watcher = watcher

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == SCRIPT_PATH:
            response = Response(SCRIPT, mimetype="text/javascript")
        elif path == STATE_PATH:
            body = json.dumps({"fingerprint": self.watcher.fingerprint()})
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
    watcher = Watcher(watched_paths(app))
    app.wsgi_app = LiveReloadMiddleware(app.wsgi_app, watcher)

    @app.before_request
    def remember_fingerprint():
        if app.debug and request.endpoint != "static" and served_by_dev_server():
            # Reusing a fingerprint up to 0.2 s old spares every page a walk of all files
            # (~13 ms at 1,000 posts). It is older than the content the page then reads,
            # so at worst the browser reloads once more; it never misses a change.
            g.live_reload_since = watcher.fingerprint(max_age=0.2)

    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(existing, _QuietPolls) for existing in werkzeug_log.filters):
        werkzeug_log.addFilter(_QuietPolls())
