"""axe-core finds no accessibility violation on the main kinds of page, in light and dark."""

import json

import pytest

from scripts.shipped_site import NODE_MODULES

DESKTOP = {"width": 1280, "height": 800}
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
# Page kinds and their paths on the site; a post and a tag page are found in the build.
PAGES = {
    "home": "",
    "experience": "experience/",
    "projects": "projects/",
    "publications": "publications/",
    "blog": "blog/",
    "post": None,
    "tag": None,
    "404": "404.html",
    "search": "search/",  # the one page with JavaScript: its form shown, no query typed
    # The sample post using every writing feature: math, titled and numbered code, each callout.
    "writing": "blog/writing-tools-math-code-callouts/",
    # The sample series: its page, the index of series and a part with the "Part n of m" nav.
    "series": "series/working-on-dgraph/",
    "series-index": "series/",
    "series-part": "blog/background-indexing-strong-consistency/",
}


def _describe(violation: dict, shown: int = 5) -> str:
    """One violation as a rule line and its first few elements, each with axe's summary of the fix."""
    lines = [f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})"]
    for node in violation["nodes"][:shown]:
        summary = " / ".join(line.strip() for line in (node.get("failureSummary") or "").splitlines()[1:])
        lines.append(f"    {' '.join(map(str, node['target']))}: {summary}")
    if len(violation["nodes"]) > shown:
        lines.append(f"    ... and {len(violation['nodes']) - shown} more elements")
    return "\n".join(lines)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", PAGES)
def test_axe_finds_no_violation(shipped, open_page, artifacts, kind, scheme):
    if not AXE.is_file():
        pytest.skip("needs node_modules/axe-core (bash tests/run.sh runs npm ci)")
    url = getattr(shipped, kind) if PAGES[kind] is None else shipped.url + PAGES[kind]
    page = open_page(DESKTOP, scheme, inject=True)
    response = page.goto(url)
    assert response is not None and response.ok, f"{url}: HTTP {response and response.status}"
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")

    if violations:
        (artifacts / "axe" / f"{kind}-{scheme}.json").write_text(json.dumps(violations, indent=2), encoding="utf-8")
        report = "\n".join(_describe(violation) for violation in violations)
        pytest.fail(f"{url} ({scheme}): {len(violations)} axe violations\n{report}", pytrace=False)
