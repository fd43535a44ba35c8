"""Search: the /search/ page and its Pagefind index, on the dev server, in a build and in Chromium."""

import gzip
import json
import os
import re

import lxml.html
import pytest
from conftest import read_tree
from servers import static_server, waitress_app

from app import create_app
from flatfolio.build.freeze import freeze_site
from flatfolio.search import INDEX_FOLDER, SEARCH_CSP
from flatfolio.search_index import build_index
from flatfolio.security import CSP_DIRECTIVES, content_security_policy

# A word only the body of the second post holds: not in any title, tag or other body.
WORD = "zeppelinology"
SECOND = "posts/2024-02-20-second-post.md"


def fragments(tree: dict[str, bytes]) -> dict[str, dict]:
    """The search index's record of each post, by URL (Pagefind gzips each fragment behind a signature)."""
    found = {}
    for name, data in tree.items():
        if name.startswith(INDEX_FOLDER + "fragment/"):
            record = json.loads(gzip.decompress(data).removeprefix(b"pagefind_dcd"))
            found[record["url"]] = record
    return found


def directives(policy: str) -> dict[str, str]:
    return dict(part.split(" ", 1) for part in policy.split("; "))


@pytest.fixture
def word_site(site_root, write):
    path = site_root / SECOND
    write({SECOND: path.read_text().replace("Relative link", f"A {WORD} aside. Relative link")})
    return site_root


# --- the policy -------------------------------------------------------------------------


def test_the_search_policy_only_adds_wasm_compilation_to_scripts():
    site, search = directives(content_security_policy()), directives(content_security_policy(additions=SEARCH_CSP))
    assert search.pop("script-src") == "'self' 'wasm-unsafe-eval'" and site.pop("script-src") == "'self'"
    assert search == site
    assert "'unsafe-inline'" not in content_security_policy(additions=SEARCH_CSP)
    assert content_security_policy() == "; ".join(f"{name} {value}" for name, value in CSP_DIRECTIVES)


def test_dev_server_serves_the_page_and_index_with_the_search_policy_there_only(client):
    page = client.get("/search/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert page.headers["Content-Security-Policy"] == content_security_policy(additions=SEARCH_CSP)
    meta = lxml.html.document_fromstring(page.text).xpath('//meta[@http-equiv="Content-Security-Policy"]')
    assert [element.get("content") for element in meta] == [content_security_policy(meta=True, additions=SEARCH_CSP)]
    script = client.get("/search/pagefind/pagefind.js")
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    assert script.headers["Content-Security-Policy"] == page.headers["Content-Security-Policy"]  # for its worker
    entry = client.get("/search/pagefind/pagefind-entry.json").get_json()
    assert entry["languages"]["en"]["page_count"] == 3  # the three published posts
    assert client.get("/search/pagefind/nope.js").status_code == 404
    for other in ("/", "/blog/", "/blog/first-post/", "/tags/", "/static/search.js", "/feed.xml"):
        with client.get(other) as response:
            assert response.headers["Content-Security-Policy"] == content_security_policy(), other


def test_only_the_search_page_changes_policy_in_a_build(frozen):
    pages = {name: data for name, data in read_tree(frozen).items() if name.endswith(".html")}
    assert "search/index.html" in pages
    for name, html in pages.items():
        document = lxml.html.document_fromstring(html)
        [policy] = [meta.get("content") for meta in document.xpath('//meta[@http-equiv="Content-Security-Policy"]')]
        expected = SEARCH_CSP if name == "search/index.html" else None
        assert policy == content_security_policy(meta=True, additions=expected), name
        scripts = document.xpath("//script[not(@type='application/ld+json')]")  # JSON-LD is data, not code
        if name != "search/index.html":
            assert scripts == [], name  # no JavaScript on any other page
    search = lxml.html.document_fromstring(pages["search/index.html"]).xpath("//script")
    assert [(s.get("type"), s.get("src"), (s.text or "").strip()) for s in search] == [
        ("module", "/static/search.js", "")
    ]


# --- the index ---------------------------------------------------------------------------


def test_the_index_holds_published_posts_only_with_title_tags_and_body(frozen):
    records = fragments(read_tree(frozen))
    assert set(records) == {"/blog/first-post/", "/blog/second-post/", "/blog/elsewhere/"}
    first = records["/blog/first-post/"]
    assert (first["meta"]["title"], first["meta"]["date"]) == ('First <post> & "quotes"', "10 January 2024")
    assert "Go, Databases" in first["content"] and "The first paragraph" in first["content"]
    everything = json.dumps(list(records.values()))
    for outside in ("SECRET", "FUTURE", "Skip to content", "Test Site", "RSS"):  # drafts, nav, footer
        assert outside not in everything


def test_pagefind_gives_the_same_bytes_for_the_same_posts(app):
    with app.test_request_context():
        site = app.extensions["flatfolio"].site()
        render = app.extensions["flatfolio"].render
        first, second = build_index(site, render), build_index(site, render)
    assert first == second and len(first) >= 8


def test_no_js_readers_get_every_post_and_tag(frozen):
    document = lxml.html.document_fromstring((frozen / "search/index.html").read_bytes())
    [form] = document.xpath("//form[@role='search']")
    assert form.get("hidden") is not None  # search.js shows it
    assert form.get("data-index") == "/search/pagefind/pagefind.js" and form.get("data-base") == "/"
    assert "Searching needs JavaScript" in document.text_content()
    links = document.xpath("//main//a/@href")
    posts_and_tags = {"/blog/first-post/", "/blog/second-post/", "/blog/elsewhere/", "/tags/go/", "/tags/databases/"}
    assert posts_and_tags <= set(links)
    assert not [link for link in links if "draft" in link or "future" in link]
    blog = lxml.html.document_fromstring((frozen / "blog/index.html").read_bytes())
    assert "/search/" in blog.xpath("//main//a/@href")


def test_a_site_without_posts_has_a_search_page_and_no_index(make_app, write, tmp_path):
    write({name: None for name in ("posts/2024-01-10-first-post.md", SECOND, "posts/2024-03-05-elsewhere.md")})
    write({"pages/about.md": "---\ntitle: About me\n---\nNo posts to link to.\n"})
    out = tmp_path / "out"
    freeze_site(make_app(), out)
    assert "No posts yet." in (out / "search/index.html").read_text()
    assert "<form" not in (out / "search/index.html").read_text()
    assert not (out / INDEX_FOLDER).exists()


def test_unchanged_posts_reuse_the_index_and_an_edit_makes_it_again(site_root, tmp_path):
    out = tmp_path / "out"
    freeze_site(create_app({"SITE_ROOT": str(site_root)}), out)
    before = {name: os.stat(out / name).st_ino for name in read_tree(out) if name.startswith(INDEX_FOLDER)}
    about = site_root / "pages/about.md"
    about.write_text(about.read_text() + "\nA page edit: not indexed.\n")
    app = create_app({"SITE_ROOT": str(site_root)})
    freeze_site(app, out)
    assert app.extensions["flatfolio.search"].builds == 0  # no Pagefind run: the cached index
    assert {name: os.stat(out / name).st_ino for name in before} == before  # linked from the previous build
    path = site_root / SECOND
    path.write_text(path.read_text() + f"\nNow about {WORD}.\n")
    app = create_app({"SITE_ROOT": str(site_root)})
    freeze_site(app, out)
    assert app.extensions["flatfolio.search"].builds == 1
    assert WORD in fragments(read_tree(out))["/blog/second-post/"]["content"]


def test_a_page_at_search_is_a_problem(write, make_app):
    write({"pages/search.md": "---\ntitle: My search\n---\nMine.\n"})
    app = make_app()
    with app.test_request_context():
        problems = app.extensions["flatfolio"].site().errors
    assert any("search" in str(problem) and "the search page" in str(problem) for problem in problems)


def test_a_sub_path_build_points_the_script_at_its_index(word_site, tmp_path):
    out = tmp_path / "out"
    freeze_site(create_app({"SITE_ROOT": str(word_site)}), tmp_path / "root")  # its index is cached for the next
    freeze_site(create_app({"SITE_ROOT": str(word_site)}), out, base_url="https://example.org/sub/")
    form = lxml.html.document_fromstring((out / "search/index.html").read_bytes()).xpath("//form")[0]
    assert (form.get("data-index"), form.get("data-base")) == ("/sub/search/pagefind/pagefind.js", "/sub/")
    assert fragments(read_tree(out))["/blog/second-post/"]["url"] == "/blog/second-post/"  # the script adds /sub
    again = tmp_path / "again"  # a fresh build, no cache: the same index whatever base path was built before
    freeze_site(create_app({"SITE_ROOT": str(word_site), "RENDER_CACHE": False}), again, base_url="https://example.org/sub/")
    assert {name: data for name, data in read_tree(again).items() if name.startswith(INDEX_FOLDER)} == {
        name: data for name, data in read_tree(out).items() if name.startswith(INDEX_FOLDER)
    }


# --- in Chromium --------------------------------------------------------------------------


CSP_MESSAGE = re.compile(r"Content Security Policy", re.I)


def search_in_chromium(browser, base: str) -> tuple[list[tuple[str, str]], str, list[str]]:
    """Type WORD into the search box: the results (title, link), the status line and any CSP messages."""
    page = browser.new_page()
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.on("pageerror", lambda error: messages.append(f"page error: {error}"))
    try:
        assert page.goto(base + "search/").status == 200
        assert page.locator(".search-nojs").is_hidden()
        page.get_by_label("Words to find").fill(WORD)
        page.locator("#search-results li").first.wait_for(timeout=15_000)
        links = page.locator("#search-results li h2 a")
        results = [(links.nth(i).inner_text(), links.nth(i).get_attribute("href")) for i in range(links.count())]
        status = page.locator("#search-status").inner_text()
        marked = page.locator("#search-results mark").all_inner_texts()
        page.wait_for_timeout(200)
    finally:
        page.close()
    assert [text.lower() for text in marked] == [WORD]
    return results, status, [text for text in messages if CSP_MESSAGE.search(text) or text.startswith("page error")]


def test_chromium_finds_a_word_of_one_post_body_in_a_build(browser, word_site, tmp_path):
    out = tmp_path / "out"
    freeze_site(create_app({"SITE_ROOT": str(word_site)}), out)
    with static_server(out) as port:
        results, status, problems = search_in_chromium(browser, f"http://127.0.0.1:{port}/")
    assert results == [("Second post", "/blog/second-post/")]
    assert status == f"1 post found for “{WORD}”."
    assert problems == []


def test_chromium_finds_it_on_the_dev_server(browser, word_site):
    with waitress_app(word_site) as port:
        results, _, problems = search_in_chromium(browser, f"http://127.0.0.1:{port}/")
    assert results == [("Second post", "/blog/second-post/")]
    assert problems == []


def test_without_javascript_the_page_shows_the_lists_and_no_form(browser, frozen):
    with static_server(frozen) as port:
        context = browser.new_context(java_script_enabled=False)
        try:
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{port}/search/")
            assert page.locator("form[role=search]").is_hidden()
            assert page.locator(".search-nojs").is_visible()
            assert page.get_by_role("link", name="Second post").is_visible()
        finally:
            context.close()


def test_an_index_file_changed_in_the_build_is_written_again(site_root, tmp_path):
    out = tmp_path / "out"
    freeze_site(create_app({"SITE_ROOT": str(site_root)}), out)
    expected = read_tree(out)
    (out / INDEX_FOLDER / "pagefind.js").write_text("defaced")
    app = create_app({"SITE_ROOT": str(site_root)})
    report = freeze_site(app, out)
    assert read_tree(out) == expected and app.extensions["flatfolio.search"].builds == 0  # from the cache
    assert report.reused < report.files - 1


def test_heading_links_and_code_line_numbers_are_not_indexed(site_root, write, tmp_path):
    code = "---\ntitle: Code\ndate: 2024-04-01\n---\n## Section one\n\n"
    code += '```python linenums="7"\nprint(1)\nprint(2)\n```\n'
    write({"posts/2024-04-01-code.md": code})
    out = tmp_path / "out"
    freeze_site(create_app({"SITE_ROOT": str(site_root)}), out)
    html = (out / "blog/code/index.html").read_text()
    assert 'class="heading-anchor"' in html and 'class="ln"' in html  # the page has both
    assert fragments(read_tree(out))["/blog/code/"]["content"] == "Code. Section one print(1) print(2)"


def test_pagefind_runs_while_the_pages_are_made(site_root, tmp_path, monkeypatch):
    import flatfolio.build.frozen
    import flatfolio.search_index

    running, started = [], []
    real_start, real_freeze = flatfolio.search_index.Indexing.__init__, flatfolio.build.frozen.freeze_urls

    def start(self, *args):
        real_start(self, *args)
        started.append(self)

    def freeze_urls(app, urls):
        running.append(len(started))  # Pagefind already started when the first page is made
        yield from real_freeze(app, urls)

    monkeypatch.setattr(flatfolio.search_index.Indexing, "__init__", start)
    monkeypatch.setattr(flatfolio.build.frozen, "freeze_urls", freeze_urls)
    app = create_app({"SITE_ROOT": str(site_root)})
    freeze_site(app, tmp_path / "out")
    assert running[:1] == [1] and len(started) == 1 and app.extensions["flatfolio.search"].builds == 1
    assert not os.path.exists(started[0]._temp)  # its records are gone with it


def test_a_parted_index_finds_every_post_and_an_edit_reindexes_one_part(browser, site_root, tmp_path, monkeypatch):
    import flatfolio.search_index

    monkeypatch.setattr(flatfolio.search_index, "PART_POSTS", 1)  # 3 posts: up to 4 parts, by a hash of the URL
    published = ("posts/2024-01-10-first-post.md", SECOND, "posts/2024-03-05-elsewhere.md")
    for name in published:
        path = site_root / name
        path.write_text(path.read_text() + f"\nA {WORD} aside.\n")
    out = tmp_path / "out"
    freeze_site(create_app({"SITE_ROOT": str(site_root)}), out)
    tree = read_tree(out)
    parts = sorted({name.split("/")[2] for name in tree if name.startswith(INDEX_FOLDER + "part-")})
    assert len(parts) >= 2 and not (out / INDEX_FOLDER / "pagefind.js").exists(), parts
    form = lxml.html.document_fromstring(tree["search/index.html"]).xpath("//form")[0]
    assert form.get("data-index") == f"/{INDEX_FOLDER}{parts[0]}/pagefind.js"
    assert json.loads(form.get("data-merge")) == [f"/{INDEX_FOLDER}{part}/" for part in parts[1:]]
    with static_server(out) as port:
        page = browser.new_page()
        try:
            page.goto(f"http://127.0.0.1:{port}/search/")
            page.get_by_label("Words to find").fill(WORD)
            page.locator("#search-results li").nth(2).wait_for(timeout=15_000)
            found = sorted(page.locator("#search-results li h2 a").evaluate_all("links => links.map(a => a.href)"))
        finally:
            page.close()
    assert [url.split(str(port))[1] for url in found] == ["/blog/elsewhere/", "/blog/first-post/", "/blog/second-post/"]
    path = site_root / SECOND
    path.write_text(path.read_text() + "\nOne more line.\n")
    app = create_app({"SITE_ROOT": str(site_root)})
    freeze_site(app, out)
    assert app.extensions["flatfolio.search"].builds == 1  # the edited post's part alone
