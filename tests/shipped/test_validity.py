"""The W3C's Nu HTML checker (npm vnu-jar) finds no error in any built page or stylesheet."""


import pytest
from conftest import nu_check


def _format(message: dict, build) -> str:
    where = message.get("url", "").removeprefix(f"file:{build}/")
    line = message.get("lastLine", message.get("firstLine", "?"))
    extract = " ".join(message.get("extract", "").split())
    return f"{where}:{line}: {message['message']}" + (f"\n    {extract}" if extract else "")


def test_nu_html_checker_finds_no_error_in_the_built_html_and_css(shipped):
    files = sorted(str(path) for pattern in ("*.html", "*.css") for path in shipped.build.rglob(pattern))
    messages, status = nu_check(files, "--errors-only", "--also-check-css")
    errors = [_format(message, shipped.build) for message in messages]
    if errors:
        pytest.fail(f"{len(errors)} errors in {len(files)} files:\n" + "\n".join(errors), pytrace=False)
    assert status == 0
