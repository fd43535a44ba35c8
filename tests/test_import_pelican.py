"""The Pelican reader: settings read without running them, old URLs, metadata, links, liquid tags, notebooks."""

import os
import struct
import zlib
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import nbformat
import pytest
from conftest import write_files

from flatfolio.importers.model import ImportedEntry, ImportedFile, Note, OldSite
from flatfolio.importers.pelican import looks_like, read_site
from flatfolio.importers.pelican_meta import pelican_slug, read_settings

DATED_CONF = """\
    AUTHOR = 'Ada'
    PATH = 'content'
    TIMEZONE = 'Europe/Paris'
    ARTICLE_URL = '{date:%Y}/{date:%m}/{slug}/'
    ARTICLE_SAVE_AS = ARTICLE_URL + 'index.html'
    PAGE_URL = '{slug}/'
    PAGE_SAVE_AS = '{slug}/index.html'
    STATIC_PATHS = ['images', 'extra/robots.txt']
    EXTRA_PATH_METADATA = {'extra/robots.txt': {'path': 'robots.txt'}}
    FEED_ALL_ATOM = 'feeds/all.atom.xml'
    FEED_RSS = 'feeds/rss.xml'
    CATEGORY_FEED_ATOM = None
    """

DATED_SITE = {
    "pelicanconf.py": DATED_CONF,
    "content/python/first-post.md": """\
        Title: First post
        Date: 2020-01-05 10:20
        Tags: python, testing
        Summary: The *first* one.

        See [the second]({filename}/second.md#part), ![x]({static}/images/x.png) and [pdf]({attach}files/a.pdf).
        """,
    "content/python/files/a.pdf": "%PDF",
    "content/second.md": """\
        ---
        title: Second post
        date: 2020-02-01
        tags: [a, b]
        category: Notes
        ---
        <!-- PELICAN_BEGIN_SUMMARY -->
        Short **intro**, see [first]({filename}python/first-post.md).
        <!-- PELICAN_END_SUMMARY -->

        Rest, [about](|filename|pages/about.md).
        """,
    "content/draft.md": """\
        Title: Not yet
        Date: 2020-03-01
        Status: draft

        WIP
        """,
    "content/pages/about.md": """\
        Title: About me
        Slug: about

        About.
        """,
    "content/images/x.png": "PNG",
    "content/extra/robots.txt": "User-agent: *\n",
}


def test_dated_site_keeps_every_url_feed_and_file(tmp_path):
    root = write_files(tmp_path / "old", DATED_SITE)
    content = root / "content"
    paris = ZoneInfo("Europe/Paris")
    assert read_site(root) == OldSite(
        generator="pelican",
        entries=[
            ImportedEntry(
                "post",
                "content/draft.md",
                "2020-03-01-not-yet.md",
                {"title": "Not yet", "date": date(2020, 3, 1), "tags": ["misc"], "category": "misc", "draft": True},
                "WIP\n",
            ),
            ImportedEntry(
                "post",
                "content/second.md",
                "2020-02-01-second-post.md",
                {
                    "title": "Second post",
                    "date": date(2020, 2, 1),
                    "tags": ["Notes", "a", "b"],
                    "category": "Notes",
                    "summary": "Short intro, see first.",
                },
                "Short **intro**, see [first](/2020/01/first-post/).\n\nRest, [about](/about/).\n",
            ),
            ImportedEntry(
                "post",
                "content/python/first-post.md",
                "2020-01-05-first-post.md",
                {
                    "title": "First post",
                    "date": datetime(2020, 1, 5, 10, 20, tzinfo=paris),
                    "url": "/2020/01/first-post/",
                    "tags": ["python", "testing"],
                    "category": "python",
                    "summary": "The first one.",
                },
                "See [the second](/2020/02/second-post/#part), ![x](/images/x.png)"
                " and [pdf](/2020/01/first-post/files/a.pdf).\n",
            ),
            ImportedEntry(
                "page", "content/pages/about.md", "about.md", {"title": "About me", "url": "/about/"}, "About.\n"
            ),
        ],
        files=[
            ImportedFile("images/x.png", content / "images/x.png"),
            ImportedFile("robots.txt", content / "extra/robots.txt"),
            ImportedFile("2020/01/first-post/files/a.pdf", content / "python/files/a.pdf"),
        ],
        atom_feeds=["/feeds/all.atom.xml"],
        rss_feeds=["/feeds/rss.xml"],
        post_pattern="/{year}/{month}/{slug}/",
        conversions=Counter(
            {"{filename} link": 3, "summary marker": 1, "{static} link": 1, "{attach} link": 1}
        ),  # fmt: skip
        notes=[Note("content/draft.md", None, "a draft (Pelican showed it at /drafts/not-yet.html): kept a draft")],
    )


def test_pelicanconf_is_never_run_and_only_literals_are_read(tmp_path):
    root = write_files(
        tmp_path / "old",
        {
            "pelicanconf.py": """\
                import os
                from pathlib import Path
                open(os.path.join(os.path.dirname(__file__), 'RAN'), 'w').write('ran')
                SITENAME = 'S' + 'ite'
                PATH = os.path.join(os.path.dirname(__file__), 'content')
                ARTICLE_PATHS = ['posts']
                STATIC_PATHS = Path('images').parts
                def plugin():
                    return 1
                DEFAULT_CATEGORY = plugin()
                """,
            "content/posts/hello.md": "Title: Hello World!\nDate: 2021-05-06\n\nHi.\n",
            "content/images/a.png": "A",
        },
    )
    settings, notes = read_settings(root)
    assert (settings["SITENAME"], settings["PATH"], settings["ARTICLE_PATHS"]) == ("Site", "content", ["posts"])
    assert notes == [
        Note("pelicanconf.py", 5, "PATH is not a literal value: not read"),
        Note("pelicanconf.py", 7, "STATIC_PATHS is not a literal value: not read"),
        Note("pelicanconf.py", 10, "DEFAULT_CATEGORY is not a literal value: not read"),
    ]
    site = read_site(root)
    assert not (root / "RAN").exists()
    front = {"title": "Hello World!", "date": date(2021, 5, 6), "tags": ["posts"], "category": "posts"}
    assert [(e.name, e.front) for e in site.entries] == [("2021-05-06-hello-world.md", front)]
    assert site.files == [ImportedFile("images/a.png", root / "content/images/a.png")]
    assert (site.post_pattern, site.atom_feeds, site.rss_feeds) == ("/{slug}.html", ["/feeds/all.atom.xml"], [])
    assert site.notes[:3] == notes
    assert site.notes[3:] == [
        Note("pelicanconf.py", None, "CATEGORY_FEED_ATOM (feeds/{slug}.atom.xml): these feeds are not kept")
    ]


def test_publishconf_overrides_pelicanconf(tmp_path):
    root = write_files(
        tmp_path / "old",
        {
            "pelicanconf.py": "FEED_ALL_ATOM = None\nCATEGORY_FEED_ATOM = None\n",
            "publishconf.py": "from pelicanconf import *\nFEED_ALL_ATOM = 'feeds/all.atom.xml'\nFEED_RSS = 'a.rss'\n",
            "content/a.md": "Title: A\nDate: 2020-01-01\n\nA\n",
        },
    )
    site = read_site(root)
    assert (site.atom_feeds, site.rss_feeds, site.notes) == (["/feeds/all.atom.xml"], ["/a.rss"], [])


def test_save_as_is_served_and_the_printed_url_answers_too(tmp_path):
    root = write_files(
        tmp_path / "old",
        {
            "pelicanconf.py": """\
                ARTICLE_URL = 'posts/{slug}/'
                ARTICLE_SAVE_AS = 'posts/{slug}.html'
                PAGE_URL = '{slug}'
                PAGE_SAVE_AS = '{slug}.html'
                SLUGIFY_SOURCE = 'basename'
                FILENAME_METADATA = r'(?P<date>\\d{4}-\\d{2}-\\d{2})-(?P<slug>.*)'
                FEED_ALL_ATOM = 'feed.xml'
                """,
            "content/2019-07-08-my_notes.md": "Title: Mine\nCategory: Deep Thoughts\nTags: x; y, z\n\nBody\n",
            "content/custom.md": "Title: Custom\nDate: 2019-01-01\nurl: special/\nsave_as: special/index.html\n\nC\n",
            "content/old.md": "Title: Old\nDate: 2019-01-02\nsave_as: legacy/old.php\n\nO\n",
            "content/pages/contact.md": "Title: Contact\n\nMail me.\n",
        },
    )
    site = read_site(root)
    assert [(e.name, e.front.get("url"), e.front.get("aliases"), e.front.get("tags")) for e in site.entries] == [
        ("2019-07-08-my-notes.md", "/posts/my_notes.html", ["/posts/my_notes/"], ["Deep Thoughts", "x", "y, z"]),
        ("2019-01-01-custom.md", "/special/", None, ["misc"]),
        ("2019-01-02-old.md", "/legacy/old.html", ["/posts/old/"], ["misc"]),
        ("contact.md", "/contact.html", None, None),
    ]
    assert site.post_pattern == "/posts/{slug}.html"
    assert site.atom_feeds == ["/feed.xml"]
    assert site.notes == [
        Note("content/old.md", None, "old URL /legacy/old.php is served as /legacy/old.html"),
        Note("pelicanconf.py", None, "CATEGORY_FEED_ATOM (feeds/{slug}.atom.xml): these feeds are not kept"),
    ]


def test_skipped_and_translated_content_is_reported(tmp_path):
    root = write_files(
        tmp_path / "old",
        {
            "pelicanconf.py": "DEFAULT_DATE = 'fs'\nUSE_FOLDER_AS_CATEGORY = False\nCATEGORY_FEED_ATOM = ''\n",
            "content/no-title.md": "Date: 2020-01-01\n\nNo title.\n",
            "content/bad-date.md": "Title: Bad\nDate: someday\n\nX\n",
            "content/blog/hello.md": "Title: Hello\nLang: en\n\nHello.\n",
            "content/blog/hallo.md": "Title: Hallo\nSlug: hello\nLang: de\nTemplate: wide\n\nHallo.\n",
            "content/page.html": "<html></html>",
        },
    )
    for name in ("bad-date.md", "blog/hello.md", "blog/hallo.md"):
        os.utime(root / "content" / name, (1_600_000_000, 1_600_000_000))
    site = read_site(root)
    assert [(e.name, e.front.get("url"), e.front.get("lang"), e.front["tags"]) for e in site.entries] == [
        ("2020-09-13-hello-de.md", None, "de", ["misc"]),
        ("2020-09-13-hello.md", None, None, ["misc"]),
    ]
    assert site.notes == [
        Note("content/bad-date.md", None, "Date 'someday' is not a date"),
        Note("content/bad-date.md", None, "no date: Pelican skipped this article, so does the import"),
        Note("content/no-title.md", None, "no Title: Pelican skipped this file, so does the import"),
        Note("content/page.html", None, "an HTML content file: Pelican's HTML reader is not supported, skipped"),
        Note("content/blog/hallo.md", None, "Template: wide is not kept"),
    ]


def tiny_png() -> bytes:
    """A valid 1x1 grey PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b"")
    )


def one_post_site(tmp_path, body: str, files: dict | None = None, conf: str = "") -> OldSite:
    """Read a site made of one post with `body` (and more files), returning what the reader made of it."""
    post = "Title: Post\nDate: 2022-02-02\nSlug: post\n\n" + body
    return read_site(write_files(tmp_path / "old", {"pelicanconf.py": conf, "content/post.md": post, **(files or {})}))


def test_liquid_tags_become_markdown_and_html(tmp_path):
    body = """\
{% img /images/a.png %}
{% img left /images/b.png 300 200 "B title" "B alt" %}
{% img https://example.org/c.png 'C text' %}
{% video /media/clip.mp4 640 360 /media/poster.jpg %}
{% youtube dQw4w9WgXcQ %}
{% include_code hello.py lang:python Say hello %}
{% include_code tools/run.sh lines:2-2 %}
{% gist 12345 %}
{% img %}
{% literal img a.png %}
"""
    files = {"content/code/hello.py": "print('hi')\n", "content/code/tools/run.sh": "#!/bin/sh\necho run\nexit\n"}
    site = one_post_site(tmp_path, body, files)
    assert site.entries[0].body == (
        "![](/images/a.png)\n"
        '<img src="/images/b.png" alt="B alt" title="B title" class="left" width="300" height="200">\n'
        '![C text](https://example.org/c.png "C text")\n'
        '<video controls width="640" height="360" poster="/media/poster.jpg" src="/media/clip.mp4"></video>\n'
        "[YouTube video](https://www.youtube.com/watch?v=dQw4w9WgXcQ)\n"
        "*Say hello*\n\n```python\nprint('hi')\n```\n"
        "*run.sh*\n\n```bash\necho run\n```\n"
        "{% gist 12345 %}\n"
        "{% img %}\n"
        "{% img a.png %}\n"
    )
    assert site.conversions == Counter(
        {"liquid img": 3, "liquid video": 1, "liquid youtube": 1, "liquid include_code": 2, "liquid literal": 1}
    )
    assert site.notes[:2] == [
        Note("content/post.md", 12, "liquid tag {% gist %} not converted: left as is"),
        Note("content/post.md", 13, "{% img  %}: no image path found: left as is"),
    ]


def test_notebook_tag_inlines_a_cell_slice_with_outputs(tmp_path):
    png = tiny_png()
    notebook = nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}},
        cells=[
            nbformat.v4.new_markdown_cell("# Before the slice"),
            nbformat.v4.new_markdown_cell("Some *analysis*."),
            nbformat.v4.new_code_cell(
                "print('hi')\nplot()",
                outputs=[
                    nbformat.v4.new_output("stream", name="stdout", text="hi\n"),
                    nbformat.v4.new_output(
                        "display_data", data={"image/png": __import__("base64").b64encode(png).decode()}
                    ),
                    nbformat.v4.new_output("execute_result", data={"text/plain": "42"}, execution_count=1),
                ],
            ),
            nbformat.v4.new_code_cell("after()"),
        ],
    )
    folder = tmp_path / "old/content/notebooks"
    folder.mkdir(parents=True)
    nbformat.write(notebook, str(folder / "demo.ipynb"))
    site = one_post_site(tmp_path, "Intro.\n\n{% notebook demo.ipynb cells[1:3] %}\n\nOutro.\n")
    assert site.entries[0].body == (
        "Intro.\n\nSome *analysis*.\n\n```python\nprint('hi')\nplot()\n```\n\n```text\nhi\n```\n\n"
        "![output](/images/notebooks/post/demo-2-1.png)\n\n```text\n42\n```\n\nOutro.\n"
    )
    assert site.files == [ImportedFile("images/notebooks/post/demo-2-1.png", data=png)]
    assert site.conversions == Counter({"liquid notebook": 1})


def test_notebook_outputs_html_errors_and_scripts(tmp_path):
    notebook = nbformat.v4.new_notebook(
        metadata={"language_info": {"name": "julia"}},
        cells=[
            nbformat.v4.new_code_cell(
                "x",
                outputs=[
                    nbformat.v4.new_output(
                        "display_data", data={"text/html": "<table>\n\n<tr><td>1</td></tr></table>"}
                    ),
                    nbformat.v4.new_output(
                        "display_data", data={"text/html": "<script>x()</script>", "text/plain": "plot"}
                    ),
                    nbformat.v4.new_output("error", ename="E", evalue="v", traceback=["\x1b[31mE\x1b[0m: v"]),
                ],
            )
        ],
    )
    nbformat.write(notebook, str(tmp_path / "nb.ipynb"))
    (tmp_path / "old/content/notebooks").mkdir(parents=True)
    (tmp_path / "nb.ipynb").rename(tmp_path / "old/content/notebooks/nb.ipynb")
    site = one_post_site(tmp_path, "{% notebook nb.ipynb %}\n{% notebook missing.ipynb %}\n")
    assert site.entries[0].body == (
        "```julia\nx\n```\n\n<table>\n<tr><td>1</td></tr></table>\n\n```text\nplot\n```\n\n```text\nE: v\n```\n"
        "{% notebook missing.ipynb %}\n"
    )
    assert site.notes[:2] == [
        Note("content/post.md", 5, "notebook notebooks/nb.ipynb: cell 0: an HTML output with a script, shown as text"),
        Note("content/post.md", 6, "{% notebook %}: missing.ipynb not found in notebooks/: left as is"),
    ]


def test_notebook_article_with_a_meta_file(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    root = write_files(
        tmp_path / "old",
        {"pelicanconf.py": "", "content/nb.ipynb-meta": "Title: A notebook\nDate: 2023-03-03\nTags: jupyter\n"},
    )
    nbformat.write(notebook, str(root / "content/nb.ipynb"))
    site = read_site(root)
    assert [(e.name, e.front, e.body) for e in site.entries] == [
        (
            "2023-03-03-a-notebook.md",
            {"title": "A notebook", "date": date(2023, 3, 3), "tags": ["misc", "jupyter"], "category": "misc"},
            "```python\n1 + 1\n```\n",
        )
    ]


def test_math_is_converted_outside_code_only(tmp_path):
    body = "Inline \\(x^2\\) and\n\n\\[\n\\sum_i i\n\\]\n\n$$kept$$ `\\(code\\)`\n\n```\n\\(fenced\\)\n```\n"
    site = one_post_site(tmp_path, body)
    assert site.entries[0].body == (
        "Inline $x^2$ and\n\n$$\n\\sum_i i\n$$\n\n$$kept$$ `\\(code\\)`\n\n```\n\\(fenced\\)\n```\n"
    )
    assert site.conversions == Counter({"math": 2})


def test_links_to_missing_files_and_taxonomies_are_noted(tmp_path):
    body = "[a]({filename}/nope.md) [t]({tag}python) [c]({category}misc) [i]({index}) `{filename}/x.md`\n"
    site = one_post_site(tmp_path, body)
    assert (
        site.entries[0].body
        == "[a]({filename}/nope.md) [t]({tag}python) [c]({category}misc) [i](/) `{filename}/x.md`\n"
    )
    assert site.notes[:3] == [
        Note("content/post.md", 5, "{filename}/nope.md: no such file in the content folder: link left as is"),
        Note("content/post.md", 5, "{tag}python: Pelican's tag pages are gone: link left as is"),
        Note("content/post.md", 5, "{category}misc: Pelican's category pages are gone: link left as is"),
    ]


def test_rst_articles_are_converted(tmp_path):
    rst = """\
        Hello rst
        #########

        :date: 2018-04-05 09:00
        :tags: a, b
        :slug: hello-rst

        Section
        =======

        A `link <https://example.org>`_ and ``code`` and :math:`x`.

        .. code-block:: python

            print(1)

        Literal::

            raw

        .. image:: {static}/images/p.png
           :alt: P

        .. youtube:: abc
        """
    root = write_files(
        tmp_path / "old", {"pelicanconf.py": "", "content/hello.rst": rst, "content/images/p.png": "P"}
    )  # fmt: skip
    site = read_site(root)
    entry = site.entries[0]
    assert (entry.name, entry.front["date"], entry.front["tags"]) == (
        "2018-04-05-hello-rst.md",
        datetime(2018, 4, 5, 9, 0, tzinfo=UTC),
        ["misc", "a", "b"],
    )
    assert entry.body == (
        "## Section\n\nA [link](https://example.org) and `code` and $x$.\n\n```python\nprint(1)\n```\n\n"
        "Literal:\n\n```\nraw\n```\n\n![P](/images/p.png)\n\n.. youtube:: abc\n"
    )
    assert site.notes[0] == Note(
        "content/hello.rst", 24, "reStructuredText directive youtube:: not converted: left as is"
    )


def test_looks_like_needs_pelicanconf_and_content(tmp_path):
    assert not looks_like(write_files(tmp_path / "a", {"content/x.md": "x"}))
    assert not looks_like(write_files(tmp_path / "b", {"pelicanconf.py": "PATH = 'posts'"}))
    assert looks_like(write_files(tmp_path / "c", {"pelicanconf.py": "PATH = 'posts'", "posts/x.md": "x"}))


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Hello World!", "hello-world"),
        ("Crème brûlée -- recipe", "creme-brulee-recipe"),
        ("snake_case & <b>bold</b>", "snake_case-bold"),
        ("  spaced   out  ", "spaced-out"),
    ],
)
def test_pelican_slugify(title, slug):
    assert pelican_slug(title, read_settings(Path("/nonexistent"))[0]) == slug
