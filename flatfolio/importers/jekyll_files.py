"""Finding a Jekyll site's files: its config, what it excludes, and each file's role (post, page, static)."""

import os
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

import yaml

from .model import Note

# Jekyll 4's default `exclude` (lib/jekyll/configuration.rb); a site's own list replaces it.
DEFAULT_EXCLUDE = [
    ".sass-cache", ".jekyll-cache", "gemfiles", "Gemfile", "Gemfile.lock", "node_modules",
    "vendor/bundle/", "vendor/cache/", "vendor/gems/", "vendor/ruby/",
]  # fmt: skip
PAGE_EXTENSIONS = (".md", ".markdown", ".mkdown", ".mkdn", ".mkd", ".html", ".htm")


@dataclass
class Found:
    """One file of the old site and what Jekyll made of it."""

    role: str  # "post", "draft", "page", "generated" (non-HTML with front matter), "static", "doc" (collection)
    path: Path
    rel: str  # path from the site root, with `/`
    categories: tuple[str, ...] = ()  # for posts: the folders above `_posts`
    collection: str = ""


def read_config(root: Path, notes: list[Note]) -> dict:
    """`_config.yml` (or `_config.yaml`) as a dict (empty, with a note, when it cannot be read)."""
    name = next((name for name in ("_config.yml", "_config.yaml") if (root / name).is_file()), None)
    if name is None:
        return {}
    try:
        config = yaml.safe_load((root / name).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        mark = getattr(error, "problem_mark", None)
        notes.append(Note(name, mark.line + 1 if mark else None, f"cannot be read, defaults used: {error}"))
        return {}
    if not isinstance(config, dict):
        notes.append(Note(name, None, "is not a mapping of settings: defaults used"))
        return {}
    return config


def has_front_matter(path: Path) -> bool:
    """Jekyll's test: the first line is `---` (with optional trailing spaces)."""
    try:
        with open(path, "rb") as handle:
            return handle.readline().rstrip() == b"---"
    except OSError:
        return False


def _listed(rel: str, patterns: list) -> bool:
    """True when `rel` is one of `patterns` (a name, a folder prefix or a glob), as Jekyll's EntryFilter matches."""
    for pattern in patterns:
        pattern = str(pattern).strip("/")
        if pattern and (rel == pattern or rel.startswith(pattern + "/") or fnmatch(rel, pattern)):
            return True
    return False


def collections(config: dict) -> dict[str, dict]:
    """Collections whose documents Jekyll wrote out (`output: true`), by name, with their settings."""
    found = config.get("collections") or {}
    if isinstance(found, list):
        found = {name: {} for name in found}
    if not isinstance(found, dict):
        return {}
    output = {str(name): meta for name, meta in found.items() if isinstance(meta, dict) and meta.get("output")}
    output.pop("posts", None)  # _posts is read as posts
    return output


def walk(root: Path, config: dict, notes: list[Note]) -> list[Found]:
    """Every file Jekyll reads, in a stable order, with its role."""
    exclude = config.get("exclude") if isinstance(config.get("exclude"), list) else DEFAULT_EXCLUDE
    include = config.get("include") if isinstance(config.get("include"), list) else []
    base = root / str(config.get("collections_dir") or "").strip("/")
    found = []
    for folder, names, files in os.walk(root):
        here = Path(folder)
        rel_folder = here.relative_to(root).as_posix()
        rel_folder = "" if rel_folder == "." else rel_folder
        kept = []
        for name in sorted(names):
            rel = f"{rel_folder}/{name}".lstrip("/")
            if (here / name).is_symlink():
                notes.append(Note(rel, None, "a symbolic link: skipped (Jekyll's safe mode skips them too)"))
            elif name == "_posts" or (here == root and name == "_drafts"):
                role = "post" if name == "_posts" else "draft"
                cats = tuple(rel_folder.split("/")) if rel_folder and role == "post" else ()
                found += _documents(here / name, root, role, cats, "")
            elif _skipped(name, rel, exclude, include):
                continue
            else:
                kept.append(name)
        names[:] = kept
        for name in sorted(files):
            rel = f"{rel_folder}/{name}".lstrip("/")
            path = here / name
            if _skipped(name, rel, exclude, include):
                continue
            if path.is_symlink():
                notes.append(Note(rel, None, "a symbolic link: skipped (Jekyll's safe mode skips them too)"))
            elif has_front_matter(path):
                role = "page" if name.lower().endswith(PAGE_EXTENSIONS) else "generated"
                found.append(Found(role, path, rel))
            else:
                found.append(Found("static", path, rel))
    for name in collections(config):
        folder = base / f"_{name}"
        if folder.is_dir():
            found += _documents(folder, root, "doc", (), name)
    return found


def _skipped(name: str, rel: str, exclude: list, include: list) -> bool:
    """Jekyll leaves out names starting with `.`, `_` or `#`, ending in `~`, and excluded paths."""
    if _listed(rel, include):
        return False
    return name.startswith((".", "_", "#")) or name.endswith("~") or _listed(rel, exclude)


def _documents(folder: Path, root: Path, role: str, categories: tuple, collection: str) -> list[Found]:
    """The documents (files with front matter) below a `_posts`, `_drafts` or collection folder."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink() and not path.name.startswith((".", "_", "#")):
            found.append(Found(role, path, path.relative_to(root).as_posix(), categories, collection))
    return found


def feed_paths(config: dict) -> list[str]:
    """Atom feed paths of jekyll-feed: `feed: path:` when set, else /feed.xml (flatfolio serves that itself)."""
    plugins = [str(p) for key in ("plugins", "gems") for p in (config.get(key) or []) if isinstance(p, str)]
    feed = config.get("feed") if isinstance(config.get("feed"), dict) else {}
    if feed.get("path"):
        return ["/" + str(feed["path"]).lstrip("/")]
    return ["/feed.xml"] if "jekyll-feed" in plugins else []


def defaults_for(config: dict, rel: str, kind: str) -> dict:
    """Front matter `defaults:` that apply to a file, in the order given (later ones win)."""
    merged = {}
    for item in config.get("defaults") or []:
        if not isinstance(item, dict) or not isinstance(item.get("values"), dict):
            continue
        scope = item.get("scope") if isinstance(item.get("scope"), dict) else {}
        path, wanted = str(scope.get("path") or "").strip("/"), scope.get("type")
        if wanted and wanted != kind:
            continue
        if not path or rel == path or rel.startswith(path + "/") or fnmatch(rel, path):
            merged.update(item["values"])
    return merged
