"""End to end: a small Hugo, Jekyll and Pelican blog each imported by the CLI, frozen, and every old URL proved."""

import base64
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.html
import nbformat
import pytest
from conftest import read_tree, write_files

from app import PROJECT_ROOT


def png(shade: int = 0x80) -> bytes:
    """A valid 1x1 grey PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    idat = zlib.compress(bytes([0, shade]))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


HUGO = {
    "config.toml": """\
        baseURL = "https://old.example.org/"
        title = "Old Hugo blog"
        [permalinks]
          posts = "/:year/:month/:title/"
        """,
    "content/posts/first.md": """\
        +++
        title = "First Hugo post"
        date = 2020-01-02T10:00:00Z
        tags = ["Go"]
        categories = ["Dev"]
        aliases = ["/old/first.html", "/p/1/"]
        +++
        Intro with {{< figure src="/images/pic.png" alt="A picture" >}}

        <!--more-->

        {{< highlight go >}}
        func main() {}
        {{< /highlight >}}
        """,
    "content/posts/second.md": """\
        ---
        title: Second Hugo post
        date: 2020-02-03
        slug: ignored-by-title
        ---
        Back to [the first]({{< ref "posts/first.md" >}}) and {{< youtube abc123 >}}.
        """,
    "content/posts/draft.md": "---\ntitle: Hugo draft\ndate: 2020-03-01\ndraft: true\n---\nWIP.\n",
    "content/posts/bundle/index.md": "---\ntitle: Bundle post\ndate: 2020-04-05\n---\n![bundled](shot.png)\n",
    "content/about.md": "---\ntitle: About\nurl: /about/\n---\nAbout me.\n",
    "static/files/cv.pdf": "%PDF-1.4 cv",
}
HUGO_BINARY = {"static/images/pic.png": png(), "content/posts/bundle/shot.png": png(0x40)}

JEKYLL = {
    "_config.yml": """\
        title: Old Jekyll blog
        url: https://old.example.org
        permalink: /:year/:month/:day/:title.html
        excerpt_separator: <!--more-->
        plugins: [jekyll-feed, jekyll-redirect-from]
        """,
    "_posts/2015-03-01-hello-world.md": """\
        ---
        title: "Hello: World"
        categories: [Go, Web]
        redirect_from: /hello/
        ---
        First, see [the next]({% post_url 2016-01-02-second %}) and [about]({% link about.md %}).
        <!--more-->
        {% highlight python %}
        print("hi")
        {% endhighlight %}

        ![pic]({{ site.baseurl }}/images/pic.png) and [the paper]({{ "/assets/paper.pdf" | relative_url }}).
        """,
    "_posts/2016-01-02-second.markdown": """\
        ---
        title: Second
        date: 2016-01-02 23:30:00 +0100
        permalink: /second/
        excerpt: "The *second* one."
        redirect_from: [/2016/second/, /s.html]
        ---
        {% raw %}{{ kept }}{% endraw %}
        """,
    "_posts/2017-05-05-hidden.md": "---\ntitle: Hidden\npublished: false\n---\nNot yet.\n",
    "_drafts/wip.md": "---\ntitle: WIP\n---\nDraft.\n",
    "about.md": "---\ntitle: About\npermalink: /about/\n---\nAbout me.\n",
    "assets/paper.pdf": "%PDF-1.4 paper",
    "_layouts/post.html": "{{ content }}\n",
    "Gemfile": "gem 'jekyll'\n",
}
JEKYLL_BINARY = {"images/pic.png": png()}

PELICAN = {
    "pelicanconf.py": """\
        AUTHOR = 'Ada'
        SITENAME = 'Old Pelican blog'
        PATH = 'content'
        TIMEZONE = 'UTC'
        ARTICLE_URL = '{date:%Y}/{date:%m}/{slug}/'
        ARTICLE_SAVE_AS = ARTICLE_URL + 'index.html'
        PAGE_URL = '{slug}/'
        PAGE_SAVE_AS = '{slug}/index.html'
        STATIC_PATHS = ['images', 'extra/robots.txt']
        EXTRA_PATH_METADATA = {'extra/robots.txt': {'path': 'robots.txt'}}
        FEED_ALL_ATOM = 'feeds/all.atom.xml'
        PLUGINS = ['liquid_tags.img', 'liquid_tags.notebook']
        """,
    "content/first-post.md": """\
        Title: First Pelican post
        Date: 2020-01-05 10:20
        Tags: python, testing

        <!-- PELICAN_BEGIN_SUMMARY -->
        Short intro, see [the notebook post]({filename}notebook.md).
        <!-- PELICAN_END_SUMMARY -->

        {% img /images/x.png A picture %} and ![again]({static}/images/x.png).
        """,
    "content/notebook.md": """\
        Title: A notebook post
        Date: 2020-02-01
        Slug: nb-post
        Category: Data

        {% notebook demo.ipynb %}
        """,
    "content/draft.md": "Title: Not yet\nDate: 2020-03-01\nStatus: draft\n\nWIP\n",
    "content/pages/about.md": "Title: About me\nSlug: about\n\nAbout.\n",
    "content/extra/robots.txt": "User-agent: *\n",
    "content/images/.gitignore": "*.tmp\n",
}
PELICAN_BINARY = {"content/images/x.png": png()}

SITE = {"site.toml": 'title = "New"\nauthor = "Ada"\nbase_url = "https://example.org/"\ntimezone = "UTC"\n'}
SITE["pages/index.md"] = "---\ntitle: Home\n---\nHome.\n"

PUBLISHED = {
    "hugo": {"First Hugo post", "Second Hugo post", "Bundle post"},
    "jekyll": {"Hello: World", "Second"},
    "pelican": {"First Pelican post", "A notebook post"},
}
DRAFTS = {"hugo": "Hugo draft", "jekyll": "Hidden", "pelican": "Not yet"}


def flask(site_root, *args):
    env = {**os.environ, "FLASK_SITE_ROOT": str(site_root)}
    env.pop("FLASK_DEBUG", None)
    command = [sys.executable, "-m", "flask", "--app", "app", *args]
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)


def notebook(path: Path) -> None:
    """A notebook with Markdown, code, a text output and a PNG output."""
    cells = [
        nbformat.v4.new_markdown_cell("Some *analysis*."),
        nbformat.v4.new_code_cell(
            "print('hi')\nplot()",
            outputs=[
                nbformat.v4.new_output("stream", name="stdout", text="hi\n"),
                nbformat.v4.new_output(
                    "display_data", data={"image/png": base64.b64encode(png(0x20)).decode(), "text/plain": "<Figure>"}
                ),
            ],
        ),
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=cells), str(path))


def run_import(tmp_path_factory, generator, text, binary):
    base = tmp_path_factory.mktemp(generator)
    old = write_files(base / "old", text)
    for name, data in binary.items():
        (old / name).parent.mkdir(parents=True, exist_ok=True)
        (old / name).write_bytes(data)
    if generator == "pelican":
        notebook(old / "content/notebooks/demo.ipynb")
    site = write_files(base / "site", SITE)
    first = flask(site, "import", str(old), "--from", generator)
    before = read_tree(site)
    second = flask(site, "import", str(old))
    after = read_tree(site)
    out = base / "build"
    freeze = flask(site, "freeze", "--out", str(out))
    check = flask(site, "check", "--old-urls", str(site / ".cache/import/old-urls.txt"))
    return SimpleNamespace(generator=generator, site=site, out=out, first=first, second=second,
                           before=before, after=after, freeze=freeze, check=check)  # fmt: skip


@pytest.fixture(scope="module")
def hugo(tmp_path_factory):
    return run_import(tmp_path_factory, "hugo", HUGO, HUGO_BINARY)


@pytest.fixture(scope="module")
def jekyll(tmp_path_factory):
    return run_import(tmp_path_factory, "jekyll", JEKYLL, JEKYLL_BINARY)


@pytest.fixture(scope="module")
def pelican(tmp_path_factory):
    return run_import(tmp_path_factory, "pelican", PELICAN, PELICAN_BINARY)


@pytest.fixture(params=["hugo", "jekyll", "pelican"])
def moved(request):
    return request.getfixturevalue(request.param)


def old_urls(moved) -> list[str]:
    return (moved.site / ".cache/import/old-urls.txt").read_text(encoding="utf-8").split()


def built_file(out: Path, url: str) -> Path:
    path = url.split("#")[0].split("?")[0].lstrip("/")
    if not path or path.endswith("/"):
        return out / path / "index.html"
    candidate = out / path
    return candidate if candidate.is_file() or "." in Path(path).name else out / path / "index.html"


def test_import_freeze_and_check_all_succeed(moved):
    assert moved.first.returncode == 0, moved.first.stderr + moved.first.stdout
    assert "Traceback" not in moved.first.stderr
    assert moved.freeze.returncode == 0, moved.freeze.stderr + moved.freeze.stdout
    assert moved.check.returncode == 0, moved.check.stdout + moved.check.stderr
    assert "0 missing" in moved.check.stdout
    assert len(old_urls(moved)) >= 4


def test_every_old_url_is_a_file_in_the_build(moved):
    missing = [url for url in old_urls(moved) if not built_file(moved.out, url).is_file()]
    assert missing == []


def test_every_referenced_image_and_file_is_in_the_build(moved):
    referenced = set()
    for page in moved.out.rglob("*.html"):
        base = "/" + page.relative_to(moved.out).as_posix()
        tree = lxml.html.fromstring(page.read_bytes() or b"<p></p>")
        links = tree.xpath("//img/@src") + [href for href in tree.xpath("//a/@href") if href.endswith((".pdf", ".png"))]
        referenced |= {urljoin(base, link) for link in links if not urlsplit(link).scheme and "//" not in link}
    images = {src for src in referenced if src.endswith(".png")}
    assert images, "the imported posts show images"
    assert [src for src in referenced if not (moved.out / src.lstrip("/").split("?")[0]).is_file()] == []


def test_imported_images_are_real_pngs(moved):
    pngs = [path for path in moved.out.rglob("*.png") if "static" not in path.parts]
    assert pngs and all(path.read_bytes().startswith(b"\x89PNG") for path in pngs)


def test_feeds_parse_and_list_the_published_posts_only(moved):
    feed = feedparser.parse((moved.out / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    titles = {entry.title for entry in feed.entries}
    assert titles == PUBLISHED[moved.generator]
    assert DRAFTS[moved.generator] not in (moved.out / "feed.xml").read_text(encoding="utf-8")
    for url in old_urls(moved):
        if url.endswith(".xml") and "sitemap" not in url:
            old_feed = feedparser.parse(built_file(moved.out, url).read_bytes())
            assert not old_feed.bozo and {entry.title for entry in old_feed.entries} == titles


def test_draft_is_imported_but_not_published(moved):
    drafts = [text for text in moved.before.values() if DRAFTS[moved.generator].encode() in text]
    assert drafts, "the draft is kept as a draft"
    built = b"".join(path.read_bytes() for path in moved.out.rglob("*.html"))
    assert DRAFTS[moved.generator].encode() not in built


def test_a_second_import_changes_nothing(moved):
    assert moved.second.returncode == 0, moved.second.stderr
    assert "\n0 written, " in moved.second.stdout and " 0 clashes " in moved.second.stdout
    assert moved.after == moved.before


def test_aliases_and_redirects_are_answered(moved):
    expected = {
        "hugo": ["/old/first.html", "/p/1/", "/about/", "/images/pic.png", "/files/cv.pdf"],
        "jekyll": ["/hello/", "/2016/second/", "/s.html", "/second/", "/2015/03/01/hello-world.html", "/about/"],
        "pelican": [
            "/2020/01/first-pelican-post/",
            "/2020/02/nb-post/",
            "/about/",
            "/images/x.png",
            "/feeds/all.atom.xml",
        ],
    }[moved.generator]
    urls = old_urls(moved)
    assert [url for url in expected if url not in urls] == []
    assert all(built_file(moved.out, url).is_file() for url in expected)


def test_pelican_notebook_cells_are_shown(pelican):
    page = (pelican.out / "2020/02/nb-post/index.html").read_text(encoding="utf-8")
    assert "<em>analysis</em>" in page and "print" in page and "hi\n" in page
    assert 'src="/images/notebooks/nb-post/' in page
    assert "content/extra/robots.txt: flatfolio serves /robots.txt itself: file skipped" in pelican.first.stderr
