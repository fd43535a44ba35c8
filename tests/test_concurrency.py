"""Concurrency: two freezes into one folder, freeze with publish, a freeze while the author saves files."""

import fcntl
import os
import re
import subprocess
import threading
from pathlib import Path

import test_publish
from conftest import read_tree
from test_crash_safety import add_posts, cli_env, freeze_command
from test_publish import branch_tree, publish

from app import PROJECT_ROOT, create_app
from flatfolio.build.freeze import MANIFEST, freeze_site

EXTRA_POSTS = 40  # a freeze long enough that two started together overlap

git_env, remote, repo = test_publish.git_env, test_publish.remote, test_publish.repo  # its fixtures


def start_freeze(site_root: Path, out: Path, **env) -> subprocess.Popen:
    return subprocess.Popen(
        freeze_command(site_root, out) + ["-q"], cwd=PROJECT_ROOT, env={**cli_env(site_root), **env},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_freezes_into_one_folder_all_succeed_and_the_build_is_whole(site_root, write, tmp_path):
    add_posts(write, EXTRA_POSTS, "old")
    reference = tmp_path / "reference"
    out = tmp_path / "out"
    for _ in range(2):  # a previous build and a spare tree, which both freezes would otherwise share
        freeze_site(create_app({"SITE_ROOT": str(site_root)}), out)
    add_posts(write, EXTRA_POSTS, "busy")  # more posts: every list and feed is made anew
    freeze_site(create_app({"SITE_ROOT": str(site_root)}), reference)
    processes = [start_freeze(site_root, out) for _ in range(3)]
    results = [(*process.communicate(timeout=300), process.returncode) for process in processes]
    for _, stderr, status in results:
        assert status == 0 and "Traceback" not in stderr, stderr
        assert stderr in ("", f"Waiting for another freeze or publish in {tmp_path} to finish...\n")
    assert read_tree(out) == read_tree(reference)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out", "reference", "site"]


def hold_lock(folder: Path) -> int:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def test_a_second_freeze_says_it_waits_then_builds(site_root, tmp_path):
    out = tmp_path / "out"
    fd = hold_lock(tmp_path)  # as a running freeze into `out` holds it
    try:
        process = start_freeze(site_root, out)
        line = process.stderr.readline()  # blocks until the freeze reaches the lock
        assert line == f"Waiting for another freeze or publish in {tmp_path} to finish...\n"
        assert not out.exists()
    finally:
        os.close(fd)
    _, rest = process.communicate(timeout=120)
    assert (process.returncode, rest) == (0, "")
    assert (out / "index.html").is_file()


def test_a_freeze_that_waits_too_long_gives_up_and_changes_nothing(site_root, tmp_path):
    out = tmp_path / "out"
    freeze_site(create_app({"SITE_ROOT": str(site_root)}), out)
    before = read_tree(out)
    fd = hold_lock(tmp_path)
    try:
        process = start_freeze(site_root, out, FLASK_FREEZE_LOCK_TIMEOUT="0.5")
        _, stderr = process.communicate(timeout=120)
    finally:
        os.close(fd)
    assert process.returncode == 3
    assert stderr == (
        f"Waiting for another freeze or publish in {tmp_path} to finish...\n"
        f"error: {out}: another freeze or publish in {tmp_path} is still running after 0.5 s; "
        "try again when it has finished\n"
    )
    assert read_tree(out) == before


def test_freeze_and_publish_at_once_both_succeed_with_the_same_site(repo, remote, git_env, write, tmp_path):
    add_posts(write, EXTRA_POSTS, "busy")
    out = tmp_path / "out"
    freezing = start_freeze(repo, out, **git_env)
    published = []
    thread = threading.Thread(target=lambda: published.append(publish(repo, env=git_env)))
    thread.start()
    _, stderr = freezing.communicate(timeout=300)
    assert freezing.returncode == 0, stderr
    thread.join(timeout=300)
    assert published[0].returncode == 0, published[0].stderr
    expected = read_tree(out)
    del expected[MANIFEST]
    assert branch_tree(remote) == expected


def test_two_publishes_at_once_both_succeed(repo, remote, git_env):
    results = []
    threads = [threading.Thread(target=lambda: results.append(publish(repo, env=git_env))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert sorted(result.returncode for result in results) == [0, 0], [result.stderr for result in results]
    summaries = sorted(result.stdout.split(":")[0] for result in results)
    assert summaries[0] == "Nothing to publish" and summaries[1].startswith("Published ")


def test_a_freeze_while_posts_are_rewritten_shows_one_version_of_each_post(site_root, write, tmp_path):
    """Every post page holds a single version of its post: title and body from the same save."""
    add_posts(write, EXTRA_POSTS, "old")
    posts = sorted((site_root / "posts").glob("*-old-*.md"))
    stop = threading.Event()

    def rewrite():  # an editor saving every post again and again, each save atomic
        version = 0
        while not stop.is_set():
            version += 1
            for path in posts:
                text = re.sub(r"title: .*", f"title: T{version}", path.read_text())
                text = re.sub(r"Paragraph (\d+) about \w+", rf"Paragraph \1 about V{version}", text)
                temp = path.with_suffix(".tmp")
                temp.write_text(text)
                os.replace(temp, path)

    writer = threading.Thread(target=rewrite)
    writer.start()
    try:
        for attempt in range(3):
            out = tmp_path / f"out{attempt}"
            result = subprocess.run(
                [*freeze_command(site_root, out), "-q"], cwd=PROJECT_ROOT, env=cli_env(site_root),
                capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            assert result.returncode == 0, result.stderr
            for name, data in read_tree(out).items():
                number = re.fullmatch(r"blog/old-(\d+)/index.html", name)
                if number:  # its own paragraphs only: neighbours and related posts show other summaries
                    page = data.decode()
                    title = re.search(r"<h1[^>]*>(?:T(\d+)|old \d+)</h1>", page)
                    bodies = set(re.findall(rf"Paragraph {number.group(1)} about (?:V(\d+)|old)", page))
                    assert bodies == {title.group(1) or ""}, (name, title.group(0), bodies)
    finally:
        stop.set()
        writer.join()


def test_the_lock_is_reentrant_within_a_thread_only(tmp_path):
    from flatfolio.build.output import FreezeError, destination_lock

    out = tmp_path / "out"
    outcome = []

    def other():
        try:
            with destination_lock(out, timeout=0.2):
                outcome.append("locked")
        except FreezeError:
            outcome.append("refused")

    with destination_lock(out, timeout=0.2), destination_lock(out, timeout=0.2):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    assert outcome == ["refused"]
    other()
    assert outcome == ["refused", "locked"]
