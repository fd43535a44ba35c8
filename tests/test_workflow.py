"""The GitHub Pages workflow, proved here: actionlint and zizmor find nothing, and its build steps build."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from app import PROJECT_ROOT

WORKFLOW = PROJECT_ROOT / ".github" / "workflows" / "pages.yml"
TOOLS = Path(sys.executable).parent  # actionlint and zizmor come from the test lock, beside this Python


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def test_actionlint_finds_nothing():
    result = subprocess.run([TOOLS / "actionlint", "-no-color", WORKFLOW], capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (0, ""), result.stdout + result.stderr


def test_zizmor_finds_nothing_even_pedantic():
    command = [TOOLS / "zizmor", "--offline", "--persona", "pedantic", "--no-progress", WORKFLOW]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


def test_workflow_deploys_on_push_and_daily_with_least_privilege():
    flow = workflow()
    triggers = flow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"]["branches"] == ["main"] and triggers["schedule"][0]["cron"].endswith("* * *")
    assert flow["permissions"] == {} and flow["concurrency"]["group"] == "pages"
    build, deploy = flow["jobs"]["build"], flow["jobs"]["deploy"]
    assert build["permissions"] == {"contents": "read"}
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"} and deploy["needs"] == "build"
    uses = [step["uses"] for job in (build, deploy) for step in job["steps"] if "uses" in step]
    assert [use.split("@")[0] for use in uses] == [
        "actions/checkout", "actions/setup-python", "actions/cache", "actions/upload-pages-artifact",
        "actions/deploy-pages",
    ]  # fmt: skip
    assert all(len(use.split("@")[1]) == 40 for use in uses)  # pinned to commits
    cache = next(step for step in build["steps"] if step.get("uses", "").startswith("actions/cache"))
    assert cache["with"]["path"] == ".cache"


def test_workflow_build_steps_build_the_site(tmp_path):
    """Run the build job's own `run:` lines, in order, in a scratch copy of the repository."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        check=True,
    ).stdout
    checkout = tmp_path / "checkout"
    for name in filter(None, listed.decode().split("\0")):
        if (PROJECT_ROOT / name).is_file():
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT_ROOT / name, checkout / name)
    env = {**os.environ, "PATH": f"{TOOLS}{os.pathsep}{os.environ['PATH']}"}
    env.pop("FLASK_SITE_ROOT", None)
    steps = workflow()["jobs"]["build"]["steps"]
    lines = [step["run"] for step in steps if "run" in step]
    assert len(lines) == 3
    for line in lines:
        result = subprocess.run(["bash", "-c", line], cwd=checkout, env=env, capture_output=True, text=True)
        assert result.returncode == 0, (line, result.stdout, result.stderr)
    artifact = next(step for step in steps if step.get("uses", "").startswith("actions/upload-pages-artifact"))
    build = checkout / artifact["with"]["path"]
    assert (build / "index.html").is_file() and (build / "feed.xml").is_file() and (build / "404.html").is_file()
