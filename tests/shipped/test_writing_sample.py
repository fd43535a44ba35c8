"""The sample post that uses every writing feature, seen in Chromium on a phone and a desktop, light and dark."""

import pytest

from tests.shipped.test_browser import VIEWPORTS, contrast, horizontal_overflow, luminance, over, parse_color

SAMPLE = "blog/writing-tools-math-code-callouts/"

# Each writing feature of the sample post, as the reader's browser must lay it out.
FEATURES = {
    "inline math": "p math:not([display=block])",
    "display math": "math[display=block]",
    "titled code": "figure.code-block figcaption",
    "line numbers": "figure.code-block span.ln",
    "marked line": "figure.code-block mark.hl",
    "note": ".callout-note",
    "tip": ".callout-tip",
    "important": ".callout-important",
    "warning": ".callout-warning",
    "caution": ".callout-caution",
    "mermaid diagram": "figure.diagram-mermaid svg",
    "dot diagram": "figure.diagram-dot svg",
}

# For each feature: how many there are, and the size and colors of the first one (with the
# backgrounds behind it, innermost first, to composite the color it is really shown on).
MEASURE = """features => Object.fromEntries(Object.entries(features).map(([name, selector]) => {
  const all = [...document.querySelectorAll(selector)];
  const first = all[0];
  if (!first) return [name, {count: 0}];
  const box = first.getBoundingClientRect();
  const backgrounds = [];
  for (let e = first; e; e = e.parentElement) backgrounds.push(getComputedStyle(e).backgroundColor);
  const style = getComputedStyle(first);
  return [name, {count: all.length, width: box.width, height: box.height,
                 color: style.color, border: style.borderLeftColor, backgrounds}];
}))"""


def shown_on(backgrounds: list[str]) -> tuple:
    """The opaque color a box is painted on: its backgrounds composited over a white canvas."""
    color = (255.0, 255.0, 255.0, 1.0)
    for css in reversed(backgrounds):
        color = over(parse_color(css), color)
    return color


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("device", VIEWPORTS)
def test_every_writing_feature_is_laid_out_readably(shipped, open_page, artifacts, device, scheme):
    page = open_page(VIEWPORTS[device], scheme)
    assert page.goto(shipped.url + SAMPLE).ok
    page.screenshot(path=artifacts / "screenshots" / f"writing-{device}-{scheme}.png", full_page=True)
    assert horizontal_overflow(page) is None, horizontal_overflow(page)  # wide code scrolls inside its block
    measured = page.evaluate(MEASURE, FEATURES)
    problems = []
    for name, box in measured.items():
        if not box["count"]:
            problems.append(f"{name}: not on the page")
            continue
        if box["width"] < 1 or box["height"] < 1:
            problems.append(f"{name}: laid out as {box['width']}x{box['height']} px")
        background = shown_on(box["backgrounds"])
        if (ratio := contrast(over(parse_color(box["color"]), background), background)) < 4.5:
            problems.append(f"{name}: text {box['color']} on rgb{background[:3]} is {ratio:.2f}:1")
        if scheme == "dark" and luminance(background) >= 0.1:
            problems.append(f"{name}: shown on rgb{background[:3]}, not a dark background")
    callouts = [measured[name]["border"] for name in ("note", "tip", "important", "warning", "caution")]
    if len(set(callouts)) != len(callouts):
        problems.append(f"callout kinds share a border color: {callouts}")
    assert not problems, "\n".join(problems)
