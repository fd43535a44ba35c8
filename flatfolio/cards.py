"""Generated social cards: a 1200x630 PNG per post (title, site name, date, the theme's colours), made once.

A card depends only on its text, the palette, the font and the drawing code, so it is
stored in `.cache/cards/` under a hash of exactly those (like Hugo's image cache): an
unchanged card is never drawn again, and the cache can be deleted at any time. Pillow
is imported only when a card is drawn.
"""

import hashlib
import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask import current_app

from .cache import hash_parts, installed_versions
from .store import Store
from .urls import Route

WIDTH, HEIGHT = 1200, 630
FILE_NAME = "card.png"
FONT = Path(__file__).parent / "fonts" / "DejaVuSans-Bold.ttf"  # Bitstream Vera licence, see LICENSE-DejaVu.txt
MARGIN = 80
TITLE_SIZES = range(76, 39, -4)  # the largest size at which the title fits wins
MAX_LINES = 5
# The light scheme of static/style.css; these stand in for a variable it lacks.
DEFAULT_PALETTE = {"bg": "#ffffff", "fg": "#1f2328", "muted": "#57606a", "accent": "#0550ae"}
_ROOT_BLOCK = re.compile(r":root\s*\{([^}]*)\}")
_VARIABLE = re.compile(r"--(bg|fg|muted|accent)\s*:\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\s*;")


@dataclass(frozen=True)
class Card:
    """What a route to a generated card serves: read like a file (`name`, `read_bytes`), drawn on first read."""

    title: str
    date: str  # as printed on the card, "5 October 2019"
    name: str = FILE_NAME

    def read_bytes(self) -> bytes:
        """The PNG, from the cache or drawn now (inside a request: the site, theme and cache of the current app)."""
        from .content.state import request_site  # noqa: PLC0415 -- the content package imports this module

        state = current_app.extensions["flatfolio"]
        return card_png(self.title, request_site().config.title, self.date, palette(current_app.static_folder),
                        state.render_cache.root)  # fmt: skip


def card_path(url: str) -> str:
    """Where the card of the post at `url` is served: "/blog/x/" -> "/blog/x/card.png", "/x.html" -> "/x-card.png"."""
    return url + FILE_NAME if url.endswith("/") else url.rsplit(".", 1)[0] + "-" + FILE_NAME


def card_date(date) -> str:
    """A post's date as the card prints it (English month names whatever the locale)."""
    months = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December")  # fmt: skip
    return f"{date.day} {months[date.month - 1]} {date.year}"


def palette(static_folder: str | None) -> dict[str, str]:
    """The light scheme's colours from static/style.css's first `:root` block (defaults for those it lacks)."""
    colours = dict(DEFAULT_PALETTE)
    try:
        css = (Path(static_folder) / "style.css").read_text(encoding="utf-8") if static_folder else ""
    except (OSError, UnicodeDecodeError):
        css = ""
    block = _ROOT_BLOCK.search(css)
    if block:
        colours.update(_VARIABLE.findall(block.group(1)))
    return colours


@cache
def _fingerprint() -> str:
    """What decides a card's bytes besides its text and colours: this code, the font, Pillow."""
    code = Path(__file__).read_bytes() + FONT.read_bytes()
    return hash_parts(hashlib.blake2b(code, digest_size=16).hexdigest(), installed_versions(["pillow"]))[:16]


def card_png(title: str, site: str, date: str, colours: dict[str, str], cache_root: Path | None) -> bytes:
    """The card's PNG bytes, drawn only when the cache has no card of exactly these inputs."""
    store = Store(cache_root, "cards", _fingerprint())
    key = hash_parts(title, site, date, *(f"{name}={value}" for name, value in sorted(colours.items())))
    data = store.read(key)
    if data is None:
        data = draw_card(title, site, date, colours)
        store.write(key, data)
    return data


def _wrap(title: str, font, width: int) -> list[str]:
    """Words of `title` in lines no wider than `width` (a word wider than a line is cut)."""
    lines: list[str] = []
    for word in title.split():
        while font.getlength(word) > width:  # a long identifier: cut it where it overflows
            cut = max(1, next(i for i in range(len(word), 0, -1) if font.getlength(word[:i]) <= width))
            lines.append(word[:cut])
            word = word[cut:]
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _fit(title: str, fonts, width: int, height: int):
    """(font, lines) of the largest size at which the title fits; at the smallest, the overflow ends in '…'."""
    for font in fonts:
        lines = _wrap(title, font, width)
        if len(lines) <= MAX_LINES and len(lines) * font.size * 1.25 <= height:
            return font, lines
    lines = _wrap(title, font, width)[:MAX_LINES]
    while lines[-1] and font.getlength(lines[-1] + "…") > width:
        lines[-1] = lines[-1][:-1]
    lines[-1] = lines[-1].rstrip() + "…"
    return font, lines


def draw_card(title: str, site: str, date: str, colours: dict[str, str]) -> bytes:
    """Draw a card: an accent bar, the title wrapped and fitted, the site name and the date; PNG without metadata."""
    from PIL import Image, ImageDraw, ImageFont  # noqa: PLC0415 -- only a site that makes cards pays for Pillow

    def font(size: int):
        # The basic layout engine: Raqm would depend on the machine's FriBiDi, so bytes could differ between machines.
        return ImageFont.truetype(str(FONT), size, layout_engine=ImageFont.Layout.BASIC)

    image = Image.new("RGB", (WIDTH, HEIGHT), colours["bg"])
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 16), fill=colours["accent"])
    title_font, lines = _fit(title, [font(size) for size in TITLE_SIZES], WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN - 90)
    step = round(title_font.size * 1.25)
    for number, line in enumerate(lines):
        draw.text((MARGIN, MARGIN + number * step), line, font=title_font, fill=colours["fg"])
    footer = font(34)
    site = _wrap(site, footer, WIDTH - 2 * MARGIN)[0]
    draw.text((MARGIN, HEIGHT - MARGIN - 34), site, font=footer, fill=colours["accent"])
    if date:
        small = font(30)
        right = WIDTH - MARGIN - small.getlength(date)
        draw.text((right, HEIGHT - MARGIN - 30), date, font=small, fill=colours["muted"])
    out = io.BytesIO()
    # 64 colours hold the flat fills and the text's anti-aliasing: half the encoding time and a
    # third of the bytes of RGB. No pnginfo: no time stamp or text chunk, same input same bytes.
    image.quantize(64, method=Image.Quantize.FASTOCTREE).save(out, "PNG", compress_level=6)
    return out.getvalue()


def card_routes(posts, config) -> list:
    """(path, Route) of the generated card of each shown post without an `image:`, when the site makes cards."""
    if not config.cards or config.image:
        return []
    return [
        (card_path(post.url), Route("card", post.source, Card(post.title, card_date(post.date)), "image",
                                    post.file.line_of("title")))
        for post in posts if "image" not in post.meta
    ]  # fmt: skip
