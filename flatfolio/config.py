"""The site config: one TOML file holding every setting a site owner changes."""

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .problems import Problem
from .urls import DEFAULT_POST_URL, check_post_pattern, clean_file_path, clean_path, http_url_parts, site_path

CONFIG_FILE = "site.toml"


@dataclass(frozen=True)
class NavLink:
    """One entry of the site navigation."""

    title: str
    url: str


@dataclass(frozen=True)
class SiteConfig:
    """Validated settings from `site.toml`."""

    title: str
    author: str
    base_url: str  # absolute, always ending in "/"
    description: str = ""
    language: str = "en"
    timezone: ZoneInfo = ZoneInfo("UTC")
    posts_per_page: int = 10
    cname: str = ""
    role: str = ""  # one line under the name on the home page
    location: str = ""
    avatar: str = ""  # a file in static/, e.g. avatar.svg
    email: str = ""  # shown as written (obfuscate it), never turned into a mailto: link
    open_to: str = ""  # e.g. "Open to Systems / Distributed Systems roles."
    nav: tuple[NavLink, ...] = ()
    social: dict[str, str] = field(default_factory=dict)
    post_url: str = DEFAULT_POST_URL  # [urls] post: where posts without a url: live
    links: str = "error"  # [urls] links: what a broken internal link is, "error" or "warn"
    feeds: dict[str, str] = field(default_factory=dict)  # [urls] atom_feeds, rss_feeds: extra path -> "atom" | "rss"
    redirects: dict[str, str] = field(default_factory=dict)  # [redirects] old path -> new path or URL
    image: str = ""  # the default social card image: a site path ("/static/card.png", a file of files/)
    cards: bool = False  # a generated 1200x630 card for each post without an image (and no default image)
    cv_paper: str = "a4"  # [cv] paper: the page size of /cv.pdf, "a4" or "letter"
    extra: dict = field(default_factory=dict)

    @property
    def base_path(self) -> str:
        """The path part of the base URL without its trailing slash ("" at a domain root)."""
        return urlsplit(self.base_url).path.rstrip("/")


_HOST = re.compile(r"[\w.-]+(:\d{1,5})?")  # a host name (IDN letters allowed) and port; no user:password@


def normalize_base_url(url: str) -> str:
    """Return `url` ending in "/", or raise ValueError when it is not an absolute http(s) URL of a safe path."""
    parts = http_url_parts(url)
    if (
        parts is None or not _HOST.fullmatch(parts.netloc)
        or parts.query or parts.fragment or "?" in url or "#" in url
    ):  # fmt: skip
        raise ValueError(f"expected an absolute http(s) URL like https://example.org/, got {url!r}")
    # Encoded dots (%2e%2e) would reach the URL builder as '..' and leave the site's folder.
    path = parts.path or "/"
    if "%" in path:
        raise ValueError(f"write the path of base_url without %-escapes, got {url!r}")
    site_path(unquote(path))
    return url if url.endswith("/") else url + "/"


def _text(raw: dict, key: str, problems: list, path: str, default=None) -> str:
    value = raw.get(key, default)
    if value is None:
        problems.append(Problem(path, key, "required"))
        return ""
    if not isinstance(value, str):
        problems.append(Problem(path, key, f"expected text, got {value!r}"))
        return ""
    return value


KNOWN_KEYS = {
    "title", "author", "base_url", "description", "language", "timezone",
    "posts_per_page", "cname", "nav", "social", "role", "location", "avatar", "email", "open_to", "urls", "redirects",
    "image", "cards",
    "cv",
}  # fmt: skip
URL_KEYS = {"post", "links", "atom_feeds", "rss_feeds"}


def _safe_link(url: str, site_paths: bool = False) -> bool:
    """An absolute http(s) URL, or (for nav) a path on this site: never javascript: or another scheme."""
    if site_paths and url.startswith("/") and not url.startswith("//"):
        # Browsers read a backslash as a slash and drop tabs and newlines: "/\\evil.org" is another host.
        return not re.search(r"[\s\\\x00-\x1f\x7f]", url)
    parts = http_url_parts(url)
    return bool(parts) and bool(_HOST.fullmatch(parts.netloc)) and not re.search(r"\s", url)


def _table(raw: dict, key: str, problems: list, path: str) -> dict:
    value = raw.get(key, {})
    if isinstance(value, dict):
        return value
    problems.append(Problem(path, key, f"expected a table ([{key}]), got {value!r}"))
    return {}


def _url_settings(raw: dict, problems: list, path: str) -> dict:
    """The [urls] and [redirects] tables, validated."""
    urls, settings = _table(raw, "urls", problems, path), {}
    for key in sorted(set(urls) - URL_KEYS):
        problems.append(Problem(path, f"urls.{key}", "unknown setting (kept, ignored)", warning=True))
    try:
        settings["post_url"] = check_post_pattern(urls.get("post", DEFAULT_POST_URL))
    except ValueError as error:
        problems.append(Problem(path, "urls.post", str(error)))
    links = urls.get("links", "error")
    if links in ("error", "warn"):
        settings["links"] = links
    else:
        problems.append(Problem(path, "urls.links", f'expected "error" or "warn", got {links!r}'))
    feeds = {}
    for kind in ("atom", "rss"):
        paths = urls.get(f"{kind}_feeds", [])
        if not isinstance(paths, list):
            problems.append(Problem(path, f"urls.{kind}_feeds", f"expected a list of paths, got {paths!r}"))
            continue
        for item in paths:
            try:
                feeds[clean_file_path(item)] = kind
            except ValueError as error:
                problems.append(Problem(path, f"urls.{kind}_feeds", str(error)))
    settings["feeds"] = feeds
    redirects = {}
    for old, new in _table(raw, "redirects", problems, path).items():
        try:
            target = new if isinstance(new, str) and _safe_link(new) else clean_path(new)
            redirects[clean_path(old)] = target
        except ValueError as error:
            problems.append(Problem(path, f"redirects.{old!r}", str(error)))
    settings["redirects"] = redirects
    return settings


def _card_settings(raw: dict, problems: list, path: str) -> dict:
    """`image` (the default social card: a file of this site, checked against the routes by social.py) and `cards`."""
    settings = {}
    image = raw.get("image", "")
    try:
        settings["image"] = site_path(image) if image != "" else ""
        if image.endswith("/"):
            raise ValueError(f"expected the path of an image file like /static/card.png, got {image!r}")
    except (ValueError, AttributeError):
        message = f"expected the path of an image file on this site like /static/card.png, got {image!r}"
        problems.append(Problem(path, "image", message))
    cards = raw.get("cards", False)
    if isinstance(cards, bool):
        settings["cards"] = cards
    else:
        problems.append(Problem(path, "cards", f"expected true or false, got {cards!r}"))
    return settings


CV_PAPERS = ("a4", "letter")


def _cv_settings(raw: dict, problems: list, path: str) -> dict:
    """The [cv] table (the PDF CV's layout), validated."""
    table = _table(raw, "cv", problems, path)
    for key in sorted(set(table) - {"paper"}):
        problems.append(Problem(path, f"cv.{key}", "unknown setting (kept, ignored)", warning=True))
    paper = table.get("paper", "a4")
    if paper not in CV_PAPERS:
        problems.append(Problem(path, "cv.paper", f'expected "a4" or "letter", got {paper!r}'))
        paper = "a4"
    return {"cv_paper": paper}


def load_config(site_root: Path) -> tuple[SiteConfig | None, list[Problem]]:
    """Read and validate `site.toml`; return the config (None if unusable) and its problems."""
    path = CONFIG_FILE
    try:
        raw = tomllib.loads((site_root / CONFIG_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, [Problem(path, "file", f"missing: every site needs a {CONFIG_FILE}")]
    except (OSError, UnicodeDecodeError) as error:
        return None, [Problem(path, "file", f"cannot read: {error}")]
    except tomllib.TOMLDecodeError as error:
        return None, [Problem(path, "syntax", str(error))]
    except RecursionError:
        return None, [Problem(path, "syntax", "arrays or tables nested too deeply")]

    problems: list[Problem] = []
    title = _text(raw, "title", problems, path)
    author = _text(raw, "author", problems, path)
    description = _text(raw, "description", problems, path, "")
    language = _text(raw, "language", problems, path, "en")
    cname = _text(raw, "cname", problems, path, "")
    profile = {key: _text(raw, key, problems, path, "") for key in ("role", "location", "avatar", "email", "open_to")}
    if "@" in profile["email"]:
        problems.append(Problem(path, "email", "write it obfuscated (name [AT] host) so scrapers cannot harvest it"))
    base_url = _text(raw, "base_url", problems, path)
    if base_url:
        try:
            base_url = normalize_base_url(base_url)
        except ValueError as error:
            problems.append(Problem(path, "base_url", str(error)))

    timezone = ZoneInfo("UTC")
    tz_name = _text(raw, "timezone", problems, path, "UTC")
    try:
        timezone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder of zones ("America"), too long
        problems.append(Problem(path, "timezone", f"unknown time zone {tz_name!r}"))

    per_page = raw.get("posts_per_page", 10)
    if isinstance(per_page, bool) or not isinstance(per_page, int) or per_page < 1:
        problems.append(Problem(path, "posts_per_page", f"expected a whole number >= 1, got {per_page!r}"))
        per_page = 10

    nav, items = [], raw.get("nav", [])
    if not isinstance(items, list):
        problems.append(Problem(path, "nav", f'expected a list of {{ title = "...", url = "..." }}, got {items!r}'))
        items = []
    for index, item in enumerate(items):
        if not (isinstance(item, dict) and isinstance(item.get("title"), str) and isinstance(item.get("url"), str)):
            problems.append(Problem(path, f"nav[{index}]", 'expected { title = "...", url = "..." }'))
            continue
        if not _safe_link(item["url"], site_paths=True):
            message = f"expected a path like /blog/ or an http(s) URL, got {item['url']!r}"
            problems.append(Problem(path, f"nav[{index}].url", message))
            continue
        nav.append(NavLink(item["title"], item["url"]))

    social = raw.get("social", {})
    if not isinstance(social, dict) or not all(isinstance(v, str) for v in social.values()):
        problems.append(Problem(path, "social", 'expected a table of name = "url"'))
        social = {}
    for name, url in social.items():
        # The résumé may be a file of this site (/resume.pdf); every other profile is elsewhere.
        if url and not _safe_link(url, site_paths=name == "resume"):
            expected = "an http(s) URL or a path like /resume.pdf" if name == "resume" else "an http(s) URL"
            problems.append(Problem(path, f"social.{name}", f"expected {expected}, got {url!r}"))
    if cname and (not _HOST.fullmatch(cname) or ":" in cname):
        problems.append(Problem(path, "cname", f"expected a domain name like blog.example.org, got {cname!r}"))

    urls = _url_settings(raw, problems, path)
    cards = _card_settings(raw, problems, path)
    cv = _cv_settings(raw, problems, path)
    for key in sorted(set(raw) - KNOWN_KEYS):
        problems.append(Problem(path, key, "unknown setting (kept, available as site.extra)", warning=True))

    if any(not p.warning for p in problems):
        return None, problems
    config = SiteConfig(
        title=title, author=author, base_url=base_url, description=description,
        language=language, timezone=timezone, posts_per_page=per_page, cname=cname,
        nav=tuple(nav), social={name: url for name, url in social.items() if url}, **profile, **urls, **cards, **cv,
        extra={k: raw[k] for k in set(raw) - KNOWN_KEYS},
    )  # fmt: skip
    return config, problems
