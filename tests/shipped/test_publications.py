"""The shipped publications page in Chromium: every BibTeX block opens without script, fits a phone, passes axe."""

import json

import pytest

from scripts.shipped_site import linked_urls
from shipped.test_accessibility import AXE, _describe
from shipped.test_browser import PHONE, horizontal_overflow


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_opened_bibtex_blocks_fit_a_phone_and_pass_axe(shipped, open_page, artifacts, scheme):
    if not AXE.is_file():
        pytest.skip("needs node_modules/axe-core (bash tests/run.sh runs npm ci)")
    page = open_page(PHONE, scheme, inject=True)
    assert page.goto(shipped.url + "publications/").ok
    summaries = page.locator("details.bibtex > summary")
    assert summaries.count() >= 6
    for index in range(summaries.count()):  # a reader's click: <details> needs no JavaScript
        summaries.nth(index).click()
    assert page.locator("details.bibtex[open] pre").count() == summaries.count()
    assert page.locator("details.bibtex[open] pre").first.is_visible()
    assert horizontal_overflow(page) is None
    page.screenshot(path=str(artifacts / "screenshots" / f"publications-open-{scheme}.png"), full_page=True)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    if violations:
        (artifacts / "axe" / f"publications-open-{scheme}.json").write_text(json.dumps(violations, indent=2))
        pytest.fail("\n".join(_describe(violation) for violation in violations), pytrace=False)


def test_the_bib_file_is_published_and_linked_from_the_page(shipped):
    assert (shipped.build / "publications.bib").read_bytes().startswith(b"% Aman Mangal's papers")
    assert shipped.url + "publications.bib" in linked_urls(shipped.build, shipped.url + "publications/", shipped.url)
