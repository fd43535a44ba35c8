"""Hugo's URL rules: where each page was served (permalinks, slug, url, uglyURLs) and its aliases."""

import posixpath
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

_TOKEN = re.compile(r":\w+(\[.+?\])?")
_GO_LAYOUT = {"2006": "%Y", "06": "%y", "01": "%m", "02": "%d", "January": "%B", "Jan": "%b", "Monday": "%A"}
_GO_LAYOUT_PART = re.compile("|".join(sorted(_GO_LAYOUT, key=len, reverse=True)))
_SLUG_TOKENS = ("slug", "title", "slugorfilename", "filename", "contentbasename", "slugorcontentbasename")
_ZERO_DATE = datetime(1, 1, 1)  # Hugo's date for a page that has none


@dataclass
class Page:
    """A regular content page, as Hugo sees it before its URL is known."""

    source: str  # path in the old site, e.g. "content/posts/a.md"
    rel: str  # path below the content folder, e.g. "posts/a.md"
    parts: tuple[str, ...]  # its content path without extension; a bundle's is its folder
    bundle: bool  # a leaf bundle's index.md
    front: dict  # front matter, keys lower-cased as Hugo reads them
    body: str
    body_line: int
    section: str  # first folder below content/, "" at the top
    sections: str  # its current section's path (nested sections have an _index.md)
    date: date | datetime | None
    title: str
    slug: str  # from front matter (or a dated file name), "" when unset
    filename: str  # base name without extension or language; "index" for a bundle
    url: str = ""
    slug_value: str = ""  # what the permalink's slug-like token gave (the last URL part otherwise)
    notes: list[str] = field(default_factory=list)


@dataclass
class Rules:
    """The site-wide settings that shape URLs."""

    permalinks: dict[str, str] = field(default_factory=dict)  # section -> pattern
    ugly: bool | dict = False
    lower: bool = True
    remove_accents: bool = False
    prefix: str = ""  # "/en" when the default language lives in a subfolder

    def is_ugly(self, section: str) -> bool:
        """True when pages of `section` are served as `name.html`."""
        return bool(self.ugly.get(section, False)) if isinstance(self.ugly, dict) else bool(self.ugly)

    def sanitize(self, text: str) -> str:
        """Hugo's MakePathSanitized: unicode letters, digits and `./_#+~-%` kept, spaces to one dash, lower case."""
        if self.remove_accents:
            text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
        out, prepend, was_hyphen = [], False, False
        for index, char in enumerate(text):
            allowed = char in "./\\_#+~-" or unicodedata.category(char)[0] in "LM" or unicodedata.category(char) == "Nd"
            if char == "%":
                allowed = bool(re.fullmatch(r"[0-9A-Fa-f]{2}", text[index + 1 : index + 3]))
            if allowed:
                was_hyphen = char == "-"
                if prepend and not was_hyphen:
                    out.append("-")
                prepend = False
                out.append(char)
            elif out and char.isspace() and not was_hyphen:
                prepend = True
        result = "".join(out)
        return result.lower() if self.lower else result


def page_url(page: Page, rules: Rules) -> str:
    """The path Hugo served `page` at; raises ValueError for a permalink token it cannot expand."""
    front_url = page.front.get("url")
    if isinstance(front_url, str) and front_url.strip():
        url = "/" + front_url.strip().lstrip("/")
        last = url.rsplit("/", 1)[1]
        page.slug_value = last.rsplit(".", 1)[0] if last else url.rstrip("/").rsplit("/", 1)[-1]
        return url if url.endswith("/") or "." in url else url + "/"
    pattern = rules.permalinks.get(page.section)
    if pattern:
        link = expand(pattern, page, rules)
        link = "/" + link.strip("/")
    else:
        link = "/" + "/".join((*page.parts[:-1], page.slug or page.parts[-1]))
    link = rules.sanitize(link)
    if not pattern:
        page.slug_value = link.rsplit("/", 1)[-1]
    if rules.is_ugly(page.section) and (pattern or not page.bundle) and link != "/":
        return rules.prefix + link + ".html"
    return rules.prefix + (link.rstrip("/") + "/")


def expand(pattern: str, page: Page, rules: Rules) -> str:
    """A permalink pattern such as `/:year/:month/:title/` filled in for `page`."""
    when = page.date or _ZERO_DATE

    def token(match: re.Match) -> str:
        name, cut = match.group(0)[1:], match.group(1)
        if cut:
            name = name[: -len(cut)]
        value = _token(name, page, when, rules)
        if value is None:
            raise ValueError(f"permalink token :{name} is not supported")
        if cut and name == "sections":
            value = "/".join(_slice(value.split("/"), cut))
        if name in _SLUG_TOKENS:
            page.slug_value = value
        return value

    return _TOKEN.sub(token, pattern.replace("\\:", "\x00")).replace("\x00", ":")


def _token(name: str, page: Page, when: date, rules: Rules) -> str | None:
    basename = page.parts[-1] if page.bundle else page.filename
    values = {
        "year": str(when.year),
        "month": f"{when.month:02d}",
        "monthname": when.strftime("%B"),
        "day": f"{when.day:02d}",
        "weekday": str((when.weekday() + 1) % 7),
        "weekdayname": when.strftime("%A"),
        "yearday": str(when.timetuple().tm_yday),
        "section": page.section,
        "sectionslug": rules.sanitize(page.section),
        "sections": page.sections,
        "sectionslugs": rules.sanitize(page.sections),
        "title": rules.sanitize(page.title),
        "slug": rules.sanitize(page.slug or page.title),
        "filename": rules.sanitize(basename),
        "slugorfilename": rules.sanitize(page.slug or basename),
        "contentbasename": rules.sanitize(basename),
        "slugorcontentbasename": rules.sanitize(page.slug or basename),
    }
    if name in values:
        return values[name]
    layout = _GO_LAYOUT_PART.sub(lambda m: _GO_LAYOUT[m.group(0)], name)
    return when.strftime(layout) if layout != name else None


def _slice(items: list[str], cut: str) -> list[str]:
    spec = cut[1:-1].strip().lower()

    def index(text: str, default: int) -> int:
        return len(items) - 1 if text == "last" else int(text) if text.isdigit() else default

    if ":" not in spec:
        position = index(spec, 0)
        return items[position : position + 1]
    low, high = spec.split(":", 1)
    return items[index(low, 0) : index(high, len(items))]


def alias_path(alias: str, page_url: str) -> str | None:
    """Where Hugo wrote a redirect for `alias` (relative ones sit beside the page); None if unusable."""
    alias = alias.strip()
    if not alias or "://" in alias:
        return None
    if not alias.startswith("/"):
        base = page_url if page_url.endswith("/") else page_url.rsplit(".", 1)[0] + "/"
        alias = posixpath.join(posixpath.dirname(base.rstrip("/")), alias)
    cleaned = posixpath.normpath(alias)
    if cleaned in ("/", ".") or cleaned.startswith(".."):
        return None
    return cleaned if cleaned.endswith(".html") else cleaned + "/"


def flatfolio_pattern(pattern: str | None, section: str, rules: Rules) -> str | None:
    """A Hugo post permalink as a flatfolio `urls.post` pattern (`/{year}/{slug}/`), None if it has no such form."""
    if rules.is_ugly(section) or rules.prefix:
        return None
    if not pattern:
        return f"/{rules.sanitize(section)}/{{slug}}/"
    names = {"year": "{year}", "month": "{month}", "day": "{day}", "section": rules.sanitize(section)}
    names.update(dict.fromkeys(_SLUG_TOKENS, "{slug}"))
    if "\\:" in pattern:
        return None
    tokens = list(_TOKEN.finditer(pattern))
    if any(match.group(1) or match.group(0)[1:] not in names for match in tokens):
        return None
    literals = _TOKEN.split(pattern)[::2]  # split also yields each token's [cut] group
    result = rules.sanitize(literals[0])
    for match, literal in zip(tokens, literals[1:], strict=True):
        result += names[match.group(0)[1:]] + rules.sanitize(literal)
    result = "/" + result.strip("/") + "/"
    return result if result.count("{slug}") == 1 else None
