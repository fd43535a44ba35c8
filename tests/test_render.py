"""Markdown rendering: CommonMark + GFM extensions, Pygments highlighting."""

import pytest

from flatfolio.render import code_css, first_paragraph_text, nesting_overflow, reading_minutes, render_markdown


def test_commonmark_and_gfm_extensions():
    html = render_markdown(
        "# Title\n\n~~old~~ **bold**\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "- [x] done\n- [ ] todo\n\nNote[^n].\n\n[^n]: Foot.\n"
    )
    assert '<h1 id="title">Title</h1>' in html
    assert "<s>old</s>" in html
    assert '<table tabindex="0">' in html and "<td>1</td>" in html
    assert 'class="task-list-item-checkbox"' in html and "checked" in html
    assert 'class="footnotes"' in html and 'href="#fn1"' in html


def test_heading_ids_are_stable_and_unique():
    html = render_markdown("## Why Go?\n\n## Why Go?\n\n### Über cache\n")
    assert '<h2 id="why-go">' in html and '<h2 id="why-go-1">' in html
    assert '<h3 id="uber-cache">' in html


def test_fenced_code_is_highlighted_with_classes():
    html = render_markdown("```python\ndef f():\n    return 1\n```\n")
    assert html.startswith('<pre class="code highlight" data-lang="python" tabindex="0"><code class="language-python">')
    assert '<span class="k">def</span>' in html
    assert "<pre><pre" not in html


@pytest.mark.parametrize("fence", ["```nosuchlang", "```", '```"><script>'])
def test_unknown_or_missing_language_is_plain_escaped_code(fence):
    html = render_markdown(f"{fence}\n<b>x</b> & y\n```\n")
    assert html == '<pre class="code" tabindex="0"><code>&lt;b&gt;x&lt;/b&gt; &amp; y\n</code></pre>\n'


def test_raw_html_passes_through():
    assert '<div class="note">hi</div>' in render_markdown('<div class="note">hi</div>\n')


def test_root_relative_links_get_the_base_path():
    html = render_markdown("[a](/blog/x/) [b](//cdn.example/x) [c](rel/) ![i](/static/i.png)", "/site")
    assert 'href="/site/blog/x/"' in html
    assert 'href="//cdn.example/x"' in html
    assert 'href="rel/"' in html
    assert 'src="/site/static/i.png"' in html


def test_first_paragraph_text_drops_markup_and_footnote_marks():
    html = render_markdown("# H\n\nSome *emph* & [link](/x/).[^1]\n\nSecond.\n\n[^1]: n\n")
    assert first_paragraph_text(html) == "Some emph & link."


def test_code_css_has_complete_light_and_dark_themes():
    css = code_css()
    light, dark = css.split("@media (prefers-color-scheme: dark)")
    assert light.startswith("@media (prefers-color-scheme: light)")
    for theme in (light, dark):
        assert ".highlight { background:" in theme or ".highlight {\n" in theme or ".highlight" in theme
        assert ".highlight .k " in theme


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("- " * 30 + "x", 0),  # nested on one line
        ("> " * 30 + "x", 0),
        ("\n".join("  " * depth + "- x" for depth in range(15)), 9),  # one level per line
        ("\n".join("\t" * depth + "- x" for depth in range(15)), 9),  # tabs: few characters, many columns
        ("- a\n  - b\n    - c\n", None),
        ("```python\n" + "\n".join(" " * 40 + "pass" for _ in range(3)) + "\n```\n", None),  # deep code is not nesting
    ],
)
def test_nesting_beyond_markdown_its_limit_is_found(text, line):
    assert nesting_overflow(text) == line


def test_reading_minutes_count_the_words_a_reader_reads():
    assert reading_minutes("") == 1
    assert reading_minutes("word " * 460) == 2
    # Link targets and HTML tags are not read: the same two minutes.
    linked = "[word](https://example.com/a/very/long/address/that/is/not/read) " * 460
    assert reading_minutes(linked + '<img src="x.png" alt="">') == 2
