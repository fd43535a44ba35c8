"""Dollar signs from old sites where a lone `$` was never math: kept as dollars, unless the old site made math."""

import re
from html import unescape

import pytest
from conftest import write_files
from hypothesis import given
from hypothesis import strategies as st

from flatfolio.importers import hugo, jekyll, pelican
from flatfolio.importers.convert import commonmark, keep_dollars
from flatfolio.render import render_markdown

PHP = "Calls `$this` in code, then $this(the controller) and $user->id$ in prose.\n"
MATH = "The area is $\\pi r^2$.\n"


def shown_text(html: str) -> str:
    """What a reader sees of rendered HTML: the text, without tags or whitespace differences."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_lone_dollars_in_prose_are_escaped_and_code_is_left_alone():
    text = PHP + "\n```php\n$a = $b;\n```\n\n    $indented = $code;\n\nPrices: $5 and $10.\n"
    kept, blocks = keep_dollars(text)
    assert blocks == 1
    assert kept == text.replace("$this(", "\\$this(").replace("$user->id$", "\\$user->id\\$")
    assert "<math" not in render_markdown(kept)
    assert keep_dollars(kept) == (kept, 0)  # a second import changes nothing


def test_display_math_and_kramdown_double_dollars_stay_math():
    text = "$$\nx^2\n$$\n\nInline $$y$$ here.\n"
    assert keep_dollars(text) == (text, 0)


PIECES = ["$", "$x", "x$", " ", "a", "5", "\n", "`", "*", "\\", "_", "$$", "\u2028", "\r"]


@given(st.lists(st.sampled_from(PIECES), max_size=30))
def test_a_reader_sees_the_same_text_as_on_the_old_site(parts):
    text = "".join(parts)
    kept, _ = keep_dollars(text)
    html = render_markdown(kept)
    assert "math" not in re.findall(r"<(\w+)", html) or "$$" in text
    if "$$" not in text:  # what CommonMark without math (the old site) showed
        assert shown_text(html) == shown_text(commonmark().render(text))


def hugo_site(tmp_path, config: str, files: dict | None = None):
    site = {"hugo.toml": config, "content/posts/p.md": f"---\ntitle: P\ndate: 2020-01-02\n---\n{PHP}\n{MATH}"}
    return hugo.read_site(write_files(tmp_path, site | (files or {})))


def test_hugo_without_math_keeps_dollars(tmp_path):
    site = hugo_site(tmp_path, 'title = "T"\n')
    assert "\\$this(" in site.entries[0].body and "\\$\\pi r^2\\$" in site.entries[0].body
    assert site.conversions["dollars kept as text"] == 2


@pytest.mark.parametrize(
    "config, files",
    [
        ("[params]\nmath = true\n", {}),
        ('title = "T"\n', {"layouts/partials/head.html": '<script src="/js/katex.min.js"></script>\n'}),
    ],
    ids=["math param", "theme loads KaTeX"],
)
def test_hugo_with_math_keeps_math(tmp_path, config, files):
    site = hugo_site(tmp_path, config, files)
    assert "\\$" not in site.entries[0].body
    assert "dollars kept as text" not in site.conversions


@pytest.mark.parametrize("include, escaped", [("", True), ('<script src="mathjax/tex-chtml.js"></script>', False)])
def test_jekyll_keeps_dollars_unless_its_layouts_load_mathjax(tmp_path, include, escaped):
    files = {"_config.yml": "title: T\n", "_posts/2020-01-02-p.md": f"---\ntitle: P\n---\n{PHP}"}
    if include:
        files["_includes/head.html"] = include
    site = jekyll.read_site(write_files(tmp_path, files))
    assert ("\\$this(" in site.entries[0].body) is escaped


@pytest.mark.parametrize("conf, escaped", [("", True), ("PLUGINS = ['render_math']\n", False)])
def test_pelican_keeps_dollars_unless_render_math_is_on(tmp_path, conf, escaped):
    post = "Title: P\nDate: 2020-01-02\nSlug: p\n\n" + PHP
    site = pelican.read_site(write_files(tmp_path, {"pelicanconf.py": conf, "content/p.md": post}))
    assert ("\\$this(" in site.entries[0].body) is escaped
