"""Every internal link and #anchor in the shipped build resolves to a built file and an id in it."""

import json
from functools import cache
from pathlib import Path
from textwrap import dedent
from urllib.parse import unquote, urljoin, urlsplit

import lxml.etree
import lxml.html
import pytest

from scripts.shipped_site import built_file, page_url

SITE = "http://127.0.0.1:8000/"
# An empty fragment and "#top" scroll to the top of any page (HTML spec: "scroll to the fragment").
TOP_OF_PAGE = {"", "top"}


def _json_strings(value):
    """Every string inside a parsed JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict | list):
        for item in value.values() if isinstance(value, dict) else value:
            yield from _json_strings(item)


def page_links(document, base_url: str) -> list[str]:
    """What a page points at: href, src and srcset, site URLs in <meta content> and in JSON-LD."""
    links = document.xpath("//@href | //@src")
    links += [part.split()[0] for srcset in document.xpath("//@srcset") for part in srcset.split(",") if part.strip()]
    links += [value for value in document.xpath("//meta/@content") if value.startswith(base_url)]
    for script in document.xpath("//script[@type='application/ld+json']/text()"):
        links += [value for value in _json_strings(json.loads(script)) if value.startswith(base_url)]
    return [str(link) for link in links]


@cache
def _anchors(file: Path) -> frozenset[str]:
    document = lxml.html.parse(str(file)).getroot()
    return frozenset(document.xpath("//@id | //a/@name"))


def broken_links(build: Path, base_url: str) -> list[str]:
    """`page: link: problem` for each internal link whose file or #fragment is missing from the build."""
    _anchors.cache_clear()
    problems = []
    pages = [(file, page_url(build, file, base_url)) for file in sorted(build.rglob("*.html"))]
    sitemap = build / "sitemap.xml"
    for file, url in pages:
        try:
            links = page_links(lxml.html.parse(str(file)).getroot(), base_url)
        except json.JSONDecodeError as error:
            problems.append(f"{url}: JSON-LD does not parse: {error}")
            continue
        for link in links:
            if problem := _link_problem(build, url, link, base_url):
                problems.append(f"{url}: {link}: {problem}")
    if sitemap.is_file():
        for loc in lxml.etree.parse(str(sitemap)).xpath("//*[local-name()='loc']/text()"):
            if problem := _link_problem(build, base_url, loc, base_url):
                problems.append(f"sitemap.xml: {loc}: {problem}")
    return problems


def _link_problem(build: Path, page: str, link: str, base_url: str) -> str | None:
    """Why an internal link does not resolve in the build; None if it does or points outside the site."""
    target = urljoin(page, link.strip())
    file = built_file(build, target, base_url)
    if file is None:
        return None  # another site, mailto:, data:, ...
    if not file.is_file():
        return f"no file {file.relative_to(build).as_posix()} in the build"
    fragment = unquote(urlsplit(target).fragment)
    if fragment.lower() in TOP_OF_PAGE:
        return None
    if file.suffix != ".html":
        return f"#{fragment} in a non-HTML file"
    if fragment not in _anchors(file):
        return f"no id={fragment!r} in {file.relative_to(build).as_posix()}"
    return None


def test_every_internal_link_and_anchor_of_the_shipped_build_resolves(shipped):
    problems = broken_links(shipped.build, shipped.url)
    if problems:
        pytest.fail(f"{len(problems)} broken internal links:\n" + "\n".join(problems), pytrace=False)


def test_the_link_check_finds_missing_files_anchors_and_bad_json_ld(tmp_path):
    files = {
        "index.html": """\
            <a href="/blog/#intro">ok</a> <a href="#top">top</a> <a href="https://other.example/x">out</a>
            <a href="/blog/#nowhere">bad anchor</a> <a href="/missing/">bad page</a>
            <img src="static/gone.png" alt=""> <meta property="og:url" content="http://127.0.0.1:8000/gone/">
            <script type="application/ld+json">{"url": "http://127.0.0.1:8000/also-gone/"}</script>
            """,
        "blog/index.html": '<h2 id="intro">Intro</h2> <a href="../#top">home</a> <a href="..#nope">x</a>',
        "404.html": '<script type="application/ld+json">{"url": </script>',
        "sitemap.xml": """\
            <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <url><loc>http://127.0.0.1:8000/blog/</loc></url><url><loc>http://127.0.0.1:8000/old/</loc></url>
            </urlset>
            """,
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(dedent(text), encoding="utf-8")

    assert broken_links(tmp_path, SITE) == [
        "http://127.0.0.1:8000/404.html: JSON-LD does not parse: Expecting value: line 1 column 9 (char 8)",
        "http://127.0.0.1:8000/blog/: ..#nope: no id='nope' in index.html",
        "http://127.0.0.1:8000/: /blog/#nowhere: no id='nowhere' in blog/index.html",
        "http://127.0.0.1:8000/: /missing/: no file missing/index.html in the build",
        "http://127.0.0.1:8000/: static/gone.png: no file static/gone.png in the build",
        "http://127.0.0.1:8000/: http://127.0.0.1:8000/gone/: no file gone/index.html in the build",
        "http://127.0.0.1:8000/: http://127.0.0.1:8000/also-gone/: no file also-gone/index.html in the build",
        "sitemap.xml: http://127.0.0.1:8000/old/: no file old/index.html in the build",
    ]
