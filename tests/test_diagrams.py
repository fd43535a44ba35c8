"""Diagrams: ```mermaid and ```dot fences become inline SVG at build time, themed by classes, cached, checked."""

import re
import subprocess
import sys

import feedparser
import lxml.html
import pytest
from conftest import nu_check
from test_cli import flask

from app import PROJECT_ROOT
from flatfolio import diagrams
from flatfolio.build.freeze import freeze_site
from flatfolio.cache import diagram_store
from flatfolio.render import diagram_problems, render_markdown

POST = "posts/2024-05-01-diagrams.md"
FRONT = "---\ntitle: Diagrams\ndate: 2024-05-01\n---\n"  # the body starts on line 5
FLOWCHART = "flowchart TD\n  Request --> Cached{In the cache?}\n  Cached -->|yes| Serve[Serve the HTML]\n"
SEQUENCE = "sequenceDiagram\n  Leader->>Follower: AppendEntries\n  Follower-->>Leader: success\n"
DOT = 'digraph raft {\n  Follower -> Candidate [label="election timeout"];\n  Candidate -> Leader;\n}\n'
BROKEN_MERMAID = "flowchart LR\n  A --> B\n  B[[[ -->\n"


def fence(kind: str, source: str) -> str:
    return f"```{kind}\n{source}```\n"


def figures(html: str) -> list:
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    return root.findall(".//figure")


def texts(figure) -> list[str]:
    return [" ".join("".join(text.itertext()).split()) for text in figure.iter("text")]


@pytest.fixture(autouse=True)
def fresh_layouts():
    """Each test lays out its diagrams itself: nothing is remembered from another test."""
    diagrams._diagram.cache_clear()
    yield
    diagrams._diagram.cache_clear()


def test_a_mermaid_flowchart_becomes_an_inline_svg_with_its_labels():
    (figure,) = figures(render_markdown("Before.\n\n" + fence("mermaid", FLOWCHART)))
    assert figure.get("class") == "diagram diagram-mermaid"
    svg = figure.find("svg")
    assert svg.get("role") == "img" and svg.get("viewbox")  # lxml.html lower-cases attribute names
    assert svg.find("title").text == FLOWCHART.strip()  # the source is the text alternative
    assert sorted(texts(figure)) == ["In the cache?", "Request", "Serve the HTML", "yes"]
    assert figure.find("details/summary").text == "Diagram source"
    assert figure.find("details/pre/code").text == FLOWCHART


def test_a_mermaid_sequence_diagram_becomes_svg_with_participants_and_messages():
    (figure,) = figures(render_markdown(fence("mermaid", SEQUENCE)))
    assert {"Leader", "Follower", "AppendEntries", "success"} == set(texts(figure))
    assert any(element.get("stroke-dasharray") for element in figure.iter("path"))  # the dashed reply


def test_a_dot_graph_becomes_svg_with_its_nodes_and_edge_labels():
    (figure,) = figures(render_markdown(fence("dot", DOT)))
    assert figure.get("class") == "diagram diagram-dot"
    assert sorted(texts(figure)) == ["Candidate", "Follower", "Leader", "election timeout"]
    assert {text.get("font-family") for text in figure.iter("text")} == {"Helvetica,sans-Serif"}


@pytest.mark.parametrize(("kind", "source"), [("mermaid", FLOWCHART), ("mermaid", SEQUENCE), ("dot", DOT)])
def test_colours_are_scheme_classes_over_currentcolor_and_never_styles(kind, source):
    html = render_markdown(fence(kind, source))
    assert "style" not in html and "<script" not in html and "href" not in html
    (figure,) = figures(html)
    paints = {element.get(name) for element in figure.iter() for name in ("fill", "stroke") if element.get(name)}
    assert paints <= {"none", "currentColor"}  # readable with no stylesheet (a feed reader)
    classes = {name for element in figure.find("svg").iter() for name in (element.get("class") or "").split()}
    assert {"d-stroke-line", "d-fill-line"} <= classes
    stylesheet = (PROJECT_ROOT / "static" / "style.css").read_text()
    assert all(f".diagram .{name}" in stylesheet or f".{name} {{" in stylesheet or f".{name}," in stylesheet
               for name in classes)  # fmt: skip
    # Each class takes a custom property that the dark scheme redefines.
    dark = stylesheet[stylesheet.index("@media (prefers-color-scheme: dark)") :]
    for name in classes:
        prop = re.search(rf"\.{name}[ ,][^{{]*\{{ *(?:fill|stroke): var\((--[\w-]+)\)", stylesheet).group(1)
        assert f"{prop}:" in dark, name


def test_the_stylesheet_colours_every_role_a_diagram_can_use():
    stylesheet = (PROJECT_ROOT / "static" / "style.css").read_text()
    missing = [f"d-{prop}-{role}" for prop in ("fill", "stroke") for role in diagrams.ROLES
               if not re.search(rf"\.d-{prop}-{role}[ ,{{]", stylesheet)]  # fmt: skip
    assert missing == []


def test_the_same_source_gives_the_same_bytes_in_another_process():
    text = fence("mermaid", FLOWCHART) + "\n" + fence("mermaid", SEQUENCE) + "\n" + fence("dot", DOT)
    program = "import sys; from flatfolio.render import render_markdown as r; sys.stdout.write(r(sys.stdin.read()))"
    runs = [
        subprocess.run([sys.executable, "-c", program], input=text, capture_output=True, text=True,
                       cwd=PROJECT_ROOT, check=True, timeout=120).stdout
        for _ in range(2)
    ]  # fmt: skip
    assert runs[0] == runs[1] == render_markdown(text)
    assert runs[0].count("<svg") == 3


def test_hostile_svg_is_rebuilt_from_the_allowlist_with_prefixed_ids():
    svg = """<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 9 9"
      onload="alert(1)" style="background:red"><style>text{fill:red}</style><script>alert(2)</script>
      <defs><marker id="arrow"><path d="M0,0L1,1" fill="#000000"/></marker></defs>
      <a xlink:href="javascript:alert(3)"><text x="1" y="2" fill="red" onclick="x()">A &amp; B<tspan>c</tspan>
      </text></a>
      <path d="M0,0" marker-end="url(#arrow)" stroke="url(https://evil.example/x)" style="stroke-width:3;fill:#fff"/>
      <use href="https://evil.example/sprite.svg#x"/><use xlink:href="#arrow"/>
      <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">html</div></foreignObject>
      <image href="file:///etc/passwd"/></svg>"""
    out = diagrams.sanitize(svg, {"#000000": "line", "#fff": "bg"}, "dabc", "A & B")
    for banned in ("style", "script", "onload", "onclick", "javascript", "evil", "foreignObject", "image", "html<",
                   "passwd", "red"):  # fmt: skip
        assert banned not in out, banned
    assert '<title>A &amp; B</title>' in out
    assert '<text fill="currentColor" x="1" y="2" class="d-fill-fg">A &amp; B<tspan>c</tspan>' in out
    assert '<marker id="dabc-1">' in out and 'marker-end="url(#dabc-1)"' in out and '<use href="#dabc-1">' in out
    # The style's fill and width became attributes; the outside URL in `stroke` is just an unknown colour.
    assert '<path d="M0,0" fill="none" marker-end="url(#dabc-1)" stroke="currentColor" stroke-width="3" ' \
           'class="d-fill-bg d-stroke-line"></path>' in out
    assert "<use></use>" in out  # the outside reference is gone


def test_two_copies_of_a_diagram_with_ids_get_distinct_ids_on_one_page(monkeypatch):
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><marker id="m"/><path d="M0,0" marker-end="url(#m)"/></svg>'
    monkeypatch.setattr(diagrams, "_mermaid", lambda source: (svg, {}))
    html = render_markdown(fence("mermaid", "graph\n") + "\n" + fence("mermaid", "graph\n"))
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == 2 and len(set(ids)) == 2
    assert [f"url(#{name})" in html for name in ids] == [True, True]


def test_a_diagram_is_laid_out_once_even_when_the_rest_of_the_post_changes(tmp_path, monkeypatch):
    calls = []
    layout = diagrams._mermaid
    monkeypatch.setattr(diagrams, "_mermaid", lambda source: calls.append(source) or layout(source))
    store = diagram_store(tmp_path / ".cache")
    first = render_markdown("One.\n\n" + fence("mermaid", FLOWCHART), "", store)
    assert calls == [FLOWCHART]
    diagrams._diagram.cache_clear()  # as in the next build: a new process
    second = render_markdown("Two, edited.\n\n" + fence("mermaid", FLOWCHART), "", store)
    assert diagram_problems("Three.\n\n" + fence("mermaid", FLOWCHART), store) == []
    assert calls == [FLOWCHART]  # the edit and the check both found the stored layout
    assert first.split("</p>")[1] == second.split("</p>")[1]
    assert len(list((tmp_path / ".cache" / "diagrams").glob("*/*"))) == 1


def test_a_broken_diagram_shows_its_source_and_is_reported_at_its_line():
    text = "Intro.\n\n" + fence("mermaid", BROKEN_MERMAID) + "\n" + fence("dot", "digraph { a -> }\n")
    html = render_markdown(text)
    assert "<svg" not in html and "<figure" not in html
    assert "<code>flowchart LR\n  A --&gt; B\n  B[[[ --&gt;\n</code>" in html  # the page shows the source
    assert "digraph" in html
    problems = diagram_problems(text)
    assert [line for line, _ in problems] == [5, 9]  # the bad line itself: `B[[[ -->`, `digraph { a -> }`
    assert problems[0][1].startswith("mermaid: syntax at 3:6: Parse error on line 3: Expecting ")
    assert problems[1][1] == "dot: syntax error in line 1 near '}'"


def test_check_and_freeze_report_a_broken_diagram_as_path_line(site_root, write, tmp_path):
    write({POST: FRONT + "Fine:\n\n" + fence("dot", DOT) + "\nBroken:\n\n" + fence("mermaid", BROKEN_MERMAID)})
    line = 19  # `B[[[ -->`: front matter 4, text 2, dot fence 6, blank 1, text 2, its fence 1, then line 3
    result = flask(site_root, "check")
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert re.search(rf"^{re.escape(POST)}:{line}: diagram: mermaid: syntax at 3:6: ", output, re.M), output
    assert "Traceback" not in output
    out = tmp_path / "out"
    result = flask(site_root, "freeze", "--out", str(out))
    assert result.returncode == 1 and f"{POST}:{line}: diagram: mermaid:" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr and not out.exists()


def test_a_missing_renderer_is_a_problem_not_a_traceback(monkeypatch):
    monkeypatch.setattr(diagrams, "_graphviz_program", lambda: None)
    assert diagram_problems(fence("dot", DOT)) == [
        (0, "dot: graphviz-pure is not installed (pip install -r requirements.txt)")
    ]


@pytest.fixture
def diagram_build(make_app, write, tmp_path):
    write({POST: FRONT + "A flowchart:\n\n" + fence("mermaid", FLOWCHART) + "\nA sequence:\n\n"
                         + fence("mermaid", SEQUENCE) + "\nA graph:\n\n" + fence("dot", DOT)})  # fmt: skip
    out = tmp_path / "out"
    freeze_site(make_app(), out)
    return out


def test_a_built_page_has_three_figures_no_style_and_no_script(diagram_build):
    page = (diagram_build / "blog" / "diagrams" / "index.html").read_text()
    assert page.count("<svg") == 3 and page.count('<figure class="diagram') == 3
    assert "style=" not in page and "<style" not in page
    assert page.count("<script") == page.count('<script type="application/ld+json">')


def test_the_atom_feed_carries_the_diagrams(diagram_build):
    parsed = feedparser.parse((diagram_build / "feed.xml").read_bytes())
    assert parsed.bozo == 0
    entry = next(entry for entry in parsed.entries if entry.title == "Diagrams")
    assert entry.content[0].value.count("<svg") == 3
    assert "viewBox=" in entry.content[0].value  # the SVG's case-sensitive attributes survive


def test_the_nu_checker_accepts_a_page_with_diagrams(diagram_build):
    messages, status = nu_check([diagram_build / "blog" / "diagrams" / "index.html"], "--errors-only")
    assert messages == [], messages
    assert status == 0


def test_a_parallel_prerender_gives_the_serial_bytes_and_one_entry_a_diagram(make_app, write, tmp_path, monkeypatch):
    from flatfolio.build import freeze, prerender

    posts = {f"posts/2024-05-{day:02d}-d{day}.md": f"---\ntitle: D{day}\ndate: 2024-05-{day:02d}\n---\n"
             + fence("dot", f"digraph {{ a{day} -> b{day} }}\n") for day in range(1, 21)}  # fmt: skip
    write(posts)
    monkeypatch.setattr(prerender, "cpu_count", lambda: 2)  # two workers even on a one-core machine
    rendered = []
    monkeypatch.setattr(freeze, "prerender", lambda *args: rendered.append(prerender.prerender(*args)))
    out = tmp_path / "out"
    freeze_site(make_app(), out)
    assert rendered[0] >= 20  # the posts were rendered by the workers, from the diagrams the check stored
    page = (out / "blog" / "d7" / "index.html").read_text()
    assert render_markdown(fence("dot", "digraph { a7 -> b7 }\n")).strip() in page
    stored = list((make_app().extensions["flatfolio"].site_root / ".cache" / "diagrams").glob("*/*"))
    assert len(stored) == 20
