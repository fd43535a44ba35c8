"""The environment runs exactly the locked versions, and the locks cover what pyproject.toml asks for."""

import re
import tomllib
from importlib.metadata import PackageNotFoundError, version

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from app import PROJECT_ROOT

PIN = re.compile(r"^([A-Za-z0-9._-]+)==(\S+)(?: ; (.+?))? \\$", re.M)


def pins(lock: str) -> dict[str, tuple[str, str | None]]:
    """{name: (version, marker)} of a uv-made lock file."""
    text = (PROJECT_ROOT / lock).read_text(encoding="utf-8")
    return {canonicalize_name(name): (ver, marker) for name, ver, marker in PIN.findall(text)}


def test_installed_versions_are_exactly_the_locks():
    wrong = {}
    for name, (pinned, marker) in pins("requirements-test.txt").items():
        if marker and not Marker(marker).evaluate():
            continue  # e.g. colorama on Windows only
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = None
        if installed != pinned:
            wrong[name] = (installed, pinned)
    assert wrong == {}, "installed, locked: run bash tests/run.sh to install from the lock"


def test_every_line_of_both_locks_is_hashed():
    for lock in ("requirements.txt", "requirements-test.txt"):
        text = (PROJECT_ROOT / lock).read_text(encoding="utf-8")
        blocks = re.split(r"\n(?=\S)", text.split("\n", 2)[2].strip())
        assert blocks and all(re.search(r"--hash=sha256:[0-9a-f]{64}", block) for block in blocks), lock


def test_locks_cover_pyproject_and_agree():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime, test = pins("requirements.txt"), pins("requirements-test.txt")
    for requirement in map(Requirement, project["dependencies"]):
        name = canonicalize_name(requirement.name)
        assert name in runtime, f"{name} is in pyproject.toml but not in requirements.txt: bash scripts/refresh_lock.sh"
        assert requirement.specifier.contains(runtime[name][0]), (name, runtime[name])
    for requirement in map(Requirement, project["optional-dependencies"]["test"]):
        name = canonicalize_name(requirement.name)
        assert name in test, f"{name} is in the test extra but not in requirements-test.txt"
        assert requirement.specifier.contains(test[name][0]), (name, test[name])
    # The site runs what the tests ran.
    assert {name: pin for name, pin in test.items() if name in runtime} == runtime
