"""The shipped sample series in Chromium: no CSP violation or console error, readable, reachable from its parts."""

import pytest

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SERIES = "series/working-on-dgraph/"
PARTS = ["blog/dgraph-upserts/", "blog/background-indexing-strong-consistency/"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", [SERIES, "series/", PARTS[1]])
def test_series_pages_load_without_csp_violations_or_errors(shipped, open_page, artifacts, path, scheme):
    page = open_page(PHONE, scheme)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    response = page.goto(shipped.url + path)
    assert response is not None and response.ok
    # Any violation of the Content-Security-Policy is logged by Chromium as a console error.
    assert errors == [], errors
    width = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert width <= 0, f"{path} scrolls sideways by {width}px on a phone"
    page.screenshot(path=str(artifacts / "screenshots" / f"series-{path.strip('/').replace('/', '-')}-{scheme}.png"))


def test_a_reader_goes_from_one_part_to_the_series_and_on_to_the_next_part(shipped, open_page):
    page = open_page(DESKTOP, "light")
    page.goto(shipped.url + PARTS[0])
    nav = page.get_by_role("navigation", name="Part 1 of 2 in the series Working on Dgraph")
    assert nav.locator("[aria-current=page]").inner_text() == "Upserts in Dgraph's query language"
    nav.get_by_role("link", name="Working on Dgraph").click()
    page.wait_for_url(shipped.url + SERIES)
    assert page.locator("h1").inner_text() == "Working on Dgraph"
    page.locator("ol.series-parts li").nth(1).get_by_role("link").click()
    page.wait_for_url(shipped.url + PARTS[1])
    assert page.get_by_role("navigation", name="Part 2 of 2 in the series Working on Dgraph").is_visible()
