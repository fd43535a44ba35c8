"""Incremental freezing: only what an edit changes is made again, and the result equals a fresh build."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import read_tree, write_files

import flatfolio.build.frozen
from app import create_app
from flatfolio.build import reuse
from flatfolio.build.freeze import freeze_site
from flatfolio.search import INDEX_FOLDER as INDEX

REPO = Path(__file__).resolve().parent.parent


def fresh_build(site_root: Path, folder: Path) -> dict[str, bytes]:
    """The reference: no render cache, no record, no spare tree; every file made."""
    freeze_site(create_app({"SITE_ROOT": str(site_root), "RENDER_CACHE": False}), folder)
    return read_tree(folder)


def inodes(out: Path) -> dict[str, int]:
    return {name: os.stat(out / name).st_ino for name in read_tree(out)}


def index_files(out: Path) -> int:
    return sum(name.startswith(INDEX) for name in read_tree(out))


def rebuild(site_root: Path, out: Path):
    return freeze_site(create_app({"SITE_ROOT": str(site_root)}), out)


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


EDITS = {
    "nothing": lambda root: None,
    "a post's body": lambda root: append(root / "posts/2024-01-10-first-post.md", "\nA new closing line.\n"),
    "a post's title": lambda root: (root / "posts/2024-01-10-first-post.md").write_text(
        (root / "posts/2024-01-10-first-post.md").read_text().replace("title: First", "title: Retitled")
    ),
    "a new post": lambda root: (root / "posts/2024-03-01-new.md").write_text(
        "---\ntitle: Brand new\ndate: 2024-03-01\ntags: [go, fresh]\n---\nNew words.\n"
    ),
    "a deleted post": lambda root: (root / "posts/2024-03-05-elsewhere.md").unlink(),
    "a page's body": lambda root: append(root / "pages/about.md", "\nMore about me.\n"),
    "site.toml": lambda root: (root / "site.toml").write_text(
        (root / "site.toml").read_text().replace('title = "Test Site"', 'title = "Renamed Site"')
    ),
    "a new root file": lambda root: write_files(root, {"files/images/new.png": "PNG"}),
    "an alias": lambda root: (root / "pages/about.md").write_text(
        (root / "pages/about.md").read_text().replace("summary:", "aliases: [/about-me/, /me.html]\nsummary:")
    ),
    "a post's series": lambda root: (root / "posts/2024-02-20-second-post.md").write_text(
        (root / "posts/2024-02-20-second-post.md").read_text().replace("series: Building a cache", "series: Other")
    ),
    "a post's own url": lambda root: (root / "posts/2024-02-20-second-post.md").write_text(
        (root / "posts/2024-02-20-second-post.md")
        .read_text()
        .replace("tags:", "url: /blog/second/\naliases: /blog/second-post/\ntags:")
    ),
}


@pytest.mark.parametrize("edit", EDITS)
def test_a_rebuild_after_an_edit_equals_a_fresh_build(site_root, tmp_path, made_urls, edit):
    out = tmp_path / "out"
    rebuild(site_root, out)
    rebuild(site_root, out)  # the first build becomes the spare tree
    made_urls.clear()
    before = inodes(out)
    EDITS[edit](site_root)
    report = rebuild(site_root, out)
    made = list(made_urls)
    assert read_tree(out) == fresh_build(site_root, tmp_path / "fresh")
    # The search index's files are written (or linked) by search.freeze_index, not frozen URL by URL.
    written = [name for name, inode in inodes(out).items() if name.startswith(INDEX) and before.get(name) != inode]
    assert report.reused + len(made) + len(written) == report.files - 1  # every file but .nojekyll
    if edit in ("nothing", "a page's body", "site.toml", "a new root file", "an alias"):
        assert written == []  # no post changed: the index is the previous build's
    if edit == "nothing":
        assert made == []


def test_a_body_edit_remakes_the_pages_that_show_that_body_and_no_other(site_root, tmp_path, made_urls):
    out = tmp_path / "out"
    rebuild(site_root, out)
    made_urls.clear()
    append(site_root / "posts/2024-01-10-first-post.md", "\nOne more paragraph.\n")
    rebuild(site_root, out)
    assert "/blog/first-post/" in made_urls
    assert "/feed.xml" in made_urls and "/rss.xml" in made_urls  # feeds carry the full text
    assert "/tags/go/" in made_urls  # lists show its reading time
    # Lists of related posts show its summary and reading time; pages that show only
    # front matter (titles, dates, tags) or nothing of it stay as they were.
    assert "/blog/second-post/" in made_urls
    for unchanged in ("/tags/", "/about/", "/sitemap.xml", "/static/style.css", "/404.html", "/cv.pdf"):
        assert unchanged not in made_urls


def test_a_front_matter_edit_remakes_every_page(site_root, tmp_path, made_urls):
    out = tmp_path / "out"
    report = rebuild(site_root, out)
    made_urls.clear()
    post = site_root / "posts/2024-02-20-second-post.md"
    post.write_text(post.read_text().replace("tags: [", "tags: [extra, "))
    rebuild(site_root, out)
    assert len(made_urls) == report.files - index_files(out) - 1 + 2  # and the new tag's page and feed


def test_a_series_edit_remakes_the_pages_that_show_the_series(site_root, tmp_path, made_urls):
    out = tmp_path / "out"
    rebuild(site_root, out)
    made_urls.clear()
    post = site_root / "posts/2024-02-20-second-post.md"
    post.write_text(post.read_text().replace("series: Building a cache", "series: Another story"))
    rebuild(site_root, out)
    shown = ("/blog/first-post/", "/blog/second-post/", "/series/", "/series/building-a-cache/", "/feed.json")
    assert set(shown) | {"/series/another-story/", "/feed.xml", "/sitemap.xml"} <= set(made_urls)
    assert "Part 1 of 1 in the series" in (out / "blog/first-post/index.html").read_text()
    assert "Another story" in (out / "series/index.html").read_text()


def test_a_file_changed_by_hand_in_the_build_is_made_again(site_root, tmp_path, made_urls):
    out = tmp_path / "out"
    rebuild(site_root, out)
    expected = read_tree(out)
    (out / "about/index.html").write_text("defaced")
    made_urls.clear()
    rebuild(site_root, out)
    assert made_urls == ["/about/"]
    assert read_tree(out) == expected


@pytest.mark.parametrize("damage", ["junk file", "changed file", "file for a folder", "deleted spare"])
def test_a_damaged_spare_tree_still_gives_a_correct_build(site_root, tmp_path, damage):
    out = tmp_path / "out"
    rebuild(site_root, out)
    rebuild(site_root, out)
    spare = reuse.spare_folder(site_root / ".cache", out)
    assert spare.is_dir()
    if damage == "junk file":
        (spare / "blog" / "junk.html").write_text("<a href='/nowhere/'>x</a>")
    elif damage == "changed file":
        (spare / "index.html").unlink()
        (spare / "index.html").write_text("stale")
    elif damage == "file for a folder":
        shutil.rmtree(spare / "tags")
        (spare / "tags").write_text("not a folder")
    else:
        shutil.rmtree(spare)
    append(site_root / "posts/2024-01-10-first-post.md", "\nEdited.\n")
    rebuild(site_root, out)
    assert read_tree(out) == fresh_build(site_root, tmp_path / "fresh")


def test_the_live_build_is_never_written_through_a_shared_file(site_root, tmp_path):
    """Reused files are hard links shared with the previous build: remaking one must replace it, not rewrite it."""
    out = tmp_path / "out"
    rebuild(site_root, out)
    rebuild(site_root, out)
    spare = reuse.spare_folder(site_root / ".cache", out)
    before = (out / "blog/first-post/index.html").read_bytes()
    shared = os.stat(out / "blog/first-post/index.html").st_ino == os.stat(spare / "blog/first-post/index.html").st_ino
    assert shared, "the spare tree shares unchanged files with the build"
    old = os.open(out / "blog/first-post/index.html", os.O_RDONLY)  # the old build's file, as a web server holds it
    try:
        append(site_root / "posts/2024-01-10-first-post.md", "\nEdited.\n")
        rebuild(site_root, out)
        assert os.pread(old, len(before) + 100, 0) == before
    finally:
        os.close(old)
    assert b"Edited." in (out / "blog/first-post/index.html").read_bytes()


def test_no_record_and_no_spare_without_the_cache(site_root, tmp_path, made_urls):
    out = tmp_path / "out"
    config = {"SITE_ROOT": str(site_root), "RENDER_CACHE": False}
    freeze_site(create_app(config), out)
    made_urls.clear()
    report = freeze_site(create_app(config), out)
    assert report.reused == 0 and len(made_urls) == report.files - index_files(out) - 1
    assert not (site_root / ".cache").exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out", "site"]


def test_a_broken_link_in_a_reused_page_is_still_found(site_root, tmp_path):
    """Pages that did not change are not re-read, yet their links are checked against the new build."""
    out = tmp_path / "out"
    append(site_root / "pages/about.md", "\nSee [the second post](/blog/second-post/).\n")
    rebuild(site_root, out)
    (site_root / "posts/2024-02-20-second-post.md").unlink()
    with pytest.raises(flatfolio.build.freeze.FreezeError, match=r"about/index.html: /blog/second-post/"):
        rebuild(site_root, out)


@pytest.fixture
def app_copy(tmp_path, site_root):
    """flatfolio's app, templates and static files copied beside the test site, as a user's checkout."""
    copy = tmp_path / "app"
    copy.mkdir()
    for name in ("app.py", "flatfolio", "templates", "static"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, copy / name)
    return copy


def freeze_with(app_folder: Path, site_root: Path, out: Path) -> str:
    command = [sys.executable, "-m", "flask", "--app", "app", "freeze", "--quiet", "--out", str(out)]
    env = {**os.environ, "FLASK_SITE_ROOT": str(site_root), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(command, cwd=app_folder, env=env, capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize(
    ("changed", "old", "new"),
    [("templates/base.html", "</body>", "<!-- edited --></body>"), ("static/style.css", "}", "} /* edited */")],
)
def test_a_template_or_static_edit_remakes_what_it_changes(app_copy, site_root, tmp_path, changed, old, new):
    out = tmp_path / "out"
    freeze_with(app_copy, site_root, out)
    path = app_copy / changed
    path.write_text(path.read_text().replace(old, new, 1))
    summary = freeze_with(app_copy, site_root, out)
    # Templates and static files go into every page's key; the search index is made from posts alone.
    assert f", {index_files(out)} unchanged" in summary
    marker = new.split("edited")[0] + "edited"
    target = out / ("index.html" if changed.endswith(".html") else "static/style.css")
    assert marker in target.read_text()
    reference = tmp_path / "reference"
    freeze_with(app_copy, site_root, reference)  # its own record: a full build
    assert read_tree(out) == read_tree(reference)
