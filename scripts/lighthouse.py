"""Lighthouse scores of the shipped site: home, blog, newest post, publications, a series, search; mobile, desktop.

Usage: python scripts/lighthouse.py [--out DIR] [--pages home,blog,post,publications,series,search]
                                   [--forms mobile,desktop]

Freezes the repo's content, serves it on 127.0.0.1, runs npm `lighthouse` (installed by
`npm ci`) on Debian's Chromium and prints the four category scores of each run. The full
reports (JSON and HTML) go to DIR (default test-artifacts/lighthouse/). About 20 s a run.
Exit status: 0 all runs done, 1 a run failed, 2 a tool is missing.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a file from anywhere

from scripts.shipped_site import CHROMIUM_FLAGS, NODE_MODULES, built_and_served, post_urls  # noqa: E402

CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
FORM_FACTORS = {"mobile": [], "desktop": ["--preset=desktop"]}
PAGES = ("home", "blog", "post", "publications", "series", "search")
LIGHTHOUSE = NODE_MODULES / ".bin" / "lighthouse"
RUN_TIMEOUT = 300  # seconds; a run normally takes 15 to 25


def run_lighthouse(url: str, form: str, chromium: str, report_base: Path) -> dict:
    """One Lighthouse run; returns its JSON report (also written beside the HTML one)."""
    command = [
        str(LIGHTHOUSE), url, "--quiet", "--output=json", "--output=html", f"--output-path={report_base}",
        f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={' '.join(CHROMIUM_FLAGS)}",
        *FORM_FACTORS[form],
    ]  # fmt: skip
    env = {**os.environ, "CHROME_PATH": chromium}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    report = report_base.with_name(report_base.name + ".report.json")
    if result.returncode != 0 or not report.is_file():
        raise RuntimeError(f"lighthouse {url} ({form}) exited {result.returncode}:\n{result.stderr[-2000:]}")
    return json.loads(report.read_text(encoding="utf-8"))


def lost_points(report: dict) -> list[str]:
    """The weighted audits that did not get full marks, as `category: audit id (score)`."""
    lost = []
    for name in CATEGORIES:
        for ref in report["categories"][name]["auditRefs"]:
            score = report["audits"][ref["id"]]["score"]
            if ref["weight"] > 0 and score is not None and score < 1:
                lost.append(f"{name}: {ref['id']} ({round(score * 100)})")
    return lost


def print_table(rows: list[list[str]]) -> None:
    """Text columns left-aligned, score columns right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("test-artifacts/lighthouse"), help="folder for the reports")
    parser.add_argument("--pages", default=",".join(PAGES), help=f"which of {', '.join(PAGES)} (default: all)")
    parser.add_argument("--forms", default=",".join(FORM_FACTORS), help="which of mobile, desktop (default: both)")
    args = parser.parse_args()
    chosen_pages, forms = args.pages.split(","), args.forms.split(",")
    if not set(chosen_pages) <= set(PAGES) or not set(forms) <= set(FORM_FACTORS):
        parser.error(f"--pages takes {', '.join(PAGES)}; --forms takes mobile, desktop")
    chromium = shutil.which("chromium")
    if chromium is None or not LIGHTHOUSE.is_file():
        print("needs chromium (apt-get install chromium) and node_modules (npm ci)", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)

    rows, notes, status = [], [], 0
    with tempfile.TemporaryDirectory() as folder, built_and_served(Path(folder)) as (build, site):
        posts = post_urls(build, site)
        pages = {"home": site, "blog": site + "blog/", **({"post": posts[0]} if posts else {})}
        pages.update(publications=site + "publications/", search=site + "search/")
        series = sorted(path.parent.name for path in (build / "series").glob("*/index.html"))
        pages.update({"series": f"{site}series/{series[0]}/"} if series else {})
        for name, url in pages.items():
            if name not in chosen_pages:
                continue
            for form in forms:
                try:
                    report = run_lighthouse(url, form, chromium, args.out / f"{name}-{form}")
                except (RuntimeError, subprocess.TimeoutExpired) as error:
                    print(error, file=sys.stderr)
                    status = 1
                    continue
                scores = [report["categories"][c]["score"] for c in CATEGORIES]
                path = "/" + url.removeprefix(site)
                rows.append([path, form, *("-" if s is None else str(round(s * 100)) for s in scores)])
                notes += [f"{path} ({form}) {item}" for item in lost_points(report)]
                print(f"  {path} ({form}) done", file=sys.stderr)

    print_table([["page", "form", *CATEGORIES], *rows])
    if notes:
        print("\nAudits below full marks:\n" + "\n".join(notes))
    print(f"\nReports: {args.out}/")
    return status


if __name__ == "__main__":
    sys.exit(main())
