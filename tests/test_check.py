"""`flask check`: every content problem and broken link at once, with file and line."""

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from test_cli import flask

from flatfolio.check import Link, check_external, check_site, extract_links
from flatfolio.content.site import current_site


def run_check(make_app, **options):
    app = make_app(SHOW_DRAFTS=True)
    with app.app_context():
        return check_site(app, current_site(), **options)


def messages(report) -> list[str]:
    return [str(problem) for problem in report.problems]


def test_fixture_site_is_clean(make_app):
    report = run_check(make_app)
    assert messages(report) == []
    assert report.summary() == "Checked 5 posts, 3 pages, 7 links: 0 errors, 0 warnings"


LINKS_POST = """\
    ---
    title: Links
    date: 2024-04-01
    tags: [go]
    ---
    See [nope](/blog/nope/) and [draft](/blog/secret-draft/) and
    [anchor](#missing) plus [code](/blog/first-post/#code) and [bad](/blog/first-post/#nah).

    ![missing](/static/missing.png) ![ok](/static/favicon.svg) [tag](/tags/nosuch/) [tag](/tags/go/feed.xml)

    <a href="/about">about</a> <img
    src="/static/nothere.png">

    [fn](#fn1) [rel](../second-post/) [rel bad](../zzz/) [home](/) [skip](#main)
    [page 9](/blog/page/9/) [page 2](/blog/page/2/) [out](https://example.invalid/) [mail](mailto:a@b.c)

    > [quoted](/nowhere/)

    ## Links here

    [self](#links-here) [up](/about/#about) [notes](/notes/deep/) [feed](/feed.xml)
    """


def test_broken_links_are_listed_with_file_and_line(make_app, write):
    write({"posts/2024-04-01-links.md": LINKS_POST})
    source = "posts/2024-04-01-links.md"
    assert messages(run_check(make_app)) == [
        f"{source}:6: link: /blog/nope/: no post at this URL",
        f"{source}:6: link: /blog/secret-draft/: the post posts/secret-draft.md is a draft or scheduled: "
        "it is not published",
        f"{source}:7: link: #missing: no heading or footnote with this id on the page",
        f"{source}:7: link: /blog/first-post/#nah: posts/2024-01-10-first-post.md has no heading or footnote "
        "with the id 'nah'",
        f"{source}:9: image: /static/missing.png: no such file in static/",
        f"{source}:9: link: /tags/nosuch/: no post has the tag 'nosuch'",
        f"{source}:12: image: /static/nothere.png: no such file in static/",
        f"{source}:14: link: #fn1: no heading or footnote with this id on the page",
        f"{source}:14: link: ../zzz/: no post at this URL",
        f"{source}:15: link: /blog/page/9/: the blog has 2 pages",
        f"{source}:17: link: /nowhere/: no page at this URL",
    ]


def test_footnote_and_heading_anchors_resolve(make_app, write):
    write({
        "posts/2024-04-02-notes.md": """\
            ---
            title: Notes
            date: 2024-04-02
            ---
            Claim.[^1] Back to [the note](#fn1), [the mark](#fnref1), [code](#code-sample).

            ## Code sample

            [^1]: See [the claim](#fnref1).
            """,
    })  # fmt: skip
    assert messages(run_check(make_app)) == []


def test_drafts_may_link_to_drafts_but_published_pages_may_not(make_app, write):
    write({
        "posts/other-draft.md": "---\ntitle: D2\ndate: 2024-01-01\ndraft: true\n---\nSee [d](/blog/secret-draft/).\n",
        "pages/about.md": "---\ntitle: About\n---\nSee [scheduled](/blog/future/) and [tag](/tags/secret-tag/).\n",
    })  # fmt: skip
    assert messages(run_check(make_app)) == [
        "pages/about.md:4: link: /blog/future/: the post posts/2999-01-01-future.md is a draft or scheduled: "
        "it is not published",
        "pages/about.md:4: link: /tags/secret-tag/: no post has the tag 'secret-tag'",
    ]


def test_every_content_problem_is_listed_at_once_and_warnings_do_not_fail(site_root, write):
    write({
        "posts/a.md": "---\ntitle: A\ndate: 2024-02-30\n---\nText.\n",
        "posts/b.md": "---\ntitle: B\ndate: 2024-01-01\nslug: first-post\n---\nText.\n",
        "posts/c.md": "title: no fences\n",
        "pages/x.md": "---\ntitle: X\ncolour: red\n---\n[gone](/gone/)\n",
    })  # fmt: skip
    result = flask(site_root, "check")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "pages/x.md:3: warning: colour: unknown key (kept)",
        "pages/x.md:5: link: /gone/: no page at this URL",
        "posts/a.md:3: date: not a real date: '2024-02-30'",
        "posts/b.md: slug: 'first-post' is already used by posts/2024-01-10-first-post.md",
        "posts/c.md:1: front matter: missing: the file must start with a '---' line, then YAML, "
        "then a closing '---' line",
    ]
    assert result.stdout == "Checked 6 posts, 4 pages, 8 links: 4 errors, 1 warnings\n"


def test_warnings_alone_exit_0(site_root, write):
    write({"posts/2024-05-01-empty.md": "---\ntitle: Empty\ndate: 2024-05-01\nmood: calm\n---\n"})
    result = flask(site_root, "check")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "posts/2024-05-01-empty.md:4: warning: mood: unknown key (kept)",
        "posts/2024-05-01-empty.md:6: warning: summary: none: add 'summary:' or start with a paragraph",
    ]


def test_check_builds_nothing(site_root):
    assert flask(site_root, "check").returncode == 0
    assert not (site_root / "build").exists()


def test_links_in_multiline_paragraphs_get_their_own_line(make_app, write):
    write({"pages/lines.md": "---\ntitle: L\n---\nOne\ntwo  \nthree [x](/x/)\n\n- a\n- [y](/y/)\n"})
    app = make_app(SHOW_DRAFTS=True)
    with app.app_context():
        page = current_site().pages["lines"]
        from flatfolio.render import make_markdown

        assert [(link.line, link.url) for link in extract_links(page, make_markdown())] == [(6, "/x/"), (9, "/y/")]


# --- outside links against a local server ----------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    in_flight = 0
    most_in_flight = 0
    lock = threading.Lock()

    def _answer(self, body: bool):
        with self.lock:
            type(self).in_flight += 1
            type(self).most_in_flight = max(type(self).most_in_flight, type(self).in_flight)
        try:
            if self.path.startswith("/slow"):
                time.sleep(2)
            elif self.path.startswith("/busy"):
                time.sleep(0.3)
            status = 404 if self.path.startswith("/dead") else 200
            if self.path.startswith("/no-head") and self.command == "HEAD":
                status = 405
        finally:
            # Counted out before the answer is sent: once a client has its answer it may start
            # its next request, and that must not find this one still counted.
            with self.lock:
                type(self).in_flight -= 1
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        if body:
            self.wfile.write(b"ok")

    def do_HEAD(self):
        self._answer(body=False)

    def do_GET(self):
        self._answer(body=True)

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    """An HTTP server on 127.0.0.1: /alive, /no-head (HEAD refused), /dead (404), /slow, /busy."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Handler.in_flight = _Handler.most_in_flight = 0
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_external_links_report_dead_ones_with_their_places(local_server):
    closed = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    refused = f"http://127.0.0.1:{closed.server_address[1]}/"
    closed.server_close()  # nothing listens there any more
    links = [
        Link("posts/a.md", 5, f"{local_server}/alive", "link"),
        Link("posts/a.md", 6, f"{local_server}/dead#part", "link"),
        Link("posts/b.md", 9, f"{local_server}/dead", "image"),
        Link("posts/b.md", 10, f"{local_server}/no-head", "link"),
        Link("posts/b.md", 11, f"{local_server}/slow", "link"),
        Link("posts/b.md", 12, refused, "link"),
    ]
    problems = sorted(str(p) for p in check_external(links, timeout=0.5))
    assert problems == [
        f"posts/a.md:6: link: {local_server}/dead#part: dead (HTTP 404 Not Found)",
        f"posts/b.md:11: link: {local_server}/slow: dead (no answer within 0.5 s)",
        f"posts/b.md:12: link: {refused}: dead (Connection refused)",
        f"posts/b.md:9: image: {local_server}/dead: dead (HTTP 404 Not Found)",
    ]


def test_external_checks_run_at_most_8_at_once(local_server):
    links = [Link("posts/a.md", n, f"{local_server}/busy/{n}", "link") for n in range(24)]
    started = time.monotonic()
    assert check_external(links, timeout=5) == []
    assert _Handler.most_in_flight == 8  # in parallel, but never more than 8
    assert time.monotonic() - started < 24 * 0.3  # faster than one at a time


def test_check_external_command(site_root, write, local_server):
    write({
        "posts/2024-04-01-out.md": f"---\ntitle: Out\ndate: 2024-04-01\n---\n[a]({local_server}/alive)\n\n"
        f"[b]({local_server}/dead/page)\n",
        "posts/2024-04-02-elsewhere.md": f"---\ntitle: Else\ndate: 2024-04-02\nexternal_url: {local_server}/dead/x\n"
        "---\nNote.\n",
    })  # fmt: skip
    # The fixture site's own outside link (blog.example.com) is left out of the test: no internet.
    write({"posts/2024-03-05-elsewhere.md": None})
    without = flask(site_root, "check")
    assert without.returncode == 0, without.stderr
    result = flask(site_root, "check", "--external", "--timeout", "5")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"posts/2024-04-01-out.md:7: link: {local_server}/dead/page: dead (HTTP 404 Not Found)",
        f"posts/2024-04-02-elsewhere.md:4: link: {local_server}/dead/x: dead (HTTP 404 Not Found)",
    ]


def test_check_help_documents_exit_codes(site_root):
    text = " ".join(flask(site_root, "check", "--help").stdout.split())
    assert "Exit status: 0 no errors (warnings allowed); 1 errors found; 2 usage errors." in text


def test_external_timeout_is_a_deadline_for_the_whole_request():
    """A server that trickles its answer a byte at a time never trips a per-read timeout."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def trickle():
        connection, _ = listener.accept()
        with connection:
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"x" * 200:
                if stop.wait(0.1):
                    return
                connection.sendall(bytes([byte]))

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/slow"
    started = time.monotonic()
    try:
        problems = check_external([Link("posts/a.md", 3, url, "link")], timeout=0.5)
    finally:
        stop.set()
        listener.close()
    assert [str(p) for p in problems] == [f"posts/a.md:3: link: {url}: dead (no answer within 0.5 s)"]
    assert time.monotonic() - started < 5  # the trickle would take 20 s; per-read timeouts never fire


def test_a_nav_link_to_no_page_is_found_by_check_as_freeze_would(site_root, write):
    toml = site_root / "site.toml"
    toml.write_text(toml.read_text().replace('{ title = "About", url = "/about/" }', '{ title = "CV", url = "/cv/" }'))
    result = flask(site_root, "check")
    assert result.returncode == 1
    assert "site.toml: nav[1]: /cv/: no page at this URL" in result.stderr.splitlines()
