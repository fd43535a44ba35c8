#!/usr/bin/env python3
"""Pathological inputs an author can produce, each timed at n and 4n: a ratio near 4 is linear.

Usage: python bench/pathological.py [--scale F]   (F multiplies every n; default 1)
"""

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from flatfolio.build.freeze import freeze_site  # noqa: E402
from flatfolio.content.sources import parse_source  # noqa: E402
from flatfolio.render import reading_minutes, render_markdown  # noqa: E402


def freeze_many_tags(n: int) -> None:
    """One post with n tags: n tag pages and n tag feeds."""
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder)
        (site / "posts").mkdir()
        (site / "site.toml").write_text('title = "B"\nauthor = "A"\nbase_url = "https://example.org/"\nnav = []\n')
        tags = ", ".join(f"tag-{i}" for i in range(n))
        (site / "posts/2024-01-01-p.md").write_text(f"---\ntitle: P\ndate: 2024-01-01\ntags: [{tags}]\n---\nBody.\n")
        freeze_site(create_app({"SITE_ROOT": str(site), "RENDER_CACHE": False}), site / "out")
        shutil.rmtree(site / "out")


CASES = {
    "tags on one post (freeze)": (125, freeze_many_tags),
    "identical headings (render)": (1_250, lambda n: render_markdown("## Same\n\n" * n)),
    "'<' in code (reading time)": (25_000, lambda n: reading_minutes("```\n" + "<" * n + "\n```\n")),
    "trailing spaces in front matter (parse)": (
        25_000, lambda n: parse_source("posts/x.md", ("---\ntitle: T\nsummary" + " " * n + "\n---\nx\n").encode()),
    ),
}


def best_of(function, n: int, rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function(n)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every n (e.g. 0.01 for a smoke run)")
    scale = parser.parse_args().scale
    render_markdown("warm up")
    print("| input | n | time at n | 4n | time at 4n | ratio (4 = linear) |")
    print("|---|---|---|---|---|---|")
    for name, (base, function) in CASES.items():
        n = max(1, round(base * scale))
        small, large = best_of(function, n), best_of(function, 4 * n)
        ratio = large / max(small, 1e-9)
        print(f"| {name} | {n:,} | {small * 1000:.1f} ms | {4 * n:,} | {large * 1000:.1f} ms | {ratio:.1f} |")


if __name__ == "__main__":
    main()
