"""Views: every URL of the site, each a named endpoint reached through url_for."""

import mimetypes

from flask import Flask, Response, abort, current_app, redirect, render_template, request, url_for
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from . import errors
from .content.model import Entry, Page, Post
from .content.site import Site, blog_page_count
from .content.state import request_site
from .content.uses import note_source_use
from .feeds import build_feed
from .render import code_css
from .text import slugify

# What a static host sends for each extension; pinned because Python's guesses differ
# between machines (.xml is text/xml on some), and Frozen-Flask checks they match.
MIMETYPES = {
    ".html": "text/html",
    ".xml": "application/xml",
    ".txt": "text/plain",
    ".css": "text/css",
    ".js": "text/javascript",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
}
XML = "application/xml"
HOME_POSTS = 5


class PageNumberConverter(IntegerConverter):
    """Blog page numbers as the site links them: /blog/page/02/ is no second URL (and cache entry) of page 2."""

    regex = r"[1-9]\d*"


def _site() -> Site:
    """The snapshot this page is made from (see state.request_site); in debug mode its errors are the page."""
    site = request_site()
    if site is None:
        abort(503)
    if site.errors and current_app.extensions["flatfolio"].shows_problems():
        raise errors.ContentProblems(site)
    return site


def base_url() -> str:
    """The public URL of the site root: `--base-url` when freezing, else the site config's."""
    return current_app.config.get("BASE_URL") or request_site().config.base_url


def built_url(endpoint: str, **values) -> str:
    """url_for, each distinct call built once per app and serving root.

    Page after page links the same nav, tags and posts: building each URL once
    saves a good part of rendering a page.
    """
    try:
        key = (request.script_root, endpoint, *sorted(values.items()))  # nothing a client controls (Host)
        hash(key)
    except TypeError:  # an unhashable value: build it every time
        return url_for(endpoint, **values)
    built = current_app.extensions["flatfolio"].built_urls
    url = built.get(key)
    if url is None:
        url = built[key] = url_for(endpoint, **values)
    return url


def absolute_url(endpoint: str, **values) -> str:
    """The public absolute URL of an endpoint, built from the configured base URL."""
    path = built_url(endpoint, **values)[len(request.script_root) :]
    return base_url() + path.lstrip("/")


def site_link(path: str) -> str:
    """A root-relative link from the site config (nav), placed inside the serving base path."""
    if path.startswith("/") and not path.startswith("//"):
        return request.script_root + path
    return path


def link_to(entry: Entry) -> str:
    """The link to an entry from a page of this site (inside the serving base path)."""
    return request.script_root + entry.url


def public_url(entry: Entry) -> str:
    """The public absolute URL of a post or page (feeds, sitemap, JSON-LD)."""
    return base_url() + entry.url.lstrip("/")


def home():
    site = _site()
    return render_template("home.html", page=site.pages.get(""), posts=site.posts[:HOME_POSTS])


def blog(number: int = 1):
    site = _site()
    per_page = site.config.posts_per_page
    page_count = blog_page_count(len(site.posts), per_page)
    if not 1 <= number <= page_count or (number == 1 and request.view_args.get("number")):
        abort(404)
    posts = site.posts[(number - 1) * per_page : number * per_page]
    return render_template("blog.html", posts=posts, number=number, page_count=page_count)


def entry(path: str):
    """Whatever the content put at this path: a post, a page, a redirect, a file of files/ or an extra feed."""
    site = _site()
    route = site.routes.get("/" + path)
    if route is None:
        if ("/" + path + "/") in site.routes:  # /about -> /about/, as static hosts do
            return redirect(request.script_root + "/" + path + "/", 308)
        abort(404)
    if route.kind == "entry" and isinstance(route.target, Page):
        return render_template("page.html", page=route.target)
    if route.kind == "entry":
        post, (newer, older) = route.target, site.neighbours(route.target)
        return render_template("post.html", post=post, newer=newer, older=older, related=site.related(post))
    if route.kind == "redirect":
        return _redirect(route.target)
    if route.kind == "feed":
        return atom_feed() if route.target == "atom" else rss_feed()
    return _root_file(route)


def _redirect(target: str):
    """A 301 from the server; a small redirect page (meta refresh, canonical, noindex) in a build."""
    internal = target.startswith("/")
    location = request.script_root + target if internal else target
    if not current_app.config.get("FREEZING"):
        return redirect(location, 301)
    canonical = base_url() + target.lstrip("/") if internal else target
    return render_template("redirect.html", location=location, canonical_url=canonical)


def _root_file(route):
    """A file of files/, served as is; the freeze records its stamp so that an edit remakes it."""
    note_source_use(route.owner)
    try:
        data = route.target.read_bytes()
    except OSError:  # removed since the site was read
        abort(404)
    return Response(data, mimetype=mimetypes.guess_type(route.target.name)[0] or "application/octet-stream")


def static_file(filename: str):
    """The theme's static file, else a file of files/ below /static/ (old sites often kept their assets there)."""
    try:
        return current_app.send_static_file(filename)
    except NotFound:
        route = _site().routes.get("/static/" + filename)
        if route is None or route.kind != "file":
            raise
        return _root_file(route)


def tags():
    return render_template("tags.html", tags=_site().tags.values())


def tag(slug: str):
    found = _site().tags.get(slug)
    if found is None:
        abort(404)
    tag, posts = found
    return render_template("tag.html", tag=tag, posts=posts)


def _feed(posts: list[Post], title: str, self_endpoint: str, page_endpoint: str, tag=None, **values):
    site = _site()
    return build_feed(
        site, [post for post in posts if not post.hidden], title=title,
        feed_url=absolute_url(self_endpoint, **values), page_url=absolute_url(page_endpoint, **values),
        url_of=public_url, base_path=request.script_root, cache=current_app.extensions["flatfolio"].render_cache,
        tag=tag,
    )  # fmt: skip


def atom_feed():
    feed = _feed(_site().posts, _site().config.title, "atom_feed", "home")
    return Response(feed.atom_str(pretty=True), mimetype=XML)


def rss_feed():
    feed = _feed(_site().posts, _site().config.title, "rss_feed", "home")
    return Response(feed.rss_str(pretty=True), mimetype=XML)


def tag_feed(slug: str):
    found = _site().tags.get(slug)
    if found is None:
        abort(404)
    tag, posts = found
    feed = _feed(posts, f"{_site().config.title}: {tag.name}", "tag_feed", "tag", tag=tag, slug=slug)
    return Response(feed.atom_str(pretty=True), mimetype=XML)


def sitemap():
    site = _site()
    xml = render_template("sitemap.xml", posts=site.published_posts, tags=site.tags, pages=site.pages.values())
    return Response(xml, mimetype=XML)


def robots():
    text = f"User-agent: *\nAllow: /\n\nSitemap: {absolute_url('sitemap')}\n"
    return Response(text, mimetype="text/plain")


def stylesheet_for_code():
    return Response(code_css(), mimetype="text/css")


def not_found_page():
    """The 404 page as a file, for static hosts (GitHub Pages serves /404.html)."""
    return render_template("404.html", canonical_url=None)


def frozen_urls():
    """Every parameterised URL, for Frozen-Flask (no-argument routes it finds by itself)."""
    site = _site()
    for path in site.routes:
        if path != "/":
            yield "entry", {"path": path[1:]}
    for slug in site.tags:
        yield "tag", {"slug": slug}
        yield "tag_feed", {"slug": slug}
    page_count = blog_page_count(len(site.posts), site.config.posts_per_page)
    for number in range(2, page_count + 1):
        yield "blog_page", {"number": number}


def reject_dot_segments():
    """404 for `..`, `.`, empty (`//`) and backslash paths before any routing or redirect can act on them."""
    path = request.environ.get("PATH_INFO") or request.path  # request.path drops leading slashes
    if "\\" in path or "//" in path or any(segment in (".", "..") for segment in path.split("/")):
        abort(404)


def init_app(app: Flask) -> None:
    """Register the site's routes, error handlers and template helpers."""
    for extension, mimetype in MIMETYPES.items():
        mimetypes.add_type(mimetype, extension)
    app.url_map.converters["page"] = PageNumberConverter
    app.view_functions["static"] = static_file
    rules = [
        ("/", "home", home),
        ("/blog/", "blog", blog),
        ("/blog/page/<page:number>/", "blog_page", blog),
        ("/tags/", "tags", tags),
        ("/tags/<slug>/", "tag", tag),
        ("/tags/<slug>/feed.xml", "tag_feed", tag_feed),
        ("/feed.xml", "atom_feed", atom_feed),
        ("/rss.xml", "rss_feed", rss_feed),
        ("/sitemap.xml", "sitemap", sitemap),
        ("/robots.txt", "robots", robots),
        ("/code.css", "code_css", stylesheet_for_code),
        ("/404.html", "not_found_page", not_found_page),
        ("/<path:path>", "entry", entry),
    ]
    for rule, endpoint, view in rules:
        app.add_url_rule(rule, endpoint, view)
    app.before_request(reject_dot_segments)
    errors.init_app(app)
    app.jinja_env.filters["slug"] = slugify
    app.jinja_env.globals.update(
        url_for=built_url, absolute_url=absolute_url, site_link=site_link, public_url=public_url, link_to=link_to,
    )  # fmt: skip

    @app.context_processor
    def site_context():
        site = request_site()
        endpoint = request.endpoint if request.url_rule else None
        canonical = None
        if endpoint and site.config:  # url_for, not the built_url memo: a 404's view_args are the client's
            canonical = base_url() + url_for(endpoint, **request.view_args)[len(request.script_root) :].lstrip("/")
        return {
            "site": site.config, "show_drafts": site.show_drafts, "nav": site.config.nav if site.config else (),
            "canonical_url": canonical,
        }  # fmt: skip
