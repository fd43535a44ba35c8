"""The dev server's page cache: without --debug, each page is rendered once per content snapshot.

Without --debug (and TEMPLATES_AUTO_RELOAD) Jinja never reloads templates, so a served
page can only change when the content does: responses are kept with the Site snapshot they were made from and
dropped with it. With --debug (templates reload, live reload injects its script) and
while freezing (each URL is made once, and must record what it is made from) nothing
is kept.
"""

from flask import Flask, Response, current_app, request

from .content.state import request_site


def _enabled() -> bool:
    state = current_app.extensions["flatfolio"]
    reloading = current_app.debug or current_app.jinja_env.auto_reload  # templates may change under us
    return request.method == "GET" and not reloading and state.pinned is None


def serve_cached() -> Response | None:
    """Answer from the cache when the content has not changed since the page was made."""
    if not _enabled():
        return None
    site = request_site()
    if site is None:  # no good content yet: the view answers 503
        return None
    kept = current_app.extensions["flatfolio"].served_pages(site).get(request.path)
    if kept is None:
        return None
    body, status, headers = kept
    return Response(body, status, headers)


def keep(response: Response) -> Response:
    """Keep a freshly made page (not a static file, not an error) for the next request."""
    if _enabled() and response.status_code == 200 and not response.direct_passthrough:
        # The snapshot the page was made from: a change during the request must not file it under the new one.
        pages = current_app.extensions["flatfolio"].served_pages(request_site())
        if request.path not in pages:  # by path: no view reads the query string, so ?x=1 adds no entry
            pages[request.path] = (response.get_data(), response.status, list(response.headers))
    return response


def init_app(app: Flask) -> None:
    app.before_request(serve_cached)
    app.after_request(keep)
