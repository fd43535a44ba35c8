"""Series: posts grouped by their `series:` name, put in order, each with its part number and page."""

from dataclasses import dataclass, field

from ..problems import Problem
from ..text import slugify
from ..urls import Route
from .model import Post

SERIES_ROOT = "/series/"  # the index of series; each series has its page below it


@dataclass
class Series:
    """A series as its first part spells its name, its shown parts in order, and the URL of its page."""

    slug: str
    name: str
    parts: list[Post] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{SERIES_ROOT}{self.slug}/"

    def number(self, post: Post) -> int:
        """The part number of `post` (1 for the first part)."""
        return next(index for index, part in enumerate(self.parts, 1) if part is post)

    @property
    def published(self) -> bool:
        """Whether a published build shows it (a series of drafts only exists on the dev server)."""
        return any(not part.hidden for part in self.parts)


def part_order(post: Post) -> tuple:
    """Where a part goes in its series: parts with `series_order:` first, by that number, then the others.

    Equal numbers, and the parts without one, go by date, then by source path, so any
    mixture has exactly one order whatever order the files were read in.
    """
    if post.series_order is not None:
        return (0, post.series_order, post.date, post.source)
    return (1, 0, post.date, post.source)


def group_series(posts: list[Post]) -> tuple[dict[str, Series], list[Problem]]:
    """The series of the shown `posts` by slug (sorted), and the problems of names or orders that clash."""
    found: dict[str, Series] = {}
    problems = []
    parts = [post for post in posts if post.series is not None]  # a site without series sorts nothing
    for post in sorted(parts, key=lambda post: (post.date, post.source)):  # the oldest part's spelling wins
        series = found.setdefault(slugify(post.series), Series(slugify(post.series), post.series))
        if post.series != series.name:
            first = series.parts[0].source
            message = f"{post.series!r} and {series.name!r} (in {first}) make one URL, {series.url}: spell them alike"
            problems.append(Problem(post.source, "series", message, post.file.line_of("series")))
        series.parts.append(post)
    for series in found.values():
        series.parts.sort(key=part_order)
        problems += _shared_orders(series)
    return dict(sorted(found.items())), problems


def _shared_orders(series: Series) -> list[Problem]:
    """Warnings for parts given a `series_order:` another part of the series already has."""
    seen: dict[int, Post] = {}
    problems = []
    for part in series.parts:
        if part.series_order is None:
            continue
        other = seen.setdefault(part.series_order, part)
        if other is not part:
            message = f"{part.series_order} is also the order of {other.source}: the older part comes first"
            line = part.file.line_of("series_order")
            problems.append(Problem(part.source, "series_order", message, line, warning=True))
    return problems


def series_routes(series: dict[str, Series]) -> list[tuple[str, Route]]:
    """The paths the series pages claim: the index and one page per series, each owned by its oldest part."""
    claims = []
    for one in series.values():
        owner = min(one.parts, key=lambda post: (post.date, post.source))
        claims.append((one.url, Route("series", owner.source, one, "series", owner.file.line_of("series"))))
    if claims:
        claims.insert(0, (SERIES_ROOT, Route("series", claims[0][1].owner, None, "series", claims[0][1].line)))
    return claims

