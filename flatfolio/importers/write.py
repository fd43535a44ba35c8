"""Writing an imported site: entries and files that never overwrite anything, and the site.toml settings."""

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import tomlkit
import yaml
from tomlkit.exceptions import TOMLKitError

from .links import is_own_path
from .model import ImportedEntry, ImportedFile, Note, OldSite


@dataclass
class Outcome:
    """What writing did (or, in a dry run, would do), file by file."""

    written: list[str] = field(default_factory=list)  # paths relative to the site folder
    unchanged: list[str] = field(default_factory=list)
    clashes: list[Note] = field(default_factory=list)  # existing files with other bytes: left alone
    failed: list[Note] = field(default_factory=list)  # files that could not be read or written


def entry_text(entry: ImportedEntry) -> str:
    """A flatfolio Markdown file: YAML front matter between `---` lines, then the body."""
    front = yaml.safe_dump(entry.front, sort_keys=False, allow_unicode=True, width=1000)
    body = entry.body if entry.body.endswith("\n") or not entry.body else entry.body + "\n"
    return f"---\n{front}---\n{body}"


def safe_relative(path: str) -> PurePosixPath | None:
    """`path` as a relative path that stays inside its folder, or None (absolute, `..`, empty)."""
    pure = PurePosixPath(path.replace("\\", "/"))
    if not path or pure.is_absolute() or any(part in ("..", "") for part in pure.parts) or not pure.parts:
        return None
    return pure


def write_site(site_root: Path, old: OldSite, dry_run: bool) -> Outcome:
    """Write every entry and file of `old` that is not there yet; a second run finds them all unchanged."""
    outcome = Outcome()
    planned: set[str] = set()
    for entry in old.entries:
        folder = "posts" if entry.kind == "post" else "pages"
        try:
            data = entry_text(entry).encode("utf-8")
        except yaml.YAMLError as error:
            outcome.failed.append(Note(entry.source, None, f"front matter cannot be written: {error}"))
            continue
        _put(site_root, folder, entry.name, entry.source, data, None, planned, outcome, dry_run)
    for file in old.files:
        _put(site_root, "files", file.path, _source_name(file), file.data, file.source, planned, outcome, dry_run)
    return outcome


def _source_name(file: ImportedFile) -> str:
    return str(file.source) if file.source is not None else file.path


def _put(site_root, folder, name, source, data, source_path, planned, outcome: Outcome, dry_run) -> None:
    """Write one file with exclusive creation: existing identical bytes are unchanged, other bytes a clash."""
    relative = safe_relative(name)
    if relative is None:
        outcome.failed.append(Note(source, None, f"refused to write {folder}/{name}: not a path inside {folder}/"))
        return
    shown = f"{folder}/{relative}"
    if shown in planned:
        outcome.clashes.append(Note(source, None, f"{shown} is also imported from another file: skipped"))
        return
    planned.add(shown)
    try:
        if data is None:
            if source_path.is_symlink():
                outcome.failed.append(Note(source, None, "a symbolic link: not copied"))
                return
            data = source_path.read_bytes()
    except OSError as error:
        outcome.failed.append(Note(source, None, f"cannot be read: {error.strerror or error}"))
        return
    target = site_root / folder / relative
    if target.exists() or target.is_symlink():
        try:
            same = target.is_file() and not target.is_symlink() and target.read_bytes() == data
        except OSError:
            same = False
        if same:
            outcome.unchanged.append(shown)
        else:
            outcome.clashes.append(Note(source, None, f"{shown} already exists with other content: not overwritten"))
        return
    if not dry_run:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "xb") as handle:  # x: never replace a file that appeared meanwhile
                handle.write(data)
        except OSError as error:
            outcome.failed.append(Note(source, None, f"cannot write {shown}: {error.strerror or error}"))
            return
    outcome.written.append(shown)


# --- site.toml -------------------------------------------------------------------------


class SiteTomlError(Exception):
    """site.toml is missing or cannot be parsed: the import cannot update it."""


def read_site_toml(path: Path) -> tomlkit.TOMLDocument:
    """The site's settings as an editable document that keeps comments and layout."""
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SiteTomlError(f"{path.name} not found: run the import from a flatfolio site (--app app)") from None
    except (OSError, UnicodeDecodeError, TOMLKitError) as error:
        raise SiteTomlError(f"{path.name}: {error}") from None


def current_urls(document: tomlkit.TOMLDocument) -> dict:
    """The `[urls]` settings as plain values ({} when the table is absent)."""
    urls = document.get("urls")
    return urls.unwrap() if hasattr(urls, "unwrap") else {}


def update_urls(
    document: tomlkit.TOMLDocument, post: str | None, atom: list[str], rss: list[str], warn_links: bool
) -> list[str]:
    """Set `[urls]` for the imported site in place; returns what changed, as `key = value` lines."""
    changes = []
    urls = document.get("urls")
    if urls is None:
        urls = tomlkit.table()
    if post is not None and urls.get("post") != post:
        urls["post"] = post
        changes.append(f"urls.post = {post!r}")
    if warn_links and urls.get("links") != "warn":
        urls["links"] = "warn"
        changes.append("urls.links = 'warn'")
    for key, paths in (("atom_feeds", atom), ("rss_feeds", rss)):
        present = [str(path) for path in urls.get(key, [])]
        added = [path for path in dict.fromkeys(paths) if path not in present and not is_own_path(path)]
        if not added:
            continue
        if key not in urls:
            urls[key] = tomlkit.array()
        for path in added:
            urls[key].append(path)
        changes.append(f"urls.{key} += {added}")
    if changes and "urls" not in document:
        document["urls"] = urls
    return changes
