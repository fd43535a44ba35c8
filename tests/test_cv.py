"""The CV at /cv.pdf: made from the site's content, read back with pypdf as a reader's PDF viewer would."""

import io
import json
import os
import subprocess
import sys

import pytest
from conftest import read_tree
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html
from pypdf import PdfReader

import flatfolio.build.frozen
import flatfolio.cv
import flatfolio.typeset
from app import PROJECT_ROOT, create_app
from flatfolio.build.freeze import freeze_site
from flatfolio.problems import ContentError

PORTFOLIO = {
    "pages/experience.md": """\
        ---
        title: Experience
        ---
        ## Software Engineer · Arista Networks

        *Remote*

        - Owner of **Zero Touch Provisioning**, see [RFC 8572](https://www.rfc-editor.org/rfc/rfc8572).
        - Wrote the `ztp` tests; more on the [projects page](/projects/).

        ## Distributed Systems Engineer · Dgraph Labs

        1. Added upserts.
        """,
    "pages/projects.md": """\
        ---
        title: Projects
        projects:
          - title: Raft in data-center networks
            context: Research project
            tags: [raft, consensus]
            summary: Co-designed Raft with the network layer.
            links: {code: "https://github.com/ada/raft", report: ""}
        ---
        Intro text that the CV leaves out.
        """,
    "pages/publications.md": """\
        ---
        title: Publications
        publications:
          - title: A smart-grid event processing system
            venue: DEBS Grand Challenge 2014
            kind: paper
            links: {paper: "https://example.org/debs.pdf"}
        ---
        See the list.
        """,
    "pages/courses.md": """\
        ---
        title: Courses
        ---
        - **CSE 6230** (high-performance computing)
        """,
}
PROFILE = 'role = "Engineer"\nlocation = "Jaipur, India"\nemail = "ada [AT] example"\n'
SOCIAL = '[social]\ngithub = "https://github.com/ada"\nlinkedin = ""\n'


def pdf_text(data: bytes) -> str:
    """The PDF's text, whitespace collapsed (lines break where the layout wraps them)."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def pdf_links(data: bytes) -> list[str]:
    """The URI of every link annotation, in page order."""
    links = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") == "/Link":
                links.append(annotation["/A"]["/URI"])
    return links


@pytest.fixture
def portfolio(write, site_root):
    """The fixture site with a profile, social links and the four CV pages."""
    write({**PORTFOLIO, "site.toml": (site_root / "site.toml").read_text() + PROFILE + SOCIAL})
    return site_root


@pytest.fixture
def renders(monkeypatch) -> list[int]:
    """One item per time Typst typesets the CV."""
    made = []
    real = flatfolio.cv.typeset

    def counted(*args):
        made.append(1)
        return real(*args)

    monkeypatch.setattr(flatfolio.cv, "typeset", counted)
    return made


def test_the_frozen_site_has_the_cv_and_the_dev_server_serves_it(frozen, client):
    answer = client.get("/cv.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.data == (frozen / "cv.pdf").read_bytes()
    assert answer.data.startswith(b"%PDF-")


def test_the_cv_shows_profile_experience_projects_publications_and_courses(portfolio, make_app):
    data = make_app().test_client().get("/cv.pdf").data
    text = pdf_text(data)
    for shown in (
        "Ada Tester", "Engineer · Jaipur, India", "ada [AT] example", "Arista Networks", "Dgraph Labs",
        "Zero Touch Provisioning", "Raft in data-center networks", "Research project",
        "A smart-grid event processing system", "DEBS Grand Challenge 2014", "CSE 6230", "Experience", "Courses",
    ):  # fmt: skip
        assert shown in text
    assert "Intro text" not in text and "See the list" not in text  # the pages' own introductions stay on the site
    assert 1 <= len(PdfReader(io.BytesIO(data)).pages) <= 2


def test_the_cv_links_are_real_absolute_links(portfolio, make_app):
    links = pdf_links(make_app().test_client().get("/cv.pdf").data)
    assert links == [
        "https://example.org/",  # the website, then the profiles (an empty LinkedIn is left out)
        "https://github.com/ada",
        "https://www.rfc-editor.org/rfc/rfc8572",
        "https://example.org/projects/",  # a root-relative link of the body, made absolute
        "https://github.com/ada/raft",  # the empty report link is left out
        "https://example.org/debs.pdf",
    ]


def test_links_follow_the_base_url_of_a_sub_path_build(portfolio, tmp_path):
    out = tmp_path / "out"
    freeze_site(create_app({"SITE_ROOT": str(portfolio)}), out, base_url="https://ada.github.io/site/")
    links = pdf_links((out / "cv.pdf").read_bytes())
    assert "https://ada.github.io/site/" in links and "https://ada.github.io/site/projects/" in links


def test_the_cv_has_title_author_subject_keywords_and_no_clock_date(portfolio, make_app):
    reader = PdfReader(io.BytesIO(make_app().test_client().get("/cv.pdf").data))
    meta = reader.metadata
    assert meta.title == "Ada Tester: curriculum vitae" and meta.author == "Ada Tester"
    assert meta.subject == "Engineer" and meta["/Keywords"] == "raft, consensus"
    assert "/CreationDate" not in meta and "/ModDate" not in meta  # no page has a date: none, rather than now


def test_the_newest_page_date_dates_the_cv(portfolio, write, make_app):
    dated = "title: Experience\n        updated: 2024-05-02"  # indented like the rest: write() dedents
    experience = PORTFOLIO["pages/experience.md"].replace("title: Experience", dated)
    write({"pages/experience.md": experience})
    meta = PdfReader(io.BytesIO(make_app().test_client().get("/cv.pdf").data)).metadata
    assert meta["/CreationDate"].startswith("D:20240502")


def test_publications_come_through_one_seam_with_authors_and_site_links(portfolio, make_app, monkeypatch):
    # What bibliography.publications(site, page) will give, mapped to the CV's keys.
    publication = {
        "title": "Raft for data centres", "venue": "A workshop", "kind": "paper", "year": 2016,
        "links": {"PDF": "/papers/raft.pdf", "doi": "https://doi.org/10.1/x", "code": ""},
        "authors": [{"name": "B. Other"}, {"name": "Ada Tester", "owner": True}],
    }  # fmt: skip
    monkeypatch.setattr(flatfolio.cv, "_publications", lambda site: [publication])
    data = make_app().test_client().get("/cv.pdf").data
    assert "B. Other, Ada Tester. Raft for data centres, A workshop, 2016 (paper) PDF · Doi" in pdf_text(data)
    assert pdf_links(data)[-2:] == ["https://example.org/papers/raft.pdf", "https://doi.org/10.1/x"]
    assert "A smart-grid event processing system" not in pdf_text(data)


BIB = """\
@inproceedings{tester2016raft,
  author = {Tester, Ada and Other, Bo},
  title = {Raft for {Data} Centres},
  booktitle = {A Workshop},
  year = {2016},
  pdf = {/papers/raft.pdf},
}
"""


def test_a_bibtex_file_feeds_the_cv_and_an_edit_of_it_typesets_it_again(portfolio, write, tmp_path, renders):
    publications = PORTFOLIO["pages/publications.md"].replace("title: Publications", "title: Publications\n"
                                                              "        bibliography: files/publications.bib")
    write({"pages/publications.md": publications, "files/publications.bib": BIB, "files/papers/raft.pdf": "%PDF"})
    out = tmp_path / "out"
    freeze_site(create_app({"SITE_ROOT": str(portfolio)}), out)
    data = (out / "cv.pdf").read_bytes()
    assert "Ada Tester, Bo Other. Raft for Data Centres, A Workshop, 2016 (paper) PDF" in pdf_text(data)
    assert "A smart-grid event processing system" in pdf_text(data)  # the page's list too
    assert "https://example.org/papers/raft.pdf" in pdf_links(data)
    write({"files/publications.bib": BIB.replace("Raft for", "Paxos for")})
    freeze_site(create_app({"SITE_ROOT": str(portfolio)}), out)
    assert "Paxos for Data Centres" in pdf_text((out / "cv.pdf").read_bytes())
    assert len(renders) == 2


@pytest.mark.parametrize(("setting", "size"), [("", (595, 842)), ('[cv]\npaper = "letter"\n', (612, 792))])
def test_the_paper_is_a4_unless_site_toml_says_letter(write, site_root, make_app, setting, size):
    write({"site.toml": (site_root / "site.toml").read_text() + setting})
    box = PdfReader(io.BytesIO(make_app().test_client().get("/cv.pdf").data)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == size


def site_problems(app) -> list[str]:
    with app.app_context():
        return [str(problem) for problem in app.extensions["flatfolio"].site().problems]


def test_an_unknown_paper_is_a_site_toml_problem(write, site_root, make_app):
    write({"site.toml": (site_root / "site.toml").read_text() + '[cv]\npaper = "a3"\nmargin = 1\n'})
    assert site_problems(make_app()) == [
        "site.toml: warning: cv.margin: unknown setting (kept, ignored)",
        "site.toml: cv.paper: expected \"a4\" or \"letter\", got 'a3'",
    ]


def test_two_fresh_builds_give_the_same_bytes(portfolio, tmp_path):
    for name in ("one", "two"):
        freeze_site(create_app({"SITE_ROOT": str(portfolio), "RENDER_CACHE": False}), tmp_path / name)
    assert (tmp_path / "one/cv.pdf").read_bytes() == (tmp_path / "two/cv.pdf").read_bytes()


def test_only_an_edit_of_what_the_cv_shows_typesets_it_again(portfolio, tmp_path, renders, made_urls):
    made = made_urls
    out = tmp_path / "out"
    build = lambda: freeze_site(create_app({"SITE_ROOT": str(portfolio)}), out)  # noqa: E731
    build()
    first = (out / "cv.pdf").read_bytes()
    assert len(renders) == 1
    post = portfolio / "posts/2024-01-10-first-post.md"
    post.write_text(post.read_text() + "\nA new closing line.\n")
    made.clear()
    build()
    assert len(renders) == 1 and "/cv.pdf" not in made  # a blog post's body: the CV is reused as it is
    post.write_text(post.read_text().replace("title: First", "title: Retitled"))
    build()
    assert len(renders) == 1  # front matter remakes every file, but the CV's data is unchanged: from the cache
    assert (out / "cv.pdf").read_bytes() == first
    experience = portfolio / "pages/experience.md"
    experience.write_text(experience.read_text() + "\n## Founder · Newco\n")
    made.clear()
    build()
    assert len(renders) == 2 and "/cv.pdf" in made
    assert "Founder · Newco" in pdf_text((out / "cv.pdf").read_bytes())


def test_the_cache_keeps_the_newest_cvs_only(portfolio, write, make_app):
    client = make_app().test_client()
    for number in range(flatfolio.cv.KEEP + 3):
        write({"pages/courses.md": PORTFOLIO["pages/courses.md"] + f"- Course {number}\n"})
        assert f"Course {number}" in pdf_text(client.get("/cv.pdf").data)
    kept = [path for path in (portfolio / ".cache/cv").rglob("*") if path.is_file()]
    assert len(kept) == flatfolio.cv.KEEP


def test_forked_freeze_workers_never_typeset_even_without_a_cache(portfolio, tmp_path):
    # The parent typesets the CV before forking; Typst in a forked child would hang on its
    # parent's threads, so a worker must take the parent's PDF (a hang fails on the timeout).
    env = {**os.environ, "FLASK_SITE_ROOT": str(portfolio), "FLASK_FREEZE_PROCESSES": "2"}
    env["FLASK_RENDER_CACHE"] = "false"
    env.pop("FLASK_DEBUG", None)
    command = [sys.executable, "-m", "flask", "--app", "app", "freeze", "--out", str(tmp_path / "out")]
    result = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Arista Networks" in pdf_text((tmp_path / "out/cv.pdf").read_bytes())
    assert not (portfolio / ".cache").exists()


THREADS_AFTER_TYPESETTING = """
import os, sys
from app import create_app
from flatfolio import cv
app = create_app({"SITE_ROOT": sys.argv[1], "RENDER_CACHE": False})
with app.app_context():
    site = app.extensions["flatfolio"].site()
assert cv.problems(app, site, site.config.base_url) == []
print(len(os.listdir("/proc/self/task")))
"""


def test_typesetting_leaves_a_build_process_without_threads(portfolio):
    # A build forks its workers after typesetting the CV: Typst's threads must live elsewhere.
    command = [sys.executable, "-c", THREADS_AFTER_TYPESETTING, str(portfolio)]
    result = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"


def test_the_dev_server_shows_an_edit_at_once(portfolio, write, client):
    assert "Newco" not in pdf_text(client.get("/cv.pdf").data)
    write({"pages/courses.md": PORTFOLIO["pages/courses.md"] + "- **Newco 101**\n"})
    assert "Newco 101" in pdf_text(client.get("/cv.pdf").data)


def resume_links(client) -> list[str]:
    doc = lxml_html.fromstring(client.get("/").data)
    return doc.xpath('//ul[contains(@class,"contact")]//a[text()="Résumé"]/@href')


@pytest.mark.parametrize(
    ("resume", "href"),
    [("", "/cv.pdf"), ("https://ada.example/cv-2024.pdf", "https://ada.example/cv-2024.pdf"), ("/me.pdf", "/me.pdf")],
)
def test_the_home_page_resume_link_is_the_cv_unless_site_toml_names_another(write, site_root, make_app, resume, href):
    write({"site.toml": (site_root / "site.toml").read_text() + f'[social]\nresume = "{resume}"\n'})
    assert resume_links(make_app().test_client()) == [href]


def test_a_resume_that_is_no_link_is_a_site_toml_problem(write, site_root):
    write({"site.toml": (site_root / "site.toml").read_text() + '[social]\nresume = "javascript:alert(1)"\n'})
    assert site_problems(create_app({"SITE_ROOT": str(site_root)})) == [
        "site.toml: social.resume: expected an http(s) URL or a path like /resume.pdf, got 'javascript:alert(1)'"
    ]


def test_the_frozen_home_page_links_to_the_frozen_cv(frozen):
    doc = lxml_html.fromstring((frozen / "index.html").read_bytes())
    assert doc.xpath('//a[text()="Résumé"]/@href') == ["/cv.pdf"]
    assert "cv.pdf" in read_tree(frozen)


def test_a_file_of_files_cannot_take_the_cvs_path(write, make_app):
    write({"files/cv.pdf": "%PDF-1.4 mine"})
    assert any(p.startswith("files/cv.pdf:") and "the CV" in p for p in site_problems(make_app()))


def test_a_layout_error_is_a_path_line_problem_never_a_traceback(portfolio, tmp_path, monkeypatch, make_app):
    layout = tmp_path / "cv.typ"
    layout.write_text("#let data = json(bytes(sys.inputs.data))\n\n#data.no_such_field\n")
    monkeypatch.setattr(flatfolio.cv, "template_path", lambda app: layout)
    with pytest.raises(ContentError) as failed:
        freeze_site(create_app({"SITE_ROOT": str(portfolio)}), tmp_path / "out")
    assert str(failed.value) == f'{layout}:3: cv: dictionary does not contain key "no_such_field"'
    assert not (tmp_path / "out").exists()
    answer = make_app().test_client().get("/cv.pdf")
    assert answer.status_code == 500 and answer.mimetype == "text/plain"
    assert answer.data.decode().startswith(f"{layout}:3: cv: ")


def test_flask_check_reports_a_layout_error(portfolio, tmp_path, monkeypatch):
    layout = tmp_path / "cv.typ"
    layout.write_text("#nope\n")
    monkeypatch.setattr(flatfolio.cv, "template_path", lambda app: layout)
    result = create_app({"SITE_ROOT": str(portfolio)}).test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 1
    assert f"{layout}:1: cv: unknown variable: nope" in result.stderr


def test_a_cv_past_two_pages_builds_with_a_warning_from_check(portfolio, write, tmp_path):
    write({"pages/experience.md": "---\ntitle: Experience\n---\n" + "- A long line of work done.\n" * 200})
    app = create_app({"SITE_ROOT": str(portfolio)})
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 0
    assert "pages/experience.md: warning: cv: /cv.pdf has 4 pages: shorten" in result.stderr
    freeze_site(create_app({"SITE_ROOT": str(portfolio)}), tmp_path / "out")
    assert len(PdfReader(tmp_path / "out/cv.pdf").pages) == 4


HOSTILE = "#$*_@<>\\`[]{}\"'~=/-+.:;!?%&^|"
hostile_text = st.text(st.sampled_from(HOSTILE + "ab ü·—"), min_size=1, max_size=24).filter(lambda s: s.strip())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(author=hostile_text, title=hostile_text, venue=hostile_text)
def test_hostile_text_is_shown_as_written_and_never_read_as_markup(tmp_path, author, title, venue):
    data = {
        "title": title, "author": author, "role": venue, "location": "", "email": "", "open_to": "", "links": [],
        "paper": "a4", "date": None, "keywords": [title], "lang": "en",
        "sections": [
            {"name": "projects", "title": title, "items": [{"title": title, "context": venue, "summary": author,
                                                            "links": [{"label": title, "url": "https://x.org/"}]}]},
            {"name": "publications", "title": "P", "items": [{"title": title, "venue": venue, "kind": title,
                                                               "year": "", "links": [], "et_al": True, "authors": [
                {"name": author, "owner": True}, {"name": venue, "owner": False}]}]},
            {"name": "experience", "title": "E", "blocks": [{"type": "par", "runs": [
                {"text": title, "bold": True, "italic": True, "strike": False, "code": False, "link": None},
                {"text": venue, "bold": False, "italic": False, "strike": False, "code": True, "link": None},
            ]}]},
        ],
    }  # fmt: skip
    app = create_app({"SITE_ROOT": str(tmp_path), "RENDER_CACHE": False})
    pdf = flatfolio.typeset.compile_pdf(flatfolio.cv.template_path(app), "templates/cv.typ", "cv", json.dumps(data))
    text = pdf_text(pdf)
    for value in (author, title, venue):
        assert " ".join(value.split()) in text
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title == title and reader.metadata.author == author
    assert len(reader.pages) == 1  # nothing injected a page break or a new page setup


def test_hostile_markdown_in_a_body_is_text(portfolio, write, make_app):
    body = "- `#set page(width: 1cm)` and #pagebreak() $x$ @ref < l > \\\\\n"
    write({"pages/courses.md": "---\ntitle: Courses\n---\n" + body})
    data = make_app().test_client().get("/cv.pdf").data
    assert "#set page(width: 1cm) and #pagebreak() $x$ @ref < l > \\" in pdf_text(data)
    assert len(PdfReader(io.BytesIO(data)).pages) == 1


def test_markdown_blocks_keep_styles_and_make_links_absolute():
    blocks = flatfolio.cv.markdown_blocks(
        "## A *b*\n\nSee [**x**](../y/) ![alt](i.png)<br>\n\n> q\n\n| h | i |\n|---|---|\n| 1 | 2 |\n",
        "https://s.org/base/page/", "https://s.org/base/",
    )
    assert [block["type"] for block in blocks] == ["heading", "par", "quote", "par", "par"]
    runs = blocks[1]["runs"]
    assert runs[1] == {"text": "x", "bold": True, "italic": False, "strike": False, "code": False,
                       "link": "https://s.org/base/y/"}  # fmt: skip
    assert runs[-1]["text"] == "alt"  # the image's description; raw HTML dropped
    assert [run["text"] for run in blocks[3]["runs"]] == ["h", " · ", "i"]


@pytest.mark.parametrize(("href", "url"), [
    ("#top", None), ("", None), ("javascript:alert(1)", None), ("mailto:a@b.c", "mailto:a@b.c"),
    ("/x/", "https://s.org/base/x/"), ("y", "https://s.org/base/page/y"), ("//cdn.org/z", "https://cdn.org/z"),
])  # fmt: skip
def test_only_links_a_reader_can_follow_become_links(href, url):
    assert flatfolio.cv._absolute(href, "https://s.org/base/page/", "https://s.org/base/") == url


def test_the_shipped_cv_fits_two_pages_with_the_owners_content():
    data = create_app().test_client().get("/cv.pdf").data
    text = pdf_text(data)
    assert "Aman Mangal" in text and "Arista Networks" in text and "CSE 6230" in text
    assert "Aman Mangal et al. DEBS Grand Challenge 2014, 2014 (paper)" in text  # from files/publications.bib
    assert 1 <= len(PdfReader(io.BytesIO(data)).pages) <= 2
