"""Faults during a freeze: kill -9, a full disk, dangerous destinations. The previous build survives."""

import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import read_tree

from app import PROJECT_ROOT, create_app
from flatfolio.build.freeze import freeze_site

KILL_TRIALS = 20
EXTRA_POSTS = 60  # enough pages that a freeze lasts long enough to be killed in every phase


def freeze_command(site_root: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "app", "freeze", "--out", str(out)]


def cli_env(site_root: Path) -> dict:
    env = {**os.environ, "FLASK_SITE_ROOT": str(site_root)}
    env.pop("FLASK_DEBUG", None)
    return env


def run_freeze(site_root: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        freeze_command(site_root, out), cwd=PROJECT_ROOT, env=cli_env(site_root),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.glob(f".{out.name}.flatfolio-*"))


def add_posts(write, count: int, marker: str) -> None:
    write({
        f"posts/2023-01-{1 + n % 28:02d}-{marker}-{n}.md":
            f"---\ntitle: {marker} {n}\ndate: 2023-01-{1 + n % 28:02d}\ntags: [t{n % 7}]\n---\n"
            + f"Paragraph {n} about {marker}.\n\n```python\nprint({n})\n```\n" * 20
        for n in range(count)
    })  # fmt: skip


def test_kill_9_at_random_moments_never_damages_the_previous_build(site_root, write, tmp_path):
    """20 seeded kills across a freeze's whole run: the build is always the old or the new one, whole."""
    add_posts(write, EXTRA_POSTS, "old")
    out = tmp_path / "out"
    freeze_site(create_app({"SITE_ROOT": str(site_root)}), out)
    old = read_tree(out)
    pristine = shutil.copytree(out, tmp_path / "pristine")
    add_posts(write, EXTRA_POSTS, "new")  # the killed freezes would change every list and feed

    # Timed on the very work each trial does (the same previous build, the render cache as warm),
    # so that the kill moments span a trial's whole run on a fast or a busy machine alike.
    # Caches first warmed by a throwaway build, as every trial finds them (new cards are drawn once).
    assert run_freeze(site_root, tmp_path / "warm").returncode == 0
    scratch = shutil.copytree(pristine, tmp_path / "scratch" / "out")
    started = time.monotonic()
    assert run_freeze(site_root, scratch).returncode == 0
    duration = time.monotonic() - started
    new = read_tree(scratch)
    assert new != old

    rng = random.Random(6)
    outcomes = {"old": 0, "new": 0}
    deadline = time.monotonic() + 600
    for _ in range(KILL_TRIALS):
        assert time.monotonic() < deadline, "kill trials ran out of time"
        process = subprocess.Popen(
            freeze_command(site_root, out), cwd=PROJECT_ROOT, env=cli_env(site_root),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(rng.uniform(0.05, duration * 0.8))  # trials reuse unchanged posts: a bit faster
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        tree = read_tree(out)
        assert tree in (old, new), "a killed freeze left a mixed build"
        outcomes["old" if tree == old else "new"] += 1
        if tree == new:  # the swap had happened: put the previous build back for the next trial
            shutil.rmtree(out)
            shutil.copytree(pristine, out)

    print(f"\nkill -9 trials: {KILL_TRIALS}; old build intact {outcomes['old']}, new build whole {outcomes['new']}")
    assert outcomes["old"] >= KILL_TRIALS // 2  # most kills land before the swap: they test something

    result = run_freeze(site_root, out)
    assert result.returncode == 0, result.stderr
    assert read_tree(out) == new
    assert leftovers(out) == []


@pytest.mark.parametrize("cached", [True, False], ids=["into the spare tree", "into a new folder"])
@pytest.mark.parametrize(
    ("method", "failing_call"),
    [("write_bytes", 1), ("write_bytes", 8), ("write_text", 1)],
    ids=["first page", "eighth page", "manifest"],
)
def test_full_disk_is_a_clear_error_and_the_previous_build_stays(
    site_root, tmp_path, monkeypatch, method, failing_call, cached
):
    out = tmp_path / "out"
    config = {"SITE_ROOT": str(site_root), "RENDER_CACHE": cached}
    freeze_site(create_app(config), out)
    freeze_site(create_app(config), out)  # the first build is now the spare tree (with the cache on)
    before = read_tree(out)
    site_toml = site_root / "site.toml"
    site_toml.write_text(site_toml.read_text().replace('title = "', 'title = "New '))  # every page changes

    original = getattr(Path, method)
    calls = []

    def full_disk(self, *args, **kwargs):
        # The new build's pages (a static file's open handle would outlive the error in Frozen-Flask).
        if (".flatfolio-" in str(self) or ".spare" in str(self)) and self.suffix in (".html", ".xml", ""):
            calls.append(self)
            if len(calls) >= failing_call:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, method, full_disk)
    result = create_app(config).test_cli_runner().invoke(args=["freeze", "--out", str(out)])
    assert result.exit_code == 3
    assert "No space left on device; the previous build is untouched" in result.stderr
    last_line = result.stderr.splitlines()[-1]  # after the progress lines
    assert last_line.startswith("error: ") and "Traceback" not in result.output
    assert read_tree(out) == before
    assert leftovers(out) == []
    monkeypatch.undo()
    freeze_site(create_app(config), out)  # a failed build leaves nothing that breaks the next one
    assert "<title>New " in (out / "index.html").read_text()


def snapshot(folder: Path) -> tuple:
    """What a refused freeze must not change: a folder's entries and its mtime."""
    return sorted(os.listdir(folder)), folder.stat().st_mtime_ns


def ours(folder: Path) -> list[str]:
    return [name for name in os.listdir(folder) if "flatfolio" in name or name == "build"]


@pytest.mark.parametrize("where", ["root", "home", "repo root", "site root", "foreign folder"])
def test_dangerous_destinations_are_refused_by_the_cli_and_untouched(site_root, tmp_path, where):
    foreign = tmp_path / "thesis"
    foreign.mkdir()
    (foreign / "chapter1.tex").write_text("precious")
    out = {
        "root": Path("/"), "home": Path.home(), "repo root": PROJECT_ROOT, "site root": site_root,
        "foreign folder": foreign,
    }[where]  # fmt: skip
    # Home is written by other programs all the time: there, only our own traces are compared.
    before = ours(out) if where == "home" else snapshot(out)
    traces = ours(out.parent)
    result = run_freeze(site_root, out)
    assert result.returncode == 3
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
    expected = "not empty and not made by flatfolio" if where == "foreign folder" else "refusing to build"
    assert expected in result.stderr
    assert (ours(out) if where == "home" else snapshot(out)) == before
    assert ours(out.parent) == traces
    if where == "foreign folder":
        assert read_tree(foreign) == {"chapter1.tex": b"precious"}
