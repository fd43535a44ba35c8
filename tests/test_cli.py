"""The freeze command as an author runs it: exit codes, messages, no tracebacks."""

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import read_tree

from app import PROJECT_ROOT
from flatfolio.search import INDEX_FOLDER


def flask(site_root, *args, env: dict | None = None):
    """Run `flask --app app ARGS` as an author would, on the site at `site_root`."""
    env = {**os.environ, "FLASK_SITE_ROOT": str(site_root), **(env or {})}
    env.pop("FLASK_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_freeze_prints_a_summary_line(site_root, tmp_path):
    out = tmp_path / "out"
    result = flask(site_root, "freeze", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Built 15 pages (3 posts), ")
    assert (out / "index.html").is_file()


def test_freeze_defaults_to_build_beside_site_toml(site_root):
    result = flask(site_root, "freeze")
    assert result.returncode == 0, result.stderr
    assert (site_root / "build" / "index.html").is_file()


def test_content_errors_exit_1_listing_every_file_without_traceback(site_root, write, tmp_path):
    out = tmp_path / "out"
    flask(site_root, "freeze", "--out", str(out))
    before = read_tree(out)
    write({
        "posts/a.md": "---\ntitle: A\ndate: 2024-02-30\n---\n",
        "posts/b.md": "---\ntitle: B\ntags: go\ndate: 2024-01-01\n---\n",
    })  # fmt: skip
    result = flask(site_root, "freeze", "--out", str(out))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "posts/a.md:3: date: not a real date: '2024-02-30'",
        "posts/b.md:3: tags: expected a list like [go, databases], got 'go'",
    ]
    assert "Traceback" not in result.stderr + result.stdout
    assert read_tree(out) == before


def test_foreign_destination_exits_3(site_root, tmp_path):
    out = tmp_path / "docs"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = flask(site_root, "freeze", "--out", str(out))
    assert result.returncode == 3
    assert "not made by flatfolio" in result.stderr and "Traceback" not in result.stderr
    assert read_tree(out) == {"notes.txt": b"mine"}


@pytest.mark.parametrize("command", ["freeze", "publish"])
@pytest.mark.parametrize("base_url", ["user.github.io/site", "notaurl", "ftp://example.org/"])
def test_bad_base_url_is_a_usage_error(site_root, tmp_path, command, base_url):
    result = flask(site_root, command, *(["--out", str(tmp_path / "o")] if command == "freeze" else []),
                   "--base-url", base_url)  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "'--base-url': expected an absolute http(s) URL" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


def test_help_documents_exit_codes(site_root):
    result = flask(site_root, "freeze", "--help")
    assert "Exit status: 0 built; 1 content errors" in " ".join(result.stdout.split())


def frozen_count(out: Path) -> int:
    """The URLs a freeze reports: every file but .nojekyll, the manifest and the search index (written at once)."""
    return sum(not name.startswith(INDEX_FOLDER) for name in read_tree(out)) - 2


def test_freeze_progress_is_one_plain_line_per_page_when_not_a_terminal(site_root, tmp_path):
    result = flask(site_root, "freeze", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    urls_frozen = frozen_count(tmp_path / "out")
    assert [line.split(" ")[0] for line in lines] == [f"[{n}/{urls_frozen}]" for n in range(1, urls_frozen + 1)]
    urls = {line.split(" ", 1)[1] for line in lines}
    assert {"/", "/blog/first-post/", "/tags/go/feed.xml", "/static/favicon.svg", "/404.html"} <= urls
    assert result.stdout.count("\n") == 1  # stdout holds only the summary line


def test_freeze_quiet_prints_only_the_summary(site_root, tmp_path):
    result = flask(site_root, "freeze", "--quiet", "--out", str(tmp_path / "out"))
    assert result.returncode == 0
    assert result.stderr == ""
    files = len(read_tree(tmp_path / "out")) - 1  # the manifest is not counted
    assert re.fullmatch(rf"Built 15 pages \(3 posts\), {files} files, [\d,]+ bytes in [\d.]+ s -> .*\n", result.stdout)


def test_freeze_shows_a_progress_bar_on_a_terminal(site_root, tmp_path):
    env = {**os.environ, "FLASK_SITE_ROOT": str(site_root)}
    env.pop("FLASK_DEBUG", None)
    main, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "freeze", "--out", str(tmp_path / "out")],
        cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal,
    )  # fmt: skip
    os.close(terminal)
    output = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # read until the process closes the terminal (EIO on Linux)
        if not select.select([main], [], [], 1)[0]:
            continue
        try:
            chunk = os.read(main, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.close(main)
    assert process.wait(timeout=60) == 0
    text = output.decode()
    urls_frozen = frozen_count(tmp_path / "out")
    assert "Freezing  [" in text and f"{urls_frozen}/{urls_frozen}" in text and f"[1/{urls_frozen}]" not in text
    files = len(read_tree(tmp_path / "out")) - 1  # the manifest is not counted
    assert text.rstrip().splitlines()[-1].startswith(f"Built 15 pages (3 posts), {files} files, ")


@pytest.mark.parametrize("command", ["freeze", "new", "check", "publish"])
def test_every_command_explains_itself_and_its_exit_codes(site_root, command):
    result = flask(site_root, command, "--help")
    assert result.returncode == 0
    assert "Exit status: 0 " in " ".join(result.stdout.split())
    listing = flask(site_root, "--help").stdout
    assert re.search(rf"^  {command}\s+\S", listing, re.M), listing


def test_freezing_on_several_processes_gives_the_same_bytes(site_root, tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_FREEZE_PROCESSES", "1")
    serial = flask(site_root, "freeze", "--out", str(tmp_path / "serial"))
    monkeypatch.setenv("FLASK_FREEZE_PROCESSES", "3")
    parallel = flask(site_root, "freeze", "--out", str(tmp_path / "parallel"))
    assert serial.returncode == parallel.returncode == 0, parallel.stderr
    assert read_tree(tmp_path / "parallel") == read_tree(tmp_path / "serial")
    # Every URL reported once, whichever process froze it.
    urls = [line.split(" ", 1)[1] for line in parallel.stderr.splitlines()]
    assert sorted(urls) == sorted(line.split(" ", 1)[1] for line in serial.stderr.splitlines())
    assert len(urls) == len(set(urls)) == frozen_count(tmp_path / "parallel")


FAIL_ONE_WRITE = """
import errno, pathlib, sys
from app import create_app
from flatfolio.build.freeze import FreezeError, freeze_site
real = pathlib.Path.write_bytes
def write_bytes(path, data):
    if path.name == "index.html" and path.parent.name == "second-post":
        raise OSError(errno.ENOSPC, "No space left on device", str(path))
    return real(path, data)
pathlib.Path.write_bytes = write_bytes
try:
    freeze_site(create_app({"SITE_ROOT": sys.argv[1], "FREEZE_PROCESSES": 2}), pathlib.Path(sys.argv[2]))
except FreezeError as error:
    print(error)
"""


def test_a_failing_process_fails_the_freeze_and_keeps_the_previous_build(site_root, tmp_path):
    out = tmp_path / "out"
    assert flask(site_root, "freeze", "--out", str(out)).returncode == 0
    before = read_tree(out)
    second_post = site_root / "posts/2024-02-20-second-post.md"
    second_post.write_text(second_post.read_text() + "\nEdited: this page must be made again.\n")
    run = subprocess.run(
        [sys.executable, "-c", FAIL_ONE_WRITE, str(site_root), str(out)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert "second-post/index.html: No space left on device; the previous build is untouched" in run.stdout, run
    assert read_tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "site"]  # no temporary folder left behind
