"""The cache store: atomic, checked entries, and builds that stay right whatever damage the cache takes."""

import os
from pathlib import Path

import pytest
from conftest import read_tree
from test_incremental import fresh_build

from app import create_app
from flatfolio import store as store_module
from flatfolio.store import FORMAT, Store


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def zero(path: Path) -> None:
    path.write_bytes(b"")


def garbage(path: Path) -> None:
    path.write_bytes(os.urandom(path.stat().st_size or 64))


def wrong_version(path: Path) -> None:
    """The entry a different version would write: same payload and checksum scheme, another fingerprint."""
    header, _, payload = path.read_bytes().partition(b"\n")
    fields = header.split(b" ")
    fields[1] = b"0" * len(fields[1])
    path.write_bytes(b" ".join(fields) + b"\n" + payload)


DAMAGE = {"truncated": truncate, "zero-length": zero, "garbage": garbage, "wrong version": wrong_version}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_entry_reads_as_missing_and_is_rewritten(tmp_path, damage):
    store = Store(tmp_path / ".cache", "things", "v1")
    assert store.write("key", b"<p>payload</p>\n")
    assert store.read("key") == b"<p>payload</p>\n"
    damage(store.path("key"))
    assert store.read("key") is None
    assert store.write("key", b"<p>again</p>")
    assert store.read("key") == b"<p>again</p>"


def test_an_entry_is_only_valid_for_its_key_and_fingerprint(tmp_path):
    store = Store(tmp_path / ".cache", "things", "v1")
    store.write("one", b"1")
    store.path("one").rename(store.path("two"))  # an entry under another entry's name
    assert store.read("two") is None
    store.write("one", b"1")
    assert Store(tmp_path / ".cache", "things", "v2").read("one") is None
    assert store.path("one").read_bytes().startswith(FORMAT + b" v1 1 ")


def test_no_cache_root_or_an_unwritable_one_stores_nothing(tmp_path):
    assert not Store(None, "things", "v1").write("key", b"x")
    assert Store(None, "things", "v1").read("key") is None
    (tmp_path / ".cache").write_text("not a folder")
    assert not Store(tmp_path / ".cache", "things", "v1").write("key", b"x")


def test_a_failed_write_leaves_the_old_entry_and_no_temporary_file(tmp_path, monkeypatch):
    store = Store(tmp_path / ".cache", "things", "v1")
    store.write("key", b"old")

    def power_cut(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(store_module.os, "fsync", power_cut)
    assert not store.write("key", b"new")
    assert store.read("key") == b"old"
    assert [path.name for path in store.folder.iterdir()] == ["key"]


def test_writes_are_flushed_before_the_rename_and_the_folder_after(tmp_path, monkeypatch):
    store = Store(tmp_path / ".cache", "things", "v1")
    store.folder.mkdir(parents=True)
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(store_module.os, "fsync", lambda fd: events.append("fsync") or real_fsync(fd))
    monkeypatch.setattr(store_module.os, "replace", lambda *a: events.append("rename") or real_replace(*a))
    store.write("key", b"x")
    assert events == ["fsync", "rename", "fsync"]


def test_pruning_keeps_only_the_current_version(tmp_path):
    old = Store(tmp_path / ".cache", "things", "v1")
    old.write("key", b"old")
    (tmp_path / ".cache" / "things" / "layout-before-the-store.pickle").write_bytes(b"old layout")
    current = Store(tmp_path / ".cache", "things", "v2")
    current.write("key", b"new")
    current.prune_other_versions()
    assert [path.name for path in (tmp_path / ".cache" / "things").iterdir()] == ["v2"]


# --- every cache kind, damaged after a build ------------------------------------------

KINDS = ("render", "parsed", "builds")


def entries(site_root: Path, kind: str) -> list[Path]:
    """The store entries of one cache kind (the spare tree of `builds/` is no entry)."""
    folder = site_root / ".cache" / kind
    return sorted(path for path in folder.glob("*/*") if path.is_file() and not path.name.startswith(".tmp-"))


def cli_freeze(site_root: Path, out: Path):
    return create_app({"SITE_ROOT": str(site_root)}).test_cli_runner().invoke(args=["freeze", "--out", str(out)])


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
@pytest.mark.parametrize("kind", KINDS)
def test_a_damaged_cache_entry_still_gives_the_fresh_build(site_root, tmp_path, kind, damage):
    out = tmp_path / "out"
    assert cli_freeze(site_root, out).exit_code == 0
    damaged = entries(site_root, kind)
    assert damaged, f"the build wrote {kind} entries"
    for path in damaged:
        damage(path)
    fresh = fresh_build(site_root, tmp_path / "fresh")
    # Into the same destination (the build record is read) and into a new one (every page made from the cache).
    for destination in (out, tmp_path / "elsewhere"):
        result = cli_freeze(site_root, destination)
        assert result.exit_code == 0, result.output
        assert read_tree(destination) == fresh
    store = Store(site_root / ".cache", kind, damaged[0].parent.name)
    assert all(store.read(path.name) is not None for path in damaged), "each damaged entry is rewritten"
