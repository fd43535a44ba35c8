"""Never break a URL: own URLs, a post pattern, redirects, root files, extra feeds, one owner per path."""

import os
import subprocess
import sys

import feedparser
import lxml.html
import pytest
from conftest import nu_check, read_tree, write_files

from app import PROJECT_ROOT, create_app
from flatfolio.build.freeze import freeze_site
from flatfolio.urls import clean_path

# A blog moved from Hugo and Jekyll: old URLs in front matter, links between posts by
# those URLs, images and a PDF at the site root, aliases, a site-level redirect, old feeds.
MOVED = {
    "site.toml": """\
        title = "Moved"
        author = "Ada"
        base_url = "https://example.org/"
        timezone = "UTC"

        [urls]
        post = "/{year}/{month}/{day}/{slug}/"
        atom_feeds = ["/atom.xml"]
        rss_feeds = ["/index.xml"]

        [redirects]
        "/archives/" = "/blog/"
        "/talk/" = "https://talks.example.net/x"
        """,
    "posts/2016-03-17-some-post.md": """\
        ---
        title: Some post
        date: 2016-03-17
        url: /blog/2016/03/17/some-post/
        aliases: [/p/17/, /old/some-post.html]
        tags: [go]
        ---
        See ![diagram](/images/x.png), the [zine](/zine.pdf) and the [next one](/2015/05/21/Some-Post.html).
        """,
    "posts/2015-05-21-other.md": """\
        ---
        title: Other
        date: 2015-05-21
        permalink: /2015/05/21/Some-Post.html
        redirect_from: /other/
        tags: [go]
        ---
        Back to <a href='/blog/2016/03/17/some-post/'>some post</a> and <img src=/images/x.png alt=x>.
        """,
    "posts/2017-01-02-patterned.md": """\
        ---
        title: Patterned
        date: 2017-01-02
        ---
        By the site's pattern. [Other](/2015/05/21/Some-Post.html).
        """,
    "pages/about.md": """\
        ---
        title: About
        permalink: /about.html
        ---
        About me.
        """,
    "pages/index.md": "---\ntitle: Home\n---\nHome.\n",
    "files/images/x.png": "PNG-BYTES",
    "files/zine.pdf": "%PDF-1.4 fake",
    "files/.well-known/security.txt": "Contact: mailto:a@example.org\n",
    "files/google1234.html": "google-site-verification: google1234.html\n",
    "files/images/x.png~": "editor backup",
    "files/.DS_Store": "junk",
}
OWN = {
    "2016/03/17/some-post/index.html", "blog/2016/03/17/some-post/index.html", "2015/05/21/Some-Post.html",
    "2017/01/02/patterned/index.html", "about.html",
}  # fmt: skip
REDIRECTS = {"p/17/index.html", "old/some-post.html", "other/index.html", "archives/index.html", "talk/index.html"}
ROOT = {"images/x.png", "zine.pdf", ".well-known/security.txt", "google1234.html"}


@pytest.fixture(scope="module")
def moved(tmp_path_factory):
    root = write_files(tmp_path_factory.mktemp("moved") / "site", MOVED)
    out = root / "build"
    report = freeze_site(create_app({"SITE_ROOT": str(root)}), out)
    return root, out, report


def flask(site_root, *args):
    env = {**os.environ, "FLASK_SITE_ROOT": str(site_root)}
    env.pop("FLASK_DEBUG", None)
    command = [sys.executable, "-m", "flask", "--app", "app", *args]
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_every_old_url_is_a_file_of_the_build(moved):
    _, out, report = moved
    files = set(read_tree(out))
    own = OWN - {"2016/03/17/some-post/index.html"}  # that post has its own url:
    assert own | REDIRECTS | ROOT <= files
    assert "2016/03/17/some-post/index.html" not in files
    assert not {name for name in files if name.endswith("~") or ".DS_Store" in name}
    assert report.warnings == ()


def test_root_files_are_copied_byte_for_byte(moved):
    root, out, _ = moved
    for name in ROOT:
        assert (out / name).read_bytes() == (root / "files" / name).read_bytes()


def test_lists_feeds_sitemap_and_neighbours_use_the_real_urls(moved):
    _, out, _ = moved
    sitemap = (out / "sitemap.xml").read_text()
    assert "https://example.org/blog/2016/03/17/some-post/" in sitemap
    assert "https://example.org/2015/05/21/Some-Post.html" in sitemap
    assert "https://example.org/2017/01/02/patterned/" in sitemap
    assert "https://example.org/about.html" in sitemap
    assert not any(path in sitemap for path in ("/p/17/", "/old/", "/other/", "/archives/"))  # no redirects
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert [entry.link for entry in feed.entries] == [
        "https://example.org/2017/01/02/patterned/", "https://example.org/blog/2016/03/17/some-post/",
        "https://example.org/2015/05/21/Some-Post.html",
    ]  # fmt: skip
    post = lxml.html.fromstring((out / "blog/2016/03/17/some-post/index.html").read_bytes())
    assert post.xpath("//a[@rel='prev']/@href") == ["/2015/05/21/Some-Post.html"]
    assert post.xpath("//a[@rel='next']/@href") == ["/2017/01/02/patterned/"]
    assert post.xpath("//link[@rel='canonical']/@href") == ["https://example.org/blog/2016/03/17/some-post/"]


def test_old_feed_paths_serve_the_feeds_themselves(moved):
    _, out, _ = moved
    assert (out / "atom.xml").read_bytes() == (out / "feed.xml").read_bytes()
    assert (out / "index.xml").read_bytes() == (out / "rss.xml").read_bytes()
    assert feedparser.parse((out / "index.xml").read_bytes()).version == "rss20"


def test_redirect_pages_refresh_to_the_target_with_canonical_and_noindex(moved):
    _, out, _ = moved
    page = lxml.html.fromstring((out / "p/17/index.html").read_bytes())
    assert page.xpath("//meta[@http-equiv='refresh']/@content") == ["0; url=/blog/2016/03/17/some-post/"]
    assert page.xpath("//link[@rel='canonical']/@href") == ["https://example.org/blog/2016/03/17/some-post/"]
    assert page.xpath("//meta[@name='robots']/@content") == ["noindex"]
    assert page.xpath("//a/@href") == ["/blog/2016/03/17/some-post/"]
    assert page.xpath("//script") == [] and page.xpath("//@style") == []
    outside = lxml.html.fromstring((out / "talk/index.html").read_bytes())
    assert outside.xpath("//a/@href") == ["https://talks.example.net/x"]


def test_dev_server_answers_old_paths_with_301_and_root_files_as_is(moved):
    root, _, _ = moved
    client = create_app({"SITE_ROOT": str(root), "TESTING": True}).test_client()
    for old, new in [("/p/17/", "/blog/2016/03/17/some-post/"), ("/other/", "/2015/05/21/Some-Post.html"),
                     ("/archives/", "/blog/")]:  # fmt: skip
        response = client.get(old)
        assert (response.status_code, response.headers["Location"]) == (301, new)
    assert client.get("/images/x.png").data == b"PNG-BYTES"
    assert client.get("/.well-known/security.txt").mimetype == "text/plain"
    assert client.get("/2015/05/21/Some-Post.html").status_code == 200
    assert client.get("/images/x.png~").status_code == 404
    assert client.get("/2016/03/17/some-post/").status_code == 404  # own url: wins over the pattern


def test_check_old_urls_proves_the_move_then_names_what_a_deleted_alias_broke(moved, tmp_path):
    root, out, _ = moved
    old_sitemap = tmp_path / "old-sitemap.xml"
    old_urls = [
        "/p/17/", "/old/some-post.html", "/other", "/blog/2016/03/17/some-post/", "/about",
        "/2015/05/21/Some-Post.html", "/images/x.png", "/zine.pdf", "/atom.xml", "/index.xml", "/archives/",
    ]  # fmt: skip
    old_sitemap.write_text(
        '<?xml version="1.0"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "".join(f"<url><loc>https://old.example.com{path}</loc></url>\n" for path in old_urls)
        + "</urlset>\n"
    )
    result = flask(root, "check", "--old-urls", str(old_sitemap))
    assert result.returncode == 0, result.stderr
    assert "Old URLs: 11 checked, 0 missing" in result.stdout

    post = root / "posts/2016-03-17-some-post.md"
    original = post.read_text()
    post.write_text(original.replace("aliases: [/p/17/, /old/some-post.html]", "aliases: [/old/some-post.html]"))
    try:
        result = flask(root, "check", "--old-urls", str(old_sitemap))
    finally:
        post.write_text(original)
    assert result.returncode == 1
    assert "Old URLs: 11 checked, 1 missing" in result.stdout
    assert [line for line in result.stderr.splitlines() if "old URL" in line] == [
        f"{old_sitemap}:3: old URL: /p/17/: nothing answers here any more"
    ]


def test_old_urls_as_a_plain_list(moved, tmp_path):
    root, _, _ = moved
    listing = tmp_path / "old.txt"
    listing.write_text("# from the old site\n/p/17/\nhttps://example.org/nope/\n\n/zine.pdf\n")
    result = flask(root, "check", "--old-urls", str(listing))
    assert result.returncode == 1
    assert f"{listing}:3: old URL: /nope/: nothing answers here any more" in result.stderr.splitlines()


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"posts/2024-05-01-a.md": "---\ntitle: A\ndate: 2024-05-01\nurl: /about/\n---\nA\n"},
            "posts/2024-05-01-a.md:4: url: /about/ is already used by pages/about.md",
        ),
        (
            {"posts/2024-05-01-a.md": "---\ntitle: A\ndate: 2024-05-01\naliases: [/blog/first-post/]\n---\nA\n"},
            "posts/2024-05-01-a.md:4: aliases: /blog/first-post/ is already used by posts/2024-01-10-first-post.md",
        ),
        (
            {"files/about/index.html": "<p>hand made</p>"},
            "files/about/index.html: file: /about/index.html is already used by pages/about.md",
        ),
        (
            {"files/feed.xml": "<feed/>"},
            "files/feed.xml: file: /feed.xml is already used by the Atom feed",
        ),
        (
            {"posts/2024-05-01-a.md": "---\ntitle: A\ndate: 2024-05-01\naliases: /tags/go/\n---\nA\n"},
            "posts/2024-05-01-a.md:4: aliases: /tags/go/ is already used by the tag pages",
        ),
    ],
    ids=["entry and page", "alias and post", "root file and page", "root file and feed", "alias and tag page"],
)
def test_two_owners_of_one_path_are_an_error_naming_both(site_root, write, files, expected):
    write(files)
    result = flask(site_root, "freeze", "--out", str(site_root / "out"))
    assert result.returncode == 1
    assert expected in result.stderr.splitlines(), result.stderr
    assert not (site_root / "out").exists()


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("blog/x/", "expected a path starting with '/'"),
        ("/a/../b/", "'.', '..' and empty segments"),
        ("https://example.org/x/", "expected a path starting with '/'"),
        ("//example.org/x/", "without a host, query or #fragment"),
        ("/x/?page=2", "without a host, query or #fragment"),
        ("/x/#top", "without a host, query or #fragment"),
        ("/my post/", "spaces, quotes, backslashes"),
        ("/x.pdf", "ends in '/' or '.html'"),
        (5, "expected a path starting with '/'"),
    ],
)
def test_a_bad_url_is_a_path_line_field_problem(site_root, write, value, problem):
    write({"posts/2024-05-01-a.md": f"---\ntitle: A\ndate: 2024-05-01\nurl: {value!r}\n---\nA\n"})
    result = flask(site_root, "check")
    assert result.returncode == 1
    [line] = [line for line in result.stderr.splitlines() if line.startswith("posts/2024-05-01-a.md:4: url: ")]
    assert problem in line and "Traceback" not in result.stderr


def test_clean_path_keeps_case_and_adds_the_folder_slash():
    assert clean_path("/2015/05/21/Some-Post/") == "/2015/05/21/Some-Post/"
    assert clean_path("/about") == "/about/"
    assert clean_path("/x.html") == "/x.html"


def test_warn_mode_builds_with_dead_links_and_lists_them(site_root, write):
    write({
        "posts/2024-05-01-dead.md": "---\ntitle: Dead\ndate: 2024-05-01\n---\n"
        "[tweet](https//twitter.com/x) and [site](www.example.org/path) and <a href='/gone/'>gone</a>\n",
    })  # fmt: skip
    strict = flask(site_root, "freeze", "--out", str(site_root / "out"))
    assert strict.returncode == 3 and "broken internal links" in strict.stderr
    toml = site_root / "site.toml"
    toml.write_text(toml.read_text() + '\n[urls]\nlinks = "warn"\n')
    checked = flask(site_root, "check")
    assert checked.returncode == 0
    built = flask(site_root, "freeze", "--out", str(site_root / "out"))
    assert built.returncode == 0, built.stderr
    for output in (checked.stderr, built.stderr):
        warnings = [line for line in output.splitlines() if line.startswith("posts/2024-05-01-dead.md:5")]
        assert sorted(warnings) == [
            "posts/2024-05-01-dead.md:5: warning: link: /gone/: no page at this URL",
            "posts/2024-05-01-dead.md:5: warning: link: https//twitter.com/x: no post at this URL",
            "posts/2024-05-01-dead.md:5: warning: link: www.example.org/path: no post at this URL",
        ], output


def test_single_quoted_and_unquoted_html_links_are_checked(site_root, write):
    write({"pages/q.md": "---\ntitle: Q\n---\n<a href='/nope/'>x</a> <img src=/nothing.png alt=y>\n"})
    result = flask(site_root, "check")
    assert result.returncode == 1
    assert "pages/q.md:4: link: /nope/: no page at this URL" in result.stderr
    assert "pages/q.md:4: image: /nothing.png: no page at this URL" in result.stderr


def test_junk_in_static_is_never_published(tmp_path):
    site = write_files(
        tmp_path / "site", {"site.toml": MOVED["site.toml"], "pages/index.md": "---\ntitle: H\n---\nH\n"}
    )
    app = create_app({"SITE_ROOT": str(site)})
    junk = [PROJECT_ROOT / "static" / name for name in (".DS_Store", "style.css~", ".style.css.swp")]
    try:
        for path in junk:
            path.write_text("junk")
        freeze_site(app, tmp_path / "out")
    finally:
        for path in junk:
            path.unlink(missing_ok=True)
    built = set(read_tree(tmp_path / "out"))
    assert "static/style.css" in built and not {f"static/{path.name}" for path in junk} & built


def test_a_root_file_edit_remakes_only_that_file(tmp_path):
    site = write_files(tmp_path / "site", MOVED)
    app = create_app({"SITE_ROOT": str(site)})
    out = tmp_path / "out"
    freeze_site(app, out)
    before = {name: os.stat(out / name).st_ino for name in read_tree(out)}
    (site / "files/zine.pdf").write_text("%PDF-1.4 second edition")
    report = freeze_site(create_app({"SITE_ROOT": str(site)}), out)
    after = {name: os.stat(out / name).st_ino for name in read_tree(out)}
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed == {"zine.pdf", ".flatfolio-build", ".nojekyll"}  # the last two: written by every build
    assert (out / "zine.pdf").read_text() == "%PDF-1.4 second edition"
    assert report.reused == report.files - 2  # all but zine.pdf and .nojekyll


def test_redirect_pages_and_html_entries_are_valid_html(moved):
    """The Nu HTML checker (what validator.w3.org runs) finds no error in the new kinds of page."""
    _, out, _ = moved
    pages = [out / name for name in sorted(REDIRECTS | OWN) if (out / name).is_file()]
    messages, status = nu_check(pages, "--errors-only")
    assert messages == [] and status == 0
    assert len(pages) == 9


def test_links_shown_as_code_are_text_not_links(site_root, write):
    """Highlighted HTML in a code block keeps its quotes: the build's link check must not read it as a link."""
    write({
        "posts/2024-05-01-code.md": "---\ntitle: Code\ndate: 2024-05-01\n---\n"
        "```html+jinja\n<a class=\"x\" href=\"{{ SITEURL }}/{{ next.url }}\">next</a> <img src='/no.png'>\n```\n"
        "\n`<a href='/nowhere/'>` and <a href='/about/'>about</a>\n",
    })  # fmt: skip
    result = flask(site_root, "freeze", "--out", str(site_root / "out"))
    assert result.returncode == 0, result.stderr
    from flatfolio.build.links import page_links

    html = (site_root / "out/blog/code/index.html").read_text()
    links = page_links(html)
    assert "/about/" in links
    assert not [link for link in links if "SITEURL" in link or "span" in link or link in ("/no.png", "/nowhere/")]


def test_files_below_static_live_beside_the_theme_and_cannot_replace_it(site_root, write):
    """Old sites (Pelican's STATIC_PATHS, hand-made ones) served /static/...: those URLs keep answering."""
    page = "---\ntitle: P\n---\n![c](/static/images/cover.jpg)\n"
    write({"files/static/images/cover.jpg": "JPEG", "pages/p.md": page})
    out = site_root / "out"
    result = flask(site_root, "freeze", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert (out / "static/images/cover.jpg").read_text() == "JPEG"
    assert (out / "static/style.css").read_bytes() == (PROJECT_ROOT / "static/style.css").read_bytes()
    client = create_app({"SITE_ROOT": str(site_root), "TESTING": True}).test_client()
    assert client.get("/static/images/cover.jpg").data == b"JPEG"
    assert client.get("/static/nothing.png").status_code == 404
    write({"files/static/style.css": "body{}"})
    result = flask(site_root, "freeze", "--out", str(out))
    assert result.returncode == 1
    clash = "files/static/style.css: file: /static/style.css is already used by the theme's static files"
    assert clash in result.stderr


def test_a_root_file_no_url_can_reach_is_a_problem_for_check_and_freeze(site_root, write):
    """A tab or line break in a name: URL parsing drops it, so check must refuse what freeze cannot build."""
    (site_root / "files").mkdir()
    (site_root / "files" / "two\tparts.txt").write_text("x")
    expected = "files/two\\tparts.txt: file: a name with a tab, line break or control character cannot be a URL"
    for command in (["check"], ["freeze", "--out", str(site_root / "out")]):
        result = flask(site_root, *command)
        assert result.returncode == 1, result.stderr
        assert any(line.startswith(expected) for line in result.stderr.splitlines()), result.stderr
    assert not (site_root / "out").exists()
