"""Import + freeze of a Jekyll blog of the standard corpus: the time a migrating author waits.

Usage: python bench/import_bench.py [--posts 400] [--work DIR]
Writes an old Jekyll site (posts from bench/make_corpus.py under _posts/ with the
`date` permalink style, a redirect_from per post, a post_url link, images at the root),
imports it into a fresh flatfolio site with `flask --app app import`, freezes it, checks
every old URL with `check --old-urls`, and prints one Markdown table of wall times.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from make_corpus import make_post  # noqa: E402

SITE_TOML = 'title = "Imported"\nauthor = "Bench"\nbase_url = "https://example.org/"\ntimezone = "UTC"\n'


def write_jekyll_site(root: Path, posts: int) -> None:
    """An old Jekyll site in its usual shape: _config.yml, _posts/, assets at the root."""
    (root / "_posts").mkdir(parents=True)
    (root / "_config.yml").write_text("title: Old blog\npermalink: date\n")
    (root / "assets").mkdir()
    (root / "assets" / "diagram.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (root / "about.md").write_text("---\ntitle: About\npermalink: /about/\n---\nAbout me.\n")
    previous = None
    for number in range(posts):
        post = make_post(number, 1234, 1200)
        name = f"{post['date']:%Y-%m-%d}-{post['slug']}"
        link = f"\n\nEarlier: [the last one]({{% post_url {previous} %}}).\n" if previous else "\n"
        front = (
            f"---\ntitle: {post['title']!r}\ndate: {post['date']:%Y-%m-%d %H:%M:%S} +0000\n"
            f"categories: [{post['tags'][0]}]\ntags: [{', '.join(post['tags'])}]\n"
            f"redirect_from: /p/{number}/\n---\n"
        )
        body = post["body"] + "\n![diagram](/assets/diagram.png)" + link
        (root / "_posts" / f"{name}.md").write_text(front + body)
        previous = name


def timed(command: list[str], site: Path) -> float:
    env = {"FLASK_SITE_ROOT": str(site), "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin"}
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{' '.join(command[3:])} failed ({result.returncode}):\n{result.stdout}{result.stderr[-3000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=400)
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="flatfolio-import-bench-"))
    shutil.rmtree(work / "old", ignore_errors=True)
    shutil.rmtree(work / "site", ignore_errors=True)
    write_jekyll_site(work / "old", args.posts)
    site = work / "site"
    (site / "pages").mkdir(parents=True)
    (site / "site.toml").write_text(SITE_TOML)
    (site / "pages" / "index.md").write_text("---\ntitle: Home\n---\nHome.\n")
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    seconds = {
        "import": timed([*flask, "import", str(work / "old")], site),
        "freeze (cold)": timed([*flask, "freeze", "--quiet", "--out", str(site / "build")], site),
        "check --old-urls": timed([*flask, "check", "--old-urls", str(site / ".cache/import/old-urls.txt")], site),
    }
    seconds["import + freeze"] = seconds["import"] + seconds["freeze (cold)"]
    print(f"| step ({args.posts} posts) | seconds |\n|---|---|")
    for step, value in seconds.items():
        print(f"| {step} | {value:.2f} |")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
