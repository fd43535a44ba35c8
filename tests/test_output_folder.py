"""The output folder: odd file names in the manifest, destinations that cannot be written, git options as names."""

from pathlib import Path

import pytest
import test_publish
from conftest import read_tree
from test_cli import flask
from test_publish import publish, refs

from flatfolio.build.freeze import MANIFEST
from flatfolio.build.output import read_manifest

git_env, remote, repo = test_publish.git_env, test_publish.remote, test_publish.repo  # its fixtures


@pytest.mark.parametrize("name", ["My CV.txt", "a\u2028b.txt", "nbsp\u00a0x.txt", "two  spaces .txt"])
def test_a_file_with_spaces_in_its_name_freezes_again_and_again(site_root, write, tmp_path, name):
    """files/ of the site stands for static/ (the code's folder): both go through the same manifest."""
    write({f"files/cv/{name}": "curriculum\n"})
    out = tmp_path / "out"
    for _ in range(2):
        result = flask(site_root, "freeze", "-q", "--out", str(out))
        assert (result.returncode, result.stderr) == (0, "")
    assert (out / "cv" / name).read_text() == "curriculum\n"
    assert set(read_manifest(out)) == set(read_tree(out)) - {MANIFEST}


def test_a_file_added_by_hand_with_a_space_is_carried_over(site_root, tmp_path):
    out = tmp_path / "out"
    assert flask(site_root, "freeze", "-q", "--out", str(out)).returncode == 0
    (out / "google site verification.html").write_text("verified\n")
    result = flask(site_root, "freeze", "-q", "--out", str(out))
    assert (result.returncode, result.stderr) == (0, "")
    assert (out / "google site verification.html").read_text() == "verified\n"


@pytest.mark.parametrize("name", ["two\nlines.txt", "tab\there.txt", "cr\rname.txt"])
def test_a_file_name_with_a_line_break_or_tab_fails_clearly_and_the_build_stays(site_root, write, tmp_path, name):
    """URLs cannot hold these characters (WHATWG URL parsing drops them): a content problem, as check says too."""
    out = tmp_path / "out"
    assert flask(site_root, "freeze", "-q", "--out", str(out)).returncode == 0
    before = read_tree(out)
    write({f"files/{name}": "x\n"})
    result = flask(site_root, "freeze", "-q", "--out", str(out))
    assert result.returncode == 1
    assert result.stderr.startswith("files/") and "cannot be a URL" in result.stderr
    assert len(result.stderr.splitlines()) == 1  # the name's line break is shown escaped
    assert read_tree(out) == before


@pytest.mark.parametrize("below", ["afile/build", "afile/deeper/build"])
def test_out_below_a_regular_file_is_a_clear_error(site_root, tmp_path, below):
    (tmp_path / "afile").write_text("keep me\n")
    result = flask(site_root, "freeze", "--out", str(tmp_path / below))
    assert result.returncode == 3
    expected = f"error: {tmp_path / 'afile'}: exists and is not a folder, so {tmp_path / below} cannot be built\n"
    assert result.stderr == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "site"]
    assert (tmp_path / "afile").read_text() == "keep me\n"


@pytest.mark.parametrize("out", ["/sys/kernel/flatfolio-test-build", "/sys/kernel/flatfolio-test/build"])
def test_out_on_a_read_only_filesystem_is_a_clear_error(site_root, out):
    if not Path("/sys/kernel").is_dir():
        pytest.skip("no /sys/kernel here to stand for a filesystem that takes no new folders")
    result = flask(site_root, "freeze", "--out", out)
    assert result.returncode == 3
    assert result.stderr.startswith("error: /sys/kernel")
    assert "Traceback" not in result.stderr
    assert not Path(out).exists()


@pytest.mark.parametrize(
    ("option", "value"),
    [("--remote", "--upload-pack=touch {marker}"), ("--remote", "-u touch {marker}"), ("--branch", "-x")],
)
def test_a_remote_or_branch_that_looks_like_an_option_is_a_usage_error(repo, remote, git_env, tmp_path, option, value):
    marker = tmp_path / "ran"
    result = publish(repo, option, value.format(marker=marker), env=git_env)
    assert result.returncode == 2
    problem = f"{value.format(marker=marker)!r} starts with '-'; git would take it for an option"
    assert result.stderr == f"error: {option}: {problem}\n"
    assert not marker.exists()
    assert refs(remote) == ""
