"""The freeze command as an author runs it: exit codes, messages, no tracebacks."""

import os
import subprocess
import sys

from conftest import read_tree

from app import PROJECT_ROOT


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
    assert result.stdout.startswith("Built 12 pages (3 posts), ")
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


def test_bad_base_url_exits_3(site_root, tmp_path):
    result = flask(site_root, "freeze", "--out", str(tmp_path / "o"), "--base-url", "user.github.io/site")
    assert result.returncode == 3
    assert "--base-url: expected an absolute http(s) URL" in result.stderr


def test_help_documents_exit_codes(site_root):
    result = flask(site_root, "freeze", "--help")
    assert "Exit status: 0 built; 1 content errors" in " ".join(result.stdout.split())
