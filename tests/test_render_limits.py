"""Inputs at the renderer's limits: nesting markdown-it would drop, and sizes that must stay near-linear."""

import pytest

from flatfolio.content.sources import parse_source
from flatfolio.render import nesting_overflow, reading_minutes, render_markdown, table_of_contents

TOO_DEEP = "markdown: lists or quotes nested too deeply (over 9 lists or 19 quotes); the rest of the file would be lost"


def footnote_chain(depth: int) -> str:
    return "".join(f"[^{level}]: " for level in range(depth)) + "deep\n\nAfter the footnotes.\n"


@pytest.mark.parametrize(("depth", "line"), [(19, None), (20, 0), (300, 0)])
def test_nested_footnote_definitions_past_the_limit_are_found(depth, line):
    assert nesting_overflow("Intro.\n\n" + footnote_chain(depth)) == (None if line is None else 2)


def test_nested_footnotes_are_reported_at_their_line(make_app, write):
    write({"posts/2024-05-01-notes.md": "---\ntitle: Notes\ndate: 2024-05-01\n---\nIntro.\n\n" + footnote_chain(300)})
    result = make_app().test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 1
    assert f"posts/2024-05-01-notes.md:7: {TOO_DEEP}" in result.output.splitlines()


def test_identical_headings_get_numbered_ids():
    html = render_markdown("## Same\n\n## Same 1\n\n" + "## Same\n\n" * 500)
    ids = [anchor for _, anchor, _ in table_of_contents(html)]
    assert ids == ["same", "same-1", *[f"same-{n}" for n in range(2, 502)]]


def test_runs_of_angle_brackets_and_link_openers_are_read_as_words():
    assert reading_minutes("```\n" + "<" * 100_000 + "\n```\n") == 1
    assert reading_minutes("word " * 460 + "](" * 50_000) == 2
    assert reading_minutes("<em>" + "word " * 460 + "</em> [x](https://example.org/a b)") == 2


def test_trailing_spaces_in_front_matter_keep_key_lines():
    data = ("---\ntitle: T" + " " * 100_000 + "\ndate: 2024-05-01\nsummary" + " " * 100_000 + ": S\n---\nx\n").encode()
    page = parse_source("posts/x.md", data)
    assert page.key_lines == {"title": 2, "date": 3, "summary": 4}
