"""Math: LaTeX between `$`, `$$`, `\\(`, `\\[` becomes MathML at build time; prose dollars and code stay as written."""


import feedparser
import lxml.html
import pytest
from conftest import nu_check
from hypothesis import given, settings
from hypothesis import strategies as st

from flatfolio.build.freeze import freeze_site
from flatfolio.render import math_problems, render_markdown

POST = "posts/2024-05-01-maths.md"
FRONT = "---\ntitle: Maths\ndate: 2024-05-01\n---\n"  # the body starts on line 5


def fragment(html: str):
    return lxml.html.fragment_fromstring(html, create_parent="div")


def shape(element) -> list:
    """An element's tag, attributes, text and children, for exact comparisons."""
    return [element.tag, dict(element.attrib), (element.text or "").strip(), [shape(child) for child in element]]


def test_inline_dollar_math_becomes_mathml_in_its_paragraph():
    root = fragment(render_markdown("Energy $E=mc^2$ here."))
    (paragraph,) = root
    assert paragraph.text == "Energy " and paragraph[0].tail == " here."
    assert shape(paragraph[0]) == ["math", {"display": "inline"}, "", [["mrow", {}, "", [
        ["mi", {}, "E", []], ["mo", {}, "=", []],
        ["mi", {}, "m", []], ["msup", {}, "", [["mi", {}, "c", []], ["mn", {}, "2", []]]],
    ]]]]  # fmt: skip


def test_display_math_is_a_block_math_element_not_a_paragraph():
    root = fragment(render_markdown("$$\n\\frac{a}{b}\n$$\n\nafter"))
    assert [child.tag for child in root] == ["math", "p"]
    assert shape(root[0]) == ["math", {"display": "block"}, "", [["mrow", {}, "", [["mfrac", {}, "", [
        ["mrow", {}, "", [["mi", {}, "a", []]]], ["mrow", {}, "", [["mi", {}, "b", []]]],
    ]]]]]]  # fmt: skip


@pytest.mark.parametrize(
    ("markdown", "found"),
    [
        ("a \\(x\\) b", [("inline", "x")]),
        ("\\[x\\]", [("block", "x")]),
        ("\\[\nx\n\\]", [("block", "x")]),
        ("text \\[x\\] text", [("block", "x")]),
        ("text $$x$$ text", [("block", "x")]),
        ("$a$ and $b$", [("inline", "a"), ("inline", "b")]),
        ("- item $a$\n  > quoted $$b$$", [("inline", "a"), ("block", "b")]),
    ],
)
def test_every_delimiter_mathjax_posts_use(markdown, found):
    maths = fragment(render_markdown(markdown)).findall(".//math")
    assert [(math.get("display"), math.findtext(".//mi")) for math in maths] == found


@pytest.mark.parametrize(
    "markdown",
    [
        "It costs $5 and $10.",
        "Between $5 and $6 a day, or $ 7 $ at most.",
        "A price: $3.50, then $x $ stays too.",
        "Escaped \\$x\\$ dollars.",
        "`$x$` in code",
        "```\n$$x$$\n```",
        "    $$x$$",
        "```tex\n\\(x\\) \\[y\\]\n```",
        "Just `\\(x\\)` in code.",
    ],
)
def test_prose_dollars_and_code_are_never_math(markdown):
    html = render_markdown(markdown)
    assert "<math" not in html
    assert math_problems(markdown) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from([" ", ", ", " and ", " or "])), max_size=8),
       st.sampled_from(["", "Costs ", "From "]))  # fmt: skip
def test_amounts_of_money_in_prose_stay_prose(amounts, lead):
    text = lead + "".join(f"${amount}{joiner}" for amount, joiner in amounts) + "in total."
    html = render_markdown(text)
    assert "<math" not in html
    assert fragment(html).text_content().strip() == text


def test_mathml_carries_no_style_script_or_link_and_escapes_text():
    html = render_markdown(
        "$\\text{<script>alert(1)</script>}$ $\\href{javascript:alert(1)}{x}$ $\\fcolorbox{red}{blue}{x}$ "
        "$\\color{red}{y}$ $\\mathbf{v}$ $\\textbf{bold}$"
    )
    assert "<script" not in html and "style=" not in html and "href" not in html and "border-color" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'mathcolor="red"' in html


def test_a_latex_error_is_shown_as_source_and_reported_at_its_line():
    text = "Intro.\n\nFirst line\nthen $\\frac{a$ and $x^$.\n\n$$\n\\begin{matrix} a\n$$\n\n$\\nosuchcommand$\n"
    html = render_markdown(text)  # never raises: the page shows the LaTeX as written
    assert '<code class="math-error">\\frac{a</code>' in html
    assert math_problems(text) == [
        (3, "a '{' is never closed in $\\frac{a$"),
        (3, "^ or _ has nothing after it in $x^$"),
        (5, "a \\begin has no \\end in $$\\begin{matrix} a$$"),
        (9, "unknown command \\nosuchcommand in $\\nosuchcommand$"),
    ]


def test_check_and_freeze_report_a_latex_error_as_path_line_and_build_nothing(make_app, write, tmp_path):
    write({POST: FRONT + "Fine $x$.\n\nBroken\n$\\sqrt$ here.\n"})
    app = make_app()
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 1
    assert f"{POST}:8: math: a command is missing its argument in $\\sqrt$" in result.output.splitlines()

    out = tmp_path / "out"
    result = app.test_cli_runner().invoke(args=["freeze", "--out", str(out)])
    assert result.exit_code == 1
    assert f"{POST}:8: math: a command is missing its argument in $\\sqrt$" in result.output
    assert not out.exists()


@pytest.fixture
def math_build(make_app, write, tmp_path):
    write({POST: FRONT + "Inline $a^2+b^2=c^2$ and money: $5 and $10.\n\n$$\n\\sum_{i=1}^{n} i\n$$\n\n"
                         "See [the first post](/blog/first-post/) and \\(\\sqrt{x}\\).\n"})  # fmt: skip
    out = tmp_path / "out"
    freeze_site(make_app(), out)
    return out


def test_the_atom_feed_carries_the_mathml(math_build):
    parsed = feedparser.parse((math_build / "feed.xml").read_bytes())
    assert parsed.bozo == 0
    entry = next(entry for entry in parsed.entries if entry.title == "Maths")
    root = fragment(entry.content[0].value)
    assert [math.get("display") for math in root.iter("math")] == ["inline", "block", "inline"]
    assert root.find(".//math//msqrt") is not None and root.find(".//math//munderover") is not None
    assert 'href="https://example.org/blog/first-post/"' in entry.content[0].value  # links still made absolute
    assert "$5 and $10." in entry.content[0].value


def test_no_inline_style_in_a_built_page_with_math(math_build):
    page = (math_build / "blog" / "maths" / "index.html").read_text()
    assert page.count("<math") == 3
    assert "style=" not in page
    assert page.count("<script") == page.count('<script type="application/ld+json">')  # data, never code


def test_the_nu_checker_accepts_a_page_with_math(math_build):
    messages, status = nu_check([math_build / "blog" / "maths" / "index.html"], "--errors-only")
    assert messages == [], messages
    assert status == 0


def test_many_unclosed_openers_stay_linear():
    # Each opener with no closer must not rescan the rest of the paragraph.
    for opener in ("\\(", "\\[", "$"):
        text = (opener + "x ") * 50_000
        html = render_markdown(text)
        assert "<math" not in html
