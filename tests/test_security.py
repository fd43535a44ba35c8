"""Security headers on every served response, the CSP as a meta tag in frozen pages, a safe dev server."""

import re
import sys

import lxml.html
import pytest
from conftest import read_tree
from servers import free_port, raw_get, running, static_server, waitress_app
from test_routes import ROUTES

from app import create_app
from flatfolio.build.freeze import freeze_site
from flatfolio.search import SEARCH_CSP
from flatfolio.security import REFERRER_POLICY, content_security_policy

HEADERS = {
    "Content-Security-Policy": content_security_policy(),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": REFERRER_POLICY,
}
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def security_headers(headers) -> dict:
    return {name: headers.get(name) for name in HEADERS}


def test_policy_forbids_inline_code_and_framing():
    policy = content_security_policy()
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "frame-ancestors" not in content_security_policy(meta=True)


@pytest.mark.parametrize("url", [url for url, _, _ in ROUTES] + ["/nope/", "/about", "/blog/../app.py"])
def test_every_response_carries_the_security_headers(client, url):
    with client.get(url) as response:
        assert security_headers(response.headers) == HEADERS


def test_the_content_errors_page_carries_the_headers_and_no_inline_style(make_app, write):
    write({"posts/bad.md": "---\ntitle: Bad\n---\n"})
    response = make_app(DEBUG=True).test_client().get("/")
    assert response.status_code == 500
    assert security_headers(response.headers) == HEADERS
    assert "<style" not in response.text and 'href="/static/problems.css"' in response.text


def test_waitress_responses_carry_the_security_headers(site_root):
    with waitress_app(site_root) as port:
        for path in ("/", "/feed.xml", "/static/style.css", "/nope/"):
            _, headers, _ = raw_get(port, path)
            assert security_headers(headers) == HEADERS, path


def inline_code(html: str) -> list[str]:
    """Everything a strict CSP would block: inline scripts and styles, style and on* attributes."""
    document = lxml.html.document_fromstring(html)
    # JSON-LD is a data block: browsers never run it, so a CSP does not apply to it.
    found = [
        f"<{el.tag}>"
        for el in document.iter("script", "style")
        if el.get("src") is None and el.get("type") != "application/ld+json"
    ]
    for element in document.iter():
        for name in element.attrib:
            if name == "style" or name.startswith("on"):
                found.append(f"{element.tag} {name}=")
    return found


def test_every_frozen_page_has_the_csp_meta_tag_and_no_inline_code(frozen):
    pages = {name: data.decode() for name, data in read_tree(frozen).items() if name.endswith(".html")}
    assert len(pages) > 10
    for name, html in pages.items():
        document = lxml.html.document_fromstring(html)
        metas = document.xpath('//head/meta[@http-equiv="Content-Security-Policy"]')
        policy = content_security_policy(meta=True, additions=SEARCH_CSP if name == "search/index.html" else None)
        assert [meta.get("content") for meta in metas] == [policy], name
        assert inline_code(html) == [], name


def test_aligned_table_cells_use_classes_not_style_attributes(site_root, write, tmp_path):
    write({"posts/table.md": "---\ntitle: Table\ndate: 2024-05-01\n---\n| a | b |\n|:--|--:|\n| 1 | 2 |\n"})
    out = tmp_path / "out"
    freeze_site(create_app({"SITE_ROOT": str(site_root)}), out)
    html = (out / "blog/table/index.html").read_text()
    assert '<th class="align-left">a</th>' in html and '<td class="align-right">2</td>' in html
    assert inline_code(html) == []
    assert ".align-right { text-align: right; }" in (out / "static/style.css").read_text()  # scoped to .content


# --- the dev server ---------------------------------------------------------------------


def listening_addresses(port: int) -> set[str]:
    """Local addresses of sockets listening on `port` (from /proc/net/tcp and tcp6)."""
    addresses = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            for line in list(lines)[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:
                    addresses.add(address)
    return addresses


DEBUGGER_PROBE = "/?__debugger__=yes&cmd=resource&f=style.css"  # served only by Werkzeug's debugger


@pytest.mark.parametrize("debug", [False, True], ids=["run", "run --debug"])
def test_dev_server_binds_loopback_and_debugs_only_with_debug(site_root, debug):
    port = free_port()
    args = [sys.executable, "-m", "flask", "--app", "app", "run", "--port", str(port), "--no-reload"]
    if debug:
        args.append("--debug")  # as the README documents: flask --app app run --debug
    with running(args, port, {"FLASK_SITE_ROOT": str(site_root), "FLASK_DEBUG": ""}) as server:
        assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1 only
        status, headers, body = raw_get(port, DEBUGGER_PROBE)
        output = server.output()
    assert f"Running on http://127.0.0.1:{port}" in output
    assert f"Debug mode: {'on' if debug else 'off'}" in output
    served_debugger_css = status == 200 and headers["Content-Type"].startswith("text/css")
    assert served_debugger_css is debug, body[:200]


# --- in a real browser ------------------------------------------------------------------


CSP_MESSAGE = re.compile(r"Content Security Policy", re.I)


def csp_violations(browser, url: str, inject_inline_style: bool = False) -> list[str]:
    page = browser.new_page()
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    try:
        response = page.goto(url, wait_until="load")
        assert response.status == 200, url
        if inject_inline_style:  # the control: proves violations are seen when there are some
            page.evaluate("document.head.append(Object.assign(document.createElement('style'), {textContent: 'p{}'}))")
        page.wait_for_timeout(200)
    finally:
        page.close()
    return [text for text in messages if CSP_MESSAGE.search(text)]


BROWSER_PATHS = ["/", "/blog/", "/blog/first-post/", "/blog/table/", "/tags/go/", "/about/", "/404.html", "/search/"]


@pytest.fixture
def table_site(site_root, write):
    write({"posts/table.md": "---\ntitle: Table\ndate: 2024-05-01\n---\n| a | b |\n|:--|--:|\n| 1 | 2 |\n"})
    return site_root


def test_frozen_pages_cause_no_csp_violation_in_chromium(browser, table_site, tmp_path):
    out = tmp_path / "out"
    freeze_site(create_app({"SITE_ROOT": str(table_site)}), out)
    with static_server(out) as port:
        for path in BROWSER_PATHS:
            assert csp_violations(browser, f"http://127.0.0.1:{port}{path}") == [], path
        assert csp_violations(browser, f"http://127.0.0.1:{port}/", inject_inline_style=True) != []


def test_served_pages_cause_no_csp_violation_in_chromium(browser, table_site, write):
    with waitress_app(table_site, env={"FLASK_DEBUG": "1"}) as port:  # debug: the problem page below
        for path in BROWSER_PATHS:
            assert csp_violations(browser, f"http://127.0.0.1:{port}{path}") == [], path
        assert csp_violations(browser, f"http://127.0.0.1:{port}/", inject_inline_style=True) != []
        write({"posts/bad.md": "---\ntitle: Bad\n---\n"})  # the content errors page, served with status 500
        page = browser.new_page()
        messages = []
        page.on("console", lambda message: messages.append(message.text))
        assert page.goto(f"http://127.0.0.1:{port}/").status == 500
        page.wait_for_timeout(200)
        page.close()
        assert [text for text in messages if CSP_MESSAGE.search(text)] == []
