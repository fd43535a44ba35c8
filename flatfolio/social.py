"""Social cards: the image a shared link shows (og:image, twitter:image), found and checked when the Site is built.

An entry's `image:` (relative to its URL, as its links are, or a site path) wins; else
site.toml's `image`; else, with `cards = true`, the post's generated card (cards.py).
"""

from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from .bundles import resolve
from .cards import HEIGHT, WIDTH
from .problems import Problem
from .urls import site_path

DEFAULT = ""  # the key of site.toml's image in Site.social


@dataclass(frozen=True)
class SocialImage:
    """An image a page's head names: where it is served, its size, and the source a page using it depends on."""

    path: str  # site path, "/blog/x/diagram.png"
    width: int
    height: int
    alt: str | None  # None: the page's title
    owner: str | None = None  # a bundle's or files/'s file, whose size and mtime the page's key must include


def _locate(path: str, routes: dict, static_folder: str | None) -> tuple[Path | None, str | None]:
    """The file served at a site path (a file of files/ or of a bundle, or a theme file) and its route's owner."""
    route = routes.get(path)
    if route is not None and route.kind == "file":
        return route.target, route.owner
    if path.startswith("/static/") and static_folder:
        base = Path(static_folder).resolve()
        file = (base / path[len("/static/") :]).resolve()
        if file.is_relative_to(base) and file.is_file():
            return file, None
    return None, None


def _image(value, url: str, routes: dict, static_folder: str | None, alt) -> SocialImage | str:
    """The SocialImage `value` names, seen from the page at `url`; or what is wrong with it."""
    if not isinstance(value, str) or "://" in value or value.startswith("//"):
        return f"expected an image file of this site (beside the post, or like /static/x.png), got {value!r}"
    value = value.strip()
    path = value if value.startswith("/") else resolve(url, value)
    try:
        site_path(path)
    except ValueError as error:
        return str(error)
    file, owner = _locate(path, routes, static_folder)
    if file is None:
        return f"{value}: no such file (nothing is served at {path})"
    from PIL import Image, UnidentifiedImageError  # noqa: PLC0415 -- only a site with images pays for Pillow

    try:
        with Image.open(file) as image:  # reads the header only
            kind, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError, ValueError):
        kind = width = height = None
    if kind not in ("PNG", "JPEG", "GIF", "WEBP"):
        return f"{value}: not a PNG, JPEG, GIF or WebP image (what link previews show)"
    return SocialImage(path, width, height, alt, owner)


def social_images(entries, config, routes: dict, static_folder: str | None, cards: dict[str, str]):
    """The image of every entry that has one, by source (DEFAULT: site.toml's), and the problems found.

    `cards`: the path of each post's generated card, by source.
    """
    found, problems = {}, []
    if config.image:
        image = _image(config.image, "/", routes, static_folder, None)
        if isinstance(image, str):
            problems.append(Problem("site.toml", "image", image))
        else:
            found[DEFAULT] = image
    for entry in entries:
        if "image" in entry.meta:
            image = _image(entry.meta["image"], entry.url, routes, static_folder, entry.meta.get("image_alt"))
            if isinstance(image, str):
                problems.append(Problem(entry.source, "image", image, entry.file.line_of("image")))
            else:
                found[entry.source] = image
        elif entry.source in cards:
            found[entry.source] = SocialImage(cards[entry.source], WIDTH, HEIGHT, None)
    return found, problems


def social_image(entry=None) -> dict | None:
    """The head's image of a page showing `entry` (None: a list page): absolute URL, size and alt text."""
    from .content.state import request_site  # noqa: PLC0415 -- the content package imports this module
    from .content.uses import note_source_use  # noqa: PLC0415
    from .views import base_url  # noqa: PLC0415

    site = request_site()
    image = site.social.get(entry.source) if entry is not None else None
    image = image or site.social.get(DEFAULT)
    if image is None:
        return None
    if image.owner:
        note_source_use(image.owner)  # a new picture at the same path changes this page's size meta
    alt = image.alt or (entry.title if entry is not None else site.config.title)
    return {"url": base_url() + image.path.lstrip("/"), "width": image.width, "height": image.height, "alt": alt}


def init_app(app: Flask) -> None:
    """Offer the image to the templates."""
    app.jinja_env.globals.update(social_image=social_image)
