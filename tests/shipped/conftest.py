"""Fixtures over the shipped site: the repo's own content, frozen once, served on 127.0.0.1, seen by Chromium."""

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import pytest

from app import PROJECT_ROOT
from scripts.shipped_site import built_and_served, built_file, linked_urls, post_urls

ARTIFACTS = PROJECT_ROOT / "test-artifacts"


@dataclass(frozen=True)
class ShippedSite:
    """The frozen build, the URL it is served at, and the pages the tests visit."""

    build: Path
    url: str
    posts: tuple[str, ...]  # every post the blog index lists, newest first
    post: str  # the newest post that links to a tag page
    tag: str  # a tag page that post links to
    code_post: str  # the newest post with a highlighted code block
    shell_post: str  # the newest post with a shell session (console prompts)
    numbered_post: str  # the newest post with a code block with line numbers and marked lines

    def file(self, url: str) -> Path:
        return built_file(self.build, url, self.url)


def _first_post_with(build: Path, url: str, posts: list[str], xpath: str, what: str) -> str:
    for post in posts:
        if lxml.html.parse(str(built_file(build, post, url))).getroot().xpath(xpath):
            return post
    pytest.fail(f"no shipped post has {what}; the blog index lists {posts}")


@pytest.fixture(scope="session")
def shipped(tmp_path_factory) -> ShippedSite:
    """The repo's own content frozen once per session and served over HTTP until the session ends."""
    with built_and_served(tmp_path_factory.mktemp("shipped")) as (build, url):
        posts = post_urls(build, url)
        if not posts:
            pytest.fail("the shipped blog index links to no post")
        tag_page = re.compile(re.escape(url) + r"tags/[^/]+/$")
        tagged = [(post, tag) for post in posts for tag in linked_urls(build, post, url) if tag_page.match(tag)]
        if not tagged:
            pytest.fail("no shipped post links to a tag page")
        yield ShippedSite(
            build=build, url=url, posts=tuple(posts), post=tagged[0][0], tag=tagged[0][1],
            code_post=_first_post_with(build, url, posts, "//pre[contains(@class, 'highlight')]", "highlighted code"),
            shell_post=_first_post_with(build, url, posts, "//pre//span[@class='gp']", "a shell session"),
            numbered_post=_first_post_with(
                build, url, posts, "//pre[.//span[@class='ln'] and .//mark[@class='hl']]", "numbered, marked code"
            ),
        )  # fmt: skip


@pytest.fixture
def open_page(browser):
    """open_page(viewport, scheme) -> a new page in a fresh context; closed after the test.

    `inject=True` lets test scripts (axe) run even where the page's Content-Security-Policy forbids them.
    """
    contexts = []

    def open_page(viewport: dict, scheme: str, inject: bool = False):
        context = browser.new_context(
            viewport=viewport, color_scheme=scheme, is_mobile=viewport["width"] < 600, bypass_csp=inject
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/ (git-ignored), emptied of the previous run's screenshots and reports."""
    for kind in ("screenshots", "axe"):
        shutil.rmtree(ARTIFACTS / kind, ignore_errors=True)
        (ARTIFACTS / kind).mkdir(parents=True)
    return ARTIFACTS
