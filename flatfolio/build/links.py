"""Links in built HTML: finding every href and src inside tags, and the ones that point at no file of the build."""

import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import output

# Patterns with a literal start scan far faster than one `(?:href|src)=` alternation.
# Jinja and markdown-it escape `"` everywhere but in real attributes, so outside code a
# double-quoted match is an attribute; single-quoted and unquoted ones (raw HTML in posts)
# are rare and each is checked to sit inside a tag.
_QUOTED = (re.compile(r'href="([^"]*)"'), re.compile(r'src="([^"]*)"'))
_LOOSE = (
    re.compile(r"href='([^']*)'"), re.compile(r"src='([^']*)'"),
    re.compile(r"href=([^\s\"'=<>`]+)"), re.compile(r"src=([^\s\"'=<>`]+)"),  # unquoted: no quote can start it
)  # fmt: skip
_CODE = re.compile(r"<pre\b.*?</pre>", re.S)  # Pygments leaves quotes unescaped: `href="x"` in code is text
_PLAIN_PATH = re.compile(r"[^:?#%&]*")  # no scheme, query, fragment, escape or entity


def page_links(html: str) -> list[str]:
    """The distinct href and src values of a page's tags, sorted (text that only looks like one is left out)."""
    if "<pre" in html:
        html = _CODE.sub("", html)
    links = {link for pattern in _QUOTED for link in pattern.findall(html)}
    links.update(match.group(1) for pattern in _LOOSE for match in pattern.finditer(html) if _in_tag(html, match))
    return sorted(links)


def _in_tag(html: str, match: re.Match) -> bool:
    """Whether a match is an attribute of a tag, not text that looks like one.

    Code shows `href="x"` as text (Pygments leaves quotes unescaped), and a meta
    description may quote `<a href='x'>` inside its own value: a real attribute sits
    inside a tag, outside every quoted value before it.
    """
    start = match.start()
    tag = html.rfind("<", 0, start)
    if tag <= html.rfind(">", 0, start):
        return False
    before = html[tag:start]
    return before.count('"') % 2 == 0 and before.count("'") % 2 == 0


def broken_links(
    build: Path, base_path: str, known: dict[str, list[str]] | None = None, files: set[str] | None = None
) -> list[str]:
    """Every href/src in the built HTML that points inside the site at a file that is not there.

    `known` gives the links of pages already read (by file name); the others are read
    here. `files`, when given, lists every file of the build.
    """
    files = files if files is not None else set(output.files(build))  # then each link is a set lookup, not a stat
    checked: dict[tuple[str, str], bool] = {}  # (link, page folder) -> resolves; nav links repeat on every page
    parsed: dict[str, tuple[bool, str] | None] = {}  # link -> its path, parsed once however many pages hold it
    broken = []
    for name in sorted(files):
        if not name.endswith(".html"):
            continue
        page_dir = "/" + name.rsplit("/", 1)[0] + "/" if "/" in name else "/"
        links = known.get(name) if known else None
        if links is None:
            links = page_links((build / name).read_text(encoding="utf-8"))
        for link in links:
            if link not in parsed:
                parsed[link] = _link_path(link)
            if parsed[link] is None:
                continue  # another site, or this page (#anchor, ?query)
            relative, path = parsed[link]
            # Relative links depend on the page's folder; others resolve the same from any page.
            key = (link, page_dir if relative else "")
            resolves = checked.get(key)
            if resolves is None:
                target = _target_file(path, relative, page_dir, base_path)
                target = os.path.normpath(target) if target else target  # "a/../b" as the filesystem sees it
                resolves = target != "" and (target in files or f"{target}/index.html" in files)
                checked[key] = resolves
            if not resolves:
                broken.append(f"{name}: {link}")
    return broken


def _link_path(link: str) -> tuple[bool, str] | None:
    """(relative?, unquoted path) of a link inside the site; None for outside links and bare fragments."""
    if not link or link.startswith("#"):
        return None
    if not link.startswith("//") and _PLAIN_PATH.fullmatch(link):  # most links: nothing to split or unquote
        return (not link.startswith("/"), link)
    parts = urlsplit(link.replace("&amp;", "&"))
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    return (not path.startswith("/"), path)


def _target_file(path: str, relative: bool, page_dir: str, base_path: str) -> str:
    """The built file a link's path needs, relative to the build root ("" when it cannot be in the build)."""
    if not relative:
        if base_path and not (path + "/").startswith(base_path + "/"):
            return ""  # root-relative but outside the base path: broken at a sub-path
        path = path[len(base_path) :]
    else:
        path = os.path.normpath(page_dir + path) + ("/" if path.endswith("/") else "")
    if path.endswith("/"):
        path += "index.html"
    return path.lstrip("/")
