"""A corpus of bad content, each frozen by the CLI: a clear error and an untouched build, or a safe page.

Every case adds a few files to a copy of the fixture site and runs `flask --app app freeze`
over a copy of a previous build. A rejected case exits 1 and prints exactly its problems as
`path:line: field: problem`, with no traceback, leaving the previous build byte for byte and
no temporary folder. An accepted case exits 0 and its output is checked.
"""

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import feedparser
import lxml.etree
import lxml.html
import pytest
from conftest import SITE_TOML, read_tree

from app import PROJECT_ROOT
from flatfolio.search import INDEX_FOLDER

POST = "---\ntitle: T\ndate: 2024-05-01\n"
MISSING = "missing: the file must start with a '---' line, then YAML, then a closing '---' line"
TOO_DEEP = "markdown: lists or quotes nested too deeply (over 9 lists or 19 quotes); the rest of the file would be lost"
XSS = "<script>alert(1)</script> \"double\" 'single' &amp; </title>"


class Link(str):
    """A file that is a symlink to this target."""


class Fifo:
    """A file that is a named pipe: opening it for reading blocks until a writer comes."""


class Prefix(str):
    """An expected problem line whose wording after this prefix is the YAML library's own."""


def matches(lines: list[str], expected: list[str]) -> bool:
    """Each line equals its expected line, or starts with it when that is a Prefix."""
    return len(lines) == len(expected) and all(
        line.startswith(want) and len(line) > len(want) if isinstance(want, Prefix) else line == want
        for line, want in zip(lines, expected, strict=True)
    )


def deep_blockquotes(levels: int) -> str:
    return POST.replace("T", "Deep quotes") + "---\n" + ">" * levels + " deep\n\nAfter the quotes.\n"


def deep_lists(levels: int) -> str:
    return POST.replace("T", "Deep lists") + "---\n" + "- " * levels + "deep\n\nAfter the lists.\n"


def deep_indented_lists(levels: int) -> str:
    # Each level indented two more spaces: 10,000 levels would be 100 MB of indentation.
    items = "".join("  " * level + f"- level {level}\n" for level in range(levels))
    return POST.replace("T", "Indented lists") + "---\n" + items + "\nAfter the lists.\n"


def huge_post() -> str:
    paragraph = " ".join(["A long post about caches and the latency of memory."] * 4) + "\n\n"
    return "---\ntitle: Huge\ndate: 2024-06-01\n---\n" + paragraph * (10_000_000 // len(paragraph) + 1)


def site_toml(**changes: str) -> str:
    """The fixture site.toml with some settings replaced (each value is TOML as written)."""
    lines = dict(line.split(" = ", 1) for line in SITE_TOML.splitlines())
    return "".join(f"{key} = {value}\n" for key, value in {**lines, **changes}.items())


def alias_bomb() -> str:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    return "---\ntitle: Bomb defused\ndate: 2024-05-01\n" + "\n".join(levels) + "\n---\nBody.\n"


# --- cases rejected with a clear error: (files, exact stderr lines) ----------------------------

REJECTED = {
    "missing front matter": ({"posts/x.md": "title: T\n\nbody\n"}, [f"posts/x.md:1: front matter: {MISSING}"]),
    "unclosed front matter": (
        {"posts/x.md": "---\ntitle: T\nbody\n"},
        ["posts/x.md:1: front matter: unclosed: no closing '---' line"],
    ),
    "empty front matter": (
        {"posts/x.md": "---\n---\nbody\n"},
        ["posts/x.md:2: date: required", "posts/x.md:2: title: required"],
    ),
    "empty page front matter": ({"pages/x.md": "---\n---\n"}, ["pages/x.md:2: title: required"]),
    "empty file": ({"posts/x.md": ""}, [f"posts/x.md:1: front matter: {MISSING}"]),
    "front matter not at the top": (
        {"posts/x.md": "\n---\ntitle: T\n---\n"},
        [f"posts/x.md:1: front matter: {MISSING}"],
    ),
    "yaml unclosed bracket": (
        {"posts/x.md": "---\ntitle: T\ntags: [a, b\ndate: 2024-01-01\n---\n"},
        ["posts/x.md:3: front matter: invalid YAML: did not find expected ',' or ']'"],
    ),
    "yaml unterminated quote": (
        {"posts/x.md": '---\ntitle: "unterminated\n---\n'},
        ["posts/x.md:2: front matter: invalid YAML: found unexpected end of stream"],
    ),
    "yaml colon in plain value": (
        {"posts/x.md": "---\ntitle: Go: a cache\ndate: 2024-01-01\n---\n"},
        ["posts/x.md:2: front matter: invalid YAML: mapping values are not allowed in this context"],
    ),
    "yaml tab indentation": (
        {"posts/x.md": "---\ntitle: T\n\tdate: 2024-01-01\n---\n"},
        ["posts/x.md:2: front matter: invalid YAML: found a tab character that violates indentation"],
    ),
    "yaml python object tag": (
        {"posts/x.md": "---\ntitle: !!python/object/apply:os.system ['touch /tmp/pwned']\n---\n"},
        [
            "posts/x.md:2: front matter: invalid YAML: could not determine a constructor for the tag "
            "'tag:yaml.org,2002:python/object/apply:os.system'"
        ],
    ),
    "yaml nested 10000 deep": (
        {"posts/x.md": "---\ntitle: " + "[" * 10_000 + "]" * 10_000 + "\n---\n"},
        [Prefix("posts/x.md:2: front matter: invalid YAML: ")],  # PyYAML's wording changes between releases
    ),
    "yaml is a list": (
        {"posts/x.md": "---\n- title\n- date\n---\n"},
        ["posts/x.md:2: front matter: expected 'key: value' lines, got a list"],
    ),
    "yaml is a scalar": (
        {"posts/x.md": "---\njust a sentence\n---\n"},
        ["posts/x.md:2: front matter: expected 'key: value' lines, got the value 'just a sentence'"],
    ),
    "title is a list": (
        {"posts/x.md": "---\ntitle: [a, b]\ndate: 2024-05-01\n---\n"},
        ["posts/x.md:2: title: expected text, got ['a', 'b']"],
    ),
    "title is empty": (
        {"posts/x.md": "---\ntitle:\ndate: 2024-05-01\n---\n"},
        ["posts/x.md:2: title: expected text, got None"],
    ),
    "tags is a string": (
        {"posts/x.md": POST + "tags: go\n---\n"},
        ["posts/x.md:4: tags: expected a list like [go, databases], got 'go'"],
    ),
    "draft is a quoted string": (
        {"posts/x.md": POST + 'draft: "no"\n---\n'},
        ["posts/x.md:4: draft: expected true or false, got 'no'"],
    ),
    "date is a word": (
        {"posts/x.md": "---\ntitle: T\ndate: tomorrow\n---\n"},
        ["posts/x.md:3: date: not a date: 'tomorrow'; write 2024-05-01 or 2024-05-01T09:30:00+05:30"],
    ),
    "date does not exist": (
        {"posts/x.md": "---\ntitle: T\ndate: 2024-02-30\n---\n"},
        ["posts/x.md:3: date: not a real date: '2024-02-30'"],
    ),
    "date is a time": (
        {"posts/x.md": "---\ntitle: T\ndate: 12:30\n---\n"},
        [
            "posts/x.md:3: date: not a date: 750 (YAML reads an unquoted 12:30 as a number); "
            "write 2024-05-01 or 2024-05-01T09:30:00+05:30"
        ],
    ),
    "quoted date out of range": (
        {"posts/x.md": "---\ntitle: T\ndate: '2024-13-45'\n---\n"},
        ["posts/x.md:3: date: not a date: '2024-13-45'; write 2024-05-01 or 2024-05-01T09:30:00+05:30"],
    ),
    "updated before date": (
        {"posts/x.md": POST + "updated: 2024-01-01\n---\n"},
        ["posts/x.md:4: updated: is before 'date'"],
    ),
    "two posts with one slug": (
        {"posts/2024-01-01-same.md": POST + "---\n", "posts/same.md": POST + "---\n"},
        ["posts/same.md: slug: 'same' is already used by posts/2024-01-01-same.md"],
    ),
    "slug override collides": (
        {"posts/zz.md": POST + "slug: first-post\n---\n"},
        ["posts/zz.md: slug: 'first-post' is already used by posts/2024-01-10-first-post.md"],
    ),
    "slug override is not a slug": (
        {"posts/x.md": POST + "slug: ../../etc\n---\n"},
        ["posts/x.md:4: slug: expected lowercase letters, digits and dashes, got '../../etc'; try 'etc'"],
    ),
    "two pages with one path": (
        {"pages/about/index.md": "---\ntitle: A\n---\n"},
        ["pages/about/index.md: path: 'about' is already used by pages/about.md"],
    ),
    "page shadows a route": (
        {"pages/tags.md": "---\ntitle: Tags\n---\n"},
        ["pages/tags.md: path: /tags/ is reserved for the site's own pages; rename the file"],
    ),
    "tag dot dot": (
        {"posts/x.md": POST + "tags: [go, '..']\n---\n"},
        ["posts/x.md:4: tags: tag '..' has no letters or digits to make a URL from"],
    ),
    "tag slash only": (
        {"posts/x.md": POST + "tags: ['/']\n---\n"},
        ["posts/x.md:4: tags: tag '/' has no letters or digits to make a URL from"],
    ),
    "external url javascript": (
        {"posts/x.md": POST + "external_url: 'javascript:alert(1)'\n---\n"},
        ["posts/x.md:4: external_url: expected an absolute http(s) URL, got 'javascript:alert(1)'"],
    ),
    "file name without letters": (
        {"posts/2024-05-01-.md": POST + "---\n"},
        ["posts/2024-05-01-.md:2: slug: the file name has no letters or digits; add a 'slug:'"],
    ),
    "not utf-8": (
        {"posts/x.md": b"---\ntitle: Caf\xe9\ndate: 2024-05-01\n---\n"},
        ["posts/x.md:2: encoding: not UTF-8 (byte 0xe9); save the file as UTF-8"],
    ),
    "utf-16": (
        {"posts/x.md": "---\ntitle: T\n---\n".encode("utf-16")},
        ["posts/x.md:1: encoding: not UTF-8 (byte 0xff); save the file as UTF-8"],
    ),
    "10000 nested blockquotes": (
        {"posts/deep-quotes.md": deep_blockquotes(10_000)},
        [f"posts/deep-quotes.md:5: {TOO_DEEP}"],
    ),
    "10000 nested lists": ({"posts/deep-lists.md": deep_lists(10_000)}, [f"posts/deep-lists.md:5: {TOO_DEEP}"]),
    "1000 indented list levels": (
        {"posts/indented-lists.md": deep_indented_lists(1000)},
        [f"posts/indented-lists.md:14: {TOO_DEEP}"],
    ),
    "yaml int tag on a word": (
        {"posts/x.md": POST + "weight: !!int abc\n---\n"},
        ["posts/x.md:4: front matter: invalid YAML: cannot read 'abc' as !!int"],
    ),
    "yaml int tag on nothing": (
        {"posts/x.md": POST + "weight: !!int\n---\n"},
        ["posts/x.md:4: front matter: invalid YAML: cannot read '' as !!int"],
    ),
    "yaml C1 control character": (
        {"posts/x.md": POST + "summary: a\x85b\x80\n---\n"},
        ["posts/x.md:4: front matter: invalid YAML: control characters are not allowed (U+0080)"],
    ),
    "yaml float tag on a word": (
        {"posts/x.md": POST + "tags: [a, !!float x]\n---\n"},
        ["posts/x.md:4: front matter: invalid YAML: cannot read 'x' as !!float"],
    ),
    "yaml bool tag on maybe": (
        {"posts/x.md": POST + "draft: !!bool maybe\n---\n"},
        ["posts/x.md:4: front matter: invalid YAML: cannot read 'maybe' as !!bool"],
    ),
    "yaml timestamp tag on a word": (
        {"posts/x.md": "---\ntitle: T\ndate: !!timestamp nope\n---\n"},
        ["posts/x.md:3: front matter: invalid YAML: cannot read 'nope' as !!timestamp"],
    ),
    "yaml 5000-digit integer": (
        {"posts/x.md": POST + "weight: " + "9" * 5000 + "\n---\n"},
        ["posts/x.md:4: front matter: invalid YAML: cannot read '99999999999999999999'... (5000 characters) as !!int"],
    ),
    "yaml hex integer past the digit limit": (
        {"posts/x.md": POST + "weight: 0x" + "f" * 4000 + "\n---\n"},
        ["posts/x.md:4: front matter: invalid YAML: cannot read '0xffffffffffffffffff'... (4002 characters) as !!int"],
    ),
    "symlink loop": (
        {"posts/loop.md": Link("loop.md")},
        ["posts/loop.md: file: cannot read: Too many levels of symbolic links"],
    ),
    "site.toml nav is a number": (
        {"site.toml": site_toml(nav="5")},
        ['site.toml: nav: expected a list of { title = "...", url = "..." }, got 5'],
    ),
    "site.toml nav link to javascript": (
        {"site.toml": site_toml(nav='[{ title = "x", url = "javascript:alert(1)" }]')},
        ["site.toml: nav[0].url: expected a path like /blog/ or an http(s) URL, got 'javascript:alert(1)'"],
    ),
    "site.toml nav link to another host by backslash": (
        {"site.toml": site_toml(nav='[{ title = "x", url = "/\\\\evil.example" }]')},
        ["site.toml: nav[0].url: expected a path like /blog/ or an http(s) URL, got '/\\\\evil.example'"],
    ),
    "site.toml social link to javascript": (
        {"site.toml": site_toml() + '[social]\ngithub = "javascript:alert(1)"\n'},
        ["site.toml: social.github: expected an http(s) URL, got 'javascript:alert(1)'"],
    ),
    "site.toml arrays nested 10000 deep": (
        {"site.toml": site_toml(nav="[" * 10_000 + "]" * 10_000)},
        ["site.toml: syntax: arrays or tables nested too deeply"],
    ),
    "site.toml base_url with encoded dots": (
        {"site.toml": site_toml(base_url='"https://x.org/%2e%2e/"')},
        ["site.toml: base_url: write the path of base_url without %-escapes, got 'https://x.org/%2e%2e/'"],
    ),
    "site.toml base_url with dot segments": (
        {"site.toml": site_toml(base_url='"https://x.org/a/../"')},
        ["site.toml: base_url: '.', '..' and empty segments ('//') are not allowed in a path: '/a/../'"],
    ),
    "site.toml base_url with a password": (
        {"site.toml": site_toml(base_url='"https://u:p@x.org/"')},
        ["site.toml: base_url: expected an absolute http(s) URL like https://example.org/, got 'https://u:p@x.org/'"],
    ),
    "site.toml timezone is a folder of zones": (
        {"site.toml": site_toml(timezone='"America"')},
        ["site.toml: timezone: unknown time zone 'America'"],
    ),
    "site.toml cname with a path": (
        {"site.toml": site_toml() + 'cname = "example.org/x"\n'},
        ["site.toml: cname: expected a domain name like blog.example.org, got 'example.org/x'"],
    ),
    "site.toml redirects of the wrong shape": (
        {"site.toml": site_toml() + "redirects = [1]\n"},
        ["site.toml: redirects: expected a table ([redirects]), got [1]"],
    ),
    "site.toml redirect to javascript": (
        {"site.toml": site_toml() + '[redirects]\n"/old/" = "javascript:alert(1)"\n'},
        [
            "site.toml: redirects.'/old/': expected a path starting with '/', like /blog/2016/03/17/my-post/, "
            "got 'javascript:alert(1)'"
        ],
    ),
    "site.toml urls of the wrong shape": (
        {"site.toml": site_toml() + 'urls = "x"\n'},
        ["site.toml: urls: expected a table ([urls]), got 'x'"],
    ),
    "symlink outside the content folder": (
        {"posts/link.md": Link("../../outside.md")},
        ["posts/link.md: file: symlink points outside the content folder"],
    ),
}


# --- cases built safely: (files, check(out, tree)) ---------------------------------------------


def html_of(tree, name) -> str:
    return tree[name].decode("utf-8")


def feed(tree, name="feed.xml"):
    parsed = feedparser.parse(tree[name])
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def check_bom(out, tree):
    page = html_of(tree, "blog/bom/index.html")
    assert '<h1 id="with-a-bom">With a BOM</h1>' in page and "<p>Body.</p>" in page
    assert "\ufeff" not in page


def check_crlf(out, tree):
    page = html_of(tree, "blog/crlf/index.html")
    assert "<p>Line one\nline two</p>" in page and "\r" not in page


def check_date_mix(out, tree):
    titles = [entry.title for entry in feed(tree).entries]
    assert titles[:4] == ["Quoted date", "Naive datetime", "Aware datetime", "Plain date"]
    blog = html_of(tree, "blog/index.html")
    assert blog.index("Quoted date") < blog.index("Naive datetime")


def check_post_and_page_share_a_slug(out, tree):
    assert "Post called about" in html_of(tree, "blog/about/index.html")
    assert "About me" in html_of(tree, "about/index.html")


def check_huge_post(out, tree):
    page = tree["blog/huge/index.html"]
    assert len(page) > 10_000_000
    assert page.count(b"<p>A long post about caches") == len(huge_post().split("\n\n")) - 1
    assert page.rstrip().endswith(b"</html>")
    assert feed(tree).entries[0].title == "Huge"


def post_body(tree, slug) -> str:
    """The rendered Markdown of a post page, without the site's header and footer."""
    page = html_of(tree, f"blog/{slug}/index.html")
    return page.split('<div class="content">', 1)[1].split("</article>", 1)[0]


def check_deep_blockquotes(out, tree):
    page = post_body(tree, "deep-quotes")
    assert page.count("<blockquote>") == page.count("</blockquote>") == 19
    assert "<p>deep</p>" in page and "<p>After the quotes.</p>" in page


def check_deep_lists(out, tree):
    page = post_body(tree, "deep-lists")
    assert page.count("<ul>") == page.count("</ul>") == 9
    assert "<li>deep</li>" in page and "<p>After the lists.</p>" in page


def check_deep_indented_lists(out, tree):
    page = post_body(tree, "indented-lists")
    assert page.count("<ul>") == page.count("</ul>") == 9
    assert "<li>level 8</li>" in page and "<p>After the lists.</p>" in page


def check_unknown_fence(out, tree):
    page = html_of(tree, "blog/fence/index.html")
    assert '<pre class="code" tabindex="0"><code>&lt;b&gt;not bold&lt;/b&gt; &amp; raw\n</code></pre>' in page


def check_control_chars(out, tree):
    for name in ("feed.xml", "rss.xml", "tags/go/feed.xml"):
        entry = next(e for e in feed(tree, name).entries if "Bell" in e.title)
        assert entry.title == "Bell and null"
        assert entry.summary == "Summary"
    for name, data in tree.items():
        if name.startswith(INDEX_FOLDER):  # the search index is binary: its post records are gzipped JSON
            data = gzip.decompress(data) if name.endswith(".pf_fragment") else b""
        # Generated social cards and the CV: binary (the CV shows no post anyway).
        if not name.endswith((".png", ".pdf")):
            assert b"\x07" not in data and b"\x00" not in data, name
    assert "<p>Body with control chars.</p>" in html_of(tree, "blog/control/index.html")


def no_script_elements(html: str):
    """Executable scripts; JSON-LD is data, checked separately to hold no markup."""
    document = lxml.html.document_fromstring(html)
    for element in document.iter("script"):
        if element.get("type") == "application/ld+json":
            assert "<" not in element.text, "JSON-LD must escape markup"
    return [element for element in document.iter("script") if element.get("type") != "application/ld+json"]


def check_markup_in_fields(out, tree):
    for name, data in tree.items():
        if name.endswith((".html", ".xml")):
            assert b"<script>alert" not in data, name
            assert b'</title> "' not in data, name
        if name.endswith(".html"):
            scripts = [element.get("src") for element in no_script_elements(data.decode())]
            assert scripts == (["/static/search.js"] if name == "search/index.html" else []), name
    post = html_of(tree, "blog/markup/index.html")
    document = lxml.html.document_fromstring(post)
    assert document.findtext(".//h1") == XSS
    assert document.find(".//title").text.startswith(XSS)
    assert document.find('.//meta[@name="description"]').get("content") == 'Summary </p><script>x</script> "q"'
    tag_texts = {
        a.text_content().removeprefix("Posts tagged ") for a in document.iter("a") if "/tags/" in (a.get("href") or "")
    }
    assert {"<b>bold</b>", 'a"b'} <= tag_texts
    entry = next(e for e in feed(tree).entries if e.link.endswith("/blog/markup/"))
    assert entry.title == XSS
    assert entry.summary == 'Summary </p><script>x</script> "q"'
    assert {t.term for t in entry.tags} == {"<b>bold</b>", 'a"b'}
    sitemap = lxml.etree.fromstring(tree["sitemap.xml"])  # still well-formed XML
    assert sitemap is not None


def check_tag_names(out, tree):
    expected = {
        "tags/site-reliability/index.html": "Site Reliability",
        "tags/ci-cd/index.html": "CI/CD",
        "tags/データベース/index.html": "データベース",
        "tags/uber/index.html": "Über",
    }
    for name, title in expected.items():
        assert f"<h1>Posts tagged “{title}”</h1>" in html_of(tree, name), name
        assert name.replace("index.html", "feed.xml") in tree
    post = html_of(tree, "blog/tagged/index.html")
    assert 'href="/tags/%E3%83%87%E3%83%BC%E3%82%BF%E3%83%99%E3%83%BC%E3%82%B9/"' in post
    assert not any(".." in name.split("/") for name in tree)


def check_tag_case_variants(out, tree):
    go = html_of(tree, "tags/go/index.html")
    assert "Casey" in go and "First &lt;post&gt;" in go
    assert not any(name.startswith(("tags/Go/", "tags/GO/")) for name in tree)
    post = html_of(tree, "blog/casey/index.html")
    assert post.count('href="/tags/go/"') == 1


def check_file_names(out, tree):
    assert "Spaces and umlauts" in html_of(tree, "blog/my-post-uber/index.html")
    assert "Über uns" in html_of(tree, "uber-uns/index.html")
    assert "Kanji" in html_of(tree, "blog/日本語/index.html")


def check_leftovers_ignored(out, tree, frozen):
    assert tree == read_tree(frozen)


def check_alias_bomb(out, tree):
    assert "Bomb defused" in html_of(tree, "blog/bomb/index.html")


def check_javascript_link(out, tree):
    page = html_of(tree, "blog/jslink/index.html")
    assert "javascript:" not in page.split("<main", 1)[1].replace("[x](javascript:alert(1))", "")


def check_empty_body(out, tree):
    assert "<h1>Only front matter</h1>" in html_of(tree, "blog/empty/index.html")
    assert feed(tree).entries[0].title == "Only front matter"


def check_symlink_inside(out, tree):
    assert "Linked page" in html_of(tree, "linked/index.html")


def check_fifo_skipped(out, tree, frozen):
    assert tree == read_tree(frozen)


ACCEPTED = {
    "named pipes in posts, pages and files": (
        {
            "posts/pipe.md": Fifo(),
            "pages/pipe.md": Fifo(),
            "files/pipe.txt": Fifo(),
            "posts/fifo": Fifo(),
            "posts/to-pipe.md": Link("fifo"),
        },
        check_fifo_skipped,
    ),
    "utf-8 bom": ({"posts/bom.md": "\ufeff---\ntitle: T\ndate: 2024-05-01\n---\n# With a BOM\n\nBody.\n"}, check_bom),
    "crlf line ends": (
        {"posts/crlf.md": "---\r\ntitle: T\r\ndate: 2024-05-01\r\n---\r\nLine one\r\nline two\r\n"},
        check_crlf,
    ),
    "date and datetime mix": (
        {
            "posts/a.md": "---\ntitle: Plain date\ndate: 2024-05-01\n---\n",
            "posts/b.md": "---\ntitle: Naive datetime\ndate: 2024-05-01T08:00:00\n---\n",
            "posts/c.md": "---\ntitle: Aware datetime\ndate: 2024-05-01T01:00:00+00:00\n---\n",
            "posts/d.md": "---\ntitle: Quoted date\ndate: '2024-05-02'\n---\n",
        },
        check_date_mix,
    ),
    "post and page share a slug": (
        {"posts/about.md": "---\ntitle: Post called about\ndate: 2024-05-01\n---\n"},
        check_post_and_page_share_a_slug,
    ),
    "10 MB post": ({"posts/huge.md": huge_post()}, check_huge_post),
    "19 nested blockquotes": ({"posts/deep-quotes.md": deep_blockquotes(19)}, check_deep_blockquotes),
    "9 nested lists": ({"posts/deep-lists.md": deep_lists(9)}, check_deep_lists),
    "9 indented list levels": ({"posts/indented-lists.md": deep_indented_lists(9)}, check_deep_indented_lists),
    "unknown fence language": (
        {"posts/fence.md": POST + "---\n```nosuchlanguage\n<b>not bold</b> & raw\n```\n"},
        check_unknown_fence,
    ),
    "control characters": (
        {
            "posts/control.md": '---\ntitle: "Bell\\a and\\0 null"\ndate: 2024-05-01\ntags: [go]\n'
            'summary: "Sum\\x1bmary"\n---\nBody\x07 with\x00 control\x1b chars.\n'
        },
        check_control_chars,
    ),
    "markup in title, tags, summary": (
        {
            "posts/markup.md": "---\ntitle: " + json.dumps(XSS) + "\ndate: 2024-05-01\n"
            'tags: ["<b>bold</b>", "a\\"b"]\nsummary: "Summary </p><script>x</script> \\"q\\""\n---\nBody.\n'
        },
        check_markup_in_fields,
    ),
    "tag names with spaces, slashes, unicode": (
        {"posts/tagged.md": POST + "tags: [Site Reliability, CI/CD, データベース, Über]\n---\n"},
        check_tag_names,
    ),
    "tag case variants": (
        {"posts/casey.md": "---\ntitle: Casey\ndate: 2024-05-01\ntags: [GO, Go, go]\n---\n"},
        check_tag_case_variants,
    ),
    "file names with spaces and unicode": (
        {
            "posts/2024-05-01-My Post Über.md": "---\ntitle: Spaces and umlauts\ndate: 2024-05-01\n---\n",
            "posts/日本語.md": "---\ntitle: Kanji\ndate: 2024-05-02\n---\n",
            "pages/Über uns.md": "---\ntitle: Über uns\n---\n",
        },
        check_file_names,
    ),
    "editor leftovers and dotfiles": (
        {
            "posts/.#first.md": Link("root@host.12345:1700000000"),
            "posts/first.md~": "junk",
            "posts/.first.md.swp": b"\x00\xffswap",
            "posts/#first.md#": "junk",
            "posts/.hidden.md": "no front matter",
            "pages/.DS_Store": b"\x00\x01",
            "posts/.git/config.md": "junk",
            "posts/notes.txt": "not markdown",
        },
        check_leftovers_ignored,
    ),
    "yaml alias bomb": ({"posts/bomb.md": alias_bomb()}, check_alias_bomb),
    "javascript link in markdown": (
        {"posts/jslink.md": POST + "---\n[x](javascript:alert(1))\n"},
        check_javascript_link,
    ),
    "front matter only": ({"posts/empty.md": "---\ntitle: Only front matter\ndate: 2024-06-01\n---"}, check_empty_body),
    "symlink inside the content folder": (
        {"pages/real/linked.md": "---\ntitle: Linked page\n---\n", "pages/linked.md": Link("real/linked.md")},
        check_symlink_inside,
    ),
}


def freeze(site_root: Path, out: Path) -> subprocess.CompletedProcess:
    """`flask --app app freeze --out OUT` as an author runs it (the 10 MB post needs a long timeout)."""
    env = {**os.environ, "FLASK_SITE_ROOT": str(site_root)}
    env.pop("FLASK_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "freeze", "--out", str(out)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def write_case(site_root: Path, files: dict) -> None:
    """Write each file exactly as given (no dedent): text, bytes, or a symlink."""
    for name, content in files.items():
        path = site_root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Link):
            path.symlink_to(content)
        elif isinstance(content, Fifo):
            os.mkfifo(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


@pytest.fixture
def previous_build(frozen, tmp_path) -> Path:
    """A copy of a finished build, where the next freeze goes."""
    return shutil.copytree(frozen, tmp_path / "out", symlinks=True)


def test_corpus_has_at_least_40_cases():
    assert len(REJECTED) + len(ACCEPTED) >= 40


@pytest.mark.parametrize(("files", "expected"), REJECTED.values(), ids=REJECTED.keys())
def test_bad_content_is_refused_naming_file_and_problem(site_root, tmp_path, previous_build, files, expected):
    (tmp_path / "outside.md").write_text("---\ntitle: Outside\ndate: 2024-01-01\n---\nPRIVATE\n")
    before = read_tree(previous_build)
    write_case(site_root, files)
    result = freeze(site_root, previous_build)
    assert result.returncode == 1, result.stdout + result.stderr
    assert matches(result.stderr.splitlines(), expected), result.stderr
    assert result.stdout == ""
    assert read_tree(previous_build) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "outside.md", "site"]


@pytest.mark.parametrize(("files", "check"), ACCEPTED.values(), ids=ACCEPTED.keys())
def test_odd_content_is_built_safely(site_root, previous_build, frozen, files, check):
    write_case(site_root, files)
    result = freeze(site_root, previous_build)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and result.stdout.startswith("Built ")
    tree = read_tree(previous_build)
    if check in (check_leftovers_ignored, check_fifo_skipped):
        check(previous_build, tree, frozen)
    else:
        check(previous_build, tree)
