"""Load the app served by waitress with wrk on 127.0.0.1 and print requests/s and latency.

Usage: python scripts/load_test.py [--site DIR] [--duration 30] [--connections 64] PATH...
(default paths: / /blog/ /feed.xml). Needs wrk (Debian package `wrk`).
Set FLASK_FLATPAGES_POSTS_AUTO_RELOAD=false and FLASK_FLATPAGES_PAGES_AUTO_RELOAD=false
in the environment to measure without the per-request re-walk of the content folders.
"""

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from servers import waitress_app  # noqa: E402

LUA = Path(__file__).with_name("rotate_paths.lua")


def run_load(site_root: Path, paths: list[str], duration: int = 30, connections: int = 64, env=None) -> dict:
    """Serve `site_root` with waitress, run wrk over `paths`, return wrk's totals as a dict."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed: apt-get install -y wrk")
    with waitress_app(site_root, env=env) as port:
        result = subprocess.run(
            [wrk, "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(LUA),
             f"http://127.0.0.1:{port}", "--", *paths],
            capture_output=True, text=True, timeout=duration + 60, check=True,
        )  # fmt: skip
    stats = json.loads(result.stdout.strip().splitlines()[-1])
    stats["requests_per_second"] = stats["requests"] / stats["seconds"]
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("paths", nargs="*", default=["/", "/blog/", "/feed.xml"])
    args = parser.parse_args()
    stats = run_load(args.site, args.paths, args.duration, args.connections)
    print(json.dumps(stats, indent=2))


if __name__ == "__main__":
    main()
