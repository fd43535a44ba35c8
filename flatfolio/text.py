"""Small text helpers shared by content, rendering and commands."""

import re
import unicodedata
from functools import lru_cache
from pathlib import PurePath

_NON_WORD = re.compile(r"[^\w]+")
_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}-")
# C0 controls other than tab, newline and carriage return: invalid in XML feeds and HTML.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@lru_cache(maxsize=4096)  # tags repeat on every post: fold each spelling once
def slugify(text: str) -> str:
    """A stable URL slug: accents folded to ASCII, other letters kept, the rest dashes.

    "Ristretto: a Go cache, über-fast!" -> "ristretto-a-go-cache-uber-fast".
    """
    kept, base = [], ""
    for char in unicodedata.normalize("NFKD", text):
        # Drop accents on Latin letters only: a Japanese voicing mark is part of the letter.
        if unicodedata.combining(char) and base.isascii():
            continue
        kept.append(char)
        base = char if not unicodedata.combining(char) else base
    folded = unicodedata.normalize("NFC", "".join(kept)).lower().replace("_", "-")
    return _NON_WORD.sub("-", folded).strip("-")


def file_slug(path: str) -> str:
    """The slug a post file's name gives it: posts/2024-05-01-Hello_World.md -> "hello-world".

    A page bundle's index (posts/2024-05-01-x/index.md) takes its folder's name: "x".
    """
    pure = PurePath(path)
    bundle = len(pure.parts) > 2 and pure.name in ("index.md", "index.markdown")
    return slugify(_DATE_PREFIX.sub("", pure.parent.name if bundle else pure.stem))


def strip_control_chars(text: str) -> str:
    """Remove control characters that no HTML page or XML feed may carry."""
    return _CONTROL_CHARS.sub("", text)


def has_control_chars(text: str) -> bool:
    """True when `text` holds a character `strip_control_chars` would remove."""
    return _CONTROL_CHARS.search(text) is not None
