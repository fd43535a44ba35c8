"""Checking a site without building it: content problems and links, each with file and line."""

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from . import cv
from .content.model import Entry, Page, Post
from .content.site import Site, blog_page_count
from .external import check_external, is_external
from .images import image_warnings
from .problems import Problem
from .render import make_markdown

_ID = re.compile(r'\sid="([^"{}]+)"')
# Raw HTML attributes: double-quoted, single-quoted or unquoted values.
_HTML_LINK = re.compile(r"""\b(href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.I)


_KINDS = {"href": "link", "src": "image"}


@dataclass(frozen=True)
class Link:
    """A link or image in a source file, where it is written."""

    source: str
    line: int
    url: str
    kind: str  # "link" or "image"


@dataclass
class Report:
    """What `check` found and how much it looked at."""

    problems: list[Problem]
    posts: int
    pages: int
    links: int

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.warning]

    def summary(self) -> str:
        return (
            f"Checked {self.posts} posts, {self.pages} pages, {self.links} links: "
            f"{len(self.errors)} errors, {len(self.warnings)} warnings"
        )


# --- reading links -------------------------------------------------------------------


def extract_links(entry: Entry, markdown) -> list[Link]:
    """Every link and image in an entry's Markdown body (raw HTML included), with its file line."""
    links = []
    for block in markdown.parse(entry.file.body, {}):
        if block.map is None:
            continue
        line = entry.file.body_line + block.map[0]
        if block.type == "html_block":
            links += _html_links(entry.source, line, block.content)
        for token in block.children or ():
            if token.type in ("softbreak", "hardbreak"):
                line += 1
            elif token.type == "link_open" and token.attrGet("class") != "heading-anchor":  # ours, not the author's
                links.append(Link(entry.source, line, token.attrGet("href") or "", "link"))
            elif token.type == "image":
                links.append(Link(entry.source, line, token.attrGet("src") or "", "image"))
            elif token.type == "html_inline":
                links += _html_links(entry.source, line, token.content)
    return links


def _html_links(source: str, line: int, html: str) -> list[Link]:
    """href and src values in raw HTML, located by counting newlines before each."""
    return [
        Link(source, line + html.count("\n", 0, start), value, _KINDS[name])
        for start, name, value in raw_html_links(html)
    ]


def raw_html_links(html: str) -> list[tuple[int, str, str]]:
    """(offset, "href" or "src", value) of each link in raw HTML, quoted either way or not at all."""
    return [
        (match.start(), match.group(1).lower(), next(v for v in match.groups()[1:] if v is not None))
        for match in _HTML_LINK.finditer(html)
    ]


def anchor_ids(entry: Entry, markdown) -> set[str]:
    """The ids a reader can link to in an entry: heading ids, footnote ids, raw HTML ids."""
    return set(_ID.findall(markdown.render(entry.file.body)))


def template_ids(template_folder: Path) -> set[str]:
    """Literal ids written in the templates (e.g. the skip link's #main), present on every page."""
    ids = set()
    for template in sorted(template_folder.rglob("*.html")):
        ids.update(_ID.findall(template.read_text(encoding="utf-8")))
    return ids


# --- internal links ------------------------------------------------------------------


class LinkChecker:
    """Resolves internal links against the site's routes and content, as a build would serve them."""

    def __init__(self, app: Flask, site: Site):
        self.app, self.site = app, site
        self.adapter = app.url_map.bind("localhost")
        self.markdown = make_markdown()
        self.static_folder = Path(app.static_folder) if app.static_folder else None
        self.shared_ids = template_ids(Path(app.root_path, app.template_folder or "templates"))
        self._ids: dict[str, set[str]] = {}
        posts = site.posts
        self.posts = {True: posts, False: [p for p in posts if not p.hidden]}
        self.tags = {hidden: {tag.slug for post in self.posts[hidden] for tag in post.tags} for hidden in (True, False)}

    def ids_of(self, entry: Entry) -> set[str]:
        if entry.source not in self._ids:
            self._ids[entry.source] = anchor_ids(entry, self.markdown) | self.shared_ids
        return self._ids[entry.source]

    def check(self, entry: Entry, link: Link) -> str | None:
        """Why an internal link is broken, or None when it resolves (outside links are not looked at)."""
        parts = urlsplit(link.url)
        if parts.scheme or parts.netloc or not link.url.strip():
            return None
        if not parts.path:  # "#anchor" on the same page
            if parts.fragment and unquote(parts.fragment) not in self.ids_of(entry):
                return "no heading or footnote with this id on the page"
            return None
        path = unquote(urljoin(entry.url, parts.path))
        # A draft may link to other drafts; a published entry only to what gets published.
        with_hidden = entry.draft or (isinstance(entry, Post) and entry.hidden)
        target, problem = self._resolve(path, with_hidden)
        if problem:
            return problem
        if parts.fragment and target is not None and unquote(parts.fragment) not in self.ids_of(target):
            return f"{target.source} has no heading or footnote with the id {parts.fragment!r}"
        return None

    def resolve_published(self, path: str) -> bool:
        """Whether a published post or page, a redirect, a file or a site page answers at `path`."""
        return self._resolve(path, with_hidden=False)[1] is None

    def _resolve(self, path: str, with_hidden: bool) -> tuple[Entry | None, str | None]:
        """The entry a path shows (if any) and the reason it does not exist (if so)."""
        route = self.site.routes.get(path) or self.site.routes.get(path + "/")  # /about -> /about/ as hosts do
        if route is not None and route.kind == "entry":
            target = route.target
            if not with_hidden and (target.draft or (isinstance(target, Post) and target.hidden)):
                kind = "post" if isinstance(target, Post) else "page"
                return None, f"the {kind} {target.source} is a draft or scheduled: it is not published"
            return target, None
        if route is not None:
            return None, None  # a redirect, a file of files/ or a feed
        try:
            endpoint, args = self.adapter.match(path, method="GET")
        except RequestRedirect as redirect:  # /about -> /about/: static hosts do the same
            return self._resolve(urlsplit(redirect.new_url).path, with_hidden)
        except HTTPException:
            return None, "nothing is served at this URL"
        if endpoint == "entry":  # nothing claimed this path
            posts_prefix = self.site.config.post_url.split("{", 1)[0]
            return None, f"no {'post' if path.startswith(posts_prefix) and posts_prefix != '/' else 'page'} at this URL"
        if endpoint == "series":  # every series page is a route: there is none here
            return None, "no series at this URL"
        if endpoint == "home":
            home = self.site.pages.get("")
            return (home if home and (with_hidden or not home.draft) else None), None
        if endpoint in ("tag", "tag_feed") and args["slug"] not in self.tags[with_hidden]:
            return None, f"no post has the tag {args['slug']!r}"
        if endpoint == "blog_page":
            count = blog_page_count(len(self.posts[with_hidden]), self.site.config.posts_per_page)
            if not 2 <= args["number"] <= count:
                return None, f"the blog has {count} page{'s' if count > 1 else ''}"
        if endpoint == "static" and not self._static_file_exists(args["filename"]):
            return None, "no such file in static/"
        return None, None

    def _static_file_exists(self, filename: str) -> bool:
        if self.static_folder is None:
            return False
        target = (self.static_folder / filename).resolve()
        return target.is_relative_to(self.static_folder.resolve()) and target.is_file()


# --- the whole check -----------------------------------------------------------------


def check_site(app: Flask, site: Site, external: bool = False, timeout: float = 10.0) -> Report:
    """Every content problem and broken link of a site loaded with drafts, in file and line order.

    `site` must include drafts (SHOW_DRAFTS): their front matter and links are checked too.
    """
    problems = list(site.problems)
    if site.config is None:
        return Report(problems, 0, 0, 0)
    entries: list[Entry] = [*site.posts, *site.pages.values()]
    for entry in entries:
        if isinstance(entry, Post) and not entry.summary:
            problems.append(
                Problem(
                    entry.source,
                    "summary",
                    "none: add 'summary:' or start with a paragraph",
                    entry.file.body_line,
                    warning=True,
                )  # fmt: skip
            )
    outside: list[Link] = []
    count = [0]
    problems += internal_link_problems(app, site, outside, count)
    problems += cv.problems(app, site, app.config.get("BASE_URL") or site.config.base_url)  # its layout typesets
    if external:
        problems += check_external(outside, timeout)
    problems.sort(key=lambda p: (p.path, p.line or 0, p.field, p.message))
    pages = sum(isinstance(entry, Page) for entry in entries)
    return Report(problems, posts=len(entries) - pages, pages=pages, links=count[0])


def internal_link_problems(app: Flask, site: Site, outside: list | None = None, count: list | None = None) -> list:
    """Broken internal links of every entry (warnings under `links = "warn"`); outside links go to `outside`."""
    checker = LinkChecker(app, site)
    warn = site.config.links == "warn"  # the author chose to build with links that were already dead
    problems = []
    for entry in [*site.posts, *site.pages.values()]:
        if outside is not None and isinstance(entry, Post) and entry.external_url:
            outside.append(Link(entry.source, entry.file.line_of("external_url") or 2, entry.external_url, "link"))
        for link in extract_links(entry, checker.markdown):
            if count is not None:
                count[0] += 1
            if is_external(link.url):
                if outside is not None:
                    outside.append(link)
                continue
            reason = checker.check(entry, link)
            if reason is None and link.kind == "image":  # it resolves: can it be read?
                problems += image_warnings(site, entry, link)
            if reason:
                problems.append(Problem(link.source, link.kind, f"{link.url}: {reason}", link.line, warning=warn))
    for index, item in enumerate(site.config.nav):  # every page shows the nav: a dead nav link breaks them all
        path = urlsplit(item.url).path
        if item.url.startswith("/") and not item.url.startswith("//") and not checker.resolve_published(path):
            problems.append(Problem("site.toml", f"nav[{index}]", f"{item.url}: no page at this URL", warning=warn))
    return problems
