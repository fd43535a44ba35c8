"""Starting a post: a draft file with valid front matter, named by date and slug."""

import re
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from .config import SiteConfig
from .sources import EXTENSIONS, parse_source
from .text import has_control_chars, slugify

_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}-")


class AuthoringError(Exception):
    """A post that cannot be started; `status` is the command's exit code."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def parse_tags(text: str) -> list[str]:
    """Comma-separated tag names, trimmed, empty ones dropped; each must make a URL slug."""
    tags = [name.strip() for name in text.split(",") if name.strip()]
    for name in tags:
        if not slugify(name):
            raise AuthoringError(f"--tags: tag {name!r} has no letters or digits to make a URL from", 2)
    return tags


def front_matter(title: str, day: date, tags: list[str], external_url: str | None) -> str:
    """The YAML front matter of a new draft, every value quoted by PyYAML where needed."""
    meta = {"title": title, "date": day, "tags": tags, "draft": True}
    if external_url:
        meta["external_url"] = external_url
    # default_flow_style=None writes the tag list as [a, b]; width keeps long titles on one line.
    return yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=None, width=10_000)


def _slugs_in_use(posts: Path) -> dict[str, str]:
    """The slug of every existing post file (its `slug:` or its file name), mapped to the file name."""
    used = {}
    for file in sorted(posts.glob("*")) if posts.is_dir() else ():
        if file.suffix not in EXTENSIONS or not file.is_file():
            continue
        slug = slugify(_DATE_PREFIX.sub("", file.stem))
        try:
            meta_slug = parse_source(file.name, file.read_bytes()).front_matter.get("slug")
        except OSError:
            meta_slug = None
        used[meta_slug if isinstance(meta_slug, str) and meta_slug else slug] = file.name
    return used


def new_post(
    site_root: Path, config: SiteConfig, title: str, tags: list[str] = (), external_url: str | None = None,
    today: date | None = None,
) -> Path:  # fmt: skip
    """Create posts/YYYY-MM-DD-<slug>.md as a draft dated today in the site's time zone; return its path.

    Never overwrites: a file of the same name, or another post with the same slug, is refused.
    """
    title = title.strip()
    if not title or "\n" in title or has_control_chars(title):
        raise AuthoringError("the title must be one line of text", 2)
    slug = slugify(title)
    if not slug:
        raise AuthoringError(f"the title {title!r} has no letters or digits to make a URL slug from", 2)
    if external_url is not None:
        parts = urlsplit(external_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise AuthoringError(f"--external: expected an absolute http(s) URL, got {external_url!r}", 2)
    day = today or datetime.now(config.timezone).date()
    posts = site_root / "posts"
    path = posts / f"{day.isoformat()}-{slug}.md"
    other = _slugs_in_use(posts).get(slug)
    if other and other != path.name:
        raise AuthoringError(f"posts/{other} already uses the slug {slug!r}; choose another title", 3)
    text = f"---\n{front_matter(title, day, list(tags), external_url)}---\n\n"
    posts.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as file:
            file.write(text)
    except FileExistsError:
        raise AuthoringError(f"{path}: already exists; not overwritten", 3) from None
    return path
