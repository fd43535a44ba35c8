"""The Hugo reader: small Hugo sites in their real shapes, read into the exact OldSite expected."""

from collections import Counter
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from conftest import write_files

from flatfolio.importers.hugo import looks_like, read_site
from flatfolio.importers.hugo_urls import Rules
from flatfolio.importers.model import ImportedEntry, ImportedFile, Note

BLOG = {
    "config.toml": """\
        baseURL = "https://example.org/old/"
        title = "Old blog"
        timeZone = "Europe/Paris"
        [permalinks]
          posts = "/:year/:month/:title/"
        [taxonomies]
          tag = "tags"
          category = "categories"
          series = "series"
        """,
    "content/_index.md": """\
        ---
        title: Home
        ---
        Welcome to my blog.
        """,
    "content/posts/_index.md": """\
        ---
        title: Posts
        ---
        """,
    "content/posts/toml-post.md": """\
        +++
        title = "Hello, Wörld!"
        date = 2020-01-02
        tags = ["Go"]
        categories = ["Dev"]
        series = ["Intro"]
        +++
        The *first* [post](https://example.com).

        <!--more-->

        The rest.
        """,
    "content/posts/yaml-post.md": """\
        ---
        Title: Second post
        date: 2020-02-03T10:30:00
        lastmod: 2020-03-01
        slug: ignored-by-title-permalink
        draft: true
        aliases: [old-second, /2019/old/second.html, /legacy/path]
        ---
        Second body.
        """,
    "content/posts/json-post.md": """\
        {
          "title": "JSON post",
          "date": "2020-03-04",
          "url": "/exact/json-post/",
          "description": "Told in JSON."
        }
        JSON body.
        """,
    "content/posts/bundle/index.md": """\
        ---
        title: Bundle
        date: 2020-04-05
        ---
        {{< figure src="pic.png" alt="A picture" >}}
        """,
    "content/posts/bundle/pic.png": "png",
    "content/posts/broken.md": """\
        ---
        title: Broken
        tags: [oops
        ---
        Never read.
        """,
    "content/about.md": """\
        ---
        title: About
        url: /about
        ---
        About me.
        """,
    "content/projects/thing.md": """\
        ---
        title: A thing
        date: 2019-05-06
        summary: What it is.
        ---
        Thing body.
        """,
    "static/images/x.png": "png",
    "static/robots.txt": "User-agent: *",
}


def test_config_toml_site_with_permalinks(tmp_path):
    root = write_files(tmp_path, BLOG)
    site = read_site(root)
    paris = ZoneInfo("Europe/Paris")
    assert site.entries == [
        ImportedEntry("page", "content/about.md", "about.md", {"title": "About", "url": "/about/"}, "About me.\n"),
        ImportedEntry(
            "post",
            "content/posts/bundle/index.md",
            "2020-04-05-bundle.md",
            {"title": "Bundle", "date": date(2020, 4, 5)},
            '<figure><img src="pic.png" alt="A picture"></figure>\n',
        ),
        ImportedEntry(
            "post",
            "content/posts/json-post.md",
            "2020-03-04-json-post.md",
            {"title": "JSON post", "date": date(2020, 3, 4), "summary": "Told in JSON.", "url": "/exact/json-post/"},
            "JSON body.\n",
        ),
        ImportedEntry(
            "post",
            "content/posts/toml-post.md",
            "2020-01-02-hello-world.md",
            {
                "title": "Hello, Wörld!",
                "date": date(2020, 1, 2),
                "tags": ["Go", "Dev", "Intro"],
                "summary": "The first post.",
                "url": "/2020/01/hello-wörld/",
                "categories": ["Dev"],
                "series": ["Intro"],
            },
            "The *first* [post](https://example.com).\n\n\nThe rest.\n",
        ),
        ImportedEntry(
            "post",
            "content/posts/yaml-post.md",
            "2020-02-03-second-post.md",
            {
                "title": "Second post",
                "date": datetime(2020, 2, 3, 10, 30, tzinfo=paris),
                "updated": date(2020, 3, 1),
                "draft": True,
                "url": "/2020/02/second-post/",
                "aliases": ["/2020/02/old-second/", "/2019/old/second.html", "/legacy/path/"],
            },
            "Second body.\n",
        ),
        ImportedEntry(
            "page",
            "content/projects/thing.md",
            "projects/thing.md",
            {"title": "A thing", "date": date(2019, 5, 6), "summary": "What it is.", "url": "/projects/thing/"},
            "Thing body.\n",
        ),
    ]
    assert site.files == [
        ImportedFile("images/x.png", root / "static/images/x.png"),
        ImportedFile("2020/04/bundle/pic.png", root / "content/posts/bundle/pic.png"),
    ]
    assert site.rss_feeds == ["/index.xml", "/posts/index.xml"]
    assert site.atom_feeds == []
    assert site.post_pattern == "/{year}/{month}/{slug}/"
    assert site.conversions == Counter({"summary marker": 1, "figure": 1})
    assert [str(note) for note in site.notes] == [
        "config.toml: baseURL has the path /old/: URLs are kept without it",
        "content/posts/broken.md:4: front matter is not valid YAML: while parsing a flow sequence; file not imported",
        "content/_index.md: the text of this list page is not imported",
        'content/posts: list page /posts/ not kept: add "/posts/" = "/blog/" to [redirects]',
        "static/robots.txt: flatfolio serves /robots.txt itself: file skipped",
    ]


def test_hugo_toml_defaults_give_section_urls(tmp_path):
    root = write_files(
        tmp_path,
        {
            "hugo.toml": """\
                title = "Defaults"
                [outputs]
                  home = ["HTML", "RSS"]
                [outputFormats.RSS]
                  baseName = "rss"
                """,
            "content/post/first.md": "---\ntitle: First\ndate: 2021-01-01\nslug: hello-there\n---\nOne.\n",
            "content/post/2019/nested.md": "---\ntitle: Nested\ndate: 2019-01-01\n---\nTwo.\n",
            "content/post/Mixed Case.md": "---\ntitle: Mixed\ndate: 2022-01-01\n---\nThree.\n",
        },
    )
    site = read_site(root)
    assert [(entry.name, entry.front.get("url")) for entry in site.entries] == [
        ("2019-01-01-nested.md", "/post/2019/nested/"),
        ("2022-01-01-mixed-case.md", None),
        ("2021-01-01-hello-there.md", None),
    ]
    assert site.post_pattern == "/post/{slug}/"
    assert site.rss_feeds == ["/post/rss.xml"]  # the home feed at /rss.xml is flatfolio's own


def test_config_folder_main_sections_and_ugly_urls(tmp_path):
    root = write_files(
        tmp_path,
        {
            "config/_default/hugo.yaml": "title: Folder\nuglyURLs:\n  notes: true\n",
            "config/_default/params.yaml": "mainSections: [blog]\n",
            "config/_default/permalinks.yaml": "page:\n  blog: /:year/:slug/\n",
            "content/blog/a.md": "---\ntitle: A post\ndate: 2023-06-07\n---\nA.\n",
            "content/notes/x.md": "---\ntitle: X\n---\nX.\n",
            "content/notes/y.md": "---\ntitle: Y\n---\nY.\n",
        },
    )
    site = read_site(root)
    assert looks_like(root)
    assert [(entry.kind, entry.name, entry.front.get("url")) for entry in site.entries] == [
        ("post", "2023-06-07-a-post.md", None),
        ("page", "notes/x.md", "/notes/x.html"),
        ("page", "notes/y.md", "/notes/y.html"),
    ]
    assert site.post_pattern == "/{year}/{slug}/"
    assert site.rss_feeds == ["/index.xml", "/blog/index.xml"]


SHORTCODES = """\
    ---
    title: Shortcodes
    date: 2024-01-02
    color: blue
    ---
    [Target]({{< ref "posts/target.md" >}}), [anchor]({{< relref "target#part" >}}), [here]({{< ref "#top" >}}).
    {{< highlight python "linenos=table" >}}
    print("hi")
    {{< /highlight >}}
    {{< figure src="/images/x.png" alt="An x" title="Title" caption="With *style*" link="/big.png" width="300" >}}
    {{< youtube w7Ft2ymGmfc >}} {{< youtube id="abc" title="A talk" >}}
    {{< gist spf13 7896402 >}} {{< gist user="spf13" id="7896402" file="img.html" >}}
    {{< tweet user="SanDiegoZoo" id="1453110110599868418" >}} {{< tweet 666616452582129664 >}}
    {{< x user="bob" id="1" >}} {{< vimeo 146022717 >}} {{% instagram BWNjjyYFxVx %}}
    Color {{< param color >}}, site {{< param "author.name" >}}, missing {{< param nothing >}}.
    {{< details summary="More" >}}Inside {{< vimeo 2 >}}{{< /details >}}
    Literal {{</* figure src="a.png" */>}} and {{< notice warning >}}kept{{< /notice >}}.
    Missing [link]({{< ref "nowhere.md" >}}).
    Math \\\\(a^2\\\\), \\\\[ b_1 \\\\], $$c$$, `\\\\(code\\\\)` and a \\[link\\] in brackets.
    """


def test_every_shortcode_converts_or_is_noted(tmp_path):
    root = write_files(
        tmp_path,
        {
            "config.yaml": "params:\n  author:\n    name: Ada\n",
            "content/posts/target.md": "---\ntitle: Target\ndate: 2024-01-01\n---\nT.\n",
            "content/posts/shortcodes.md": SHORTCODES,
        },
    )
    site = read_site(root)
    assert site.entries[0].body == (
        "[Target](/posts/target/), [anchor](/posts/target/#part), [here](/posts/shortcodes/#top).\n"
        '```python\nprint("hi")\n```\n'
        '<figure><a href="/big.png"><img src="/images/x.png" alt="An x" width="300"></a>'
        "<figcaption><strong>Title</strong> With <em>style</em></figcaption></figure>\n"
        "[Video on YouTube](https://www.youtube.com/watch?v=w7Ft2ymGmfc) [A talk](https://www.youtube.com/watch?v=abc)\n"
        "[Gist spf13/7896402](https://gist.github.com/spf13/7896402) "
        "[Gist spf13/7896402: img.html](https://gist.github.com/spf13/7896402#file-img-html)\n"
        "[Post by @SanDiegoZoo on X](https://x.com/SanDiegoZoo/status/1453110110599868418) "
        "[Post on X](https://twitter.com/i/status/666616452582129664)\n"
        "[Post by @bob on X](https://x.com/bob/status/1) [Video on Vimeo](https://vimeo.com/146022717) "
        "[Post on Instagram](https://www.instagram.com/p/BWNjjyYFxVx/)\n"
        "Color blue, site Ada, missing {{< param nothing >}}.\n"
        "<details>\n<summary>More</summary>\n\nInside [Video on Vimeo](https://vimeo.com/2)\n\n</details>\n"
        'Literal {{< figure src="a.png" >}} and {{< notice warning >}}kept{{< /notice >}}.\n'
        'Missing [link]({{< ref "nowhere.md" >}}).\n'
        "Math $a^2$, $$ b_1 $$, $$c$$, `\\\\(code\\\\)` and a \\[link\\] in brackets.\n"
    )
    assert site.conversions == Counter(
        {
            "ref": 2,
            "relref": 1,
            "highlight": 1,
            "figure": 1,
            "youtube": 2,
            "gist": 2,
            "tweet": 3,
            "vimeo": 2,
            "instagram": 1,
            "param": 2,
            "details": 1,
            "escaped shortcode": 1,
            "math": 2,
        }
    )
    assert [str(note) for note in site.notes] == [
        "content/posts/shortcodes.md:15: shortcode 'param' could not be converted: left in place",
        "content/posts/shortcodes.md:17: unknown shortcode 'notice' left in place",
        "content/posts/shortcodes.md:18: shortcode 'ref' could not be converted: left in place",
        'content/posts: list page /posts/ not kept: add "/posts/" = "/blog/" to [redirects]',
    ]


def test_math_switch_converts_plain_brackets(tmp_path):
    root = write_files(
        tmp_path,
        {
            "hugo.toml": "[params]\nmath = true\n",
            "content/notes.md": "---\ntitle: Notes\n---\nSee \\[ x \\] and \\(y\\).\n\n```\n\\(kept\\)\n```\n",
        },
    )
    site = read_site(root)
    assert site.entries[0].body == "See $$ x $$ and $y$.\n\n```\n\\(kept\\)\n```\n"
    assert site.conversions == Counter({"math": 2})


def test_multilingual_site_imports_the_default_language(tmp_path):
    root = write_files(
        tmp_path,
        {
            "hugo.toml": 'defaultContentLanguage = "en"\n[languages.en]\nweight = 1\n[languages.fr]\nweight = 2\n',
            "content/posts/hello.md": "---\ntitle: Hello\ndate: 2020-01-01\n---\nHi.\n",
            "content/posts/hello.fr.md": "---\ntitle: Bonjour\ndate: 2020-01-01\n---\nSalut.\n",
            "content/posts/bye.en.md": "---\ntitle: Bye\ndate: 2020-01-02\n---\nBye.\n",
        },
    )
    site = read_site(root)
    assert [(entry.name, entry.front.get("url")) for entry in site.entries] == [
        ("2020-01-02-bye.md", None),
        ("2020-01-01-hello.md", None),
    ]
    assert [str(note) for note in site.notes][:2] == [
        "hugo.toml: multilingual site: only 'en' imported, not fr",
        "content: 1 page(s) in other languages not imported",
    ]


def test_headless_expiry_and_missing_date_are_noted(tmp_path):
    root = write_files(
        tmp_path,
        {
            "hugo.toml": "",
            "content/posts/a.md": "---\ntitle: A\ndate: 2020-01-01\nexpiryDate: 2021-01-01\n---\nA.\n",
            "content/posts/b.md": "---\ntitle: B\ndate: 2020-01-02\nheadless: true\n---\nB.\n",
            "content/posts/c.md": "---\ntitle: C\n---\nC.\n",
            "content/posts/d.md": "---\ntitle: D\ndate: 2020-01-02T23:30:00Z\n---\nD.\n",
        },
    )
    site = read_site(root)
    assert [(entry.kind, entry.name, entry.front.get("draft"), entry.front.get("url")) for entry in site.entries] == [
        ("post", "2020-01-01-a.md", None, None),
        ("post", "2020-01-02-b.md", True, None),
        ("page", "posts/c.md", None, "/posts/c/"),
        ("post", "2020-01-02-d.md", None, None),
    ]
    assert site.entries[3].front["date"] == datetime(2020, 1, 2, 23, 30, tzinfo=timezone(timedelta(0)))
    assert [str(note) for note in site.notes][:3] == [
        "content/posts/a.md: expiryDate 2021-01-01 is not supported: kept published",
        "content/posts/b.md: Hugo never rendered this page (headless/build options): a draft",
        "content/posts/c.md: no date: imported as a page",
    ]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"hugo.toml": "", "content/a.md": ""}, True),
        ({"config.yml": "", "content/a.md": ""}, True),
        ({"config/_default/hugo.toml": "", "content/a.md": ""}, True),
        ({"hugo.toml": ""}, False),
        ({"_config.yml": "", "content/a.md": ""}, False),
    ],
)
def test_looks_like(tmp_path, files, expected):
    assert looks_like(write_files(tmp_path, files)) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, World!", "hello-world"),
        ("C++ tips & tricks", "c++-tips-tricks"),
        ("Ünïcode  Straße", "ünïcode-straße"),
        ("100% sure %20ok", "100-sure-%20ok"),
    ],
)
def test_urlize_keeps_unicode_letters_like_hugo(text, expected):
    assert Rules().sanitize(text) == expected


def test_note_format_for_broken_config(tmp_path):
    root = write_files(tmp_path, {"hugo.toml": "title = \n", "content/a.md": "---\ntitle: A\n---\nA.\n"})
    site = read_site(root)
    assert site.notes[0] == Note("hugo.toml", 1, site.notes[0].message)
    assert site.notes[0].message.startswith("not valid TOML: ")
    assert site.entries[0].front == {"title": "A", "url": "/a/"}
