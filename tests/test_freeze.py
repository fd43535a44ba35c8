"""The frozen site: exact files, no drafts, determinism, sub-paths, safe swaps."""

import re
from pathlib import Path

import pytest
from conftest import read_tree, static_files

from app import create_app
from flatfolio.build.freeze import MANIFEST, FreezeError, freeze_site
from flatfolio.build.links import broken_links
from flatfolio.problems import ContentError

EXPECTED_FILES = {
    MANIFEST,
    ".nojekyll",
    "index.html",
    "404.html",
    "code.css",
    "robots.txt",
    "cv.pdf",
    "sitemap.xml",
    "feed.xml",
    "rss.xml",
    "feed.json",
    "series/index.html",
    "series/building-a-cache/index.html",
    "blog/index.html",
    "blog/page/2/index.html",
    "blog/first-post/index.html",
    "blog/second-post/index.html",
    "blog/elsewhere/index.html",
    "blog/first-post/card.png",  # site.toml's cards = true: a generated social card per post
    "blog/second-post/card.png",
    "blog/elsewhere/card.png",
    "tags/index.html",
    "tags/go/index.html",
    "tags/go/feed.xml",
    "tags/databases/index.html",
    "tags/databases/feed.xml",
    "about/index.html",
    "notes/deep/index.html",
    # The search page and its index (search.py); the index's hashed names are matched in search_index_files.
    "search/index.html",
    "search/pagefind/pagefind.js",
    "search/pagefind/pagefind-worker.js",
    "search/pagefind/pagefind-entry.json",
    "search/pagefind/wasm.en.pagefind",
    "search/pagefind/wasm.unknown.pagefind",
}
# Pagefind names these by a hash of their bytes: one meta file, index chunks, one fragment per published post.
HASHED_INDEX_FILE = re.compile(
    r"search/pagefind/(pagefind\.en_[0-9a-f]+\.pf_meta|index/en_[0-9a-f]+\.pf_index|fragment/en_[0-9a-f]+\.pf_fragment)"
)


def search_index_files(names, posts: int = 3) -> set[str]:
    """The hashed files of the search index among `names`, checked for number: the rest must be listed exactly."""
    hashed = {name for name in names if HASHED_INDEX_FILE.fullmatch(name)}
    kinds = [name.rsplit(".", 1)[1] for name in hashed]
    assert kinds.count("pf_meta") == 1 and kinds.count("pf_index") >= 1, sorted(hashed)
    assert kinds.count("pf_fragment") == posts, sorted(hashed)  # fixture: first, second, elsewhere (no draft)
    return hashed


def test_frozen_site_has_exactly_the_expected_files(frozen):
    names = set(read_tree(frozen))
    assert names - search_index_files(names) == EXPECTED_FILES | static_files()


def test_manifest_lists_every_file_the_build_made(frozen):
    listed = (frozen / MANIFEST).read_text().split()
    assert set(listed) == set(read_tree(frozen)) - {MANIFEST}


@pytest.mark.parametrize("marker", [b"SECRET", b"secret-tag", b"FUTURE", b"future-tag", b"2999"])
def test_drafts_and_scheduled_posts_appear_in_no_file(frozen, marker):
    leaking = [name for name, data in read_tree(frozen).items() if marker in data]
    assert leaking == []


def test_second_freeze_is_byte_identical(frozen, tmp_path):
    site = frozen.parent
    again = tmp_path / "again"
    freeze_site(create_app({"SITE_ROOT": str(site)}), again)
    assert read_tree(again) == read_tree(frozen)


def test_internal_links_all_resolve(frozen):
    assert broken_links(frozen, "") == []


def test_subpath_freeze_keeps_every_link_inside_the_subpath(site_root, tmp_path):
    out = tmp_path / "sub"
    freeze_site(create_app({"SITE_ROOT": str(site_root)}), out, "https://user.github.io/site/")
    tree = read_tree(out)
    html = {name: data.decode() for name, data in tree.items() if name.endswith(".html")}
    links = {link for text in html.values() for link in re.findall(r'(?:href|src)="(/[^"]*)"', text)}
    assert links, "expected root-relative links"
    assert all(link.startswith("/site/") for link in links), sorted(links)
    # Markdown links written root-relative were rewritten too.
    assert 'href="/site/blog/second-post/"' in html["blog/first-post/index.html"]
    assert 'src="/site/static/favicon.svg"' in html["blog/first-post/index.html"]
    # And each of them resolves to a built file.
    for link in links:
        path = link.removeprefix("/site/").split("#")[0]
        target = out / path
        assert target.is_file() or (target / "index.html").is_file(), link
    assert b"https://user.github.io/site/blog/first-post/" in tree["feed.xml"]


def test_content_error_leaves_previous_build_untouched(site_root, write, tmp_path):
    out = tmp_path / "out"
    freeze_site(create_app({"SITE_ROOT": str(site_root)}), out)
    before = read_tree(out)
    write({"posts/broken.md": "---\ntitle: [unclosed\n---\nbody\n"})
    with pytest.raises(ContentError) as error:
        freeze_site(create_app({"SITE_ROOT": str(site_root)}), out)
    assert "posts/broken.md:2: front matter: invalid YAML" in str(error.value)
    assert read_tree(out) == before
    assert not list(tmp_path.glob(".out.flatfolio-*"))


def test_broken_markdown_link_fails_the_build(site_root, write, tmp_path):
    out = tmp_path / "out"
    write({"posts/2024-05-01-dangling.md": "---\ntitle: D\ndate: 2024-05-01\n---\nSee [gone](/blog/nope/).\n"})
    with pytest.raises(FreezeError, match="blog/dangling/index.html: /blog/nope/"):
        freeze_site(create_app({"SITE_ROOT": str(site_root)}), out)
    assert not out.exists()


def test_existing_empty_destination_is_used(site_root, tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    freeze_site(create_app({"SITE_ROOT": str(site_root)}), out)
    assert (out / "index.html").is_file()


def test_foreign_destination_is_refused_and_untouched(site_root, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    with pytest.raises(FreezeError, match="not made by flatfolio"):
        freeze_site(create_app({"SITE_ROOT": str(site_root)}), out)
    assert read_tree(out) == {"thesis.tex": b"precious"}


@pytest.mark.parametrize("where", ["/", "~", "site", "parent"])
def test_dangerous_destinations_are_refused(site_root, where):
    out = {"/": Path("/"), "~": Path.home(), "site": site_root, "parent": site_root.parent}[where]
    with pytest.raises(FreezeError, match="refusing"):
        freeze_site(create_app({"SITE_ROOT": str(site_root)}), out)


def test_files_added_by_hand_to_a_build_are_kept(site_root, tmp_path):
    out = tmp_path / "out"
    freeze_site(create_app({"SITE_ROOT": str(site_root)}), out)
    (out / "CNAME").write_text("example.org\n")
    (out / "google123.html").write_text("verification")
    (out / ".git").mkdir()
    (out / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    freeze_site(create_app({"SITE_ROOT": str(site_root)}), out)
    tree = read_tree(out)
    assert tree["CNAME"] == b"example.org\n"
    assert tree["google123.html"] == b"verification"
    assert tree[".git/HEAD"] == b"ref: refs/heads/gh-pages\n"
    assert ".nojekyll" in tree


def test_cname_from_site_config(site_root, write, tmp_path):
    write({"site.toml": (site_root / "site.toml").read_text() + 'cname = "blog.example.org"\n'})
    out = tmp_path / "out"
    freeze_site(create_app({"SITE_ROOT": str(site_root)}), out)
    assert (out / "CNAME").read_text() == "blog.example.org\n"


def test_removed_post_disappears_from_the_next_build(site_root, write, tmp_path):
    out = tmp_path / "out"
    freeze_site(create_app({"SITE_ROOT": str(site_root)}), out)
    write({"posts/2024-03-05-elsewhere.md": None})
    freeze_site(create_app({"SITE_ROOT": str(site_root)}), out)
    assert not (out / "blog/elsewhere").exists()
    assert not (out / "tags/databases/feed.xml").read_bytes().count(b"elsewhere")
