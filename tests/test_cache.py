"""The render cache, parallel pre-rendering and the dev server's change watcher."""

from pathlib import Path

import pytest
from conftest import read_tree, write_files

import flatfolio.build.prerender
import flatfolio.cache
import flatfolio.content.sources
import flatfolio.content.state
from app import create_app
from flatfolio.build.freeze import freeze_site
from flatfolio.store import Store
from flatfolio.watch import Watched, Watcher

# Enough posts for the parallel pre-render to start worker processes.
MANY_POSTS = {
    f"posts/2023-01-{day:02d}-note-{day}.md": f"""\
        ---
        title: Note {day}
        date: 2023-01-{day:02d}
        tags: [notes, day-{day % 3}]
        ---
        Note {day} links [home](/) and [the first post](/blog/first-post/).

        ```python
        def note_{day}():
            return {day} * 2  # highlighted
        ```

        | n | n² |
        |---|---|
        | {day} | {day * day} |
        """
    for day in range(1, flatfolio.build.prerender.MIN_PARALLEL + 6)
}


@pytest.fixture
def big_site(site_root):
    return write_files(site_root, MANY_POSTS)


def freeze(site_root: Path, out: Path, base_url=None, **config) -> dict[str, bytes]:
    freeze_site(create_app({"SITE_ROOT": str(site_root), **config}), out, base_url)
    return read_tree(out)


def cache_files(site_root: Path) -> list[Path]:
    return sorted(path for path in (site_root / ".cache" / "render").rglob("*") if path.is_file())


def test_cold_warm_and_disabled_cache_builds_are_byte_identical(big_site, tmp_path, monkeypatch):
    cold = freeze(big_site, tmp_path / "cold")
    assert cache_files(big_site), "a freeze fills the render cache"
    renders = []
    real_render = flatfolio.content.state.render_markdown
    monkeypatch.setattr(flatfolio.content.state, "render_markdown", lambda *a: renders.append(a) or real_render(*a))
    warm = freeze(big_site, tmp_path / "warm")
    assert renders == [], "a warm cache renders nothing again"
    monkeypatch.undo()
    no_cache = freeze(big_site, tmp_path / "no-cache", RENDER_CACHE=False)
    # The reference: no cache at all and no worker processes, every page rendered in place.
    monkeypatch.setattr(flatfolio.build.prerender, "MIN_PARALLEL", 10**9)
    serial = freeze(big_site, tmp_path / "serial", RENDER_CACHE=False)
    assert cold == warm == no_cache == serial
    assert not any(name.startswith(".cache") for name in cold)


def test_parallel_prerender_fills_the_cache_before_freezing(big_site, tmp_path):
    app = create_app({"SITE_ROOT": str(big_site)})
    cache = app.extensions["flatfolio"].render_cache
    texts = [text.split("---\n", 2)[2] for text in MANY_POSTS.values()]
    assert flatfolio.build.prerender.prerender(cache, texts, "") == len(texts)
    assert all(cache.has(text, "") for text in texts)
    assert flatfolio.build.prerender.prerender(cache, texts, "") == 0


def stale_cache(site_root: Path) -> None:
    """Overwrite every cache entry with a valid one, so any use of the cache shows in the output."""
    for path in cache_files(site_root):
        Store(site_root / ".cache", "render", path.parent.name).write(path.name, b"<p>STALE</p>")


def test_a_changed_post_is_rendered_again(site_root, write, tmp_path):
    freeze(site_root, tmp_path / "one")
    stale_cache(site_root)
    write({"posts/2024-02-20-second-post.md": "---\ntitle: Second post\ndate: 2024-02-20\n---\nFresh *words*.\n"})
    tree = freeze(site_root, tmp_path / "two")
    assert b"Fresh <em>words</em>." in tree["blog/second-post/index.html"]
    # Unchanged posts come from the cache: proof that it is used at all.
    assert b"STALE" in tree["blog/first-post/index.html"]


def test_a_changed_base_path_is_rendered_again(site_root, tmp_path):
    freeze(site_root, tmp_path / "root")
    stale_cache(site_root)
    tree = freeze(site_root, tmp_path / "sub", "https://user.github.io/site/")
    page = tree["blog/first-post/index.html"]
    assert b"STALE" not in page
    assert b'href="/site/blog/second-post/"' in page


def test_a_changed_renderer_is_rendered_again(site_root, tmp_path, monkeypatch):
    freeze(site_root, tmp_path / "one")
    stale_cache(site_root)
    monkeypatch.setattr(flatfolio.cache, "renderer_fingerprint", lambda: "another-renderer")
    tree = freeze(site_root, tmp_path / "two")
    assert not any(b"STALE" in data for data in tree.values())


def test_renderer_fingerprint_follows_library_versions(monkeypatch):
    before = flatfolio.cache.renderer_fingerprint()
    monkeypatch.setattr(flatfolio.cache, "version", lambda name: "99.0" if name == "pygments" else "1.0")
    flatfolio.cache.renderer_fingerprint.cache_clear()
    try:
        assert flatfolio.cache.renderer_fingerprint() != before
    finally:
        flatfolio.cache.renderer_fingerprint.cache_clear()


def test_cache_keys_separate_text_from_base_path():
    assert flatfolio.cache.render_key("a", "/b") != flatfolio.cache.render_key("a/", "b")
    assert flatfolio.cache.cache_key("ab", "c") != flatfolio.cache.cache_key("a", "bc")


def test_unwritable_cache_folder_still_builds(site_root, tmp_path):
    (site_root / ".cache").write_text("not a folder")
    tree = freeze(site_root, tmp_path / "out")
    assert b"The first paragraph" in tree["blog/first-post/index.html"]


# --- the dev server's change watcher ------------------------------------------------


def test_watcher_reports_content_changes_only(site_root):
    watcher = Watcher([Watched(site_root / name) for name in ("site.toml", "posts", "pages")])
    seen = [watcher.generation()]

    def changed() -> bool:
        seen.append(watcher.generation())
        return seen[-1] != seen[-2]

    try:
        assert not changed()
        (site_root / "build").mkdir()  # beside the content: not a change
        (site_root / ".cache").mkdir()
        (site_root / ".cache" / "x.html").write_text("x")
        assert not changed()
        (site_root / "pages" / "notes" / "deep.md").write_text("---\ntitle: Deep\n---\nEdited.\n")
        assert changed()
        assert not changed()
        (site_root / "site.toml").write_text((site_root / "site.toml").read_text() + "\n")
        assert changed()
        # A folder made after the watcher started is watched too.
        (site_root / "pages" / "new").mkdir()
        assert changed()
        (site_root / "pages" / "new" / "page.md").write_text("---\ntitle: New\n---\n")
        assert changed()
    finally:
        watcher.close()


def test_pages_in_new_folders_and_deleted_posts_show_on_the_next_request(client, write):
    assert client.get("/blog/second-post/").status_code == 200
    assert client.get("/guides/setup/").status_code == 404
    write({"pages/guides/setup.md": "---\ntitle: Setup guide\n---\nSteps.\n"})
    assert b"Setup guide" in client.get("/guides/setup/").data
    write({"posts/2024-02-20-second-post.md": None})
    assert client.get("/blog/second-post/").status_code == 404


def test_compiled_templates_are_kept_and_keyed_by_the_syntax_options(site_root):
    first = create_app({"SITE_ROOT": str(site_root)})
    page = first.test_client().get("/blog/first-post/").data
    folders = sorted((site_root / ".cache" / "templates").iterdir())
    assert len(folders) == 1 and any(folders[0].iterdir()), "compiled templates are kept"
    again = create_app({"SITE_ROOT": str(site_root)})
    assert again.test_client().get("/blog/first-post/").data == page
    other = create_app({"SITE_ROOT": str(site_root)})
    other.jinja_env.trim_blocks = False
    other.jinja_env.bytecode_cache = type(other.jinja_env.bytecode_cache)(site_root / ".cache", other.jinja_env)
    other.test_client().get("/blog/first-post/")
    assert len(list((site_root / ".cache" / "templates").iterdir())) == 2  # never the other options' code


def test_unwritable_template_cache_still_renders(site_root):
    (site_root / ".cache").mkdir()
    (site_root / ".cache" / "templates").write_text("not a folder")
    client = create_app({"SITE_ROOT": str(site_root)}).test_client()
    assert client.get("/blog/first-post/").status_code == 200


def test_a_freeze_removes_what_older_renderers_left(site_root, tmp_path):
    old = site_root / ".cache" / "render" / "0123456789abcdef"
    old.mkdir(parents=True)
    (old / "stale.html").write_text("<p>from an older flatfolio</p>")
    freeze(site_root, tmp_path / "out")
    assert not old.exists()
    assert cache_files(site_root), "the current renderer's entries stay"


def test_remembered_front_matter_gives_the_same_site_and_problems(site_root, write, monkeypatch):
    write({"posts/odd.md": "---\ntitle: Odd\ndate: 2024-05-01\ncolour: blue\n---\nBody.\n"})

    def load():
        app = create_app({"SITE_ROOT": str(site_root)})
        with app.app_context():
            site = app.extensions["flatfolio"].site()
        return [str(problem) for problem in site.problems], {e.source: e.meta for e in site.entries.values()}

    first = load()
    assert any("colour: unknown key" in problem for problem in first[0])
    assert sorted(path.name for path in (site_root / ".cache" / "parsed").glob("*/*")) == ["pages", "posts"]

    def parse_again(*args):
        raise AssertionError("parsed again although remembered")

    monkeypatch.setattr(flatfolio.content.sources, "_read_front_matter", parse_again)
    assert load() == first
