"""Image files: their size (raster images through Pillow, SVG from its root element) and WebP variants.

Pillow is imported on first use: a site without images never loads it. Variants are
kept in the cache store under a hash of the source's bytes, their width and format,
so a source is resized once, whatever its name, until its bytes change.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .cache import hash_parts, installed_versions
from .store import Store

WIDTHS = (480, 960, 1600)  # variant widths in px; never more than the source's own width
VARIANT_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")  # what gets WebP variants (an animation does not)
# Fixed encoder settings: the same source always gives the same bytes. No EXIF or XMP is
# written (a photo's camera, date and place stay private); the colour profile is kept.
WEBP_OPTIONS = {"quality": 82, "method": 6}
# A drawing (PNG, GIF: charts, screenshots) is also tried lossless, and the smaller kept: a flat
# chart is a third of its lossy size lossless at full width, a photo the other way round.
LOSSLESS_OPTIONS = {"lossless": True, "quality": 80, "method": 4}  # method 6 costs 20 times more for 1% less
LOSSLESS_SOURCES = ("PNG", "GIF")
ORIENTATION = 0x0112  # EXIF tag; browsers apply it, so a photo's shown size follows it
SWAPPED = {5, 6, 7, 8}  # orientations that turn the image a quarter
_NUMBER = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(px)?\s*")  # an SVG length in user units


class ImageError(ValueError):
    """A file that is not an image this site can size (its message says why)."""


@dataclass(frozen=True)
class ImageInfo:
    """What a page needs to know about an image file."""

    digest: str  # hash of its bytes: names its variants
    width: int  # 0 (and height 0): an SVG without a size of its own
    height: int
    variants: tuple[int, ...] = ()  # widths of its WebP variants, smallest first


def digest_of(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def read_info(data: bytes, name: str) -> ImageInfo:
    """Size (and variant widths) of an image's bytes; ImageError if it cannot be read."""
    if name.lower().endswith(".svgz"):
        return ImageInfo(digest_of(data), 0, 0)  # compressed: shown at the size the page gives it
    if name.lower().endswith(".svg"):
        width, height = _svg_size(data)
        return ImageInfo(digest_of(data), width, height)
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if image.getexif().get(ORIENTATION) in SWAPPED:
                    width, height = height, width
                still = not getattr(image, "is_animated", False)
                kind = image.format
    except UnidentifiedImageError:
        raise ImageError("not an image (PNG, JPEG, WebP, GIF, AVIF or SVG)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageError(f"too large to read safely: {error}") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageError(f"damaged image ({error})") from None
    variants = variant_widths(width) if still and kind in VARIANT_FORMATS else ()
    return ImageInfo(digest_of(data), width, height, variants)


def variant_widths(width: int) -> tuple[int, ...]:
    """The standard widths below the image's own, and its own width (capped at the largest): never upscaled."""
    return tuple(sorted({w for w in WIDTHS if w < width} | {min(width, WIDTHS[-1])}))


def _svg_size(data: bytes) -> tuple[int, int]:
    """An SVG's size from its root's width and height, else its viewBox (the other side by its ratio)."""
    from lxml import etree

    try:
        events = etree.iterparse(
            io.BytesIO(data), events=("start",), resolve_entities=False, no_network=True, load_dtd=False
        )
        root = next(iter(events))[1]
    except (etree.XMLSyntaxError, StopIteration) as error:
        raise ImageError(f"not a readable SVG ({error})") from None
    width, height = (_length(root.get(name)) for name in ("width", "height"))
    box = (root.get("viewBox") or "").replace(",", " ").split()
    try:
        box_width, box_height = (float(box[2]), float(box[3])) if len(box) == 4 else (0.0, 0.0)
    except ValueError:
        box_width = box_height = 0.0
    if box_width > 0 and box_height > 0:
        if width and not height:
            height = width * box_height / box_width
        elif height and not width:
            width = height * box_width / box_height
        elif not width and not height:
            width, height = box_width, box_height
    if not width or not height:
        return 0, 0  # no size of its own: browsers show it at 300x150 unless the page sizes it
    return max(1, round(width)), max(1, round(height))


def _length(value: str | None) -> float | None:
    """An SVG width or height in px; None for a percentage, another unit or nothing."""
    match = _NUMBER.fullmatch(value) if value else None
    return float(match.group(1)) or None if match else None


def make_variant(data: bytes, width: int) -> bytes:
    """A WebP of the image `width` px wide: turned upright, no metadata but its colour profile."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as source:
        image = ImageOps.exif_transpose(source)
        profile = source.info.get("icc_profile")
        kind = source.format
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    image = image.convert("RGBA" if transparent else "RGB")
    if width < image.width:
        height = max(1, round(image.height * width / image.width))
        image = image.resize((width, height), Image.Resampling.LANCZOS)
    encodings = [WEBP_OPTIONS, LOSSLESS_OPTIONS] if kind in LOSSLESS_SOURCES else [WEBP_OPTIONS]
    made = []
    for options in encodings:
        out = io.BytesIO()
        image.save(out, "WEBP", icc_profile=profile or None, **options)
        made.append(out.getvalue())
    return min(made, key=len)  # the first of equals: the same source always gives the same bytes


@cache
def _fingerprint() -> str:
    """What decides a variant's bytes: Pillow (with its libwebp) and this code."""
    return hash_parts(installed_versions(["pillow"]), Path(__file__).read_text(encoding="utf-8"))[:16]


class ImageFiles:
    """Per-app image knowledge: each file version's info, and its variants in `.cache/images/`."""

    def __init__(self, cache_root: Path | None):
        self.store = Store(cache_root, "images", _fingerprint())
        self._infos: dict[tuple, ImageInfo | ImageError] = {}  # (path, size, mtime_ns, inode) -> info
        self.sources: dict[str, Path] = {}  # digest -> a file that had those bytes, for the variant view

    def info(self, path: Path) -> ImageInfo:
        """The info of a file as it is now (read again only when it changes); ImageError if unreadable."""
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino)
        found = self._infos.get(key)
        if found is None:
            try:
                found = read_info(path.read_bytes(), path.name)
            except ImageError as error:
                found = error
            self._infos[key] = found
        if isinstance(found, ImageError):
            raise found
        self.sources[found.digest] = path
        return found

    def variant(self, digest: str, width: int) -> bytes | None:
        """The WebP variant of the image with these bytes at `width`, made once; None if no such variant."""
        key = f"{digest}-{width}.webp"
        data = self.store.read(key)
        if data is not None:
            return data
        path = self.sources.get(digest)
        try:
            source = path.read_bytes() if path else None
            if source is None or digest_of(source) != digest or width not in self.info(path).variants:
                return None  # changed since the page was made, or a width it never offered
        except (OSError, ImageError):
            return None
        data = make_variant(source, width)
        self.store.write(key, data)
        return data

    def prune_other_versions(self) -> None:
        """Drop variants made by another Pillow or another version of this code."""
        self.store.prune_other_versions()
