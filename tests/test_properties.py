"""Property-based tests: for any front matter, body, file name, site.toml or URL, `check` and `freeze` build or report.

Each example writes a small site, runs `check_site` (drafts included) and `freeze_site` into a copy
of a previous build, and asserts: no exception but ContentError or FreezeError; every problem
one `path:line: field: problem` line; a failed freeze leaves the previous build byte for byte and
nothing beside it; and what `check` accepts, `freeze` builds. Examples are derandomized (the same
inputs on every run) and bounded in size; a SIGALRM turns a hang into a failure.
"""

import shutil
import signal
import tempfile
from contextlib import contextmanager
from datetime import UTC, timedelta
from pathlib import Path

import pytest
import tomlkit
import yaml
from conftest import read_tree, write_files
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app import create_app
from flatfolio.build.freeze import FreezeError, freeze_site
from flatfolio.check import check_site
from flatfolio.config import KNOWN_KEYS
from flatfolio.content.fields import PAGE_KEYS, POST_KEYS
from flatfolio.content.site import current_site
from flatfolio.problems import ContentError, Problem

BASE_CONFIG = {
    "title": "Props",
    "author": "Ada",
    "base_url": "https://example.org/",
    "timezone": "UTC",
    # Site paths in nav are not checked by `check` (see the module's closing note): link only real pages.
    "nav": [{"title": "Blog", "url": "/blog/"}],
}
BASE = {
    "pages/index.md": "---\ntitle: Home\n---\nHello, see [the blog](/blog/).\n",
    "posts/2024-01-01-base.md": "---\ntitle: Base\ndate: 2024-01-01\ntags: [go]\n---\nThe base post.\n",
}
HANG_LIMIT = 60  # seconds: far above any example here, so only a hang trips it
SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=timedelta(seconds=20),  # generous: 2 shared cores; a real blow-up takes far longer
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)


@contextmanager
def hang_limit(seconds: int = HANG_LIMIT):
    """Fail instead of blocking forever (a FIFO opened for reading, a runaway regex)."""

    def expired(signum, frame):
        raise TimeoutError(f"no result after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def previous_build(tmp_path_factory) -> Path:
    """The base site, frozen once: each example freezes over a copy of it."""
    root = write_files(tmp_path_factory.mktemp("base") / "site", {**BASE, "site.toml": tomlkit.dumps(BASE_CONFIG)})
    out = root.parent / "out"
    freeze_site(create_app({"SITE_ROOT": str(root)}), out)
    return out


def assert_shaped(problems: list) -> None:
    """Each problem prints as one `path:line: field: problem` line."""
    for problem in problems:
        assert isinstance(problem, Problem), problem
        assert problem.path and problem.field and problem.message, problem
        assert problem.line is None or problem.line >= 1, problem
        assert "\n" not in str(problem) and "\r" not in str(problem), problem


def check_and_freeze(previous: Path, files: dict, config: dict | str | None = None) -> bool:
    """Write a site (BASE, then `files`), check it, freeze it over a previous build; assert the properties.

    Returns whether it built.
    """
    work = Path(tempfile.mkdtemp(dir=previous.parent.parent))
    try:
        root = work / "site"
        toml = config if isinstance(config, str) else tomlkit.dumps(config or BASE_CONFIG)
        for name, content in {**BASE, "site.toml": toml, **files}.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
        out = shutil.copytree(previous, work / "out")
        before = read_tree(out)
        with hang_limit():
            app = create_app({"SITE_ROOT": str(root), "SHOW_DRAFTS": True})
            with app.app_context():
                report = check_site(app, current_site())
            assert_shaped(report.problems)
            try:
                freeze_site(create_app({"SITE_ROOT": str(root)}), out)
                built = True
            except ContentError as error:
                assert_shaped(error.problems)
                assert error.problems, "a ContentError names its problems"
                built, failure = False, str(error)
            except FreezeError as error:
                built, failure = False, str(error)
        if not built:
            assert report.errors, f"check found no errors, freeze failed:\n{failure}"
            assert read_tree(out) == before
            assert sorted(p.name for p in work.iterdir()) == ["out", "site"]
        return built
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- strategies ------------------------------------------------------------------------------

YAML_TOKENS = [
    "title: ", "date: ", "tags: ", "slug: ", "url: ", "aliases: ", "draft: ", "updated: ", "summary: ",
    "external_url: ", "description: ", "\n", "  ", "- ", "[", "]", "{", "}", ", ", ":", "'", '"', "#", "?", "|",
    ">", "&a ", "*a", "!!int ", "!!float ", "!!bool ", "!!timestamp ", "!!str ", "!!binary ", "!!set ", "!!omap ",
    "!!python/object ", "!foo ", "2024-05-01", "2024-02-30", "2024-05-01T09:30:00+05:30", "12:30", "yes", "null",
    "~", "0x1f", "0o17", "1e999", ".nan", "-.inf", "1_000", "<<: *a", "%YAML 1.1\n", "---", "...", "\t", "\\", "é",
    "\x00", "\x07", "\u2028", "\ufeff", "a", "1",
]  # fmt: skip
MD_TOKENS = [
    "# ", "## ", "\n", "\n\n", "- ", "1. ", "> ", "* ", "_", "**", "`", "```", "```python\n", "~~~", "    ", "|", "---",
    "[", "]", "(", ")", "![", "](", "](/blog/", "](/blog/base/", "](#", "](../", "](/static/", "](javascript:",
    "](http://x.org/", "[^1]", "[^1]: ", "<", ">", "<script>", "</div>", "<a href='/nowhere/'>", "&amp;", "&#0;",
    "{#id}", "$$", ":::", "- [ ] ", "\\", "\t", "é", "日本", "\x00", "\u202e", "a", "word ",
]  # fmt: skip
text = st.text(st.characters(codec="utf-8"), max_size=30)
scalars = (
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats() | text
    | st.dates() | st.datetimes(timezones=st.none() | st.just(UTC))
)  # fmt: skip
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3), max_leaves=6
)
paths = st.text(st.sampled_from("/abc-_.%?#:é \\~2"), max_size=20).map(lambda s: "/" + s)
url_values = paths | st.lists(paths, max_size=3) | values


def tokens(alphabet: list[str], size: int):
    return st.lists(st.sampled_from(alphabet) | st.text(max_size=4), max_size=size).map("".join)


# --- properties ------------------------------------------------------------------------------


@settings(SETTINGS, max_examples=25)
@given(meta=tokens(YAML_TOKENS, 40))
@example(meta="\x80")  # found by this test: a YAML reader error was a multi-line message without a line
@example(meta="!!int ")  # found by this test: an IndexError from PyYAML's int constructor
def test_any_front_matter_text_is_built_or_reported(previous_build, meta):
    check_and_freeze(previous_build, {"posts/x.md": f"---\n{meta}\n---\nBody.\n"})


@settings(SETTINGS, max_examples=25)
@given(
    folder=st.sampled_from(["posts", "pages"]),
    meta=st.fixed_dictionaries(
        {"title": text | values, "date": st.dates() | values},
        optional={key: values for key in sorted(POST_KEYS | PAGE_KEYS) if key not in ("title", "date")},
    ),
)
def test_any_values_of_the_known_keys_are_built_or_reported(previous_build, folder, meta):
    check_and_freeze(previous_build, {f"{folder}/x.md": f"---\n{yaml.safe_dump(meta, allow_unicode=True)}---\nBody.\n"})


@settings(SETTINGS, max_examples=25)
@given(body=tokens(MD_TOKENS, 80))
def test_any_markdown_body_is_built_or_reported(previous_build, body):
    check_and_freeze(previous_build, {"posts/x.md": f"---\ntitle: T\ndate: 2024-05-01\n---\n{body}"})


@settings(SETTINGS, max_examples=20)
@given(
    folder=st.sampled_from(["posts", "pages", "posts/sub", "pages/a b"]),
    stem=st.text(st.characters(codec="utf-8", exclude_characters="/\x00"), min_size=1, max_size=70)
    | st.text(st.sampled_from(". -_éA1"), min_size=1, max_size=240),
)
def test_any_file_name_is_built_or_reported(previous_build, folder, stem):
    name = f"{stem}.md"
    if len(name.encode()) > 255:  # the file system refuses it before flatfolio could
        name = name.encode()[:200].decode(errors="ignore") + ".md"
    check_and_freeze(previous_build, {f"{folder}/{name}": "---\ntitle: Named\ndate: 2024-05-01\n---\nBody.\n"})


toml_scalars = (
    st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | text
    | st.dates() | st.datetimes(timezones=st.none() | st.just(UTC))
)  # fmt: skip
toml_values = st.recursive(
    toml_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3), max_leaves=6
)
setting_values = {
    "base_url": st.sampled_from(["https://x.org/", "http://x.org/a/", "https://x.org/%2e%2e/", "https://x.org/a b/"])
    | text.map(lambda s: "https://" + s),
    "timezone": st.sampled_from(["UTC", "Asia/Kolkata", "America", "", "../etc", "x" * 300]) | text,
    "nav": st.lists(st.fixed_dictionaries({"title": text, "url": st.sampled_from(["https://x.org/"]) | text}))
    .filter(lambda items: all(not item["url"].startswith("/") for item in items)),  # see BASE_CONFIG
    "urls": st.fixed_dictionaries({}, optional={"post": text | st.sampled_from(["/{year}/{slug}/", "/{slug}"]),
                                               "links": st.sampled_from(["error", "warn", "x"]),
                                               "atom_feeds": st.lists(paths, max_size=2),
                                               "rss_feeds": st.lists(paths, max_size=2)}),
    "redirects": st.dictionaries(paths, paths | text, max_size=3),
}  # fmt: skip


@settings(SETTINGS, max_examples=30)
@given(
    changes=st.dictionaries(
        st.sampled_from(sorted(KNOWN_KEYS | {"extra_key"})), toml_values, max_size=3
    ).flatmap(
        lambda changes: st.fixed_dictionaries(
            {key: setting_values.get(key, st.just(value)) | st.just(value) for key, value in changes.items()}
        )
    )
)
def test_any_site_toml_values_are_built_or_reported(previous_build, changes):
    try:
        toml = tomlkit.dumps({**BASE_CONFIG, **changes})
    except (ValueError, TypeError):
        return  # tomlkit cannot write it: no author's file holds it either
    check_and_freeze(previous_build, {}, toml)


@settings(SETTINGS, max_examples=25)
@given(
    post=st.fixed_dictionaries({}, optional={"url": url_values, "aliases": url_values, "slug": text}),
    page=st.fixed_dictionaries({}, optional={"url": url_values, "redirect_from": url_values}),
)
def test_any_url_and_aliases_are_built_or_reported(previous_build, post, page):
    post_meta = yaml.safe_dump({"title": "U", "date": "2024-05-01", **post}, allow_unicode=True)
    page_meta = yaml.safe_dump({"title": "P", **page}, allow_unicode=True)
    check_and_freeze(
        previous_build,
        {"posts/u.md": f"---\n{post_meta}---\nBody.\n", "pages/p.md": f"---\n{page_meta}---\nPage.\n"},
    )


def test_a_valid_edit_is_built(previous_build):
    """The properties above can tell a build from a refusal: a plain new post builds."""
    assert check_and_freeze(previous_build, {"posts/new.md": "---\ntitle: New\ndate: 2024-05-01\n---\nNew.\n"})
