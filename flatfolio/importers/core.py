"""An import from start to end: detect the generator, read the old site, settle URLs, write, report."""

import os
from dataclasses import dataclass, field
from pathlib import Path

import tomlkit

from ..urls import SITE_FILES, SITE_FOLDERS, clean_path, is_junk, output_file
from . import GENERATORS, reader
from .links import DEFAULT_POST_PATTERN, dead_links, entry_url, is_own_path, old_urls
from .model import ImportedFile, Note, OldSite
from .write import Outcome, current_urls, read_site_toml, update_urls, write_site

OLD_URLS_FILE = ".cache/import/old-urls.txt"


class ImportFailure(Exception):
    """The import cannot go on; `status` is the command's exit status (2 usage, 3 nothing imported)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


@dataclass
class Result:
    """Everything an import did, for the report."""

    generator: str
    old: OldSite
    outcome: Outcome
    dead: list[Note]
    toml_changes: list[str]
    urls: list[str]  # old URLs kept
    notes: list[Note] = field(default_factory=list)  # the importer's own notes (URL pattern, feeds)
    dry_run: bool = False


def detect(root: Path) -> str:
    """The generator that built the site in `root`, from its files; raises when none or several fit."""
    found = [name for name in GENERATORS if _looks_like(name, root)]
    if len(found) == 1:
        return found[0]
    if not found:
        raise ImportFailure(
            f"{root}: not a Hugo, Jekyll or Pelican site (no hugo.toml/config.toml + content/, "
            "_config.yml + _posts/, or pelicanconf.py); give --from hugo|jekyll|pelican",
            2,
        )
    raise ImportFailure(f"{root}: looks like {' and '.join(found)}; choose one with --from", 2)


def _looks_like(generator: str, root: Path) -> bool:
    """True when `root` has the files of `generator`; a reader that cannot load answers no."""
    try:
        return bool(reader(generator).looks_like(root))
    except Exception:  # a missing or broken reader module must not stop the others from detecting
        return False


def check_folder(root: Path) -> None:
    """Raise a usage error unless `root` is a folder this process can list."""
    if not root.exists():
        raise ImportFailure(f"{root}: no such folder", 2)
    if not root.is_dir():
        raise ImportFailure(f"{root}: not a folder", 2)
    try:
        os.listdir(root)
    except OSError as error:
        raise ImportFailure(f"{root}: cannot be read: {error.strerror or error}", 2) from None


def import_site(
    site_root: Path, source: Path, generator: str | None = None, dry_run: bool = False, theme=frozenset()
) -> Result:
    """Import the site in `source` into the flatfolio site in `site_root` (nothing written when `dry_run`).

    `theme`: the theme's static files ("static/style.css"): an old file at one of those paths is skipped.
    """
    check_folder(source)
    generator = generator or detect(source)
    try:
        module = reader(generator)
    except Exception as error:
        raise ImportFailure(f"the {generator} importer cannot be loaded: {type(error).__name__}: {error}", 3) from None
    toml_path = site_root / "site.toml"
    try:
        document = read_site_toml(toml_path)
    except Exception as error:
        raise ImportFailure(str(error), 2) from None
    try:
        old = module.read_site(source)
    except Exception as error:  # a reader bug must not end in a traceback; the author gets the reason
        raise ImportFailure(f"the {generator} reader failed on {source}: {type(error).__name__}: {error}", 3) from None
    if not old.entries and not old.files:
        raise ImportFailure(f"{source}: nothing to import (no posts, pages or files found)", 3)

    notes: list[Note] = []
    # Litter (.gitignore, backups) is never published from files/, so it cannot keep an old URL: left out.
    old.files = [file for file in old.files if not any(is_junk(part) for part in file.path.split("/"))]
    old.files = [file for file in old.files if not site_writes(file, source, notes, theme)]
    pattern, new_pattern = settle_post_pattern(site_root, old, current_urls(document), notes)
    drop_second_claims(old, pattern, notes)
    atom, rss = own_feed_paths(old, pattern, notes)
    urls = old_urls(old, pattern)
    dead = dead_links(old, source, pattern, extra=set())
    changes = update_urls(document, new_pattern, atom, rss, warn_links=bool(dead))
    outcome = write_site(site_root, old, dry_run)
    if not dry_run:
        try:
            if changes:
                toml_path.write_text(tomlkit.dumps(document), encoding="utf-8")
            listing = site_root / OLD_URLS_FILE
            listing.parent.mkdir(parents=True, exist_ok=True)
            listing.write_text("".join(url + "\n" for url in urls), encoding="utf-8")
        except OSError as error:
            outcome.failed.append(Note(str(error.filename or toml_path), None, f"cannot write: {error.strerror}"))
    return Result(generator, old, outcome, dead, changes, urls, notes, dry_run)


def drop_second_claims(old: OldSite, pattern: str, notes: list[Note]) -> None:
    """The old site served one thing per path: an alias or file at a path an entry or earlier alias took is dropped.

    Entries keep their paths (a clash between two entries is flatfolio's to report, naming both).
    """
    taken = {}
    for entry in old.entries:
        taken.setdefault(_file_of(entry_url(entry, pattern)), entry.source)
    for entry in old.entries:
        aliases = entry.front.get("aliases")
        if not aliases:
            continue
        kept = []
        for alias in aliases:
            owner = taken.setdefault(_file_of(str(alias)), entry.source)
            if owner == entry.source and _file_of(str(alias)) != _file_of(entry_url(entry, pattern)):
                kept.append(alias)
            else:
                notes.append(Note(entry.source, None, f"alias {alias} dropped: the old site served {owner} there"))
        if kept:
            entry.front["aliases"] = kept
        else:
            del entry.front["aliases"]
    files = []
    for file in old.files:
        owner = taken.setdefault(_file_of("/" + file.path), None)
        if owner is None:
            files.append(file)
        else:
            notes.append(Note(file.path, None, f"file dropped: the old site served {owner} at /{file.path}"))
    old.files = files


def _file_of(path: str) -> str:
    """The build file a path is written to ("/a" and "/a/" are one), as flatfolio will write it."""
    try:
        return output_file(clean_path(path))
    except ValueError:
        return output_file(path)


def site_writes(file: ImportedFile, source: Path, notes: list[Note], theme=frozenset()) -> bool:
    """True (and a note) for an old file at a path flatfolio writes itself (robots.txt, code.css, tags/...)."""
    own = file.path in SITE_FILES or file.path in theme or file.path.startswith(tuple(SITE_FOLDERS))
    if not (own or is_own_path("/" + file.path)):
        return False
    where = file.path
    if file.source is not None:
        where = Path(os.path.relpath(file.source, source)).as_posix()
    notes.append(Note(where, None, f"flatfolio serves /{file.path} itself: file skipped"))
    return True


def settle_post_pattern(site_root: Path, old: OldSite, urls: dict, notes: list[Note]) -> tuple[str, str | None]:
    """(the post URL pattern the site will use, the value to set in site.toml or None).

    The old pattern is adopted only when the site has no other posts whose URLs it would move;
    otherwise every imported post gets its old URL written out as `url:`.
    """
    current = urls.get("post")
    if old.post_pattern and current == old.post_pattern:
        return current, None
    imported = {entry.name for entry in old.entries if entry.kind == "post"}
    posts = site_root / "posts"
    names = [path.name for path in posts.iterdir()] if posts.is_dir() else []
    others = [name for name in names if name.endswith((".md", ".markdown")) and name not in imported]
    if old.post_pattern and current is None and not others:
        return old.post_pattern, old.post_pattern
    pattern = current or DEFAULT_POST_PATTERN
    if old.post_pattern:
        reason = f"urls.post is already {current!r}" if current else f"{len(others)} posts are already in posts/"
        notes.append(
            Note("site.toml", None, f"old post URLs {old.post_pattern} kept with url: on each post ({reason})")
        )
        for entry in old.entries:
            if entry.kind == "post" and not entry.front.get("url"):
                entry.front = _with_url(entry.front, entry_url(entry, old.post_pattern))
    return pattern, None


def _with_url(front: dict, url: str) -> dict:
    """`front` with `url:` placed right after the date, where readers put it."""
    ordered = {}
    for key, value in front.items():
        ordered[key] = value
        if key == "date":
            ordered["url"] = url
    ordered.setdefault("url", url)
    return ordered


def own_feed_paths(old: OldSite, pattern: str, notes: list[Note]) -> tuple[list[str], list[str]]:
    """The old feed paths that need an entry in site.toml: not flatfolio's own, not taken by a page or file."""
    taken = {"/" + file.path for file in old.files} | {entry_url(entry, pattern) for entry in old.entries}
    kept = []
    for paths in (old.atom_feeds, old.rss_feeds):
        mine = []
        for path in dict.fromkeys(paths):
            if is_own_path(path):
                continue  # flatfolio already serves a feed there
            if path in taken:
                notes.append(Note("site.toml", None, f"old feed {path} is also an imported file or page: not added"))
                continue
            mine.append(path)
        kept.append(mine)
    return kept[0], kept[1]
