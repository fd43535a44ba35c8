"""Page bundles: a post that is a folder, its files served and frozen at the post's URL, reused when unchanged."""

import io
import os
import re
import time

import feedparser
import pytest
from conftest import read_tree, static_files
from PIL import Image
from test_incremental import fresh_build, rebuild

from flatfolio.build.freeze import MANIFEST, freeze_site
from flatfolio.problems import ContentError


def png(width: int, height: int, colour: str = "#336699") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


BUNDLE = {
    "posts/2024-01-05-bundled/index.md": """\
        ---
        title: A bundled post
        date: 2024-01-05
        tags: [go]
        ---
        The architecture: ![arch](diagram.png) and [the data](sub/data.csv).
        """,
    "posts/2024-01-05-bundled/diagram.png": png(320, 200),
    "posts/2024-01-05-bundled/sub/data.csv": "a,b\n1,2\n",
    "posts/2024-01-05-bundled/notes.md": "---\ntitle: Notes\ndate: 2024-01-01\n---\nA resource, not a post.\n",
    "posts/2024-01-05-bundled/diagram.png~": "an editor backup",
    "posts/2024-01-05-bundled/.DS_Store": "litter",
    "posts/2024-01-05-bundled/.hidden.png": "a dotfile",
}
BUNDLE_FILES = {"blog/bundled/index.html", "blog/bundled/diagram.png", "blog/bundled/sub/data.csv",
                 "blog/bundled/card.png"}  # fmt: skip
DRAFT = {
    "posts/2024-01-06-unfinished/index.md": "---\ntitle: Unfinished\ndate: 2024-01-06\ndraft: true\n---\n![s](s.png)\n",
    "posts/2024-01-06-unfinished/s.png": png(10, 10),
}


def site_problems(app) -> list[str]:
    with app.app_context():
        return [str(problem) for problem in app.extensions["flatfolio"].site().problems]


def test_a_bundle_is_one_post_named_by_its_folder_and_its_files_are_served_beside_it(write, client):
    write(BUNDLE)
    page = client.get("/blog/bundled/")
    assert page.status_code == 200
    assert '<img src="diagram.png" alt="arch"' in page.get_data(as_text=True)
    image = client.get("/blog/bundled/diagram.png")
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data == BUNDLE[
        "posts/2024-01-05-bundled/diagram.png"]  # fmt: skip
    assert client.get("/blog/bundled/sub/data.csv").data == b"a,b\n1,2\n"
    for unpublished in ("notes.md", "notes/", "diagram.png~", ".DS_Store", ".hidden.png"):
        assert client.get(f"/blog/bundled/{unpublished}").status_code == 404, unpublished
    assert client.get("/blog/notes/").status_code == 404  # Markdown beside index.md is not a post
    assert client.get("/blog/index/").status_code == 404


def test_a_frozen_bundle_has_exactly_its_files_at_the_posts_url(write, site_root, tmp_path):
    write(BUNDLE | DRAFT)
    out = tmp_path / "out"
    freeze_site(__import__("app").create_app({"SITE_ROOT": str(site_root)}), out)
    tree = read_tree(out)
    from test_freeze import EXPECTED_FILES, search_index_files

    variant = re.search(r'srcset="/(_img/[0-9a-f]{16}-320\.webp) 320w"', tree["blog/bundled/index.html"].decode())
    indexed = search_index_files(tree, posts=4)  # the bundled post is the fourth published one
    assert set(tree) - indexed == EXPECTED_FILES | static_files() | BUNDLE_FILES | {variant.group(1)}  # its WebP
    assert tree["blog/bundled/diagram.png"] == BUNDLE["posts/2024-01-05-bundled/diagram.png"]
    assert "blog/bundled/sub/data.csv" in (out / MANIFEST).read_text().split()
    assert not any("unfinished" in name or name.endswith("s.png") for name in tree)  # a draft's files stay home


def test_a_draft_bundles_files_are_served_only_with_drafts(write, make_app):
    write(DRAFT)
    assert make_app(SHOW_DRAFTS=True).test_client().get("/blog/unfinished/s.png").status_code == 200
    assert make_app().test_client().get("/blog/unfinished/s.png").status_code == 404


def test_a_post_with_its_own_url_serves_its_files_beside_that_url(write, client):
    write({**BUNDLE, "posts/2024-01-05-bundled/index.md": "---\ntitle: T\ndate: 2024-01-05\nurl: /notes/t.html\n---\n"})
    assert client.get("/notes/diagram.png").status_code == 200
    assert client.get("/notes/sub/data.csv").status_code == 200


def test_a_bundle_file_someone_else_owns_is_a_problem_naming_both(write, make_app):
    write({**BUNDLE, "files/blog/bundled/diagram.png": "a root file got there first"})
    problems = site_problems(make_app())
    assert ("posts/2024-01-05-bundled/diagram.png: file: /blog/bundled/diagram.png is already used by "
            "files/blog/bundled/diagram.png") in problems  # fmt: skip


def test_a_bundle_file_cannot_replace_the_posts_own_page(write, make_app):
    write({**BUNDLE, "posts/2024-01-05-bundled/index.html": "<p>shadow</p>"})
    problems = site_problems(make_app())
    assert ("posts/2024-01-05-bundled/index.html: file: /blog/bundled/index.html is already used by "
            "posts/2024-01-05-bundled/index.md") in problems  # fmt: skip


def test_check_accepts_links_to_bundle_files_and_reports_a_missing_one(write, make_app):
    from flatfolio.check import check_site

    write(BUNDLE)
    write({"posts/2024-01-05-bundled/index.md": BUNDLE["posts/2024-01-05-bundled/index.md"] + "![gone](gone.png)\n"})
    app = make_app(SHOW_DRAFTS=True)
    with app.app_context():
        report = check_site(app, app.extensions["flatfolio"].site())
    links = [str(problem) for problem in report.problems if problem.field in ("image", "link")]
    assert links == ["posts/2024-01-05-bundled/index.md:7: image: gone.png: no post at this URL"]


def test_the_feed_carries_bundle_links_as_absolute_urls(write, site_root, tmp_path):
    write(BUNDLE)
    out = tmp_path / "out"
    freeze_site(__import__("app").create_app({"SITE_ROOT": str(site_root)}), out)
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert feed.bozo == 0
    entry = next(entry for entry in feed.entries if entry.link == "https://example.org/blog/bundled/")
    html = entry.content[0].value
    assert 'src="https://example.org/blog/bundled/diagram.png"' in html
    assert 'href="https://example.org/blog/bundled/sub/data.csv"' in html


def test_editing_a_bundle_image_remakes_only_it_its_variant_and_its_page(write, site_root, tmp_path, made_urls):
    write(BUNDLE)
    out = tmp_path / "out"
    rebuild(site_root, out)
    rebuild(site_root, out)
    made_urls.clear()
    image = site_root / "posts/2024-01-05-bundled/diagram.png"
    image.write_bytes(png(320, 200, "#aa0000"))
    os.utime(image, ns=(time.time_ns() + 10**9,) * 2)  # a new mtime even on a coarse clock
    rebuild(site_root, out)
    new_variant = re.search(r'srcset="(/_img/\S+)', (out / "blog/bundled/index.html").read_text()).group(1)
    assert sorted(made_urls) == [new_variant, "/blog/bundled/", "/blog/bundled/diagram.png"]  # the page: its size
    assert read_tree(out) == fresh_build(site_root, tmp_path / "fresh")
    assert (out / "blog/bundled/diagram.png").read_bytes() == image.read_bytes()


def test_a_new_bundle_file_is_seen_by_the_running_server(write, make_app):
    """The change watcher covers posts/, and the snapshot changes with a bundle's file list (no stale page cache)."""
    write(BUNDLE)
    client = make_app(TESTING=False).test_client()
    assert client.get("/blog/bundled/extra.txt").status_code == 404
    write({"posts/2024-01-05-bundled/extra.txt": "new"})
    deadline = time.monotonic() + 5
    while client.get("/blog/bundled/extra.txt").status_code != 200:
        assert time.monotonic() < deadline, "the new file was never served"
        time.sleep(0.05)


def test_a_bad_bundle_stops_the_freeze_with_its_problem(write, make_app, tmp_path):
    write({**BUNDLE, "posts/2024-01-05-bundled/index.md": "---\ntitle: T\ndate: soon\n---\n"})
    with pytest.raises(ContentError, match="posts/2024-01-05-bundled/index.md:3: date"):
        freeze_site(make_app(), tmp_path / "out")


def test_an_edited_bundle_or_root_file_is_served_fresh_without_debug(write, make_app):
    """The page cache keeps responses per snapshot: a file edited in place must make a new one."""
    write({**BUNDLE, "files/x.txt": "one", "posts/2024-01-05-bundled/y.txt": "one"})
    client = make_app().test_client()
    assert client.get("/x.txt").data == b"one" and client.get("/blog/bundled/y.txt").data == b"one"
    write({"files/x.txt": "two!", "posts/2024-01-05-bundled/y.txt": "two!"})
    deadline = time.monotonic() + 5
    while (client.get("/x.txt").data, client.get("/blog/bundled/y.txt").data) != (b"two!", b"two!"):
        assert time.monotonic() < deadline, "an edited file was still served stale"
        time.sleep(0.05)


def test_new_knows_a_bundles_slug(write, site_root):
    from flatfolio.authoring import _slugs_in_use

    write(BUNDLE)
    used = _slugs_in_use(site_root / "posts")
    assert used["bundled"] == "2024-01-05-bundled/index.md"
    assert "notes" not in used and "index" not in used
