"""`flask publish`: the build as the whole tree of a branch of a local bare repository."""

import functools
import os
import re
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.request import urlopen

import pytest
from conftest import read_tree
from test_cli import flask

from app import create_app
from flatfolio.build.freeze import MANIFEST, freeze_site

AUTHOR = ["-c", "user.name=Site Author", "-c", "user.email=author@example.org"]


@pytest.fixture
def git_env(tmp_path):
    """No global or system git config: like a fresh CI machine, with no identity configured."""
    config = tmp_path / "gitconfig"
    config.write_text("")
    return {"GIT_CONFIG_GLOBAL": str(config), "GIT_CONFIG_NOSYSTEM": "1"}


def git(*args, cwd=None, env=None, check=True) -> str:
    result = subprocess.run(
        ["git", *args], cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=60
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def remote(tmp_path, git_env) -> Path:
    path = tmp_path / "remote.git"
    git("init", "--quiet", "--bare", str(path), env=git_env)
    return path


@pytest.fixture
def repo(site_root, remote, git_env) -> Path:
    """The site folder as a git repository with one commit and `origin` pointing at the bare remote."""
    (site_root / ".gitignore").write_text("build/\n")
    git("init", "--quiet", "--initial-branch=main", cwd=site_root, env=git_env)
    git("add", "--all", cwd=site_root, env=git_env)
    git(*AUTHOR, "commit", "--quiet", "-m", "Write the site", cwd=site_root, env=git_env)
    git("remote", "add", "origin", str(remote), cwd=site_root, env=git_env)
    return site_root


def publish(site_root, *args, env):
    return flask(site_root, "publish", "--quiet", *args, env=env)


def branch_tree(remote: Path, branch: str = "gh-pages") -> dict[str, bytes]:
    """Every file of a branch of the bare remote, with its bytes."""
    names = git("--git-dir", str(remote), "ls-tree", "-r", "--name-only", branch).split("\n")
    return {
        name: subprocess.run(
            ["git", "--git-dir", str(remote), "show", f"{branch}:{name}"], capture_output=True, check=True
        ).stdout
        for name in names
        if name
    }


def refs(remote: Path) -> str:
    return git("--git-dir", str(remote), "for-each-ref", "--format=%(refname) %(objectname)")


def test_publish_commits_the_build_as_the_branch_tree(repo, remote, git_env, tmp_path):
    result = publish(repo, env=git_env)
    assert result.returncode == 0, result.stderr
    head = git("rev-parse", "HEAD", cwd=repo).strip()
    tip = git("--git-dir", str(remote), "rev-parse", "gh-pages").strip()
    assert re.fullmatch(
        rf"Published {tip[:12]} to origin gh-pages: 15 pages \(3 posts\), [\d,]+ bytes in [\d.]+ s, "
        rf"from source {head}\n",
        result.stdout,
    ), result.stdout
    # Exactly what a freeze makes, minus freeze's own marker file.
    out = tmp_path / "local-build"
    freeze_site(create_app({"SITE_ROOT": str(repo)}), out)
    expected = read_tree(out)
    del expected[MANIFEST]
    assert branch_tree(remote) == expected
    assert ".nojekyll" in expected
    log = git("--git-dir", str(remote), "log", "--format=%an <%ae>|%s|%P", "gh-pages").splitlines()
    assert log == [f"flatfolio <publish@flatfolio.invalid>|Publish site from source {head}|"]


def test_publish_leaves_the_authors_repository_as_it_was(repo, git_env):
    (repo / "posts" / "2024-02-20-second-post.md").write_text("---\ntitle: Edited\ndate: 2024-02-20\n---\nNew.\n")
    (repo / "pages" / "staged.md").write_text("---\ntitle: Staged\n---\nStaged page.\n")
    git("add", "pages/staged.md", cwd=repo, env=git_env)
    (repo / "notes.txt").write_text("untracked")

    def snapshot():
        return {
            "head": git("rev-parse", "HEAD", cwd=repo),
            "branch": git("symbolic-ref", "HEAD", cwd=repo),
            "status": git("--no-optional-locks", "status", "--porcelain", cwd=repo),
            "index": (repo / ".git" / "index").read_bytes(),
            "staged": git("ls-files", "--stage", cwd=repo),
            "branches": git("for-each-ref", "refs/heads", cwd=repo),
            "files": {  # the render cache (.cache/, which git ignores by itself) may change; nothing else
                name: data for name, data in read_tree(repo).items() if not name.startswith((".git/", ".cache/"))
            },
        }

    before = snapshot()
    result = publish(repo, env=git_env)
    assert result.returncode == 0, result.stderr
    assert snapshot() == before
    head = before["head"].strip()
    assert result.stdout.endswith(f"from source {head} with uncommitted changes\n")
    # The uncommitted edits are what got published: publish builds the folder as it is.
    assert "Staged page." in branch_tree(Path(git("remote", "get-url", "origin", cwd=repo).strip()))[
        "staged/index.html"
    ].decode()


def test_unchanged_site_makes_no_new_commit_and_changes_fast_forward(repo, remote, git_env):
    assert publish(repo, env=git_env).returncode == 0
    first = git("--git-dir", str(remote), "rev-parse", "gh-pages").strip()
    again = publish(repo, env=git_env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("Nothing to publish: origin gh-pages already holds this build (15 pages")
    assert git("--git-dir", str(remote), "rev-parse", "gh-pages").strip() == first

    (repo / "pages" / "about.md").write_text("---\ntitle: About\n---\nRewritten.\n")
    assert publish(repo, env=git_env).returncode == 0
    second = git("--git-dir", str(remote), "rev-parse", "gh-pages").strip()
    assert second != first
    assert git("--git-dir", str(remote), "rev-parse", "gh-pages^").strip() == first
    assert b"Rewritten." in branch_tree(remote)["about/index.html"]


def test_a_publish_after_an_edit_remakes_only_what_changed_and_equals_a_fresh_build(repo, remote, git_env, tmp_path):
    assert publish(repo, env=git_env).returncode == 0
    kept = repo / ".cache" / "publish" / "build"
    unchanged = (kept / "blog" / "first-post" / "index.html").stat().st_ino
    about = repo / "pages" / "about.md"
    about.write_text(about.read_text() + "\nOne more line.\n")  # the body only: other pages stay
    assert publish(repo, env=git_env).returncode == 0
    assert (kept / "blog" / "first-post" / "index.html").stat().st_ino == unchanged  # reused, not made again
    fresh = tmp_path / "fresh"
    freeze_site(create_app({"SITE_ROOT": str(repo), "RENDER_CACHE": False}), fresh)
    expected = read_tree(fresh)
    del expected[MANIFEST]
    assert branch_tree(remote) == expected


def test_unreachable_remote_fails_clearly(repo, tmp_path, git_env):
    result = publish(repo, "--remote", str(tmp_path / "missing.git"), env=git_env)
    assert result.returncode == 4
    assert result.stderr.startswith(f"error: cannot reach the remote '{tmp_path / 'missing.git'}': ")
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_rejected_push_fails_and_leaves_the_remote_as_it_was(repo, remote, git_env):
    assert publish(repo, env=git_env).returncode == 0
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'branch is protected' >&2\nexit 1\n")
    hook.chmod(0o755)
    before = refs(remote)
    (repo / "pages" / "about.md").write_text("---\ntitle: About\n---\nChanged.\n")
    result = publish(repo, env=git_env)
    assert result.returncode == 4
    assert result.stderr.startswith("error: push to 'origin' 'gh-pages' failed (the remote is unchanged): ")
    assert "branch is protected" in result.stderr and "Traceback" not in result.stderr
    assert refs(remote) == before


def test_cname_comes_from_the_site_config(repo, remote, git_env):
    toml = (repo / "site.toml").read_text()
    (repo / "site.toml").write_text(toml + 'cname = "blog.example.org"\n')
    assert publish(repo, "--branch", "site", env=git_env).returncode == 0
    tree = branch_tree(remote, "site")
    assert tree["CNAME"] == b"blog.example.org\n" and tree[".nojekyll"] == b""
    assert git("--git-dir", str(remote), "branch", "--list").split() == ["site"]


def test_folder_outside_git_publishes_with_an_explicit_remote(site_root, remote, git_env):
    no_remote = publish(site_root, env=git_env)
    assert no_remote.returncode == 2
    assert no_remote.stderr == "error: no --remote given and the site's repository has no 'origin' remote\n"
    result = publish(site_root, "--remote", str(remote), env=git_env)
    assert result.returncode == 0, result.stderr
    assert "from a folder that is not in git" in result.stdout
    assert "index.html" in branch_tree(remote)


def test_bad_branch_name_is_a_usage_error(repo, git_env):
    result = publish(repo, "--branch", "no..dots", env=git_env)
    assert result.returncode == 2
    assert result.stderr == "error: --branch: 'no..dots' is not a valid branch name\n"


def test_content_errors_exit_1_and_push_nothing(repo, remote, git_env):
    (repo / "posts" / "bad.md").write_text("---\ntitle: Bad\n---\n")
    result = publish(repo, env=git_env)
    assert result.returncode == 1
    assert result.stderr == "posts/bad.md:2: date: required\n"
    assert refs(remote) == ""


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_subpath_site_works_end_to_end(repo, remote, git_env, tmp_path):
    result = publish(repo, "--base-url", "https://user.github.io/site/", env=git_env)
    assert result.returncode == 0, result.stderr
    # Serve the published branch the way GitHub Pages serves a project site: under /site/.
    www = tmp_path / "www"
    for name, data in branch_tree(remote).items():
        target = www / "site" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(www)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        seen, queue = set(), ["/site/"]
        while queue and len(seen) < 200:  # bounded crawl over every internal link
            path = queue.pop()
            if path in seen:
                continue
            seen.add(path)
            with urlopen(root + path, timeout=10) as response:
                assert response.status == 200, path
                body = response.read()
            if path.endswith("/"):
                for link in re.findall(r'(?:href|src)="([^"]+)"', body.decode()):
                    parts = urlsplit(urljoin(path, link))
                    if not parts.scheme and not parts.netloc:
                        assert parts.path.startswith("/site/"), (path, link)
                        queue.append(parts.path)
    finally:
        server.shutdown()
        server.server_close()
    assert {"/site/", "/site/blog/first-post/", "/site/about/", "/site/static/favicon.svg"} <= seen
    assert len(seen) >= 15


def test_publish_help_documents_exit_codes(site_root):
    text = " ".join(flask(site_root, "publish", "--help").stdout.split())
    assert (
        "Exit status: 0 published (or nothing changed); 1 content errors; 2 usage errors (bad branch name, "
        "no remote); 3 the build could not be made; 4 git failed (remote unreachable, push rejected)."
    ) in text
