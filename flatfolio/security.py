"""Security headers: one Content-Security-Policy for served responses and frozen pages."""

from flask import Flask, Response

# The site needs no inline script or style: every style is a file under /static/ or /code.css.
# Images may come from elsewhere over HTTPS (a badge, a diagram hosted by a talk's slides).
CSP_DIRECTIVES = (
    ("default-src", "'self'"),
    ("img-src", "'self' data: https:"),
    ("style-src", "'self'"),
    ("script-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
    ("frame-ancestors", "'none'"),
)
# Browsers ignore these in a <meta> policy (and warn about them): headers only.
HEADER_ONLY_DIRECTIVES = {"frame-ancestors"}
REFERRER_POLICY = "strict-origin-when-cross-origin"


def content_security_policy(meta: bool = False, additions: dict[str, str] | None = None) -> str:
    """The policy as a header value, or without header-only directives for a <meta> tag.

    `additions` appends sources to directives for one page (the search page's wasm), never to others.
    """
    extra = additions or {}
    return "; ".join(
        f"{name} {value} {extra[name]}" if name in extra else f"{name} {value}"
        for name, value in CSP_DIRECTIVES
        if not (meta and name in HEADER_ONLY_DIRECTIVES)
    )


def add_security_headers(response: Response) -> Response:
    """Every served response: the CSP, no MIME sniffing, referrers cut to the origin elsewhere."""
    response.headers.setdefault("Content-Security-Policy", content_security_policy())
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    return response


def init_app(app: Flask) -> None:
    """Send the headers on every response; give templates the policy for frozen pages' <meta>."""
    app.after_request(add_security_headers)
    app.jinja_env.globals["csp_meta"] = content_security_policy(meta=True)
