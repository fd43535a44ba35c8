"""Images on pages: each `<img>` of a body gets its file's width and height, WebP variants and lazy loading.

The pass runs when a page is made, over the body's rendered HTML (which the render
cache keys by Markdown text alone): it is the step that reads image files, and it
records each file of files/ it sizes as a use of the page, so an incremental freeze
remakes the page when the image changes. Feeds keep the plain rendered body.
Variants are served at `/_img/<hash of the source's bytes>-<width>.webp`.
"""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, abort, current_app, request
from markupsafe import Markup, escape

from .bundles import resolve
from .content.model import Entry
from .content.site import Site
from .content.state import request_site
from .content.uses import note_source_use
from .problems import ContentError, Problem
from .urls import served_file
from .variants import ImageError, ImageFiles, ImageInfo
from .views import built_url

ENDPOINT = "image_variant"
_IMG = re.compile(r"<img\s[^>]*>", re.I)
_ATTR = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_VARIANT = re.compile(r"([0-9a-f]{16})-([1-9][0-9]{0,4})\.webp")
# The content column of static/style.css (--measure less the 1.25rem paddings), in px at 16px/rem.
COLUMN_PX = ((896, 728), (704, 664))  # (viewport min-width, column width): from 56rem, from 44rem
GUTTER = "2.5rem"


@dataclass(frozen=True)
class ImageFile:
    """An image's file, and the source a page made with it records as used (None: a theme file)."""

    path: Path
    owner: str | None


class ImageState:
    """Per-app: the image files' knowledge, and the images of the last Site snapshot scanned."""

    def __init__(self, cache_root: Path | None):
        self.files = ImageFiles(cache_root)
        self.scanned: tuple[Site | None, list] = (None, [])


def _state() -> ImageState:
    return current_app.extensions["flatfolio.images"]


# --- finding an image's file ----------------------------------------------------------


def target_path(page_url: str, url: str) -> str | None:
    """The site path an image URL points at from the page at `page_url`; None for outside and data: URLs."""
    parts = urlsplit(url.replace("&amp;", "&"))
    if parts.scheme or parts.netloc or not parts.path:
        return None
    return resolve(page_url, unquote(parts.path))  # as a browser reads it, and as bundles route their files


def image_file(site: Site, path: str) -> ImageFile | None:
    """A site path's file: of files/ or a bundle (Site.routes), or the theme's static/ (urls.served_file)."""
    file, owner = served_file(path, site.routes, current_app.static_folder)
    return ImageFile(file, owner) if file is not None else None


def image_warnings(site: Site, entry: Entry, link) -> list[Problem]:
    """A warning for an image of `entry` whose file cannot be sized (some browser may still show it), for `check`."""
    path = target_path(entry.url, link.url)
    found = image_file(site, path) if path else None
    try:
        if found is not None:
            _state().files.info(found.path)
    except (OSError, ImageError) as error:
        reason = str(error) if isinstance(error, ImageError) else f"cannot read: {error.strerror or error}"
        return [Problem(link.source, "image", f"{link.url}: {reason}; shown without a size", link.line, warning=True)]
    return []


# --- the pass over a page's HTML -----------------------------------------------------


def _attributes(tag: str) -> dict[str, str]:
    inner = tag[4:].rstrip(">").rstrip("/")
    return {m.group(1).lower(): next((v for v in m.groups()[1:] if v is not None), "") for m in _ATTR.finditer(inner)}


def sizes(width: int) -> str:
    """The `sizes` of an image `width` px wide in the content column (shown at most at its own width)."""
    (wide_from, wide), (middle_from, middle) = COLUMN_PX
    if width < middle:  # its own width wherever the screen leaves room for it
        return f"(min-width: {width + 40}px) {width}px, calc(100vw - {GUTTER})"
    columns = f"(min-width: {wide_from}px) {min(width, wide)}px, (min-width: {middle_from}px) {middle}px"
    return f"{columns}, calc(100vw - {GUTTER})"


def variant_url(info: ImageInfo, width: int) -> str:
    return built_url(ENDPOINT, name=f"{info.digest}-{width}.webp")


def _site_src(src: str) -> str:
    """An `<img>` src as written in Markdown: root-relative ones were given the serving base path."""
    root = request.script_root
    return src[len(root) :] if root and src.startswith(root + "/") else src


def _sized(site: Site, page_url: str, attrs: dict[str, str]) -> dict[str, str]:
    """The width, height, srcset and sizes an `<img>` lacks, from its file (nothing for a missing one)."""
    if "width" in attrs or "height" in attrs or not attrs.get("src"):
        return {}  # sized by its author (raw HTML)
    path = target_path(page_url, _site_src(attrs["src"]))
    found = image_file(site, path) if path else None
    if found is None:
        return {}
    try:
        info = _state().files.info(found.path)
    except (OSError, ImageError):
        return {}  # a missing file stops the freeze; an unreadable one is a warning of check
    if found.owner:
        note_source_use(found.owner)
    added = {"width": str(info.width), "height": str(info.height)} if info.width else {}
    if info.variants and "srcset" not in attrs:
        added["srcset"] = ", ".join(f"{variant_url(info, width)} {width}w" for width in info.variants)
        added["sizes"] = sizes(info.width)
    return added


def sized_images(html: str, entry: Entry) -> Markup:
    """A body's HTML with each `<img>` sized, given variants, and lazy but for the first (the likely LCP image)."""
    if "<img" not in html:
        return Markup(html)
    site = request_site()
    seen = [0]

    def one(match: re.Match) -> str:
        tag = match.group(0)
        attrs = _attributes(tag)
        added = _sized(site, entry.url, attrs)
        if seen[0]:
            added.update({name: value for name, value in (("loading", "lazy"), ("decoding", "async"))
                          if name not in attrs})  # fmt: skip
        seen[0] += 1
        end = len(tag) - (2 if tag.endswith("/>") else 1)
        return tag[:end].rstrip() + "".join(f' {name}="{escape(value)}"' for name, value in added.items()) + ">"

    return Markup(_IMG.sub(one, html))


# --- the variants: served, listed for the freeze --------------------------------------


def variant(name: str):
    """A WebP variant, made on first request (and then kept in the cache)."""
    match = _VARIANT.fullmatch(name)
    if match is None:
        abort(404)
    files = _state().files
    digest, width = match.group(1), int(match.group(2))
    if digest not in files.sources:
        site = request_site()
        if site is None:
            abort(503)
        for _, _, found in site_images(site):  # a restarted server: find which file has these bytes
            with suppress(OSError, ImageError):
                if found is not None and files.info(found.path).digest == digest:
                    break
    data = files.variant(digest, width)
    if data is None:
        abort(404)
    return Response(data, mimetype="image/webp")


def site_images(site: Site) -> list[tuple[Entry, str, ImageFile | None]]:
    """(entry, src, file or None) of every local `<img>` in the bodies of the snapshot, found once per snapshot."""
    state = _state()
    if state.scanned[0] is site:
        return state.scanned[1]
    found = []
    for entry in site.entries.values():
        body = entry.file.body
        if "![" not in body and "<img" not in body.lower():
            continue  # no image: its HTML is not even read
        for tag in _IMG.findall(entry.html):
            src = _site_src(_attributes(tag).get("src", ""))
            path = target_path(entry.url, src) if src else None
            if path is not None:
                found.append((entry, src, image_file(site, path)))
    state.scanned = (site, found)
    return found


def frozen_urls():
    """Every variant the published pages show, for Frozen-Flask; a missing image stops the freeze.

    One that cannot be read is shown without a size (`check` warns): a browser may know a format Pillow does not.
    """
    site = request_site()
    _state().files.prune_other_versions()
    problems, names = [], {}
    for entry, src, found in site_images(site):
        if found is None:
            if target_path(entry.url, src) not in site.routes:  # a card or a page is there, not a file: not sized
                problems += _located(site, entry, src, "no image file at this URL")
            continue
        try:
            info = _state().files.info(found.path)
        except (OSError, ImageError):
            continue
        for width in info.variants:
            names.setdefault(f"{info.digest}-{width}.webp", None)
    if problems and site.config.links != "warn":  # "warn": the broken-link check warns instead
        raise ContentError(sorted(set(problems), key=lambda p: (p.path, p.line or 0, p.message)))
    for name in names:
        yield ENDPOINT, {"name": name}


def _located(site: Site, entry: Entry, src: str, reason: str) -> list[Problem]:
    """The problem of an image as `check` words it, at its line in the source."""
    from .check import LinkChecker, extract_links

    checker = LinkChecker(current_app, site)
    path = target_path(entry.url, src)
    problems = []
    for link in extract_links(entry, checker.markdown):
        if link.kind == "image" and target_path(entry.url, link.url) == path:
            message = checker.check(entry, link) or reason
            problems.append(Problem(entry.source, "image", f"{link.url}: {message}", link.line))
    return problems or [Problem(entry.source, "image", f"{src}: {reason}")]


def init_app(app: Flask) -> None:
    """The variant route, the `sized_images` filter, and the per-app image state."""
    cache_root = app.extensions["flatfolio"].render_cache.root
    app.extensions["flatfolio.images"] = ImageState(cache_root)
    app.add_url_rule("/_img/<name>", ENDPOINT, variant)
    app.jinja_env.filters["sized_images"] = sized_images
