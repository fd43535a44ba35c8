"""The Jekyll reader: URLs by Jekyll's own rules, Liquid converted, static files found, then the import written."""

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import read_tree, write_files

from flatfolio.importers import jekyll
from flatfolio.importers.links import entry_url
from flatfolio.importers.model import Note

BLOG = {
    "_config.yml": """\
        title: Old blog
        baseurl: /blog
        url: https://old.example.org
        excerpt_separator: <!--more-->
        plugins: [jekyll-feed, jekyll-redirect-from]
        defaults:
          - scope: {path: "", type: posts}
            values: {layout: post, comments: true}
        """,
    "_posts/2015-03-01-hello-world.md": """\
        ---
        title: "Hello: World"
        categories: [Go, Web]
        redirect_from: /hello
        ---
        First [next]({% post_url 2016-01-02-second %}) and [about]({% link about.md %}).
        <!--more-->
        {% highlight python linenos %}
        print("hi")
        {% endhighlight %}

        ![pic]({{ site.baseurl }}/images/pic.png) [pdf]({{ "/paper.pdf" | relative_url }})
        {% include note.html %}
        """,
    "_posts/notes/2016-01-02-second.markdown": """\
        ---
        title: Second
        date: 2016-01-02 23:30:00 +0100
        category: Notes
        tags: a b
        excerpt: "The *second* one."
        redirect_from: [/2016/second/, /s.html]
        ---
        {% raw %}{{ kept }}{% endraw %} and <a href="/blog/2015/03/01/x.html">baseurl link</a>
        """,
    "_posts/2017-05-05-hidden.md": "---\ntitle: Hidden\npublished: false\n---\nNot yet.\n",
    "_posts/2018-01-01-broken.md": "---\ntitle: [unclosed\n---\nBody\n",
    "_posts/notes.txt": "not a post\n",
    "_drafts/wip.md": "---\ntitle: WIP\ndate: 2019-09-09\n---\nDraft.\n",
    "about.md": "---\ntitle: About\npermalink: /about/\n---\nAbout me.\n",
    "contact.md": "---\ntitle: Contact\n---\nWrite.\n",
    "docs/index.md": "---\ntitle: Docs\n---\nDocs.\n",
    "index.html": "---\nlayout: home\n---\n{% for post in site.posts %}{{ post.title }}{% endfor %}\n",
    "atom.xml": '---\nlayout: null\n---\n<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"></feed>\n',
    "assets/css/main.scss": "---\n---\n@import 'minima';\n",
    "assets/js/app.js": "console.log(1)\n",
    "images/pic.png": "PNG",
    "paper.pdf": "%PDF-1.4",
    "README.md": "# Read me\n",
    "Gemfile": "gem 'jekyll'\n",
    "CNAME": "old.example.org\n",
    "_includes/note.html": "<p>note</p>\n",
    "_layouts/post.html": "{{ content }}\n",
    ".gitignore": "_site\n",
}


@pytest.fixture
def blog(tmp_path) -> Path:
    return write_files(tmp_path / "old", BLOG)


def test_posts_pages_and_drafts_keep_their_old_urls(blog):
    old = jekyll.read_site(blog)
    assert old.post_pattern == "/{year}/{month}/{day}/{slug}.html"
    entries = {entry.source: (entry.kind, entry.name, entry.front) for entry in old.entries}
    assert entries == {
        "_drafts/wip.md": ("post", "2019-09-09-wip.md", {"title": "WIP", "date": date(2019, 9, 9), "draft": True}),
        "_posts/2015-03-01-hello-world.md": ("post", "2015-03-01-hello-world.md", {
            "title": "Hello: World", "date": date(2015, 3, 1), "url": "/go/web/2015/03/01/hello-world.html",
            "aliases": ["/hello.html"], "tags": ["Go", "Web"], "categories": ["Go", "Web"],
            "summary": "First next and about.", "comments": True,
        }),
        "_posts/notes/2016-01-02-second.markdown": ("post", "2016-01-02-second.md", {
            "title": "Second", "date": datetime(2016, 1, 2, 23, 30, tzinfo=timezone(timedelta(hours=1))),
            "url": "/notes/2016/01/02/second.html", "aliases": ["/2016/second/", "/s.html"],
            "tags": ["Notes", "a", "b"], "categories": ["Notes"], "summary": "The second one.", "comments": True,
        }),
        "_posts/2017-05-05-hidden.md": ("post", "2017-05-05-hidden.md", {
            "title": "Hidden", "date": date(2017, 5, 5), "draft": True, "comments": True,
        }),
        "about.md": ("page", "about.md", {"title": "About"}),
        "contact.md": ("page", "contact.md", {"title": "Contact", "url": "/contact.html"}),
        "docs/index.md": ("page", "docs.md", {"title": "Docs"}),
    }  # fmt: skip


HELLO = "_posts/2015-03-01-hello-world.md"
FLOW = "while parsing a flow sequence"


def test_liquid_is_converted_and_the_rest_noted(blog):
    old = jekyll.read_site(blog)
    bodies = {entry.source: entry.body for entry in old.entries}
    assert bodies["_posts/2015-03-01-hello-world.md"] == (
        "First [next](/notes/2016/01/02/second.html) and [about](/about/).\n\n"
        '```python\nprint("hi")\n```\n\n'
        "![pic](/images/pic.png) [pdf](/paper.pdf)\n{% include note.html %}\n"
    )
    assert bodies["_posts/notes/2016-01-02-second.markdown"] == (
        '{{ kept }} and <a href="/2015/03/01/x.html">baseurl link</a>\n'
    )
    assert old.conversions == {
        "highlight": 1, "post_url": 1, "link": 1, "site_url": 1, "relative_url": 1, "raw": 1, "summary": 2,
        "baseurl": 1,
    }  # fmt: skip
    assert old.notes == [
        Note("_posts/2018-01-01-broken.md", 3, f"front matter is not valid YAML: {FLOW}: skipped"),
        Note("CNAME", None, "not copied: set cname in site.toml (publish writes CNAME)"),
        Note("index.html", None, "a listing made by Liquid: not imported, flatfolio makes its own"),
        Note(HELLO, None, "redirect_from /hello is written as /hello.html (hosts serve both)"),
        Note(HELLO, 13, "Liquid left in place: {% include note.html %}"),
    ]  # fmt: skip


def test_static_files_feeds_and_exclusions(blog):
    old = jekyll.read_site(blog)
    assert sorted(file.path for file in old.files) == [
        "README.md", "assets/js/app.js", "images/pic.png", "paper.pdf",
    ]  # fmt: skip
    assert old.atom_feeds == ["/atom.xml", "/feed.xml"]
    assert old.rss_feeds == []


POST = "---\ntitle: T\ncategories: [Dev Ops]\n---\nx\n"


@pytest.mark.parametrize(
    ("permalink", "url", "pattern"),
    [
        (None, "/dev ops/2014-06-07/My_Post.html", "/{year}-{month}-{day}/{slug}.html"),
        ("date", "/dev ops/2014/06/07/My_Post.html", "/{year}/{month}/{day}/{slug}.html"),
        ("pretty", "/dev ops/2014/06/07/My_Post/", "/{year}/{month}/{day}/{slug}/"),
        ("ordinal", "/dev ops/2014/158/My_Post.html", None),
        ("none", "/dev ops/My_Post.html", "/{slug}.html"),
        ("/:year/:i_month/:i_day/:title", "/2014/6/7/My_Post.html", None),
        ("/blog/:slug/", "/blog/my-post/", "/blog/{slug}/"),
        ("/:categories/:short_year/:title:output_ext", "/dev ops/14/My_Post.html", None),
    ],
)
def test_permalink_settings(tmp_path, permalink, url, pattern):
    config = f"permalink: {permalink}\n" if permalink else "permalink: /:categories/:year-:month-:day/:title.html\n"
    root = write_files(tmp_path / "old", {"_config.yml": config, "_posts/2014-06-07-My_Post.md": POST})
    old = jekyll.read_site(root)
    [entry] = old.entries
    assert (entry.name, entry_url(entry, pattern or ""), old.post_pattern) == ("2014-06-07-my-post.md", url, pattern)


def test_post_without_categories_matching_the_pattern_has_no_url(tmp_path):
    root = write_files(
        tmp_path / "old", {"_config.yml": "permalink: pretty\n", "_posts/2014-06-07-a-b.md": "---\n---\nx"}
    )
    [entry] = jekyll.read_site(root).entries
    assert entry.front == {"title": "A B", "date": date(2014, 6, 7)}


def test_page_urls_follow_the_permalink_style(tmp_path):
    files = {
        "_config.yml": "permalink: pretty\n",
        "_posts/.keep": "",
        "about.md": "---\n---\nx",
        "a/b.html": "---\n---\n<p>x</p>",
    }
    old = jekyll.read_site(write_files(tmp_path / "old", files))
    assert [(e.name, e.front) for e in old.entries] == [("about.md", {"title": "About"}), ("a/b.md", {"title": "B"})]


def test_looks_like_needs_config_and_posts(tmp_path):
    assert not jekyll.looks_like(write_files(tmp_path, {"_config.yml": "x: 1\n"}))
    assert jekyll.looks_like(write_files(tmp_path, {"_posts/.keep": ""}))


SITE_TOML = 'title = "T"\nbase_url = "https://example.org/"\n'


def test_import_of_a_jekyll_site_writes_exactly_these_files(blog, make_app, tmp_path):
    site = write_files(tmp_path / "target", {"site.toml": SITE_TOML})
    result = make_app(site).test_cli_runner().invoke(args=["import", str(blog)])
    assert result.exit_code == 0, result.stderr
    tree = read_tree(site)
    assert sorted(tree) == [
        ".cache/import/old-urls.txt", "files/README.md", "files/assets/js/app.js", "files/images/pic.png",
        "files/paper.pdf", "pages/about.md", "pages/contact.md", "pages/docs.md", "posts/2015-03-01-hello-world.md",
        "posts/2016-01-02-second.md", "posts/2017-05-05-hidden.md", "posts/2019-09-09-wip.md", "site.toml",
    ]  # fmt: skip
    assert tree["site.toml"].decode() == SITE_TOML + (
        '\n[urls]\npost = "/{year}/{month}/{day}/{slug}.html"\nlinks = "warn"\natom_feeds = ["/atom.xml"]\n'
    )
    assert tree["pages/contact.md"].decode() == "---\ntitle: Contact\nurl: /contact.html\n---\nWrite.\n"
    assert tree[".cache/import/old-urls.txt"].decode().split() == [
        "/2016/second/", "/README.md", "/about/", "/assets/js/app.js", "/atom.xml", "/contact.html", "/docs/",
        "/feed.xml", "/go/web/2015/03/01/hello-world.html", "/hello.html", "/images/pic.png",
        "/notes/2016/01/02/second.html", "/paper.pdf", "/s.html",
    ]  # fmt: skip
    assert "_posts/notes/2016-01-02-second.markdown:9: already dead link: /2015/03/01/x.html" in result.stderr
    assert result.stdout.splitlines()[-1] == (
        "posts 4, pages 3, files 4, redirects 3, conversions 9 (baseurl 1, highlight 1, link 1, post_url 1, raw 1, "
        "relative_url 1, site_url 1, summary 2), notes 6"
    )
    again = make_app(site).test_cli_runner().invoke(args=["import", str(blog)])
    assert "0 written, 11 unchanged, 0 clashes" in again.stdout
    assert read_tree(site) == tree


def test_plain_page_values_are_filled_in_and_the_rest_noted():
    from flatfolio.importers.jekyll_liquid import Context, convert

    context = Context(post_urls={}, link_urls={})
    body = "# {{ page.title }}\n\nBy {{page.author}}, {{ page.tags }} {{ page.date | date: '%Y' }}\n"
    page = {"title": "How I turned down $300,000", "author": "Tom", "tags": ["a"]}
    assert convert(body, "_posts/x.md", 5, context, page) == (
        "# How I turned down $300,000\n\nBy Tom, {{ page.tags }} {{ page.date | date: '%Y' }}\n"
    )
    assert context.conversions["page variable"] == 2
    assert [str(note) for note in context.notes] == [
        "_posts/x.md:7: Liquid left in place: {{ page.tags }}",
        "_posts/x.md:7: Liquid left in place: {{ page.date | date: '%Y' }}",
    ]
