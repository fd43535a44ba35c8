"""Publications: a page's `bibliography:` .bib file and its `publications:` list, as plain data for pages and the CV."""

import hashlib
import mimetypes
import re
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote

from flask import Flask, current_app, has_app_context

from .content.uses import note_source_use
from .problems import Problem
from .text import slugify
from .urls import ROOT_FILES, http_url_parts

FIELD = "bibliography"
FOLDERS = (ROOT_FILES, "pages")  # watched by the dev server; files/ also publishes the .bib at the site root
KINDS = {
    "article": "paper", "inproceedings": "paper", "conference": "paper", "incollection": "paper", "inbook": "paper",
    "techreport": "report", "report": "report", "phdthesis": "thesis", "mastersthesis": "thesis", "thesis": "thesis",
    "book": "book", "proceedings": "book", "booklet": "book", "manual": "book",
}  # fmt: skip
VENUES = {
    "article": ("journal", "journaltitle"), "inproceedings": ("booktitle",), "conference": ("booktitle",),
    "incollection": ("booktitle",), "inbook": ("booktitle",), "techreport": ("institution",),
    "report": ("institution",), "phdthesis": ("school", "institution"), "mastersthesis": ("school", "institution"),
    "thesis": ("school", "institution"), "book": ("publisher",), "proceedings": ("publisher", "organization"),
}  # fmt: skip
ANY_VENUE = ("journal", "booktitle", "publisher", "institution", "school", "organization", "howpublished")
LINKS = {"url": "URL", "pdf": "PDF", "code": "Code", "slides": "Slides"}  # plus doi and eprint, and extras
NOT_LINKS = {"biburl", "bibsource", "adsurl", "adsnote", "file", "timestamp", "urldate", "crossref"}  # bookkeeping
SITE_ONLY = {"kind", "pdf", "code", "slides", "file"}  # for this site; left out of the copyable BibTeX
_ARXIV_ID = re.compile(r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$")
_DOI = re.compile(r"^(?:doi:|https?://(?:dx\.)?doi\.org/)?\s*(10\.\S+)$", re.I)


@dataclass(frozen=True)
class Author:
    """One author as shown, and whether it is the site's owner (emphasised)."""

    name: str
    owner: bool = False


@dataclass(frozen=True)
class Publication:
    """One publication as plain data, from a .bib entry or a `publications:` item (then `bibtex` is "")."""

    key: str  # the anchor id: the BibTeX key, or a slug of the title
    title: str
    authors: tuple[Author, ...] = ()
    et_al: bool = False  # the author list ends in `and others`
    venue: str = ""
    year: int | None = None
    kind: str = ""  # paper, report, thesis, book, or the entry's own `kind`
    links: dict[str, str] = field(default_factory=dict)  # label -> http(s) URL or /path, in display order
    doi: str = ""
    bibtex: str = ""  # the entry as BibTeX for copying
    source: str = ""  # the file it comes from, relative to the site root


@dataclass
class Bibliography:
    """A parsed .bib file: its content hash (a page made from it records it) and its publications."""

    path: str
    digest: str
    publications: list[Publication]
    problems: list[Problem]


def _plain_url(latex: str) -> str:
    """A URL as written in BibTeX: `\\_`, `\\%`, `\\&`, `\\#` unescaped, `\\url{}` and spaces dropped."""
    value = re.sub(r"^\\url\{(.*)\}$", r"\1", latex.strip(), flags=re.S)
    return re.sub(r"\\([_%&#$~])", r"\1", value).strip()


def _extras(entry) -> list[str]:
    """The entry's other fields that hold an http(s) URL (`poster`, `video`): each is a link named after it."""
    return [
        name for name, value in entry.fields.items()
        if name not in (*LINKS, "doi", "eprint", *NOT_LINKS) and http_url_parts(_plain_url(value))
    ]  # fmt: skip


def _links(entry) -> tuple[dict[str, str], str, list[tuple[int, str]]]:
    """(label -> URL, the DOI, problems) from an entry's link fields; empty fields give no link."""
    fields, links, problems, doi = entry.fields, {}, [], ""
    values = {name: _plain_url(value) for name, value in fields.items() if name not in NOT_LINKS}
    if values.get("doi"):
        found = _DOI.match(values["doi"])
        if found:
            doi = found.group(1)
            links["DOI"] = "https://doi.org/" + quote(doi, safe="/:;()._-")
        else:
            message = f"{entry.key}: doi: expected a DOI like 10.1145/123, got {fields['doi']!r}"
            problems.append((entry.lines["doi"], message))
    eprint, archive = values.get("eprint", ""), (values.get("archiveprefix") or values.get("eprinttype", "")).lower()
    if eprint and (archive == "arxiv" or _ARXIV_ID.match(eprint)):
        links["arXiv"] = "https://arxiv.org/abs/" + quote(eprint, safe="/.")
    for name in [*LINKS, *_extras(entry)]:
        url, label = values.get(name, ""), LINKS.get(name, name.capitalize())
        if url and not (http_url_parts(url) or (url.startswith("/") and not url.startswith("//") and " " not in url)):
            message = f"{entry.key}: {name}: expected an http(s) URL or a /path on this site, got {url!r}"
            problems.append((entry.lines.get(name, entry.line), message))
        elif url and url not in links.values():
            links.setdefault(label, url)
    order = ["URL", "DOI", "arXiv", "PDF", "Code", "Slides"]
    return {**{label: links[label] for label in order if label in links}, **links}, doi, problems


def _venue(entry) -> str:
    """Journal, booktitle, publisher, institution or school, as the entry type says; a bare URL is no venue."""
    from .bibtex import to_text  # noqa: PLC0415

    for name in (*VENUES.get(entry.type, ()), *ANY_VENUE):
        value = to_text(entry.fields.get(name, ""))
        if value and not http_url_parts(_plain_url(entry.fields[name])):
            return value
    return ""


def _year(entry) -> int | None:
    """The year (or a biblatex date's year); None for "to appear" and the like."""
    found = re.search(r"\b(\d{4})\b", entry.fields.get("year") or entry.fields.get("date", ""))
    return int(found.group(1)) if found else None


def from_entry(entry, owner, source: str) -> tuple[Publication | None, list[tuple[int, str]]]:
    """A Publication from a bibtex.BibEntry, and (line, message) for what is wrong with it."""
    from .bibtex import names, to_text  # noqa: PLC0415
    from .bibtex import source as bibtex_source  # noqa: PLC0415

    title = to_text(entry.fields.get("title", ""))
    if not title:
        return None, [(entry.lines.get("title", entry.line), f"{entry.key}: no title")]
    people, others = names(entry.fields.get("author") or entry.fields.get("editor", ""))
    links, doi, problems = _links(entry)
    publication = Publication(
        key=entry.key, title=title, authors=tuple(Author(p.full, p.same_as(owner)) for p in people),
        et_al=others, venue=_venue(entry), year=_year(entry),
        kind=to_text(entry.fields.get("kind", "")).lower() or KINDS.get(entry.type, ""),
        links=links, doi=doi, bibtex=bibtex_source(entry, {*SITE_ONLY, *_extras(entry), "crossref"}), source=source,
    )  # fmt: skip
    return publication, problems


def _where(value) -> str:
    """The .bib path a page names, checked: relative, inside files/ or pages/; ValueError otherwise."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected the path of a .bib file, like files/publications.bib, got {value!r}")
    parts = Path(value.strip()).parts
    if value.startswith("/") or ".." in parts or len(parts) < 2 or parts[0] not in FOLDERS:
        raise ValueError(f"expected a path inside files/ or pages/ (the folders the dev server watches), got {value!r}")
    return "/".join(parts)


def read(site_root: Path, path: str, author: str) -> Bibliography:
    """Parse one .bib file; everything wrong in it is a problem at its line. OSError: it cannot be read."""
    from .bibtex import names, parse  # noqa: PLC0415

    file = site_root / path
    if not stat.S_ISREG(file.stat().st_mode):  # a FIFO would block the read forever
        raise IsADirectoryError(0, "not a regular file")
    if not file.resolve().is_relative_to(site_root.resolve()):
        raise PermissionError(0, "a link leading out of the site")
    data = file.read_bytes()
    digest = hashlib.blake2b(data + author.encode(), digest_size=16).hexdigest()
    memo = current_app.extensions.get("flatfolio.bibliography") if has_app_context() else None
    if memo is not None and memo.get(path, (None,))[0] == digest:
        return memo[path][1]
    try:
        text = data.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return Bibliography(path, digest, [], [Problem(path, FIELD, f"not UTF-8 text (byte {error.start})", line)])
    entries, found = parse(text)
    owner, publications = next(iter(names(author)[0]), None), []
    containers = {entry.fields["crossref"].strip().lower() for entry in entries if "crossref" in entry.fields}
    for entry in entries:
        if entry.key.lower() in containers:  # the proceedings an entry crossrefs: not a publication of its own
            continue
        publication, more = from_entry(entry, owner, path)
        found += more
        if publication:
            publications.append(publication)
    problems = [Problem(path, FIELD, message, line) for line, message in sorted(found)]
    bibliography = Bibliography(path, digest, publications, problems)
    if memo is not None:
        memo[path] = (digest, bibliography)
    return bibliography


def load(pages, site_root: Path, author: str) -> tuple[dict[str, Bibliography], list[Problem]]:
    """The .bib file of every page that names one, by path, and the problems found (a bad path at its line)."""
    found, problems = {}, []
    for page in pages:
        if FIELD not in page.meta:
            continue
        try:
            path = _where(page.meta[FIELD])
        except ValueError as error:
            problems.append(Problem(page.source, FIELD, str(error), page.file.line_of(FIELD)))
            continue
        try:
            if path not in found:
                found[path] = read(site_root, path, author)
                problems += found[path].problems
        except OSError as error:
            message = f"{path}: cannot be read: {error.strerror or error}"
            problems.append(Problem(page.source, FIELD, message, page.file.line_of(FIELD)))
    return found, problems


def stamps(site_root: Path, page_files) -> tuple:
    """(path, inode, size, mtime) of each .bib file a page names: the dev server rebuilds when one changes."""
    named = sorted({f.front_matter[FIELD] for f in page_files if isinstance(f.front_matter.get(FIELD), str)})
    return tuple((path, _stamp(site_root / path)) for path in named)


def _stamp(path: Path) -> tuple | None:
    try:
        info = path.stat()
    except (OSError, ValueError):  # missing (reported), or a NUL in the name
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


def _from_list(items: list[dict], source: str) -> list[Publication]:
    """Publications from a page's `publications:` list (validated in content/fields.py)."""
    return [
        Publication(
            key=slugify(item["title"]),
            title=item["title"],
            venue=item.get("venue") or "",
            year=item.get("year"),
            kind=item.get("kind") or "",
            source=source,
            links={kind.capitalize(): url for kind, url in (item["links"] or {}).items() if url},
        )  # fmt: skip
        for item in items
    ]


def _bibliography_of(site, page) -> Bibliography | None:
    if FIELD not in page.meta:  # most pages: no exception raised for them
        return None
    try:
        return site.bibliographies.get(_where(page.meta[FIELD]))
    except ValueError:  # a bad path (reported)
        return None


def publications(site, page=None) -> list[Publication]:
    """The publications of one page (.bib entries, then its list), or of every page; keys are unique anchors."""
    result, keys = [], set()
    for each in [page] if page is not None else site.pages.values():
        bibliography = _bibliography_of(site, each)
        if bibliography is not None:
            note_source_use(bibliography.path)  # an incremental freeze remakes the page when the file changes
        for item in (*(bibliography.publications if bibliography else ()), *_from_list(each.publications, each.source)):
            key, number = item.key, 1
            while key in keys:
                number += 1
                key = f"{item.key}-{number}"
            keys.add(key)
            result.append(item if key == item.key else replace(item, key=key))
    return result


def year_groups(items: list[Publication]) -> list[tuple[str, list[Publication]]]:
    """(heading, publications) newest year first, undated last; one undated group alone has no heading."""
    years = sorted({item.year for item in items if item.year is not None}, reverse=True)
    groups = [(str(year), [item for item in items if item.year == year]) for year in years]
    undated = [item for item in items if item.year is None]
    if undated:
        groups.append(("Undated" if groups else "", undated))
    return groups


def _listing(page) -> tuple[list, str]:
    """What a page shows: its publications by year, and the link to its .bib file when files/ publishes it."""
    from .content.state import request_site  # noqa: PLC0415
    from .views import site_link  # noqa: PLC0415

    site = request_site()
    bibliography = _bibliography_of(site, page)
    served = "/" + bibliography.path.removeprefix(ROOT_FILES + "/") if bibliography else ""
    return year_groups(publications(site, page)), site_link(served) if served in site.routes else ""


def init_app(app: Flask) -> None:
    """Parsed .bib files kept per app, the templates' helper, and a type for published .bib files."""
    mimetypes.add_type("text/x-bibtex", ".bib")
    app.extensions["flatfolio.bibliography"] = {}  # path -> (content hash, Bibliography)
    app.jinja_env.globals.update(page_publications=_listing)
