"""The import command's core: detection, the writer that never overwrites, site.toml, dead links, the report."""

from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import read_tree, write_files

from flatfolio.importers import core
from flatfolio.importers.convert import convert_math, parse_date, served_path
from flatfolio.importers.links import link_problem
from flatfolio.importers.model import ImportedEntry, ImportedFile, Note, OldSite

SITE_TOML = """\
# Site settings
title = "Test Site"  # shown everywhere
base_url = "https://example.org/"

[urls]
# old feed paths
atom_feeds = ["/existing.xml"]
"""


def old_site(tmp_path: Path) -> OldSite:
    """A small old site as a reader returns it: two posts, a page, a file (copied) and a file (bytes)."""
    source = write_files(
        tmp_path / "old", {"img/a.png": "PNG", "doc.md": "see [gone](/gone/) and [x](www.example.org/x)"}
    )
    return OldSite(
        "jekyll",
        entries=[
            ImportedEntry(
                "post", "doc.md", "2015-01-02-hello.md",
                {"title": "Hello", "date": parse_date("2015-01-02"), "aliases": ["/old.html"]},
                "see [gone](/gone/) and [x](www.example.org/x)\n",
            ),
            ImportedEntry(
                "post", "b.md", "2016-02-03-odd.md",
                {"title": "Odd", "date": parse_date("2016-02-03"), "url": "/odd.html"},
                "[hello](/2015/01/02/hello/) ![a](/img/a.png) <a href=/about/>about</a>",
            ),
            ImportedEntry("page", "about.md", "about.md", {"title": "About"}, "Hi [feed](/atom.xml)\n"),
        ],
        files=[ImportedFile("img/a.png", source=source / "img/a.png"), ImportedFile("data/x.bin", data=b"\x00\x01")],
        atom_feeds=["/feed.xml", "/atom.xml"],
        rss_feeds=["/rss.xml"],
        post_pattern="/{year}/{month}/{day}/{slug}/",
        conversions=Counter({"highlight": 2, "post_url": 1}),
        notes=[Note("b.md", 3, "Liquid left in place: {% include x %}")],
    )  # fmt: skip


@pytest.fixture
def site(tmp_path) -> Path:
    return write_files(tmp_path / "target", {"site.toml": SITE_TOML, "posts/.keep": "", "pages/.keep": ""})


@pytest.fixture
def run(make_app, site, tmp_path, monkeypatch):
    """run(*args) -> click result of `flask import` over `site`, reading the old site of old_site()."""
    old = old_site(tmp_path)
    monkeypatch.setattr(core, "reader", lambda name: SimpleNamespace(read_site=lambda root: old, looks_like=None))
    runner = make_app(site).test_cli_runner()
    return lambda *args: runner.invoke(args=["import", str(tmp_path / "old"), "--from", "jekyll", *args])


def test_import_writes_entries_files_and_settings(run, site):
    result = run()
    assert result.exit_code == 0, result.stderr
    tree = read_tree(site)
    assert sorted(tree) == [
        ".cache/import/old-urls.txt", "files/data/x.bin", "files/img/a.png", "pages/.keep", "pages/about.md",
        "posts/.keep", "posts/2015-01-02-hello.md", "posts/2016-02-03-odd.md", "site.toml",
    ]  # fmt: skip
    assert tree["posts/2015-01-02-hello.md"].decode() == (
        "---\ntitle: Hello\ndate: 2015-01-02\naliases:\n- /old.html\n---\n"
        "see [gone](/gone/) and [x](www.example.org/x)\n"
    )
    assert tree["files/data/x.bin"] == b"\x00\x01"
    assert tree[".cache/import/old-urls.txt"].decode().split() == [
        "/2015/01/02/hello/", "/about/", "/atom.xml", "/data/x.bin", "/feed.xml", "/img/a.png", "/odd.html",
        "/old.html", "/rss.xml",
    ]  # fmt: skip


def test_site_toml_update_keeps_comments_and_merges_feeds(run, site):
    assert run().exit_code == 0
    assert (site / "site.toml").read_text() == SITE_TOML.replace(
        'atom_feeds = ["/existing.xml"]',
        'atom_feeds = ["/existing.xml", "/atom.xml"]\npost = "/{year}/{month}/{day}/{slug}/"\nlinks = "warn"',
    )


def test_report_ends_with_the_numbers_and_notes_go_to_stderr(run):
    result = run()
    assert result.stdout.splitlines()[-1] == (
        "posts 2, pages 1, files 2, redirects 1, conversions 3 (highlight 2, post_url 1), notes 3"
    )
    assert "    flask --app app check --old-urls .cache/import/old-urls.txt" in result.stdout
    assert "5 written, 0 unchanged, 0 clashes (not overwritten), 0 failed" in result.stdout
    assert result.stderr.splitlines() == [
        "b.md:3: Liquid left in place: {% include x %}",
        "doc.md:1: already dead link: /gone/",
        "doc.md:1: malformed link (scheme missing?): www.example.org/x",
    ]


def test_second_import_changes_nothing(run, site):
    assert run().exit_code == 0
    before = read_tree(site)
    result = run()
    assert result.exit_code == 0
    assert "0 written, 5 unchanged, 0 clashes" in result.stdout
    assert "site.toml:" not in result.stdout
    assert read_tree(site) == before


def test_dry_run_writes_nothing_and_prints_the_same_numbers(run, site):
    before = read_tree(site)
    dry = run("--dry-run")
    assert dry.exit_code == 0
    assert read_tree(site) == before
    real = run()
    assert dry.stdout.splitlines()[-2:] == real.stdout.splitlines()[-2:]
    assert dry.stderr == real.stderr


def test_existing_file_is_never_overwritten(run, site):
    write_files(site, {"posts/2015-01-02-hello.md": "mine\n", "files/img/a.png": "PNG"})
    result = run()
    assert result.exit_code == 0
    assert (site / "posts/2015-01-02-hello.md").read_text() == "mine\n"
    assert "doc.md: posts/2015-01-02-hello.md already exists with other content: not overwritten" in result.stderr
    assert "3 written, 1 unchanged, 1 clashes (not overwritten), 0 failed" in result.stdout


def test_existing_posts_keep_their_urls_and_imported_posts_get_url(run, site):
    write_files(site, {"posts/2020-01-01-mine.md": "---\ntitle: Mine\ndate: 2020-01-01\n---\n"})
    assert run().exit_code == 0
    assert "post =" not in (site / "site.toml").read_text()
    assert (
        (site / "posts/2015-01-02-hello.md")
        .read_text()
        .startswith("---\ntitle: Hello\ndate: 2015-01-02\nurl: /2015/01/02/hello/\naliases:")
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/no/such/folder"], "error: /no/such/folder: no such folder"),
        (["site.toml"], "not a folder"),
        (["--from", "gatsby", "."], "Invalid value for '--from'"),
    ],
)
def test_usage_errors_exit_2(make_app, site, args, message, monkeypatch):
    monkeypatch.chdir(site)
    result = make_app(site).test_cli_runner().invoke(args=["import", *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_unreadable_folder_is_a_usage_error(make_app, site, tmp_path, monkeypatch):
    (tmp_path / "old").mkdir()

    def refuse(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(core.os, "listdir", refuse)
    result = make_app(site).test_cli_runner().invoke(args=["import", str(tmp_path / "old")])
    assert result.exit_code == 2
    assert result.stderr == f"error: {tmp_path / 'old'}: cannot be read: Permission denied\n"


def test_no_generator_detected_is_a_usage_error(make_app, site, tmp_path, monkeypatch):
    (tmp_path / "old").mkdir()
    monkeypatch.setattr(core, "reader", lambda name: SimpleNamespace(looks_like=lambda root: False))
    result = make_app(site).test_cli_runner().invoke(args=["import", str(tmp_path / "old")])
    assert result.exit_code == 2
    assert "not a Hugo, Jekyll or Pelican site" in result.stderr


def test_two_generators_detected_is_a_usage_error(make_app, site, tmp_path, monkeypatch):
    (tmp_path / "old").mkdir()
    monkeypatch.setattr(core, "reader", lambda name: SimpleNamespace(looks_like=lambda root: name != "hugo"))
    result = make_app(site).test_cli_runner().invoke(args=["import", str(tmp_path / "old")])
    assert result.exit_code == 2
    assert "looks like jekyll and pelican; choose one with --from" in result.stderr


def test_nothing_to_import_exits_3(make_app, site, tmp_path, monkeypatch):
    (tmp_path / "old").mkdir()
    monkeypatch.setattr(core, "reader", lambda name: SimpleNamespace(read_site=lambda root: OldSite(name)))
    result = make_app(site).test_cli_runner().invoke(args=["import", str(tmp_path / "old"), "--from", "hugo"])
    assert result.exit_code == 3
    assert "nothing to import" in result.stderr


def test_a_reader_crash_is_reported_without_traceback(make_app, site, tmp_path, monkeypatch):
    (tmp_path / "old").mkdir()

    def crash(root):
        raise KeyError("x")

    monkeypatch.setattr(core, "reader", lambda name: SimpleNamespace(read_site=crash))
    result = make_app(site).test_cli_runner().invoke(args=["import", str(tmp_path / "old"), "--from", "hugo"])
    assert result.exit_code == 3
    assert result.stderr.startswith("error: the hugo reader failed on ")
    assert "Traceback" not in result.stderr


def test_paths_outside_the_site_are_refused(run, site, tmp_path):
    old = old_site(tmp_path)
    old.files = [ImportedFile("../escape.txt", data=b"x")]
    old.entries = [ImportedEntry("page", "p.md", "/etc/x.md", {"title": "X"}, "")]
    outcome = core.write_site(site, old, dry_run=False)
    assert [str(note) for note in outcome.failed] == [
        "p.md: refused to write pages//etc/x.md: not a path inside pages/",
        "../escape.txt: refused to write files/../escape.txt: not a path inside files/",
    ]
    assert not (tmp_path / "escape.txt").exists()


@pytest.mark.parametrize(
    ("link", "problem"),
    [
        ("/about/", None),
        ("/about", None),
        ("../../../../about/", None),
        ("../about/", "already dead link: ../about/"),
        ("/img/a.png", None),
        ("/blog/page/2/", None),
        ("/tags/go/", None),
        ("https://example.org/x", None),
        ("mailto:me@example.org", None),
        ("#top", None),
        ("/2015/01/02/hello", None),
        ("/gone/", "already dead link: /gone/"),
        ("https//twitter.com/x", "malformed link (scheme missing?): https//twitter.com/x"),
        ("http:/example.org", "malformed link (scheme missing?): http:/example.org"),
        ("www.example.org/path", "malformed link (scheme missing?): www.example.org/path"),
        ("example.com/page", "malformed link (scheme missing?): example.com/page"),
    ],
)
def test_link_problems(link, problem):
    known = {"/about/", "/img/a.png", "/2015/01/02/hello/"}
    assert link_problem(link, "/2015/01/02/post/", known) == problem


@pytest.mark.parametrize(
    ("path", "served"),
    [("/about/", "/about/"), ("/about", "/about.html"), ("x/y.html", "/x/y.html"), ("/a.php", None), ("/", "/")],
)
def test_served_path(path, served):
    assert served_path(path) == served


def test_backslash_math_loses_its_markdown_escapes():
    assert convert_math("a \\\\(x\\_i \\* 2\\\\) b", single_backslash=False, kramdown=True) == ("a $x_i * 2$ b", 1)


def test_math_delimiters_become_dollars_outside_code():
    text = "A $$x^2$$ b \\\\(y\\\\) c\n\n$$\nz\n$$\n\n`$$k$$` and\n\n```\n\\\\(q\\\\)\n```\n"
    assert convert_math(text, single_backslash=False, kramdown=True) == (
        "A $x^2$ b $y$ c\n\n$$\nz\n$$\n\n`$$k$$` and\n\n```\n\\\\(q\\\\)\n```\n",
        2,
    )


@pytest.mark.parametrize(
    ("generator", "files", "detected"),
    [
        ("jekyll", {"_posts/2008-01-01-a.md": "---\n---\n", "_layouts/post.html": "x"}, True),  # before _config.yml
        ("jekyll", {"_posts/2008-01-01-a.md": "---\n---\n", "_config.yaml": "title: x\n"}, True),
        ("jekyll", {"_posts/2008-01-01-a.md": "---\n---\n"}, False),
        ("pelican", {"publishconf.py": "SITEURL = 'x'\n", "content/a.rst": "A\n=\n"}, True),
        ("pelican", {"publishconf.py": "SITEURL = 'x'\n"}, False),
    ],
)
def test_older_and_leaner_site_shapes_are_detected(tmp_path, generator, files, detected):
    from flatfolio.importers import reader

    root = write_files(tmp_path / "old", files)
    assert bool(reader(generator).looks_like(root)) is detected


def test_an_alias_or_file_at_a_path_the_old_site_already_served_is_dropped_with_a_note():
    old = OldSite("jekyll")
    old.entries = [
        ImportedEntry("page", "conduct.md", "conduct.md", {"title": "C", "url": "/conduct/"}, "C\n"),
        ImportedEntry("page", "coc.md", "coc.md", {"title": "D", "url": "/coc/", "aliases": ["/conduct", "/x/"]}, ""),
    ]
    old.files = [ImportedFile("coc/index.html", data=b"old"), ImportedFile("img.png", data=b"png")]
    notes = []
    core.drop_second_claims(old, "/blog/{slug}/", notes)
    assert old.entries[1].front["aliases"] == ["/x/"]
    assert [file.path for file in old.files] == ["img.png"]
    assert [str(note) for note in notes] == [
        "coc.md: alias /conduct dropped: the old site served conduct.md there",
        "coc/index.html: file dropped: the old site served coc.md at /coc/index.html",
    ]
