"""The W3C's Nu HTML checker (npm vnu-jar) finds no error in any built page or stylesheet."""

import json
import shutil
import subprocess

import pytest

from scripts.shipped_site import NODE_MODULES

VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"


def _format(message: dict, build) -> str:
    where = message.get("url", "").removeprefix(f"file:{build}/")
    line = message.get("lastLine", message.get("firstLine", "?"))
    extract = " ".join(message.get("extract", "").split())
    return f"{where}:{line}: {message['message']}" + (f"\n    {extract}" if extract else "")


def test_nu_html_checker_finds_no_error_in_the_built_html_and_css(shipped):
    java = shutil.which("java")
    if java is None or not VNU_JAR.is_file():
        pytest.skip("needs java and node_modules/vnu-jar (bash tests/run.sh installs them)")
    files = sorted(str(path) for pattern in ("*.html", "*.css") for path in shipped.build.rglob(pattern))
    # One JVM for the whole tree: starting it costs several seconds.
    command = [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", "--also-check-css", *files]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    try:
        messages = json.loads(result.stderr)["messages"]  # vnu writes its report to stderr
    except ValueError:
        pytest.fail(f"vnu did not report JSON (exit {result.returncode}):\n{result.stdout}{result.stderr}")

    errors = [_format(message, shipped.build) for message in messages]
    if errors:
        pytest.fail(f"{len(errors)} errors in {len(files)} files:\n" + "\n".join(errors), pytrace=False)
    assert result.returncode == 0, result.stdout + result.stderr
