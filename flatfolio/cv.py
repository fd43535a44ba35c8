"""The CV as a PDF at /cv.pdf, typeset by Typst from the site's own content.

The profile comes from site.toml, the sections from pages/experience.md (body),
pages/projects.md (`projects:`), the publications (`_publications`) and
pages/courses.md (body). Python turns them into plain data (Markdown becomes blocks of
styled text runs) and templates/cv.typ lays that data out, reading it as JSON: no text
is ever Typst markup, so no title can break or inject into the document. The PDF is
kept in `.cache/cv/` under a hash of exactly that data, the template and Typst's
version, so only a change to what the CV shows makes it again.
"""

import contextlib
import json
import re
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from flask import Flask, Response, current_app

from .bibliography import publications
from .cache import hash_parts, installed_versions
from .content.model import Page
from .content.site import Site
from .problems import Problem
from .store import Store
from .typeset import TypesetError, typeset
from .views import _site, base_url

EXTENSION = "flatfolio.cv"
TEMPLATE = "cv.typ"  # in the templates folder, beside the HTML templates it matches
STORE_VERSION = "1"  # bump when the data given to the template changes shape
SECTIONS = ("experience", "projects", "publications", "courses")  # page paths, in CV order
LABELS = {"github": "GitHub", "linkedin": "LinkedIn", "scholar": "Google Scholar"}
LINK_SCHEMES = ("http", "https", "mailto")
MAX_PAGES = 2  # a longer CV builds, with a warning from `check`
KEEP = 4  # CVs kept in .cache/cv/: the dev server's and the build's (their base URLs may differ), and older ones


def _publications(site: Site) -> list[dict]:
    """The publications page's entries (its .bib file's, then its `publications:` list), as CV data.

    `bibliography.publications` records the .bib file as used, so an edit of it makes the CV again.
    """
    page = site.pages.get("publications")
    if page is None:
        return []
    return [{
        "title": item.title, "venue": item.venue, "kind": item.kind, "year": item.year, "links": item.links,
        "authors": [{"name": author.name, "owner": author.owner} for author in item.authors], "et_al": item.et_al,
    } for item in publications(site, page)]  # fmt: skip


def _absolute(href: str, page_url: str, base: str) -> str | None:
    """A link as a reader of the PDF can follow it (absolute), or None when it leads nowhere outside the page."""
    if not href or href.startswith("#"):
        return None
    if href.startswith("/") and not href.startswith("//"):  # root-relative: inside the site's base path
        href = urlsplit(base).path.rstrip("/") + href
    url = urljoin(page_url, href)
    return url if urlsplit(url).scheme in LINK_SCHEMES else None


def _link_list(links: dict, base: str) -> list[dict]:
    """{kind: url} of a project or publication as [{label, url}], absolute; empty addresses left out."""
    found = [(kind, _absolute(url, base, base)) for kind, url in (links or {}).items() if url]
    return [{"label": kind if kind[:1].isupper() else kind.capitalize(), "url": url} for kind, url in found if url]


def _runs(inline, style: dict, page_url: str, base: str) -> list[dict]:
    """The text runs of an inline node, each {text, bold, italic, code, link} (or {break: true})."""
    runs = []
    for node in inline.children:
        kind = node.type
        if kind in ("text", "code_inline") and node.content:  # markdown-it leaves empty texts around emphasis
            runs.append({**style, "text": node.content, "code": kind == "code_inline"})
        elif kind == "softbreak":
            runs.append({**style, "text": " ", "code": False})
        elif kind == "hardbreak":
            runs.append({"break": True})
        elif kind in ("strong", "em", "s"):
            key = {"strong": "bold", "em": "italic", "s": "strike"}[kind]
            runs += _runs(node, {**style, key: True}, page_url, base)
        elif kind == "link":
            link = _absolute(node.attrs.get("href", ""), page_url, base) or style.get("link")
            runs += _runs(node, {**style, "link": link}, page_url, base)
        elif kind == "image":  # a PDF of text: the image's description stands in for it
            runs.append({**style, "text": node.content, "code": False})
        # html_inline: markup for browsers, nothing to typeset
    return runs


PLAIN = {"bold": False, "italic": False, "strike": False, "link": None}


def _blocks(nodes, page_url: str, base: str) -> list[dict]:
    """Markdown block nodes as CV blocks: heading, par, list, code, quote (raw HTML and rules dropped)."""
    blocks = []
    for node in nodes:
        kind = node.type
        if kind == "heading":
            runs = _runs(node.children[0], PLAIN, page_url, base)
            blocks.append({"type": "heading", "level": int(node.tag[1]), "runs": runs})
        elif kind == "paragraph":
            blocks.append({"type": "par", "runs": _runs(node.children[0], PLAIN, page_url, base)})
        elif kind in ("bullet_list", "ordered_list"):
            items = [_blocks(item.children, page_url, base) for item in node.children]
            blocks.append({"type": "list", "ordered": kind == "ordered_list", "items": items})
        elif kind in ("fence", "code_block"):
            blocks.append({"type": "code", "text": node.content.rstrip("\n")})
        elif kind == "blockquote":
            blocks.append({"type": "quote", "blocks": _blocks(node.children, page_url, base)})
        elif kind == "table":  # one line per row, cells apart
            for row in (row for part in node.children for row in part.children):
                runs = []
                for cell in row.children:
                    if runs:
                        runs.append({**PLAIN, "text": " · ", "code": False})
                    if cell.children:
                        runs += _runs(cell.children[0], PLAIN, page_url, base)
                blocks.append({"type": "par", "runs": runs})
    return blocks


def markdown_blocks(text: str, page_url: str, base: str) -> list[dict]:
    """A Markdown body as CV blocks, its links made absolute."""
    from markdown_it import MarkdownIt  # noqa: PLC0415 -- loaded only when a CV is made
    from markdown_it.tree import SyntaxTreeNode  # noqa: PLC0415

    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    return _blocks(SyntaxTreeNode(parser.parse(text)).children, page_url, base)


def _language(code: str) -> dict:
    """Typst's `lang` and `region` from the site's language tag ("en-GB"); none when Typst would reject it."""
    lang, _, region = code.partition("-")
    found = {}
    if re.fullmatch(r"[A-Za-z]{2,3}", lang):
        found["lang"] = lang.lower()
        if re.fullmatch(r"[A-Za-z]{2}", region):
            found["region"] = region.upper()
    return found


def _newest_date(pages: list[Page]) -> str | None:
    """The newest `updated:` or `date:` of the CV's pages (the PDF's date), None when none has one."""
    dates = [value for page in pages for value in (page.updated, page.date) if value is not None]
    newest = max((value.date() if isinstance(value, datetime) else value for value in dates), default=None)
    return newest.isoformat() if isinstance(newest, date) else None


def cv_data(site: Site, base: str) -> dict:
    """Everything the CV shows, as plain data; reading a page's body records it as a use (incremental freezes)."""
    config = site.config
    pages = {name: site.pages[name] for name in SECTIONS if name in site.pages}
    links = [{"label": re.sub(r"^https?://", "", base).rstrip("/"), "url": base}]  # as a printed copy shows it
    links += [{"label": LABELS.get(name, name.capitalize()), "url": url} for name, url in config.social.items()
              if name != "resume" and _absolute(url, base, base)]  # fmt: skip
    sections, keywords = [], []
    for name, page in pages.items():
        page_url = base + page.url.lstrip("/")
        section = {"name": name, "title": page.title}
        if name == "projects":
            projects = page.projects
            section["items"] = [{
                "title": item["title"], "context": item.get("context") or "", "summary": item.get("summary") or "",
                "links": _link_list(item.get("links"), base),
            } for item in projects]  # fmt: skip
            keywords += [tag.name for item in projects for tag in item.get("tags") or ()]
        elif name == "publications":
            section["items"] = [{
                "title": item["title"], "venue": item.get("venue") or "", "kind": item.get("kind") or "",
                "year": str(item.get("year") or ""), "links": _link_list(item.get("links"), base),
                "authors": [{"name": a["name"], "owner": bool(a.get("owner"))} for a in item.get("authors") or ()],
                "et_al": bool(item.get("et_al")),
            } for item in _publications(site)]  # fmt: skip
        else:
            page.note_body_use()  # the CV shows this body: an edit of it must make the CV again
            section["blocks"] = markdown_blocks(page.file.body, page_url, base)
        if section.get("items") or section.get("blocks"):
            sections.append(section)
    return {
        "title": f"{config.author}: curriculum vitae", "author": config.author, "role": config.role,
        "location": config.location, "email": config.email, "open_to": config.open_to, "links": links,
        "paper": config.cv_paper, "date": _newest_date(list(pages.values())), "sections": sections,
        "keywords": list(dict.fromkeys(keywords)), **_language(config.language),
    }  # fmt: skip


def template_path(app: Flask) -> Path:
    """The layout, templates/cv.typ of the app (a theme may change it like any template)."""
    return Path(app.root_path, app.template_folder or "templates", TEMPLATE)


def render(app: Flask, data: dict) -> bytes:
    """The CV's PDF for `data`: from `.cache/cv/` when the same data, template and Typst made it before."""
    template = template_path(app)
    try:
        shown = template.relative_to(app.root_path).as_posix()
    except ValueError:
        shown = str(template)
    try:
        source = template.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TypesetError(Problem(shown, "cv", f"cannot read the layout: {error}")) from None
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    key = hash_parts(installed_versions(("typst",)), source, payload)
    last = app.extensions[EXTENSION]  # the last CV made: freeze workers find the one made before they forked
    store = Store(app.extensions["flatfolio"].render_cache.root, "cv", STORE_VERSION)
    pdf = last.get(key) or store.read(key)
    if pdf is None:
        pdf = typeset(template, shown, "cv", payload)
        if store.write(key, pdf):
            _prune(store)
    last.clear()
    last[key] = pdf
    return pdf


def _prune(store: Store) -> None:
    """Keep the newest KEEP CVs (and no older layout's): every edit of the CV's pages makes a new one."""
    store.prune_other_versions()
    with contextlib.suppress(OSError):  # another process pruned first: only cache entries are at stake
        names = [entry.name for entry in store.folder.iterdir() if not entry.name.startswith(".")]  # .tmp-: writes
        for name in sorted(names, key=lambda name: (store.folder / name).stat().st_mtime_ns)[:-KEEP]:
            store.delete(name)


def problems(app: Flask, site: Site, base: str) -> list[Problem]:
    """Typeset the CV now (kept in the cache for the freeze): the layout's error, or a warning past two pages."""
    try:
        pdf = render(app, cv_data(site, base))
    except TypesetError as error:
        return [error.problem]
    pages = re.search(rb"/Type\s*/Pages\s*/Count (\d+)", pdf)  # the page tree's count, as Typst writes it
    if pages and int(pages[1]) > MAX_PAGES:
        message = f"/cv.pdf has {int(pages[1])} pages: shorten the experience or the project summaries to fit two"
        return [Problem(f"pages/{SECTIONS[0]}.md", "cv", message, warning=True)]
    return []


def cv_pdf():
    """/cv.pdf: the CV of the current content; a layout error is the answer (500, text), as on the problems page."""
    site = _site()
    try:
        pdf = render(current_app, cv_data(site, base_url()))
    except TypesetError as error:  # a freeze has reported it before making any page (`problems`)
        current_app.logger.error("%s", error)
        return Response(f"{error}\n", status=500, mimetype="text/plain")
    return Response(pdf, mimetype="application/pdf")


def init_app(app: Flask) -> None:
    """Serve /cv.pdf (Frozen-Flask freezes it like any argument-less route)."""
    app.extensions[EXTENSION] = {}  # key -> the last PDF made
    app.add_url_rule("/cv.pdf", "cv", cv_pdf)
