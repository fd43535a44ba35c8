"""The shipped site in Chromium: a reader's path through it, phone layout, code in both schemes, copying commands."""

import re

import pytest

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}

# Elements sticking out past the right edge of the viewport, outermost first; content
# that a scrolling or clipping box (a code block) holds inside it does not count.
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const clipped = e => {
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') return true;
    }
    return false;
  };
  const describe = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + [...e.classList].map(c => '.' + c).join('');
  const out = [...document.body.querySelectorAll('*')]
    .filter(e => e.getBoundingClientRect().right > width + 0.5 && !clipped(e));
  return out.filter(e => !out.includes(e.parentElement)).slice(0, 5)
    .map(e => `${describe(e)} ${JSON.stringify(e.textContent.trim().slice(0, 40))}`
      + ` ends at ${Math.round(e.getBoundingClientRect().right)}px`);
}"""


def horizontal_overflow(page) -> str | None:
    """Why a page scrolls sideways, or None when it fits the viewport's width."""
    scroll_width, client_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if scroll_width <= client_width:
        return None
    return f"{page.url}: {scroll_width}px wide in a {client_width}px viewport: {page.evaluate(OVERFLOWING)}"


def click_link_to(page, url: str) -> None:
    """Click the first visible link to `url` (compared after resolving) and wait for it to load."""
    links = page.locator("a:visible")
    targets = links.evaluate_all("links => links.map(a => a.href.split('#')[0])")
    assert url in targets, f"{page.url} shows no link to {url}; visible links: {targets}"
    links.nth(targets.index(url)).click()
    page.wait_for_url(url)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("device", VIEWPORTS)
def test_reader_goes_home_blog_post_tag_and_back(shipped, open_page, artifacts, device, scheme):
    page = open_page(VIEWPORTS[device], scheme)
    shots = artifacts / "screenshots"
    visited = []

    def arrived(step: str, url: str) -> None:
        assert page.url == url
        assert page.locator("h1").count() >= 1, f"{url}: no h1"
        if device == "phone":
            assert horizontal_overflow(page) is None, horizontal_overflow(page)
        page.screenshot(path=shots / f"{device}-{scheme}-{len(visited) + 1}-{step}.png", full_page=True)
        visited.append(step)

    response = page.goto(shipped.url)
    assert response.ok
    arrived("home", shipped.url)
    click_link_to(page, shipped.url + "blog/")
    arrived("blog", shipped.url + "blog/")
    click_link_to(page, shipped.post)
    arrived("post", shipped.post)
    click_link_to(page, shipped.tag)
    arrived("tag", shipped.tag)
    assert shipped.post in page.locator("a").evaluate_all("links => links.map(a => a.href)"), "tag page omits the post"
    page.go_back()
    arrived("back-to-post", shipped.post)
    page.go_back()
    arrived("back-to-blog", shipped.url + "blog/")


@pytest.mark.parametrize("width", [320, 390])
def test_no_built_page_scrolls_sideways_on_a_phone(shipped, open_page, width):
    page = open_page({"width": width, "height": 800}, "light")
    pages = sorted(shipped.build.rglob("*.html"))
    problems = []
    for file in pages:
        path = file.relative_to(shipped.build).as_posix()
        page.goto(shipped.url + path.removesuffix("index.html"))
        if problem := horizontal_overflow(page):
            problems.append(problem)
    if problems:
        report = "\n".join(problems)
        pytest.fail(f"{len(problems)} of {len(pages)} pages scroll sideways at {width}px:\n{report}", pytrace=False)


_RGB = re.compile(r"rgba?\(([\d.]+),? ([\d.]+),? ([\d.]+)(?:[,/] ?([\d.]+%?))?\)")


def parse_color(css: str) -> tuple[float, float, float, float]:
    """(r, g, b, alpha) from a computed CSS color like `rgb(13, 17, 23)` or `rgba(0, 0, 0, 0.5)`."""
    match = _RGB.fullmatch(css.strip())
    assert match, f"unexpected computed color {css!r}"
    r, g, b, alpha = match.groups()
    alpha = 1.0 if alpha is None else float(alpha.rstrip("%")) / (100 if alpha.endswith("%") else 1)
    return float(r), float(g), float(b), alpha


def over(top: tuple, bottom: tuple) -> tuple:
    """Composite a possibly transparent color over an opaque one."""
    alpha = top[3]
    return tuple(alpha * t + (1 - alpha) * b for t, b in zip(top[:3], bottom[:3], strict=True)) + (1.0,)


def luminance(color: tuple) -> float:
    """WCAG relative luminance of an sRGB color."""

    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(value) for value in color[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple, b: tuple) -> float:
    """WCAG contrast ratio of two opaque colors (1 to 21)."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_follows_wcag():
    assert contrast((255, 255, 255, 1), (0, 0, 0, 1)) == pytest.approx(21)
    assert contrast((118, 118, 118, 1), (255, 255, 255, 1)) == pytest.approx(4.54, abs=0.01)
    assert over((0, 0, 0, 0.5), (255, 255, 255, 1)) == (127.5, 127.5, 127.5, 1.0)
    assert parse_color("rgba(1, 2, 3, 0.5)") == (1, 2, 3, 0.5)


# Every highlighted block on the page: the background of it and its ancestors (innermost
# first), and the text color of the block and of each distinct token color in it.
CODE_COLORS = """() => [...document.querySelectorAll('pre.highlight')].map(pre => {
  const backgrounds = [];
  for (let e = pre; e; e = e.parentElement) backgrounds.push(getComputedStyle(e).backgroundColor);
  const colors = {[getComputedStyle(pre).color]: 'block text'};
  for (const e of pre.querySelectorAll('span')) {
    const text = e.textContent.trim();
    if (text) colors[getComputedStyle(e).color] ??= `.${e.className} ${JSON.stringify(text.slice(0, 20))}`;
  }
  return {lang: pre.dataset.lang, backgrounds, colors};
})"""


def code_block_problems(block: dict, scheme: str) -> list[str]:
    """Why a highlighted block does not follow the color scheme or has text below 4.5:1."""
    background = (255.0, 255.0, 255.0, 1.0)  # the canvas behind everything
    for css in reversed(block["backgrounds"]):
        background = over(parse_color(css), background)
    problems = []
    if scheme == "dark" and luminance(background) >= 0.1:
        problems.append(f"background rgb{background[:3]} is not dark")
    if scheme == "light" and luminance(background) <= 0.6:
        problems.append(f"background rgb{background[:3]} is not light")
    for css, where in block["colors"].items():
        if (ratio := contrast(over(parse_color(css), background), background)) < 4.5:
            problems.append(f"{where}: {css} on rgb{background[:3]} is {ratio:.2f}:1")
    return [f"{block['lang']} block: {problem}" for problem in problems]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_code_blocks_follow_the_color_scheme_and_stay_readable(shipped, open_page, artifacts, scheme):
    page = open_page(DESKTOP, scheme)
    problems = []
    for post in shipped.posts:
        page.goto(post)
        for block in page.evaluate(CODE_COLORS):
            problems += sorted({f"{post}: {problem}" for problem in code_block_problems(block, scheme)})
    page.goto(shipped.code_post)
    page.locator("pre.highlight").first.screenshot(path=artifacts / "screenshots" / f"code-{scheme}.png")
    if problems:
        pytest.fail(
            f"{len(problems)} problems with code blocks in {scheme} mode:\n" + "\n".join(problems), pytrace=False
        )


# Select a shell session's whole code block the way a reader does before copying.
SELECT_SHELL_BLOCK = """() => {
  const pre = [...document.querySelectorAll('pre.highlight')].find(p => p.querySelector('.gp'));
  const range = document.createRange();
  range.selectNodeContents(pre);
  getSelection().removeAllRanges();
  getSelection().addRange(range);
  const texts = selector => [...pre.querySelectorAll(selector)].map(e => e.textContent);
  return {selected: getSelection().toString(), text: pre.textContent, prompts: texts('.gp'), output: texts('.go')};
}"""


def test_copying_a_shell_session_copies_the_commands_only(shipped, open_page):
    page = open_page(DESKTOP, "light")
    page.goto(shipped.shell_post)
    block = page.evaluate(SELECT_SHELL_BLOCK)
    prompts = {prompt.strip() for prompt in block["prompts"] if prompt.strip()}
    commands = [
        line.strip()[len(prompt) :].strip()
        for line in block["text"].splitlines()
        for prompt in prompts
        if line.strip().startswith(prompt)
    ]
    output = {line.strip() for text in block["output"] for line in text.splitlines() if line.strip()}
    selected = [line.strip() for line in block["selected"].splitlines() if line.strip()]
    assert commands and output, f"expected a session with prompts and output: {block['text']!r}"

    copied = block["selected"]
    assert [line for line in selected if line in commands] == commands, f"commands not all copied: {copied!r}"
    assert not [line for line in selected if line in output], f"output copied with the commands: {copied!r}"
    assert not [line for line in selected if line.startswith(tuple(prompts))], f"prompts copied: {copied!r}"


# Select a numbered code block whole; what a copy must hold is its text without the numbers.
SELECT_NUMBERED_BLOCK = """() => {
  const pre = [...document.querySelectorAll('pre')].find(p => p.querySelector('.ln'));
  const range = document.createRange();
  range.selectNodeContents(pre);
  getSelection().removeAllRanges();
  getSelection().addRange(range);
  const bare = pre.cloneNode(true);
  bare.querySelectorAll('.ln').forEach(e => e.remove());
  return {
    selected: getSelection().toString(), code: bare.textContent,
    numbers: [...pre.querySelectorAll('.ln')].map(e => e.textContent.trim()),
  };
}"""


def test_copying_a_numbered_code_block_leaves_the_numbers_behind(shipped, open_page):
    page = open_page(DESKTOP, "light")
    page.goto(shipped.numbered_post)
    block = page.evaluate(SELECT_NUMBERED_BLOCK)
    numbers = [int(number) for number in block["numbers"]]
    assert len(numbers) > 2 and numbers == list(range(numbers[0], numbers[0] + len(numbers))), block["numbers"]
    selected = block["selected"].rstrip("\n").split("\n")
    assert selected == block["code"].rstrip("\n").split("\n"), f"copied {block['selected']!r}"
    assert not any(line.lstrip().startswith(str(number)) for line, number in zip(selected, numbers, strict=True))


# The text colors inside each marked line, and the backgrounds behind them (innermost first).
MARKED_LINE_COLORS = """() => [...document.querySelectorAll('pre mark.hl')].map(mark => {
  const backgrounds = [];
  for (let e = mark; e; e = e.parentElement) backgrounds.push(getComputedStyle(e).backgroundColor);
  const colors = {[getComputedStyle(mark).color]: 'line text'};
  for (const e of mark.querySelectorAll('span')) {
    const text = e.textContent.trim();
    if (text) colors[getComputedStyle(e).color] ??= `.${e.className} ${JSON.stringify(text.slice(0, 20))}`;
  }
  return {lang: 'marked line', backgrounds, colors};
})"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_marked_code_lines_stand_out_and_stay_readable(shipped, open_page, artifacts, scheme):
    page = open_page(DESKTOP, scheme)
    page.goto(shipped.numbered_post)
    page.locator("figure.code-block").first.screenshot(path=artifacts / "screenshots" / f"code-marked-{scheme}.png")
    marks = page.evaluate(MARKED_LINE_COLORS)
    assert marks, "no marked line"
    problems = sorted({problem for mark in marks for problem in code_block_problems(mark, scheme)})
    assert problems == [], problems
    mark, pre = (parse_color(css) for css in marks[0]["backgrounds"][:2])
    assert mark[:3] != pre[:3], "a marked line has the block's own background"


@pytest.mark.parametrize(("path", "max_pages"), [("", 1), ("experience/", 2)])
def test_home_and_experience_print_as_a_short_cv(shipped, open_page, artifacts, path, max_pages):
    page = open_page(DESKTOP, "light")
    page.goto(shipped.url + path)
    page.emulate_media(media="print")
    assert page.locator("nav[aria-label='Main']").is_hidden()  # the CV carries no site chrome
    assert page.locator("footer").is_hidden()
    pdf = page.pdf(format="A4")
    (artifacts / "screenshots" / f"cv-{path.strip('/') or 'home'}.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= max_pages


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_keyboard_users_get_a_skip_link_and_a_visible_focus(shipped, open_page, scheme):
    page = open_page(DESKTOP, scheme)
    page.goto(shipped.url)
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("e => e === document.activeElement")
    box = skip.bounding_box()
    assert box and box["y"] >= 0 and box["x"] >= 0, "the focused skip link is on screen"
    page.keyboard.press("Tab")  # the site title
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert outline[0] != "none" and outline[1] != "0px", outline
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # following the skip link lands in the main content
    page.wait_for_url("**#main", timeout=5000)  # the fragment navigation completes after the key press returns
