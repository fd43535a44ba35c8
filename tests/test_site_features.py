"""Reading features and the portfolio, checked on the built HTML."""

import json
import re

import pytest
from lxml import html as lxml_html

from app import create_app
from flatfolio.build.freeze import freeze_site

LONG_POST = """\
---
title: Long read
date: 2024-04-01
tags: [go, databases]
---
Intro paragraph.

## First part

Text.

### A detail

More.

## Second part

```console
$ go test ./...
ok  	example	0.01s
```

## Third part

End.
"""


def tree(data: bytes):
    return lxml_html.fromstring(data)


def json_ld(doc) -> dict:
    (script,) = doc.xpath('//script[@type="application/ld+json"]')
    return json.loads(script.text)


def test_long_post_has_toc_anchors_and_reading_time(client, write):
    write({"posts/long.md": LONG_POST})
    doc = tree(client.get("/blog/long/").data)
    toc = doc.xpath('//nav[@class="toc"]//a/@href')
    assert toc == ["#first-part", "#a-detail", "#second-part", "#third-part"]
    for anchor in toc:
        assert doc.xpath(f'//*[@id="{anchor[1:]}"]')
    assert doc.xpath('//h2[@id="first-part"]/a[@class="heading-anchor"]/@href') == ["#first-part"]
    assert "1 min read" in doc.text_content()


def test_short_post_has_no_toc(client):
    assert b'class="toc"' not in client.get("/blog/second-post/").data


def test_previous_next_and_related(client, write):
    write({"posts/long.md": LONG_POST})
    doc = tree(client.get("/blog/second-post/").data)
    assert doc.xpath('//nav[@class="neighbours"]/a[@rel="prev"]/@href') == ["/blog/first-post/"]
    assert doc.xpath('//nav[@class="neighbours"]/a[@rel="next"]/@href') == ["/blog/elsewhere/"]
    related = doc.xpath('//section[@class="related"]//h3/a/@href')
    assert related == ["/blog/long/", "/blog/first-post/"]  # both share "go"; newest first


def test_blog_index_groups_posts_by_year(client, write):
    write({"posts/2023-06-01-old.md": "---\ntitle: Old\ndate: 2023-06-01\n---\nOld.\n"})
    write({"site.toml": None})
    write({"site.toml": 'title = "T"\nauthor = "A"\nbase_url = "https://example.org/"\nposts_per_page = 10\n'})
    doc = tree(client.get("/blog/").data)
    assert doc.xpath('//h2[@class="year"]/text()') == ["2024", "2023"]


def test_external_post_is_listed_with_outlet_and_arrow(client):
    doc = tree(client.get("/blog/").data)
    (link,) = doc.xpath('//a[@href="https://blog.example.com/article"]')
    assert "↗" in link.text_content() and "(on Example blog)" in link.text_content()


def test_post_metadata_opengraph_and_json_ld(client):
    doc = tree(client.get("/blog/second-post/").data)
    meta = {m.get("property") or m.get("name"): m.get("content") for m in doc.xpath("//meta[@content]")}
    assert meta["og:type"] == "article"
    assert meta["og:url"] == "https://example.org/blog/second-post/"
    assert meta["og:title"] == "Second post · Test Site"
    assert meta["og:description"] == "An explicit summary."
    assert meta["twitter:card"] == "summary_large_image"  # the fixture site generates cards
    assert meta["og:image"] == "https://example.org/blog/second-post/card.png"
    data = json_ld(doc)
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == "Second post"
    assert data["dateModified"].startswith("2024-03-01")
    assert doc.xpath('//link[@rel="canonical"]/@href') == ["https://example.org/blog/second-post/"]


def test_json_ld_cannot_be_closed_by_content(client, write):
    write({"posts/x.md": '---\ntitle: "</script><script>alert(1)</script>"\ndate: 2024-01-01\n---\nx\n'})
    data = client.get("/blog/x/").data.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', data, re.S).group(1)
    assert "<" not in block
    assert json.loads(block)["headline"] == "</script><script>alert(1)</script>"


def test_home_has_person_json_ld_and_no_mailto(client, write, site_root):
    config = (site_root / "site.toml").read_text()
    profile = 'role = "Engineer"\nemail = "ada [AT] example"\n'
    profile += '[social]\ngithub = "https://github.com/ada"\nlinkedin = ""\n'
    write({"site.toml": config + profile})
    data = client.get("/").data
    doc = tree(data)
    person = json_ld(doc)
    assert person["@type"] == "Person" and person["jobTitle"] == "Engineer"
    assert person["sameAs"] == ["https://github.com/ada"]
    assert b"mailto:" not in data
    assert "ada [AT] example" in doc.text_content()
    # The résumé is the CV made from the site (/cv.pdf); an empty LinkedIn is not shown.
    assert doc.xpath('//ul[contains(@class,"contact")]//a/text()') == ["Résumé", "GitHub"]


def test_plain_email_in_config_is_an_error(make_app, write, site_root):
    write({"site.toml": (site_root / "site.toml").read_text() + 'email = "ada@example.org"\n'})
    app = make_app()
    with app.app_context():
        from flatfolio.content.site import current_site

        assert any(p.field == "email" for p in current_site().errors)


PROJECTS_PAGE = """\
---
title: Projects
projects:
  - title: Raft in the DC
    context: Research
    tags: [raft, networking]
    summary: Consensus under load.
    links: {code: "https://example.org/raft", report: ""}
  - title: No links yet
---
Intro.
"""


def test_project_links_without_address_are_not_rendered(client, write):
    write({"pages/projects.md": PROJECTS_PAGE})
    doc = tree(client.get("/projects/").data)
    cards = doc.xpath('//article[@class="card"]')
    assert [c.get("id") for c in cards] == ["raft-in-the-dc", "no-links-yet"]
    assert cards[0].xpath(".//a/@href") == ["https://example.org/raft"]
    assert cards[0].xpath(".//a/text()") == ["Code"]
    assert cards[0].xpath('.//ul[@class="chips"]/li/text()') == ["raft", "networking"]
    assert cards[1].xpath(".//a") == []


@pytest.mark.parametrize(
    ("links", "message"),
    [
        ('{code: "not a url"}', "expected an absolute http(s) URL"),
        ('{blog: ""}', "unknown link kind 'blog'"),
        ("[a]", "expected links like"),
    ],
)
def test_bad_project_links_are_reported(make_app, write, links, message):
    write({"pages/projects.md": f"---\ntitle: P\nprojects:\n  - title: X\n    links: {links}\n---\n"})
    app = make_app()
    with app.app_context():
        from flatfolio.content.site import current_site

        problems = [str(p) for p in current_site().errors]
    prefix = "pages/projects.md:3: projects: entry 1 ('X'): "
    assert any(p.startswith(prefix) and message in p for p in problems), problems


def test_shipped_home_page_weighs_under_30_kb(tmp_path):
    from app import PROJECT_ROOT

    out = tmp_path / "site"
    freeze_site(create_app({"SITE_ROOT": str(PROJECT_ROOT)}), out)
    home = (out / "index.html").read_bytes()
    doc = tree(home)
    loaded = doc.xpath('//link[@rel="stylesheet"]/@href') + doc.xpath("//img/@src")
    weight = len(home) + sum((out / url.lstrip("/")).stat().st_size for url in loaded)
    assert weight < 30_000, weight
    assert not doc.xpath('//link[@href="/code.css"]')  # code CSS only where there is code
