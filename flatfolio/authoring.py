"""Starting a post: a draft file with valid front matter, named by date and slug."""

from datetime import date, datetime
from pathlib import Path

import yaml

from .config import SiteConfig
from .content.sources import content_files, parse_source, read_regular_file
from .text import file_slug, has_control_chars, slugify
from .urls import http_url_parts

# A file name may have 255 bytes: keep slugs readable and well inside that (a CJK letter is 3 bytes).
MAX_SLUG_CHARS, MAX_SLUG_BYTES = 80, 200


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
    """The slug of every post file anywhere below posts/ (its `slug:` or its file name), mapped to its path there."""
    used = {}
    for file, rel in content_files(posts, bundles=True):
        slug = file_slug(f"posts/{rel}")
        try:
            data = read_regular_file(file)
        except OSError:
            data = b""
        if data is None:
            continue  # not a regular file: not a post either
        meta_slug = parse_source(rel, data).front_matter.get("slug")
        used[meta_slug if isinstance(meta_slug, str) and meta_slug else slug] = rel
    return used


def short_slug(slug: str) -> str:
    """`slug` cut at a dash to at most MAX_SLUG_CHARS characters and MAX_SLUG_BYTES bytes of UTF-8."""

    def fits(text: str) -> bool:
        return len(text) <= MAX_SLUG_CHARS and len(text.encode()) <= MAX_SLUG_BYTES

    if fits(slug):
        return slug
    words = slug.split("-")
    kept = words[0]
    while not fits(kept):  # one word longer than the limit: cut inside it
        kept = kept[:-1]
    for word in words[1:]:
        if not fits(f"{kept}-{word}"):
            break
        kept = f"{kept}-{word}"
    return kept


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
    slug = short_slug(slugify(title))
    if not slug:
        raise AuthoringError(f"the title {title!r} has no letters or digits to make a URL slug from", 2)
    if external_url is not None and not http_url_parts(external_url):
        raise AuthoringError(f"--external: expected an absolute http(s) URL, got {external_url!r}", 2)
    day = today or datetime.now(config.timezone).date()
    posts = site_root / "posts"
    path = posts / f"{day.isoformat()}-{slug}.md"
    other = _slugs_in_use(posts).get(slug)
    if other and other != path.name:
        raise AuthoringError(f"posts/{other} already uses the slug {slug!r}; choose another title", 3)
    text = f"---\n{front_matter(title, day, list(tags), external_url)}---\n\n"
    if posts.exists() and not posts.is_dir():
        raise AuthoringError(f"{posts}: not a folder; move that file away to start a post", 3)
    try:
        posts.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as file:
            file.write(text)
    except FileExistsError:
        raise AuthoringError(f"{path}: already exists; not overwritten", 3) from None
    except OSError as error:
        raise AuthoringError(f"{error.filename or path}: cannot write: {error.strerror or error}", 3) from None
    return path
