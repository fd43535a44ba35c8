"""Jekyll's URL rules: permalink styles and placeholders, its slugify, and the flatfolio pattern they match."""

import re
import unicodedata
from datetime import date, datetime

# Jekyll 3 and 4 built-in styles (lib/jekyll/utils.rb, PERMALINK_STYLES).
STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
_PRETTY_KEEP = set("._~!$&'()+,;=@")
_PLACEHOLDER = re.compile(r":([a-z_]+)")
_TO_FLATFOLIO = {
    "year": "{year}",
    "month": "{month}",
    "day": "{day}",
    "title": "{slug}",
    "slug": "{slug}",
    "output_ext": ".html",
}


def template_of(setting) -> str:
    """The permalink template for a `permalink:` setting (a style name or a custom pattern)."""
    setting = str(setting or "date").strip()
    return STYLES.get(setting, setting if setting.startswith("/") else "/" + setting)


def slugify(text: str, mode: str = "default", cased: bool = False) -> str:
    """Jekyll's Utils.slugify in `default` or `pretty` mode: runs of other characters become one dash."""
    keep = _PRETTY_KEEP if mode == "pretty" else set()

    def kept(char: str) -> bool:
        kind = unicodedata.category(char)
        return kind[0] in "LM" or kind == "Nd" or char in keep

    slug = re.sub(r"-+", "-", "".join(char if kept(char) else "-" for char in str(text))).strip("-")
    return slug if cased else slug.lower()


def fill(template: str, values: dict) -> str:
    """A template with its placeholders replaced, then cleaned the way Jekyll does (no `//`, leading `/`)."""

    def one(match: re.Match) -> str:
        # Jekyll matches the longest known key first (`:output_ext` before `:out`); unknown keys stay.
        name = match.group(1)
        for end in range(len(name), 0, -1):
            if name[:end] in values:
                return str(values[name[:end]]) + name[end:]
        return match.group(0)

    url = _PLACEHOLDER.sub(one, template)
    return "/" + re.sub(r"/{2,}", "/", url).lstrip("/")


def post_values(when: date | datetime, slug: str, categories: list[str], output_ext: str, path: str) -> dict:
    """The placeholders a post's permalink can use (lib/jekyll/drops/url_drop.rb)."""
    day = when if isinstance(when, datetime) else datetime(when.year, when.month, when.day)
    basename = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return {
        "year": f"{day.year:04d}",
        "short_year": f"{day.year % 100:02d}",
        "month": f"{day.month:02d}",
        "i_month": str(day.month),
        "short_month": day.strftime("%b"),
        "long_month": day.strftime("%B"),
        "day": f"{day.day:02d}",
        "i_day": str(day.day),
        "y_day": f"{day.timetuple().tm_yday:03d}",
        "week": f"{day.isocalendar()[1]:02d}",
        "short_day": day.strftime("%a"),
        "long_day": day.strftime("%A"),
        "hour": f"{day.hour:02d}",
        "minute": f"{day.minute:02d}",
        "second": f"{day.second:02d}",
        "title": slugify(slug, "pretty", cased=True),
        "slug": slugify(slug),
        "name": slugify(basename),
        "categories": "/".join(dict.fromkeys(str(category).lower() for category in categories)),
        "output_ext": output_ext,
        "collection": "posts",
        "path": path.rsplit(".", 1)[0],
    }


def page_template(setting, output_ext: str, is_index: bool) -> str:
    """A page's URL template under the site's permalink style (lib/jekyll/page.rb, Page#template)."""
    if output_ext != ".html":
        return "/:path/:basename:output_ext"
    if is_index:
        return "/:path/"
    style = str(setting or "date").strip()
    if style == "pretty":
        return "/:path/:basename/"
    if style in STYLES:
        return "/:path/:basename:output_ext"
    suffix = "/" if style.endswith("/") else ":output_ext" if style.endswith(":output_ext") else ""
    return "/:path/:basename" + suffix


def flatfolio_pattern(template: str) -> str | None:
    """The flatfolio `urls.post` pattern equal to a Jekyll template for posts without categories, or None."""
    without = template.replace(":categories", "")
    names = _PLACEHOLDER.findall(without)
    if any(name not in _TO_FLATFOLIO for name in names) or "{" in without:
        return None
    pattern = "/" + re.sub(r"/{2,}", "/", _PLACEHOLDER.sub(lambda m: _TO_FLATFOLIO[m.group(1)], without)).lstrip("/")
    if "{slug}" not in pattern:
        return None
    if not (pattern.endswith("/") or pattern.endswith(".html")):
        pattern += ".html"  # served as that file, like every extensionless Jekyll URL
    return pattern
