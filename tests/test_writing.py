"""Writing tools: code blocks with a title, marked lines and line numbers; GitHub's callouts."""

import lxml.html
import pytest

from flatfolio.render import code_problems, render_markdown

POST = "posts/2024-05-01-code.md"
FRONT = "---\ntitle: Code\ndate: 2024-05-01\n---\n"  # the body starts on line 5
CODE = "class Cache:\n    size = 1\n\n    def get(self):\n        return None\n    # end\n"


def fragment(html: str):
    return lxml.html.fragment_fromstring(html, create_parent="div")


def fence(info: str, code: str = CODE) -> str:
    return f"```{info}\n{code}```\n"


def test_title_marked_lines_and_numbers_make_a_figure():
    root = fragment(render_markdown(fence('python title="cache.py" hl_lines="2 4-5" linenums="10"')))
    (figure,) = root
    assert figure.tag == "figure" and figure.get("class") == "code-block"
    caption, pre = figure
    assert (caption.tag, caption.get("class"), caption.text) == ("figcaption", "code-title", "cache.py")
    assert (pre.tag, pre.get("class"), pre.get("data-lang")) == ("pre", "code highlight", "python")
    assert pre.get("tabindex") == "0"
    assert pre.find("code").get("class") == "language-python"
    numbers = pre.findall(".//span[@class='ln']")
    assert [span.text for span in numbers] == ["10", "11", "12", "13", "14", "15"]
    assert all(span.get("aria-hidden") == "true" for span in numbers)
    marks = pre.findall("code/mark")
    assert [mark.get("class") for mark in marks] == ["hl"] * 3
    assert [mark.find("span[@class='ln']").text for mark in marks] == ["11", "13", "14"]
    texts = ["11    size = 1", "13    def get(self):", "14        return None"]
    assert [mark.text_content() for mark in marks] == texts
    # Without the numbers, the block's text is the code as written.
    for span in numbers:
        span.drop_tree()
    assert pre.text_content() == CODE


def test_numbers_are_padded_to_one_width_and_start_at_linenums():
    root = fragment(render_markdown(fence('python linenums="8"')))
    (pre,) = root  # no title: no figure
    assert pre.tag == "pre"
    assert [span.text for span in pre.findall(".//span[@class='ln']")] == [" 8", " 9", "10", "11", "12", "13"]
    assert pre.find(".//mark") is None


def test_marked_lines_alone_and_an_unknown_language():
    root = fragment(render_markdown(fence('nosuchlanguage hl_lines="1"', "a <b>\nc\n")))
    (pre,) = root
    assert (pre.get("class"), pre.get("data-lang")) == ("code", None)
    (mark,) = pre.findall("code/mark")
    assert mark.text == "a <b>" and pre.find(".//span") is None
    assert pre.text_content() == "a <b>\nc\n"


@pytest.mark.parametrize(
    "info",
    [
        "python title='cache.py'",
        "python title=cache.py",
        'python   title="cache.py"   colour="red" hl_lines=""',
        'python {.big} title="cache.py" data-x=1',
    ],
)
def test_quoted_and_bare_values_and_unknown_attributes_are_ignored(info):
    (figure,) = fragment(render_markdown(fence(info)))
    assert figure[0].text == "cache.py"
    assert "colour" not in render_markdown(fence(info)) and "data-x" not in render_markdown(fence(info))
    assert figure.find(".//mark") is None and figure.find(".//span[@class='ln']") is None


def test_a_title_with_spaces_and_markup_is_escaped():
    html = render_markdown(fence('python title="my <cache>.py" linenums="1"'))
    assert '<figcaption class="code-title">my &lt;cache&gt;.py</figcaption>' in html


def test_a_title_without_a_language():
    (figure,) = fragment(render_markdown(fence('title="notes.txt"', "plain\n")))
    assert figure[0].text == "notes.txt"
    assert figure[1].get("class") == "code" and figure[1].text_content() == "plain\n"


@pytest.mark.parametrize("info", ["python", "", "nosuchlanguage", "python foo=bar", "console"])
def test_blocks_without_attributes_render_as_before(info):
    from flatfolio.render import make_markdown

    plain = make_markdown()
    plain.add_render_rule("fence", type(plain.renderer).fence.__get__(plain.renderer))
    text = fence(info)
    assert render_markdown(text) == plain.render(text, {"base_path": ""})
    assert "<figure" not in render_markdown(text) and "mark" not in render_markdown(text)


def test_plain_python_block_is_byte_identical_to_the_highlighter():
    assert render_markdown(fence("python", "x = 1\n")) == (
        '<pre class="code highlight" data-lang="python" tabindex="0"><code class="language-python">'
        '<span class="n">x</span> <span class="o">=</span> <span class="mi">1</span>\n</code></pre>\n'
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("x", 'hl_lines item "x" is not a line number or a range like 4-6'),
        ("5-2", 'hl_lines item "5-2": the range ends before it starts'),
        ("0", 'hl_lines item "0": lines are numbered from 1'),
        ("7", 'hl_lines item "7" is past the end of the block (6 lines)'),
        ("2 4-9", 'hl_lines item "4-9" is past the end of the block (6 lines)'),
    ],
)
def test_a_bad_hl_lines_is_a_problem_at_the_fence_and_marks_the_rest(value, message):
    text = "Intro.\n\n" + fence(f'python hl_lines="{value}"')
    assert code_problems(text) == [(2, message)]
    html = render_markdown(text)  # never raises
    assert html.count("<mark") == (1 if value == "2 4-9" else 0)


def test_a_bad_linenums_is_a_problem_and_the_block_has_no_numbers():
    text = fence('python linenums="ten"')
    assert code_problems(text) == [(0, 'linenums "ten" is not a line number (1 or more)')]
    assert 'class="ln"' not in render_markdown(text)


def test_good_attributes_and_fences_in_containers_are_checked():
    assert code_problems(fence('python hl_lines="1-6" linenums="1"')) == []
    nested = "- item\n\n  > " + fence('py hl_lines="3"', "a\n").replace("\n", "\n  > ")
    assert code_problems(nested) == [(2, 'hl_lines item "3" is past the end of the block (1 lines)')]


@pytest.mark.parametrize("command", ["check", "freeze"])
def test_check_and_freeze_report_a_bad_hl_lines_as_path_line_code(make_app, write, tmp_path, command):
    write({POST: FRONT + "Fine.\n\n" + fence('python hl_lines="2 5-2"')})
    out = tmp_path / "out"
    args = ["check"] if command == "check" else ["freeze", "--out", str(out)]
    result = make_app().test_cli_runner().invoke(args=args)
    assert result.exit_code == 1
    assert f'{POST}:7: code: hl_lines item "5-2": the range ends before it starts' in result.output
    assert not out.exists()


KINDS = ["note", "tip", "important", "warning", "caution"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("written", [str.upper, str.lower, str.title])
def test_every_callout_kind_in_any_case(kind, written):
    root = fragment(render_markdown(f"> [!{written(kind)}]\n> Mind the *gap*.\n> Twice.\n"))
    (callout,) = root
    assert (callout.tag, dict(callout.attrib)) == ("div", {"class": f"callout callout-{kind}", "role": "note"})
    title, body = callout
    assert (title.tag, title.get("class"), title.text) == ("p", "callout-title", kind.title())
    assert (body.tag, body.attrib, body.text_content()) == ("p", {}, "Mind the gap.\nTwice.")
    assert body.find("em").text == "gap"


def test_a_callout_keeps_every_block_inside_it():
    root = fragment(render_markdown("> [!WARNING]\n>\n> First.\n>\n> - a\n> - b\n>\n> ```\n> code\n> ```\n\nAfter.\n"))
    callout, after = root
    assert [child.tag for child in callout] == ["p", "p", "ul", "pre"]
    assert callout[0].text == "Warning" and callout[1].text == "First."
    assert (after.tag, after.text) == ("p", "After.")


def test_a_callout_in_a_list_and_a_quote_in_a_callout():
    root = fragment(render_markdown("- > [!TIP]\n  > Outer\n  >\n  > > [!NOTE]\n  > > Inner\n"))
    outer = root.find("ul/li/div")
    assert outer.get("class") == "callout callout-tip"
    inner = outer.find("div")
    assert inner.get("class") == "callout callout-note" and inner[1].text == "Inner"


@pytest.mark.parametrize(
    "markdown",
    [
        "> [!FOO]\n> text\n",  # an unknown kind
        "> [!NOTE] with a title\n> text\n",  # GitHub takes the marker alone on its line
        "> Text\n> [!NOTE]\n",  # not on the first line
        "[!NOTE]\n",  # not a quote
        "> [NOTE]\n> text\n",
    ],
)
def test_anything_else_stays_as_written(markdown):
    html = render_markdown(markdown)
    assert "callout" not in html
    assert "[!" in html or "[NOTE]" in html


def test_callouts_feed_no_summary_and_no_style():
    html = render_markdown("> [!NOTE]\n> Read this.\n\nThe first paragraph.\n")
    from flatfolio.render import first_paragraph_text

    assert first_paragraph_text(html) == "Read this."
    assert "style=" not in html


def test_the_shipped_sample_post_uses_every_feature():
    from app import PROJECT_ROOT

    text = (PROJECT_ROOT / "posts" / "2026-12-01-writing-tools-math-code-callouts.md").read_text()
    root = fragment(render_markdown(text.split("---\n", 2)[2]))
    kinds = [callout.get("class") for callout in root.iterfind(".//div[@role='note']")]
    assert kinds == [f"callout callout-{kind}" for kind in KINDS]
    assert [math.get("display") for math in root.iter("math")].count("block") == 1
    assert root.find(".//figure/figcaption").text == "cache.py"
    assert root.find(".//figure//mark") is not None and root.find(".//figure//span[@class='ln']") is not None
