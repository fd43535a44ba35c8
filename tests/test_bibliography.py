"""Publications from a .bib file: parsing, LaTeX, names, links, the page, problems and incremental rebuilds."""

import json
import os
import re

import lxml.html
import pytest
from conftest import read_tree
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cli import flask
from test_incremental import fresh_build, rebuild

from flatfolio import bibliography
from flatfolio.bibtex import Name, names, parse, source, to_text
from flatfolio.build.freeze import freeze_site
from flatfolio.content.site import current_site
from flatfolio.problems import ContentError

PAGE = """\
    ---
    title: Publications
    bibliography: {path}
    publications:
      - title: A report with no BibTeX
        kind: report
        links: {{report: "https://example.org/r.pdf", code: ""}}
    ---
    Papers and reports.
    """
BIB = r"""
% Exported by hand; a comment line.
@string{debs = "Proceedings of the 8th ACM International Conference on Distributed Event-Based Systems"}
@comment{ @article{commented-out, title = {Never shown}} }

@inproceedings{tester2014grid,
  author = {Tester, Ada and M{\"u}ller, J{\'e}r{\^o}me and others},
  title = {A {GPU} Event Processor: Faster \& Smaller, 2--3 Times},
  booktitle = debs # " (DEBS)",
  year = 2014,
  doi = {10.1145/2611286.2611327},
  url = {},
  code = {https://github.com/ada/grid},
  poster = {https://example.org/poster.pdf},
  biburl = {https://dblp.org/rec/x.bib},
}

@article{tester2016journal,
  author = {A. Tester and Bob Smith},
  title = {On {B}ibliographies},
  journal = {Journal of Tests},
  year = {2016},
  month = jan,
  pdf = {/papers/bib.pdf},
}

@techreport{tester-report,
  author = {Ada Tester},
  title = {A Technical Report},
  institution = {Test University},
}

@phdthesis{tester-thesis,
  author = {Tester, Ada},
  title = {A Thesis},
  school = {Test University},
  year = {2016},
  eprint = {1234.56789},
  archivePrefix = {arXiv},
}

@misc{tester-misc,
  author = {Tester, A.},
  title = {Slides about Things},
  howpublished = {Invited talk},
  slides = {https://example.org/slides},
}
"""


def write_site(write, bib: str = BIB, path: str = "files/publications.bib"):
    write({"pages/publications.md": PAGE.format(path=path), path: bib})


def page_of(client, url: str = "/publications/", **options):
    response = client.get(url, **options)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return lxml.html.fromstring(response.get_data(as_text=True))


def problems_of(make_app) -> list[str]:
    app = make_app(SHOW_DRAFTS=True)
    with app.app_context():
        return [str(problem) for problem in current_site().problems]


# --- LaTeX, names, macros ------------------------------------------------------------


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"M{\"u}ller", "Müller"), (r"M\"{u}ller", "Müller"), (r"J{\'e}r{\^o}me", "Jérôme"), (r"{\c{c}}a", "ça"),
        (r"{\o}re", "øre"), (r"Faster \& Smaller", "Faster & Smaller"), ("pages 1--2", "pages 1–2"),
        ("a---b", "a—b"), ("{GPU}s and {CPU}s", "GPUs and CPUs"), (r"$\alpha$-approx", "α-approx"),
        (r"\emph{Fast} \textbf{code}", "Fast code"), (r"\LaTeX{} and \TeX", "LaTeX and TeX"),
        ("  many\n   spaces ", "many spaces"), (r"50\% of \_x", "50% of _x"),
    ],
)  # fmt: skip
def test_latex_comes_out_as_text(latex, text):
    assert to_text(latex) == text


def test_authors_are_decoded_with_others_as_et_al():
    people, others = names(r"Tester, Ada and M{\"u}ller, J{\'e}r{\^o}me and {Google Research} and van Beethoven, L.")
    assert [p.full for p in people] == ["Ada Tester", "Jérôme Müller", "Google Research", "L. van Beethoven"]
    assert not others
    assert names("Ada Tester and others") == ([Name(("Ada",), "Tester", "Ada Tester")], True)


@pytest.mark.parametrize(
    "written", ["Mangal, Aman", "A. Mangal", "Aman Mangal", "Mangal, A.", "MANGAL, AMAN", "A Mangal", "Mangal, A.-K."]
)
def test_the_owner_is_recognised_however_written(written):
    owner = names("Aman Mangal")[0][0]
    assert names(written)[0][0].same_as(owner)


@pytest.mark.parametrize("written", ["Mangal, Bhavesh", "Aman Gupta", "B. Mangal", "Mangal", "{Mangal Labs}"])
def test_others_are_not_the_owner(written):
    owner = names("Aman Mangal")[0][0]
    assert not names(written)[0][0].same_as(owner)


def test_accents_do_not_hide_the_owner():
    assert names("Muller, J.")[0][0].same_as(names(r"J{\'e}r{\^o}me M{\"u}ller")[0][0])


def test_string_macros_joins_and_months_are_resolved():
    entries, problems = parse(
        '@string{conf = {Conf}}\n@string{full = conf # " on Things"}\n'
        '@inproceedings{k, title = {T}, booktitle = full # { 2014}, month = jan, year = 20 # "14"}'
    )
    assert problems == []
    assert entries[0].fields == {"title": "T", "booktitle": "Conf on Things 2014", "month": "January", "year": "2014"}


def test_comments_and_preambles_are_skipped():
    entries, problems = parse("% Encoding: UTF-8\nText between entries.\n@preamble{ {\\relax} }\n"
                              "@comment{@article{b, title={no}}}\n@misc{c, title = {Yes}}")  # fmt: skip
    assert [entry.key for entry in entries] == ["c"] and problems == []
    entries, _ = parse("% @misc{d, title = {As in BibTeX, an @ starts an entry even after %}}")
    assert [entry.key for entry in entries] == ["d"]


def test_crossref_fills_missing_fields_and_the_container_is_no_publication(write, make_app):
    write_site(write, "@inproceedings{child, author = {Ada Tester}, title = {Child}, crossref = {conf14}}\n"
                      "@proceedings{conf14, title = {Proceedings of Conf}, year = {2014}}\n")  # fmt: skip
    app = make_app()
    with app.test_request_context():
        found = bibliography.publications(current_site())
    child = found[0]
    assert (child.key, child.venue, child.year) == ("child", "Proceedings of Conf", 2014)
    assert [item.key for item in found] == ["child", "a-report-with-no-bibtex"]
    assert "crossref" not in child.bibtex and "booktitle = {Proceedings of Conf}" in child.bibtex


# --- problems ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bib", "expected"),
    [
        ("@article{good, title={A}}\n@article{bad,\n  title = {Unclosed\n}\n@misc{after, title={B}}\n",
         "files/publications.bib:2: bibliography: bad: malformed entry"),
        ("@article{dup, title={A}}\n\n@misc{dup, title={B}}\n",
         "files/publications.bib:3: bibliography: dup: duplicate key (first used at line 1)"),
        ("@article{Dup, title={A}}\n@misc{dup, title={B}}\n",
         "files/publications.bib:2: bibliography: dup: duplicate key (first used at line 1)"),
        ("@article{k,\n  title = {A},\n  journal = nosuch,\n}\n",
         "files/publications.bib:3: bibliography: k: journal: undefined @string 'nosuch'"),
        ("@article{k, author = {X}}\n", "files/publications.bib:1: bibliography: k: no title"),
        ("@article{k, title={A}, title={B}}\n", "files/publications.bib:1: bibliography: k: field given twice: title"),
        ("@article{k, title={A}, crossref={gone}}\n", "files/publications.bib:1: bibliography: k: crossref 'gone'"),
        ("@article{k,\n title={A},\n doi={not a doi}}\n",
         "files/publications.bib:3: bibliography: k: doi: expected a DOI"),
        ("@article{k,\n title={A},\n code={github.com/x}}\n",
         "files/publications.bib:3: bibliography: k: code: expected an http(s) URL or a /path"),
        ("@article{, title={A}}\n", "files/publications.bib:1: bibliography: @article entry without a key"),
        ("\r\n@article{two words, title={A}}\r\n", "files/publications.bib:2: bibliography: two words: a key cannot"),
    ],
)  # fmt: skip
def test_bad_entries_are_problems_at_their_line_naming_the_key(write, make_app, bib, expected):
    write_site(write, bib)
    found = problems_of(make_app)
    assert any(problem.startswith(expected) for problem in found), found


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("files/missing.bib", "pages/publications.md:3: bibliography: files/missing.bib: cannot be read: No such file"),
        ("../outside.bib", "pages/publications.md:3: bibliography: expected a path inside files/ or pages/"),
        ("/etc/x.bib", "pages/publications.md:3: bibliography: expected a path inside files/ or pages/"),
        ("refs.bib", "pages/publications.md:3: bibliography: expected a path inside files/ or pages/"),
    ],
)
def test_a_missing_or_misplaced_file_is_a_problem(write, make_app, path, expected):
    write({"pages/publications.md": PAGE.format(path=path)})
    found = problems_of(make_app)
    assert len(found) == 1 and found[0].startswith(expected), found


def test_unreadable_files_are_problems_not_hangs(write, make_app, site_root):
    write_site(write, "x", path="pages/refs.bib")
    (site_root / "pages/refs.bib").write_bytes(b"@misc{k, title={A}}\n\n@misc{j, title={\xff}}\n")
    assert problems_of(make_app) == ["pages/refs.bib:3: bibliography: not UTF-8 text (byte 37)"]
    (site_root / "pages/refs.bib").unlink()
    os.mkfifo(site_root / "pages/refs.bib")  # reading it would block forever
    message = "pages/publications.md:3: bibliography: pages/refs.bib: cannot be read: not a regular file"
    assert problems_of(make_app) == [message]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([*"@{}\"#=,% \nabc\\'`~$", "@article", "@string", "title", "and"])).map("".join))
def test_any_text_gives_entries_and_problems_never_an_exception(text):
    entries, problems = parse(text)
    assert all(isinstance(line, int) and line >= 1 and message for line, message in problems)
    for entry in entries:
        to_text(entry.fields.get("title", ""))
        names(entry.fields.get("author", ""))


def test_check_and_freeze_report_bib_problems_without_traceback(write, site_root, tmp_path):
    write_site(write, BIB + "\n@article{tester2016journal, title = {Again}}\n@misc{broken,\n  title = {x\n")
    expected = [
        "files/publications.bib:49: bibliography: tester2016journal: duplicate key (first used at line 18)",
        "files/publications.bib:50: bibliography: broken: malformed entry",
    ]
    for command in (["check"], ["freeze", "--out", str(tmp_path / "out")]):
        result = flask(site_root, *command)
        assert result.returncode == 1, result.stdout + result.stderr
        lines = result.stderr.splitlines()
        assert [line[: len(want)] for line, want in zip(lines, expected, strict=True)] == expected, lines
        assert "Traceback" not in result.stdout + result.stderr


def test_a_freeze_refuses_a_broken_bib_but_the_good_entries_still_render(write, make_app, tmp_path):
    write_site(write, BIB + "\n@misc{broken,\n  title = {x\n")
    with pytest.raises(ContentError, match="broken: malformed entry"):
        freeze_site(make_app(), tmp_path / "out")
    app = make_app()
    with app.test_request_context():
        keys = [item.key for item in bibliography.publications(current_site())]
    assert keys[:5] == ["tester2014grid", "tester2016journal", "tester-report", "tester-thesis", "tester-misc"]


# --- the page ------------------------------------------------------------------------


def test_entries_are_grouped_by_year_newest_first_undated_last(write, client):
    write_site(write)
    page = page_of(client)
    assert page.xpath("//div[@class='publication-list']/h2/text()") == ["2016", "2014", "Undated"]
    groups = page.xpath("//ol[@class='publications']")
    assert [group.xpath("li/@id") for group in groups] == [
        ["tester2016journal", "tester-thesis"],
        ["tester2014grid"],
        ["tester-report", "tester-misc", "a-report-with-no-bibtex"],
    ]


def test_one_undated_group_has_no_heading(write, client):
    write({"pages/publications.md": "---\ntitle: P\npublications:\n  - title: Only one\n---\n"})
    page = page_of(client)
    assert page.xpath("//li[@class='publication']/@id") == ["only-one"]
    assert page.xpath("//div[@class='publication-list']/h2") == []


def test_an_entry_shows_title_authors_venue_year_and_kind(write, client):
    write_site(write)
    entry = page_of(client).get_element_by_id("tester2014grid")
    assert entry.xpath("string(.//cite)") == "A GPU Event Processor: Faster & Smaller, 2–3 Times"
    authors = entry.xpath(".//p[@class='publication-authors']")[0]
    assert authors.text_content() == "Ada Tester, Jérôme Müller et al."
    assert authors.xpath("strong[@class='me']/text()") == ["Ada Tester"]
    venue = "Proceedings of the 8th ACM International Conference on Distributed Event-Based Systems (DEBS), 2014"
    assert entry.xpath("string(.//p[@class='meta'])") == f"{venue} (paper)"


@pytest.mark.parametrize(
    ("key", "meta"),
    [
        ("tester2016journal", "Journal of Tests, 2016 (paper)"), ("tester-report", "Test University (report)"),
        ("tester-thesis", "Test University, 2016 (thesis)"), ("tester-misc", "Invited talk"),
    ],
)  # fmt: skip
def test_the_venue_follows_the_entry_type(write, client, key, meta):
    write_site(write)
    assert page_of(client).get_element_by_id(key).xpath("string(.//p[@class='meta'])") == meta


def test_the_owner_is_emphasised_in_every_spelling(write, client):
    write_site(write)
    page = page_of(client)
    assert page.xpath("//strong[@class='me']/text()") == ["A. Tester", "Ada Tester", "Ada Tester", "Ada Tester",
                                                          "A. Tester"]  # fmt: skip
    assert "Bob Smith" not in page.xpath("//strong/text()")


def test_links_come_from_standard_fields_and_extras_and_empty_ones_are_not_shown(write, make_app):
    write_site(write)
    client = make_app().test_client()
    page = page_of(client)

    def links(key):
        return [(a.text, a.get("href")) for a in page.get_element_by_id(key).xpath(".//ul[@class='links']//a")]

    assert links("tester2014grid") == [
        ("DOI", "https://doi.org/10.1145/2611286.2611327"), ("Code", "https://github.com/ada/grid"),
        ("Poster", "https://example.org/poster.pdf"),
    ]  # fmt: skip
    assert links("tester2016journal") == [("PDF", "/papers/bib.pdf")]
    assert links("tester-thesis") == [("arXiv", "https://arxiv.org/abs/1234.56789")]
    assert links("tester-misc") == [("Slides", "https://example.org/slides")]
    assert links("a-report-with-no-bibtex") == [("Report", "https://example.org/r.pdf")]
    assert page.get_element_by_id("tester-report").xpath(".//ul") == []
    sub = page_of(make_app().test_client(), base_url="http://localhost/sub/")  # a site served below a path
    assert sub.get_element_by_id("tester2016journal").xpath(".//a/@href") == ["/sub/papers/bib.pdf"]


@pytest.mark.parametrize("written", ["10.1000/x(1)", "doi:10.1000/x(1)", "https://doi.org/10.1000/x(1)"])
def test_a_doi_is_linked_however_written(written):
    from flatfolio.bibtex import BibEntry

    entry = BibEntry("k", "article", 1, {"title": "T", "doi": written}, {"doi": 1})
    publication, problems = bibliography.from_entry(entry, None, "x.bib")
    assert problems == [] and publication.doi == "10.1000/x(1)"
    assert publication.links == {"DOI": "https://doi.org/10.1000/x(1)"}


def test_each_entry_has_its_bibtex_in_a_details_block(write, client):
    write_site(write)
    page = page_of(client)
    details = page.get_element_by_id("tester2014grid").xpath(".//details[@class='bibtex']")[0]
    assert details.xpath("string(summary)") == "BibTeX of A GPU Event Processor: Faster & Smaller, 2–3 Times"
    code = details.xpath("string(pre/code)")
    assert code.startswith('@inproceedings{tester2014grid,\n  author = {Tester, Ada and M{\\"u}ller')
    assert "booktitle = {Proceedings of the 8th ACM International Conference on Distributed" in code
    assert "doi = {10.1145/2611286.2611327}" in code and "biburl" in code  # as exported
    for site_only in ("code =", "poster =", "url = {}"):  # this site's link fields and empty ones
        assert site_only not in code
    entries, problems = parse(code)  # what a reader copies is valid BibTeX
    assert problems == [] and entries[0].fields["title"] == "A {GPU} Event Processor: Faster \\& Smaller, 2--3 Times"
    assert page.get_element_by_id("a-report-with-no-bibtex").xpath(".//details") == []


def test_each_entry_carries_scholarly_article_json_ld(write, client):
    write_site(write)
    page = page_of(client)
    data = json.loads(page.get_element_by_id("tester2014grid").xpath("string(script[@type='application/ld+json'])"))
    assert data["@context"] == "https://schema.org" and data["@type"] == "ScholarlyArticle"
    assert data["@id"] == "https://example.org/publications/#tester2014grid"
    assert data["headline"] == "A GPU Event Processor: Faster & Smaller, 2–3 Times"
    assert data["author"][0] == {"@type": "Person", "name": "Ada Tester", "url": "https://example.org/"}
    assert data["author"][1] == {"@type": "Person", "name": "Jérôme Müller"}
    assert data["datePublished"] == "2014" and data["isPartOf"]["name"].endswith("(DEBS)")
    assert data["identifier"] == {"@type": "PropertyValue", "propertyID": "DOI", "value": "10.1145/2611286.2611327"}
    assert data["url"] == "https://doi.org/10.1145/2611286.2611327"
    report = json.loads(page.get_element_by_id("tester-report").xpath("string(script)"))
    assert report["sourceOrganization"] == {"@type": "Organization", "name": "Test University"}
    journal = json.loads(page.get_element_by_id("tester2016journal").xpath("string(script)"))
    assert journal["sameAs"] == ["https://example.org/papers/bib.pdf"]  # absolute in data for other sites
    scripts = page.xpath("//script")
    assert scripts and all(script.get("type") == "application/ld+json" for script in scripts)  # no JavaScript


def test_the_bib_in_files_is_published_and_linked_one_in_pages_is_not(write, make_app, site_root):
    write_site(write)
    client = make_app().test_client()
    assert page_of(client).xpath("//p[@class='bibtex-download']/a/@href") == ["/publications.bib"]
    response = client.get("/publications.bib")
    assert response.status_code == 200 and response.mimetype == "text/x-bibtex"
    assert response.get_data(as_text=True) == BIB
    os.rename(site_root / "files/publications.bib", site_root / "pages/publications.bib")
    write({"pages/publications.md": PAGE.format(path="pages/publications.bib")})
    client = make_app().test_client()
    assert page_of(client).xpath("//p[@class='bibtex-download']") == []
    assert page_of(client).xpath("//li/@id")[0] == "tester2016journal"
    assert client.get("/publications.bib").status_code == 404


def test_publications_gives_both_sources_as_plain_data(write, make_app):
    write_site(write)
    app = make_app()
    with app.test_request_context():
        found = bibliography.publications(current_site())
    first, last = found[0], found[-1]
    assert (first.title, first.venue.endswith("(DEBS)"), first.year, first.kind) == (
        "A GPU Event Processor: Faster & Smaller, 2–3 Times", True, 2014, "paper")  # fmt: skip
    assert [(a.name, a.owner) for a in first.authors] == [("Ada Tester", True), ("Jérôme Müller", False)]
    assert first.et_al and first.links["DOI"].startswith("https://doi.org/")
    assert (last.title, last.kind, last.links, last.bibtex) == (
        "A report with no BibTeX", "report", {"Report": "https://example.org/r.pdf"}, "")  # fmt: skip


def test_yaml_entries_take_a_year(write, make_app):
    write({"pages/publications.md": "---\ntitle: P\npublications:\n  - title: X\n    year: twenty\n---\n"})
    assert "pages/publications.md:3: publications: entry 1 ('X'): expected a year like 2014, got 'twenty'" in (
        problems_of(make_app)
    )


# --- properties ----------------------------------------------------------------------

_WORD = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll")), min_size=2, max_size=10)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=_WORD, last=_WORD)
def test_any_owner_name_matches_its_usual_spellings(first, last):
    owner = names(f"{first} {last}")[0][0]
    if len(owner.first) != 1 or to_text(last) != last:
        return  # a lower-case "first" reads as a von part, as BibTeX reads it
    for written in (f"{last}, {first}", f"{first[0]}. {last}", f"{first} {last}", f"{last}, {first[0]}."):
        assert names(written)[0][0].same_as(owner), written


_TITLE = st.text(alphabet=st.characters(blacklist_characters="{}\\%$#&~_^\"'`-", blacklist_categories=("Cc", "Cs")),
                 min_size=1, max_size=40).filter(str.strip)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(title=_TITLE, year=st.integers(1900, 2100) | st.none())
def test_the_copyable_bibtex_parses_back_to_the_same_entry(title, year):
    text = "@article{k, title = {" + title + "}" + (f", year = {year}" if year else "") + ", code = {}}"
    entries, problems = parse(text)
    assert problems == []
    again, problems = parse(source(entries[0], {"code"}))
    assert problems == [] and again[0].fields == {name: v for name, v in entries[0].fields.items() if name != "code"}
    assert to_text(again[0].fields["title"]) == " ".join(title.split())


# --- freezing ------------------------------------------------------------------------


def test_a_bib_edit_remakes_the_publications_page_and_equals_a_fresh_build(write, site_root, tmp_path, made_urls):
    write_site(write)
    write({"files/papers/bib.pdf": "PDF"})
    out = tmp_path / "out"
    rebuild(site_root, out)
    rebuild(site_root, out)
    made_urls.clear()
    path = site_root / "files/publications.bib"
    path.write_text(path.read_text().replace("A Technical Report", "A Renamed Report"))
    rebuild(site_root, out)
    assert sorted(made_urls) == ["/cv.pdf", "/publications.bib", "/publications/"]  # the CV lists them too
    assert "A Renamed Report" in (out / "publications/index.html").read_text()
    assert read_tree(out) == fresh_build(site_root, tmp_path / "fresh")


def test_the_dev_server_shows_a_bib_edit_on_the_next_request(write, site_root, make_app):
    write_site(write, path="pages/refs.bib")
    client = make_app().test_client()
    assert "A Technical Report" in client.get("/publications/").get_data(as_text=True)
    path = site_root / "pages/refs.bib"
    path.write_text(path.read_text().replace("A Technical Report", "A Renamed Report"))
    assert "A Renamed Report" in client.get("/publications/").get_data(as_text=True)


def test_the_shipped_site_lists_the_profile_publications():
    from app import PROJECT_ROOT, create_app

    client = create_app({"SITE_ROOT": str(PROJECT_ROOT), "TESTING": True}).test_client()
    page = page_of(client)
    titles = page.xpath("//li[@class='publication']//cite/text()")
    assert "Raft Consensus Algorithm for Data Center Network" in titles
    assert "Paper related to the Bell Labs container-consolidation simulation" in titles  # kept in YAML
    assert page.xpath("//div[@class='publication-list']/h2/text()") == ["2014", "Undated"]
    assert set(page.xpath("//strong[@class='me']/text()")) == {"Aman Mangal"}
    assert page.xpath("//li[@class='publication']//ul[@class='links']") == []  # every link is still empty
    assert not re.search(r"doi|journal|booktitle", (PROJECT_ROOT / "files/publications.bib").read_text())


def test_the_debug_server_lists_bib_problems_like_any_content_error(write, make_app, site_root):
    write_site(write, BIB + "\n@misc{broken,\n  title = {x\n")
    client = make_app(DEBUG=True).test_client()
    response = client.get("/publications/")
    assert response.status_code == 500
    assert "files/publications.bib:49: bibliography: broken: malformed entry" in response.get_data(as_text=True)
    (site_root / "files/publications.bib").write_text(BIB)  # fixed: the page is back, as the watcher sees it
    assert client.get("/publications/").status_code == 200
