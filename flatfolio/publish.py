"""Publishing: freeze, commit the build as the whole tree of a branch, push it.

Git plumbing with a temporary index does the commit, so the author's working tree,
index and current branch are never touched (the way ghp-import works, minus the
local branch).
"""

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from .build import output
from .build.freeze import MANIFEST, BuildReport, freeze_site

DEFAULT_BRANCH = "gh-pages"
# Variables that, inherited from a caller (a git hook), would point git at another repository.
_REPOSITORY_VARIABLES = {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY"}
# The author's settings that could make `git add` skip or rewrite build files, or watch the build folder.
_ADD_SETTINGS = [
    "-c", "core.autocrlf=false", "-c", "core.safecrlf=false", "-c", "core.fsmonitor=false",
    "-c", "core.sparseCheckout=false",
]  # fmt: skip


class PublishError(Exception):
    """Publishing could not go ahead or failed; `status` is the command's exit code."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class PublishResult:
    """What `publish` did: the commit now at the tip of the branch, and whether it is new."""

    remote: str
    branch: str
    commit: str
    created: bool
    source: str
    build: BuildReport

    def __str__(self) -> str:
        build = self.build
        made = f"{build.pages} pages ({build.posts} posts), {build.bytes:,} bytes in {build.seconds:.2f} s"
        if not self.created:
            return f"Nothing to publish: {self.remote} {self.branch} already holds this build ({made})"
        return f"Published {self.commit[:12]} to {self.remote} {self.branch}: {made}, from {self.source}"


def _git(*args: str, git_dir: Path | None = None, env: dict | None = None, cwd=None, stdin: str | None = None):
    """Run git quietly and return the finished process (never raises on a git failure)."""
    inherited = {key: value for key, value in os.environ.items() if key not in _REPOSITORY_VARIABLES}
    full_env = {**inherited, "GIT_TERMINAL_PROMPT": "0", **(env or {})}
    if git_dir is not None:
        full_env["GIT_DIR"] = str(git_dir)
    return subprocess.run(["git", *args], env=full_env, cwd=cwd, input=stdin, capture_output=True, text=True)


def _output(process) -> str:
    """git's own explanation of a failure, on one line."""
    lines = [line.strip() for line in (process.stderr or process.stdout).splitlines() if line.strip()]
    return "; ".join(lines) or f"git exited with status {process.returncode}"


def _checked(process, message: str, status: int = 4) -> str:
    if process.returncode != 0:
        raise PublishError(f"{message}: {_output(process)}", status)
    return process.stdout.strip()


def site_repository(site_root: Path) -> Path | None:
    """The absolute git dir of the repository holding the site, or None when it is not in one."""
    process = _git("rev-parse", "--absolute-git-dir", cwd=site_root)
    return Path(process.stdout.strip()) if process.returncode == 0 else None


def describe_source(git_dir: Path | None, site_root: Path) -> str:
    """The source commit for the commit message, noting uncommitted changes."""
    if git_dir is None:
        return "a folder that is not in git"
    head = _git("rev-parse", "--verify", "-q", "HEAD", git_dir=git_dir, cwd=site_root)
    if head.returncode != 0:
        return "a repository with no commits yet"
    # --no-optional-locks: a status must not rewrite the author's index (stat refresh).
    status = _git("--no-optional-locks", "status", "--porcelain", cwd=site_root)
    dirty = " with uncommitted changes" if status.stdout.strip() else ""
    return f"source {head.stdout.strip()}{dirty}"


def _identity_env(git_dir: Path) -> dict:
    """Author and committer for the publish commit when git has none configured (e.g. in CI)."""
    env = {}
    for key, variables in (("user.name", ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME")),
                           ("user.email", ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"))):  # fmt: skip
        if _git("config", key, git_dir=git_dir).stdout.strip():
            continue
        default = "flatfolio" if key == "user.name" else "publish@flatfolio.invalid"
        for variable in variables:
            env[variable] = os.environ.get(variable) or default
    return env


def remote_tip(git_dir: Path, remote: str, branch: str) -> str | None:
    """The commit at the tip of the remote branch (None if it has none yet); fails if unreachable."""
    process = _git("ls-remote", "--heads", "--", remote, f"refs/heads/{branch}", git_dir=git_dir)
    listing = _checked(process, f"cannot reach the remote {remote!r}")
    return listing.split()[0] if listing else None


def commit_build(git_dir: Path, build: Path, tip: str | None, message: str, scratch: Path) -> str | None:
    """Commit every file of `build` as a whole tree on top of `tip`; None when the tree is unchanged.

    A temporary index (GIT_INDEX_FILE) and work tree keep the author's own index and files out of it.
    """
    env = {"GIT_INDEX_FILE": str(scratch / "index"), "GIT_WORK_TREE": str(build)}
    # --force: the author's ignore rules (info/exclude, core.excludesFile) must not drop build files.
    # The manifest marks the folder as a flatfolio build; it is not part of the site.
    add = ("add", "--all", "--force", "--", ".", f":(exclude){MANIFEST}")
    _checked(_git(*_ADD_SETTINGS, *add, git_dir=git_dir, env=env, cwd=build), "git add")
    tree = _checked(_git("write-tree", git_dir=git_dir, env=env), "git write-tree")
    if tip and _checked(_git("rev-parse", f"{tip}^{{tree}}", git_dir=git_dir), "git rev-parse") == tree:
        return None
    parents = ["-p", tip] if tip else []
    env = _identity_env(git_dir)
    return _checked(_git("commit-tree", tree, *parents, "-F", "-", git_dir=git_dir, env=env, stdin=message), "commit")


def publish_site(
    app: Flask,
    remote: str | None = None,
    branch: str = DEFAULT_BRANCH,
    base_url: str | None = None,
    progress=None,
    on_wait=None,
) -> PublishResult:
    """Freeze the site and push the build as the new tip of `branch` on `remote` (default: origin)."""
    # git would read a leading dash as an option (--upload-pack=... runs a command).
    for option, value in (("--remote", remote), ("--branch", branch)):
        if value is not None and value.startswith("-"):
            raise PublishError(f"{option}: {value!r} starts with '-'; git would take it for an option", 2)
    if shutil.which("git") is None:
        raise PublishError("git is not installed; publish needs the git command", 4)
    site_root = Path(app.config["SITE_ROOT"])
    repo = site_repository(site_root)
    if remote is None:
        if repo is None or _git("remote", "get-url", "origin", git_dir=repo).returncode != 0:
            raise PublishError("no --remote given and the site's repository has no 'origin' remote", 2)
        remote = "origin"
    if _git("check-ref-format", f"refs/heads/{branch}").returncode != 0:
        raise PublishError(f"--branch: {branch!r} is not a valid branch name", 2)
    source = describe_source(repo, site_root)

    with tempfile.TemporaryDirectory(prefix="flatfolio-publish-") as scratch_name:
        scratch = Path(scratch_name)
        git_dir = repo
        if git_dir is None:  # not in git: a scratch repository carries the objects
            git_dir = scratch / "repo.git"
            _checked(_git("init", "--quiet", "--bare", str(git_dir)), "git init")
        # With the cache on, the build is kept in it: the next publish remakes only what changed.
        cache_root = app.extensions["flatfolio"].render_cache.root
        build_folder = cache_root / "publish" / "build" if cache_root is not None else scratch / "build"
        # Held from reading the tip to the push: a second publish must not swap the build while
        # this one commits it, and then finds this one's commit as the tip.
        timeout = float(app.config.get("FREEZE_LOCK_TIMEOUT", output.LOCK_TIMEOUT))
        with output.destination_lock(build_folder.resolve(), timeout, on_wait):
            tip = remote_tip(git_dir, remote, branch)  # fail fast, before building, if unreachable
            report = freeze_site(app, build_folder, base_url, progress, on_wait)
            commit = _commit_and_push(git_dir, remote, branch, tip, report.destination, source, scratch)
    return PublishResult(remote, branch, commit or tip, commit is not None, source, report)


def _commit_and_push(git_dir: Path, remote: str, branch: str, tip, build: Path, source: str, scratch: Path):
    """Commit `build` on top of `tip` and push it; None when the tree is unchanged (nothing pushed)."""
    if tip:
        fetch = _git("fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--", remote, f"refs/heads/{branch}",
                     git_dir=git_dir)  # fmt: skip
        _checked(fetch, f"cannot fetch {branch!r} from {remote!r}")
    message = f"Publish site from {source}\n\nBuilt and committed by flatfolio publish.\n"
    commit = commit_build(git_dir, build, tip, message, scratch)
    if commit is not None:
        push = _git("push", "--quiet", "--", remote, f"{commit}:refs/heads/{branch}", git_dir=git_dir)
        _checked(push, f"push to {remote!r} {branch!r} failed (the remote is unchanged)")
    return commit
