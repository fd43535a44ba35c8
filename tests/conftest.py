"""Fixtures: a content writer over tmp_path sites, and one frozen test site per session."""

import json
import os
import shutil
import subprocess
from pathlib import Path
from textwrap import dedent

import pytest

import flatfolio.build.frozen
from app import PROJECT_ROOT, create_app
from flatfolio.build.freeze import freeze_site

SITE_TOML = """\
title = "Test Site"
author = "Ada Tester"
base_url = "https://example.org/"
description = "A site for tests."
language = "en"
timezone = "Asia/Kolkata"
posts_per_page = 2
nav = [{ title = "Blog", url = "/blog/" }, { title = "About", url = "/about/" }]
cards = true
"""

# A small site that exercises every route; drafts and scheduled posts carry markers
# (SECRET, FUTURE) that must never appear in frozen output.
FIXTURE_SITE = {
    "site.toml": SITE_TOML,
    "pages/index.md": """\
        ---
        title: Home
        ---
        Hello from the **home page**. See [about](/about/).
        """,
    "pages/about.md": """\
        ---
        title: About me
        summary: Who I am.
        ---
        # About

        I build [systems](/blog/first-post/ "first").
        """,
    "pages/notes/deep.md": """\
        ---
        title: A deep page
        ---
        Nested page linking [home](/) and [up](../../about/).
        """,
    "posts/2024-01-10-first-post.md": """\
        ---
        title: First <post> & "quotes"
        date: 2024-01-10
        tags: [Go, Databases]
        series: Building a cache
        ---
        The first paragraph, with a [link](/blog/second-post/) and ![icon](/static/favicon.svg).

        ## Code

        ```go
        func main() { fmt.Println("hi") }
        ```

        | a | b |
        |---|---|
        | 1 | 2 |

        Footnote here.[^1]

        [^1]: The note.
        """,
    "posts/2024-02-20-second-post.md": """\
        ---
        title: Second post
        date: 2024-02-20T09:30:00
        updated: 2024-03-01
        tags: [go]
        series: Building a cache
        summary: An explicit summary.
        ---
        Relative link to the [first](../first-post/) post.
        """,
    "posts/2024-03-05-elsewhere.md": """\
        ---
        title: Published elsewhere
        date: 2024-03-05T10:00:00+00:00
        tags: [databases]
        external_url: https://blog.example.com/article
        outlet: Example blog
        ---
        A short note.
        """,
    "posts/secret-draft.md": """\
        ---
        title: SECRET draft
        date: 2024-01-01
        tags: [secret-tag]
        series: Building a cache
        draft: true
        ---
        SECRET body.
        """,
    "posts/2999-01-01-future.md": """\
        ---
        title: FUTURE post
        date: 2999-01-01
        tags: [future-tag, go]
        series: Building a cache
        ---
        FUTURE body.
        """,
}


def write_files(root: Path, files: dict[str, str]) -> Path:
    """Write dedented files below `root` (a value of None deletes the file; bytes are written as they are)."""
    for name, text in files.items():
        path = root / name
        if text is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(dedent(text), encoding="utf-8")
    return root


@pytest.fixture
def site_root(tmp_path) -> Path:
    """A copy of the fixture site in a fresh folder."""
    return write_files(tmp_path / "site", FIXTURE_SITE)


@pytest.fixture
def write(site_root):
    """write({"posts/x.md": "..."}) adds or replaces files in the test site."""
    return lambda files: write_files(site_root, files)


@pytest.fixture
def make_app(site_root):
    """Build an app over the test site (or another root), with extra config."""

    def make(root: Path | None = None, **config):
        return create_app({"SITE_ROOT": str(root or site_root), "TESTING": True, **config})

    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright, one for the whole session (never Playwright's own download).

    One sync Playwright per process: a second one inside the first's event loop fails.
    """
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("chromium is not installed (bash tests/run.sh installs it with apt-get)")
    from playwright.sync_api import sync_playwright

    from scripts.shipped_site import CHROMIUM_FLAGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def frozen(tmp_path_factory) -> Path:
    """The fixture site, frozen once for all output tests."""
    root = write_files(tmp_path_factory.mktemp("frozen") / "site", FIXTURE_SITE)
    app = create_app({"SITE_ROOT": str(root)})
    out = root / "build"
    freeze_site(app, out)
    return out


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file below `root` by relative path, with its bytes."""
    return {
        Path(folder, name).relative_to(root).as_posix(): Path(folder, name).read_bytes()
        for folder, _, names in os.walk(root)
        for name in names
    }


def static_files() -> set[str]:
    """The shipped static files, as they appear in a build."""
    static = PROJECT_ROOT / "static"
    return {f"static/{name}" for name in read_tree(static)}


def copy_site(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


@pytest.fixture
def made_urls(monkeypatch):
    """The URLs the freezes made (rendered) rather than reused, in order."""
    made = []
    real = flatfolio.build.frozen.freeze_urls

    def counted(app, urls):
        for url, page in real(app, urls):
            made.append(url)
            yield url, page

    monkeypatch.setattr(flatfolio.build.frozen, "freeze_urls", counted)
    return made


VNU_JAR = PROJECT_ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def nu_check(paths, *options: str) -> tuple[list[dict], int]:
    """The Nu HTML checker's messages on `paths` (one JVM for all: it takes seconds to start) and its exit status."""
    java = shutil.which("java")
    if java is None or not VNU_JAR.is_file():
        pytest.skip("needs java and node_modules/vnu-jar (bash tests/run.sh installs them)")
    command = [java, "-jar", str(VNU_JAR), "--format", "json", *options, *map(str, paths)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    try:
        return json.loads(result.stderr)["messages"], result.returncode  # vnu writes its report to stderr
    except ValueError:
        pytest.fail(f"vnu did not report JSON (exit {result.returncode}):\n{result.stdout}{result.stderr}")
