"""Hugo pages into flatfolio posts and pages, plus the files and feeds the old site served."""

import posixpath
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..text import slugify
from .convert import expand_pattern, math_switched, parse_date, post_name, served_path
from .hugo_shortcodes import Body, convert_body
from .hugo_urls import Page, Rules, alias_path, flatfolio_pattern
from .links import is_own_path
from .model import ImportedEntry, ImportedFile, Note, OldSite

DEFAULT_TAXONOMIES = ("tags", "categories")


def main_sections(config: dict, pages: list[Page]) -> list[str]:
    """Hugo's mainSections: the param when set, else the section with the most pages."""
    params = config.get("params") if isinstance(config.get("params"), dict) else {}
    chosen = params.get("mainsections") or config.get("mainsections")
    if chosen:
        return [chosen] if isinstance(chosen, str) else [str(name) for name in chosen]
    counts = Counter(page.section for page in pages if page.section)
    return [max(sorted(counts), key=counts.__getitem__)] if counts else []


def build_entries(site: OldSite, config: dict, rules: Rules, pages: list[Page], sections: dict, theme_math=False):
    """Every page as an ImportedEntry: posts in the main sections, the rest pages at their exact old URL."""
    mains = main_sections(config, pages)
    patterns = {flatfolio_pattern(rules.permalinks.get(name), name, rules) for name in mains}
    site.post_pattern = patterns.pop() if len(patterns) == 1 else None
    resolve_in = _resolver(pages, sections, rules)
    site_params = config.get("params") if isinstance(config.get("params"), dict) else {}
    site_math = theme_math or math_switched(site_params) or _passthrough(config)
    used_names: set[str] = set()
    for page in pages:
        body = Body(
            source=page.source,
            first_line=page.body_line,
            resolve=lambda target, _name, page=page: resolve_in(target, page),
            param=lambda name, page=page: _lookup(page.front, name) or _lookup(site_params, name),
            math=site_math or math_switched(page.front),
        )
        text, more = convert_body(page.body, body)
        site.conversions.update(body.conversions)
        site.notes += body.notes + [Note(page.source, None, message) for message in page.notes]
        is_post = page.section in mains and page.date is not None
        if page.section in mains and page.date is None:
            site.notes.append(Note(page.source, None, "no date: imported as a page"))
        front = _front(page, site, config, more, is_post)
        if is_post:
            name = _post_name(page, used_names)
            slug = name[11:-3]
            pattern = site.post_pattern
            same = pattern and expand_pattern(pattern, page.date, slug) == page.url
            if same and ("{year}" not in pattern and "{month}" not in pattern and "{day}" not in pattern):
                front.pop("url")
            elif same and not isinstance(page.date, datetime):
                front.pop("url")  # a time with an offset could fall on another day in flatfolio's timezone
        else:
            name = _unique("/".join(slugify(part) or part for part in page.parts) + ".md", used_names)
        if "url" in front and front["url"] != served_path(front["url"]):
            site.notes.append(Note(page.source, None, f"URL {front['url']} cannot be served by flatfolio: dropped"))
            front.pop("url")
        site.entries.append(ImportedEntry("post" if is_post else "page", page.source, name, front, text))
    for _folder, (source, _rel, body) in sorted(sections.items()):
        if body.strip():
            site.notes.append(Note(source, None, "the text of this list page is not imported"))
    for name in mains:
        if any(page.section == name for page in pages) and not is_own_path(f"{rules.prefix}/{name}/"):
            path = f"{rules.prefix}/{rules.sanitize(name)}/"
            site.notes.append(
                Note("content/" + name, None, f'list page {path} not kept: add "{path}" = "/blog/" to [redirects]')
            )


def _front(page: Page, site: OldSite, config: dict, more: str | None, is_post: bool) -> dict:
    front = page.front
    out: dict = {"title": page.title or page.parts[-1].replace("-", " ").capitalize()}
    if not page.title:
        site.notes.append(Note(page.source, None, f"no title: {out['title']!r} used"))
    if page.date is not None:
        out["date"] = page.date
    lastmod = front.get("lastmod") or front.get("modified")
    updated = to_date(lastmod, page.source, config, site.notes) if lastmod and page.date else None
    if updated and updated != page.date:
        out["updated"] = updated
    terms = {key: _names(front.get(key)) for key in _taxonomies(config) if front.get(key)}
    tags = list(dict.fromkeys(name for names in terms.values() for name in names if slugify(name)))
    if is_post and tags:
        out["tags"] = tags
    summary = str(front.get("summary") or "").strip() or more
    if summary or (is_post and front.get("description")):
        out["summary"] = summary or str(front["description"]).strip()
    if front.get("description") and (not is_post or summary):
        out["description"] = str(front["description"]).strip()
    if _truthy(front.get("draft")) or _not_rendered(page, site):
        out["draft"] = True
    out["url"] = page.url
    aliases = []
    for alias in _names(front.get("aliases")):
        path = alias_path(alias, page.url)
        if path is None:
            site.notes.append(Note(page.source, None, f"alias {alias!r} cannot be kept"))
        elif path != page.url and path not in aliases:
            aliases.append(path)
    if aliases:
        out["aliases"] = aliases
    if is_post:
        out.update({key: names for key, names in terms.items() if key != "tags"})
    if front.get("expirydate"):
        site.notes.append(Note(page.source, None, f"expiryDate {front['expirydate']} is not supported: kept published"))
    return out


def _not_rendered(page: Page, site: OldSite) -> bool:
    build = page.front.get("build") or page.front.get("_build") or {}
    build = {str(k).lower(): v for k, v in build.items()} if isinstance(build, dict) else {}
    if _truthy(page.front.get("headless")) or str(build.get("render", "")).lower() in ("never", "false"):
        site.notes.append(Note(page.source, None, "Hugo never rendered this page (headless/build options): a draft"))
        return True
    if str(build.get("list", "")).lower() in ("never", "local", "false"):
        site.notes.append(Note(page.source, None, "Hugo kept this page out of lists: it is listed now"))
    return False


def _truthy(value) -> bool:
    return value is True or str(value).lower() == "true"


def _names(value) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(item).strip() for item in items if str(item).strip()]


def _taxonomies(config: dict) -> list[str]:
    taxonomies = config.get("taxonomies") or config.get("indexes")  # "indexes": its name before Hugo 0.11
    names = [str(v).lower() for v in taxonomies.values()] if isinstance(taxonomies, dict) else list(DEFAULT_TAXONOMIES)
    return list(dict.fromkeys(["tags", *names, "series"]))


def _passthrough(config: dict) -> bool:
    markup = config.get("markup") if isinstance(config.get("markup"), dict) else {}
    extensions = (markup.get("goldmark") or {}).get("extensions") or {}
    return bool(isinstance(extensions, dict) and (extensions.get("passthrough") or {}).get("enable"))


def _lookup(params: dict, name: str):
    value = params
    for key in name.lower().split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _unique(name: str, used: set[str]) -> str:
    stem, count = name[:-3], 1
    while name in used:
        count += 1
        name = f"{stem}-{count}.md"
    used.add(name)
    return name


def _post_name(page: Page, used: set[str]) -> str:
    slug = slugify(page.slug_value) or slugify(page.title) or "post"
    used_slugs = {name[11:-3] for name in used if name[:4].isdigit()}
    candidate, count = slug, 1
    while candidate in used_slugs:  # flatfolio wants every post slug unique, whatever its date
        count += 1
        candidate = f"{slug}-{count}"
    name = post_name(page.date, candidate)
    used.add(name)
    return name


def _resolver(pages: list[Page], sections: dict, rules: Rules):
    """A function from a ref/relref target (path, bare name, #anchor) to the target's old URL."""
    by_path: dict[str, str] = {}
    by_name: dict[str, set[str]] = {}
    for page in pages:
        rel = page.rel
        stem = posixpath.splitext(rel)[0]
        for key in (rel, stem, posixpath.dirname(rel) if page.bundle else stem):
            by_path.setdefault(key.lower(), page.url)
        by_name.setdefault(page.parts[-1].lower(), set()).add(page.url)
        by_name.setdefault(posixpath.basename(rel).lower(), set()).add(page.url)
    for folder, (_source, rel, _body) in sections.items():
        url = rules.prefix + ("/" + rules.sanitize(folder) + "/" if folder != "." else "/")
        for key in (rel, posixpath.splitext(rel)[0], "" if folder == "." else folder):
            by_path.setdefault(key.lower(), url)

    def resolve(target: str, page: Page) -> str | None:
        path, _, anchor = target.strip().partition("#")
        anchor = f"#{anchor}" if anchor else ""
        if not path:
            return page.url + anchor
        here = posixpath.dirname(page.rel)
        tries = [path.strip("/")] if path.startswith("/") else [posixpath.normpath(posixpath.join(here, path)), path]
        for key in (key.strip("/").lower() for key in tries):
            if key in by_path:
                return by_path[key] + anchor
        found = by_name.get(posixpath.basename(path.strip("/")).lower(), set())
        return next(iter(found)) + anchor if len(found) == 1 else None

    return resolve


def collect_files(site: OldSite, root: Path, content: Path, config: dict, pages: list[Page], resources: list) -> None:
    """Static files at their own paths; bundle resources beside their page; never over an entry or own path."""
    taken = {page.url for page in pages}
    seen: set[str] = set()
    urls = {page.parts: page.url for page in pages if page.bundle}
    static_dirs = config.get("staticdir") or ["static"]
    candidates = []
    for folder in [static_dirs] if isinstance(static_dirs, str) else static_dirs:
        base = root / str(folder)
        files = sorted(p for p in base.rglob("*") if p.is_file()) if base.is_dir() else []
        candidates += [(p.relative_to(base).as_posix(), p) for p in files]
    for path, bundle in resources:
        if bundle is None:
            served = path.relative_to(content).as_posix()
        else:
            page_dir = urls.get(bundle.relative_to(content).parts, "/")
            page_dir = page_dir if page_dir.endswith("/") else page_dir.rsplit(".", 1)[0] + "/"
            served = page_dir.lstrip("/") + path.relative_to(bundle).as_posix()
        candidates.append((served, path))
    for served, path in candidates:
        source = path.relative_to(root).as_posix()
        name = served.rsplit("/", 1)[-1]
        if name.startswith(".") and not served.startswith(".well-known/") or name == ".DS_Store":
            continue
        owner = served[: -len("index.html")] if served.endswith("index.html") else served
        if is_own_path("/" + served):
            site.notes.append(Note(source, None, f"flatfolio serves /{served} itself: file skipped"))
            continue
        if "/" + owner in taken or "/" + served in taken or served in seen:
            site.notes.append(Note(source, None, f"/{served} is already served by a page or file: file skipped"))
            continue
        seen.add(served)
        site.files.append(ImportedFile(served, path))


def read_feeds(site: OldSite, config: dict, rules: Rules, pages: list[Page]) -> None:
    """Hugo's RSS feeds: the home page's (`/index.xml` by default) and each main section's."""
    formats = config.get("outputformats") if isinstance(config.get("outputformats"), dict) else {}
    rss = formats.get("rss") if isinstance(formats.get("rss"), dict) else {}
    name = f"{rss['basename']}.xml" if rss.get("basename") else str(config.get("rssuri") or "index.xml")
    outputs = config.get("outputs") if isinstance(config.get("outputs"), dict) else {}

    def has_rss(kind: str) -> bool:
        return kind not in outputs or "rss" in [str(item).lower() for item in outputs[kind] or []]

    feeds = [f"{rules.prefix}/{name}"] if has_rss("home") else []
    if has_rss("section"):
        sections = main_sections(config, pages)
        feeds += [f"{rules.prefix}/{rules.sanitize(s)}/{name}" for s in sections if any(p.section == s for p in pages)]
    for feed in feeds:
        if feed == "/feed.xml":
            site.notes.append(Note(config["_source"], None, "the old RSS feed /feed.xml now serves the Atom feed"))
        elif not is_own_path(feed):
            site.rss_feeds.append(feed)


def to_date(value, source: str, config: dict, notes: list[Note]) -> date | datetime | None:
    """A front matter date for flatfolio: a date, or an aware datetime (naive ones in the site's timeZone)."""
    parsed = value if isinstance(value, datetime) else parse_date(value)
    if parsed is None:
        notes.append(Note(source, None, f"date not understood: {value!r}"))
        return None
    if isinstance(parsed, datetime) and parsed.tzinfo is None:
        if parsed.time() == datetime.min.time():
            return parsed.date()
        try:
            zone = ZoneInfo(str(config.get("timezone") or "UTC"))
        except (ZoneInfoNotFoundError, ValueError):
            zone = UTC
        parsed = parsed.replace(tzinfo=zone)
    return parsed
