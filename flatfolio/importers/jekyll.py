"""Reading a Jekyll site: posts, drafts, pages and collections with their old URLs, static files and feeds."""

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from ..text import slugify as flatfolio_slug
from . import jekyll_liquid as liquid
from .convert import (
    FrontMatterError,
    convert_math,
    expand_pattern,
    front_date,
    keep_dollars,
    math_switched,
    parse_date,
    plain_text,
    post_name,
    served_path,
    split_front_matter,
    theme_loads_math,
)
from .jekyll_files import Found, collections, defaults_for, feed_paths, read_config, walk
from .jekyll_urls import fill, flatfolio_pattern, page_template, post_values, slugify, template_of
from .links import is_own_path
from .model import ImportedEntry, ImportedFile, Note, OldSite

POST_FILE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})-(.+)\.([^.]+)$")
MARKUP = (".md", ".markdown", ".mkdown", ".mkdn", ".mkd", ".html", ".htm")
# Keys Jekyll acts on: converted into flatfolio keys, so not carried over as they are.
USED = {"layout", "permalink", "redirect_from", "redirect_to", "published", "excerpt", "excerpt_separator",
        "date", "title", "slug", "category", "categories", "tags"}  # fmt: skip
LISTING = re.compile(r"\{%-?\s*for\s+\w+\s+in\s+(?:site\.|paginator\.)|\bpaginator\.")


def looks_like(root: Path) -> bool:
    """A Jekyll site has a `_posts/` folder and `_config.yml` (or `_config.yaml`), or, in old sites, `_layouts/`."""
    has_config = any((root / name).is_file() for name in ("_config.yml", "_config.yaml"))
    return (root / "_posts").is_dir() and (has_config or (root / "_layouts").is_dir())


@dataclass
class Doc:
    """A post, draft, page or collection document, read and placed, before its body is converted."""

    found: Found
    front: dict
    body: str
    body_line: int
    url: str | None
    when: date | datetime | None = None
    slug: str = ""


def read_site(root: Path) -> OldSite:
    """Everything a Jekyll site in `root` published, as flatfolio will write it."""
    old = OldSite("jekyll")
    config = read_config(root, old.notes)
    setting = config.get("permalink") or "date"
    template = template_of(setting)
    old.post_pattern = flatfolio_pattern(template)
    if old.post_pattern and not template.endswith(("/", ":output_ext", ".html")):
        old.notes.append(Note("_config.yml", None, f"post URLs without .html ({template}) are written as .html"))
    docs = []
    for found in walk(root, config, old.notes):
        if found.role == "static":
            if found.rel == "CNAME":
                old.notes.append(Note("CNAME", None, "not copied: set cname in site.toml (publish writes CNAME)"))
            else:
                old.files.append(ImportedFile(found.rel, source=found.path))
            continue
        doc = read_doc(root, found, config, template, setting, old)
        if doc is not None:
            docs.append(doc)
    old.atom_feeds += feed_paths(config)
    context = liquid.Context(
        post_urls={key: d.url for d in docs if d.found.role == "post" for key in post_keys(d.found)},
        link_urls={d.found.rel: d.url for d in docs} | {f.path: "/" + f.path for f in old.files},
        baseurl=str(config.get("baseurl") or "").strip(),
    )
    theme_math = theme_loads_math([root / "_layouts", root / "_includes"])
    for doc in docs:
        entry = make_entry(doc, config, context, old, theme_math)
        if entry is not None:
            old.entries.append(entry)
    old.conversions.update(context.conversions)
    old.notes += context.notes
    return old


def post_keys(found: Found) -> list[str]:
    """The names `{% post_url %}` can use for a post: its file name, and its path below `_posts/`."""
    within = found.rel.split("_posts/", 1)[-1].rsplit(".", 1)[0]
    return [within.rsplit("/", 1)[-1], within]


def read_doc(root: Path, found: Found, config: dict, template: str, setting, old: OldSite) -> Doc | None:
    """Read one document's front matter and work out its old URL; None (with a note) when it is skipped."""
    try:
        text = found.path.read_text(encoding="utf-8-sig")
        front, body, body_line = split_front_matter(text, closers=("---", "..."))
    except UnicodeDecodeError:
        old.notes.append(Note(found.rel, None, "not UTF-8 text: skipped"))
        return None
    except OSError as error:
        old.notes.append(Note(found.rel, None, f"cannot be read: {error.strerror or error}"))
        return None
    except FrontMatterError as error:
        old.notes.append(Note(found.rel, error.line, f"{error}: skipped"))
        return None
    name = found.path.name
    if front is None:
        if found.role in ("post", "draft", "doc") and name.lower().endswith(MARKUP):
            old.notes.append(Note(found.rel, 1, "no front matter, so Jekyll did not publish it: skipped"))
        return None
    kind = {"post": "posts", "draft": "drafts", "doc": found.collection}.get(found.role, "pages")
    front = {**defaults_for(config, found.rel, kind), **front}
    if found.role == "generated":
        generated(found, front, body, old)
        return None
    if not name.lower().endswith(MARKUP):
        return None  # e.g. a .scss file below _posts: not content
    doc = Doc(found, front, body, body_line, None)
    if found.role in ("post", "draft"):
        return place_post(doc, template, old)
    if LISTING.search(body) or name.split(".")[0] == "404":
        what = "a 404 page" if name.startswith("404") else "a listing made by Liquid"
        old.notes.append(Note(found.rel, None, f"{what}: not imported, flatfolio makes its own"))
        return None
    return place_page(doc, config, setting, old)


def generated(found: Found, front: dict, body: str, old: OldSite) -> None:
    """A non-HTML file made by Liquid (a feed template, a sitemap): feeds are kept, the rest noted."""
    url = "/" + str(front.get("permalink") or found.rel).lstrip("/")
    if "<feed" in body:
        old.atom_feeds.append(url)
    elif "<rss" in body:
        old.rss_feeds.append(url)
    elif is_own_path(url):
        old.notes.append(Note(found.rel, None, f"made by Liquid: not imported, flatfolio serves its own {url}"))
    elif not found.rel.endswith((".scss", ".sass", ".css")):
        old.notes.append(Note(found.rel, None, f"made by Liquid: not imported, {url} will not answer"))


def place_post(doc: Doc, template: str, old: OldSite) -> Doc | None:
    """A post's date, slug and old URL from its file name, front matter and the permalink setting."""
    found, front = doc.found, doc.front
    match = POST_FILE.match(found.path.name)
    if found.role == "post" and not match:
        old.notes.append(Note(found.rel, None, "no YYYY-MM-DD- date in its name, so Jekyll skipped it: skipped"))
        return None
    stem = found.path.name.rsplit(".", 1)[0]
    doc.slug = str(front.get("slug") or (match.group(2) if match else stem)).rstrip(".")
    doc.when = parse_date(front.get("date")) if front.get("date") else None
    if doc.when is None:
        if front.get("date"):
            old.notes.append(Note(found.rel, None, f"date {front['date']!r} not understood: the file name's date used"))
        doc.when = parse_date(match.group(1)) if match else date.fromtimestamp(found.path.stat().st_mtime)
        if not match and not front.get("date"):
            old.notes.append(Note(found.rel, None, "a draft without a date: dated by the file's time"))
    categories = list(found.categories) + _names(front, "category", "categories")
    values = post_values(doc.when, doc.slug, categories, ".html", found.rel.split("_posts/", 1)[-1])
    doc.url = _url(doc, fill(str(front.get("permalink") or template), values), "permalink" in front, old)
    return doc


def place_page(doc: Doc, config: dict, setting, old: OldSite) -> Doc:
    """A page's or collection document's old URL (lib/jekyll/page.rb, Page#template and #url)."""
    found, front = doc.found, doc.front
    folder, _, name = found.rel.rpartition("/")
    basename = name.rsplit(".", 1)[0]
    if found.role == "doc":
        meta = collections(config)[found.collection]
        default = page_template(setting, ".html", False).replace(":path/:basename", ":collection/:path")
        template = str(meta.get("permalink") or default)
        within = found.rel.split(f"_{found.collection}/", 1)[-1].rsplit(".", 1)[0]
        values = {"collection": found.collection, "path": within, "name": slugify(basename), "output_ext": ".html"}
        values["title"] = slugify(str(front.get("slug") or basename), "pretty", cased=True)
        values["slug"] = slugify(basename)
    else:
        template = page_template(setting, ".html", basename == "index")
        values = {"path": folder, "basename": basename, "output_ext": ".html"}
    if front.get("permalink"):
        template = str(front["permalink"])
    doc.url = _url(doc, fill(template, values), "permalink" in front, old)
    return doc


def _url(doc: Doc, url: str, per_file: bool, old: OldSite) -> str | None:
    """The served form of an old URL, noting a per-file URL that had to change or cannot be kept."""
    served = served_path(url)
    if served is None:
        old.notes.append(Note(doc.found.rel, None, f"old URL {url} cannot be served by flatfolio: not kept"))
    elif served != url and per_file:
        old.notes.append(Note(doc.found.rel, None, f"old URL {url} is written as {served} (hosts serve both)"))
    return served


def _names(front: dict, single: str, plural: str) -> list[str]:
    """Jekyll's pluralized_array_from_hash: a `category` string, or `categories` as a list or spaced string."""
    if front.get(single) is not None:
        value = front[single]
        return [str(item) for item in value if item is not None] if isinstance(value, list) else [str(value)]
    value = front.get(plural)
    if isinstance(value, list):
        return [str(item) for item in value if item is not None]
    return str(value).split() if value is not None else []


def make_entry(doc: Doc, config: dict, context: liquid.Context, old: OldSite, theme_math=False) -> ImportedEntry | None:
    """The flatfolio entry for a document: converted body, flatfolio front matter, old URL and aliases."""
    found, front = doc.found, doc.front
    body = liquid.convert(doc.body, found.rel, doc.body_line, context, front)
    body = liquid.convert_kramdown(body, context.baseurl, context)
    if not (theme_math or math_switched(config, front)):  # kramdown never reads a lone $ as math; MathJax may
        body, kept = keep_dollars(body)
        if kept:
            old.conversions["dollars kept as text"] += kept
    body, math = convert_math(body, single_backslash=False, kramdown=True)
    if math:
        old.conversions["math"] += math
    summary, body = excerpt(front, config, body, old)
    is_post = found.role in ("post", "draft")
    slug = flatfolio_slug(doc.slug or found.path.stem) or "post"
    title = str(front.get("title") or "").strip() or _titleize(doc.slug or found.path.stem)
    out: dict = {"title": title}
    if is_post:
        out["date"] = front_date(doc.when)
        name = post_name(doc.when, slug)
        default = expand_pattern(old.post_pattern, doc.when, slug) if old.post_pattern else None
    else:
        if parse_date(front.get("date")):
            out["date"] = front_date(parse_date(front["date"]))
        name = page_name(doc.url or "/" + found.rel)
        default = "/" if name == "index.md" else "/" + name[: -len(".md")] + "/"
    if doc.url and doc.url != default:
        out["url"] = doc.url
    aliases = [a for a in redirects(front, found.rel, old) if a != doc.url]
    if aliases:
        out["aliases"] = aliases
    categories = list(found.categories) + _names(front, "category", "categories")
    tags = list(dict.fromkeys(categories + _names(front, "tag", "tags")))
    if tags and is_post:
        out["tags"] = tags
    if categories:
        out["categories"] = categories
    if summary:
        out["summary"] = summary
    if found.role == "draft" or front.get("published") is False:
        out["draft"] = True
    if isinstance(front.get("redirect_to"), str) and is_post:
        out["external_url"] = front["redirect_to"]
    out |= {key: value for key, value in front.items() if key not in USED and key not in out}
    return ImportedEntry("post" if is_post else "page", found.rel, name, out, body)


def page_name(url: str) -> str:
    """The file below pages/ for a page's URL: `/about.html` and `/about/` are both `about.md`."""
    path = url.strip("/").removesuffix(".html")
    if not path or path == "index":
        return "index.md"
    return "/".join(flatfolio_slug(part) or "page" for part in path.split("/")).removesuffix("/index") + ".md"


def redirects(front: dict, source: str, old: OldSite) -> list[str]:
    """`redirect_from` (jekyll-redirect-from) as aliases in the form flatfolio serves."""
    value = front.get("redirect_from")
    aliases = []
    for path in [value] if isinstance(value, str) else value if isinstance(value, list) else []:
        served = served_path(str(path))
        if served is None:
            old.notes.append(Note(source, None, f"redirect_from {path} cannot be served by flatfolio: not kept"))
            continue
        if served != "/" + str(path).lstrip("/"):
            old.notes.append(Note(source, None, f"redirect_from {path} is written as {served} (hosts serve both)"))
        aliases.append(served)
    return list(dict.fromkeys(aliases))


def excerpt(front: dict, config: dict, body: str, old: OldSite) -> tuple[str | None, str]:
    """(summary, body): `excerpt:` as text, or the text before a configured separator, which is removed."""
    if isinstance(front.get("excerpt"), str) and front["excerpt"].strip():
        old.conversions["summary"] += 1
        return plain_text(front["excerpt"]), body
    separator = front.get("excerpt_separator") or config.get("excerpt_separator")
    if not isinstance(separator, str) or not separator.strip() or separator not in body:
        return None, body
    before, after = body.split(separator, 1)
    old.conversions["summary"] += 1
    return plain_text(before) or None, before.rstrip() + "\n\n" + after.lstrip()


def _titleize(slug: str) -> str:
    """Jekyll's titleize_slug: `my-first-post` -> `My First Post`."""
    return " ".join(word[:1].upper() + word[1:] for word in re.split(r"[-_\s]+", slug) if word) or "Untitled"
