#!/usr/bin/env python3
"""Benchmark flatfolio against Pelican and Hugo on the same generated posts.

    python bench/run.py --posts 100,1000 --rounds 3

For each post count: generates the standard corpus (bench/make_corpus.py), then, in
rounds interleaving the tools, times a cold build (no caches), a rebuild with nothing
changed, a rebuild after editing one post and one after editing the base template, and
records each build's peak RSS. Then starts flatfolio's dev server on 127.0.0.1 (with
and without --debug) and measures the first page after start, and p50/p99 latency and
requests/s of a post page with wrk. Medians and ratios go to bench/results.md (and
stdout). Pelican is installed by this script into bench/.venv; Hugo is the Debian
package `hugo`; a missing peer is reported and skipped.
"""

import argparse
import contextlib
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
VENV = BENCH / ".venv"
PELICAN_REQUIREMENTS = ["pelican>=4.12,<5", "markdown>=3.5,<4"]
APP_FILES = ("app.py", "flatfolio", "templates", "static")
SITE_TOML = """\
title = "Perf Anchors"
author = "Bench"
base_url = "http://example.com/"
description = "The standard benchmark corpus."
timezone = "UTC"
posts_per_page = 10
"""
SCENARIOS = ("cold", "no change", "one post edited", "base template edited")
SERVER_TIMEOUT = 60.0  # seconds to wait for a dev server's first page


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Run:
    """One build: wall seconds, CPU seconds of all its processes, peak RSS of the largest; None on failure."""

    seconds: float | None
    rss_mb: float | None
    cpu: float | None = None


def run_measured(command: list[str], cwd: Path, env: dict | None = None) -> Run:
    """Run a build command: wall time, and peak RSS from wait4 (the largest of it and its children)."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=errors
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            detail = errors.read().decode(errors="replace")[-2000:]
            log(f"  failed ({process.returncode}): {' '.join(command)}\n{detail}")
            return Run(None, None)
    # ru_maxrss is in KiB on Linux; CPU time includes the worker processes the build waited for.
    return Run(seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)


# --- the tools ----------------------------------------------------------------------


class Tool:
    name = ""

    def __init__(self, work: Path, corpus: Path, posts: int):
        self.work, self.corpus, self.posts = work, corpus, posts
        self.edits = 0

    def prepare(self) -> None: ...
    def clean(self) -> None: ...
    def build(self) -> Run: ...
    def post_file(self) -> Path: ...
    def template_file(self) -> Path: ...

    def edit_post(self) -> None:
        """Append a paragraph to one post in the middle of the corpus."""
        self.edits += 1
        with self.post_file().open("a", encoding="utf-8") as handle:
            handle.write(f"\nEdited for the benchmark, edit {self.edits} ({time.time_ns()}).\n")

    def edit_template(self) -> None:
        """Add a comment to the base template."""
        self.edits += 1
        path = self.template_file()
        text = path.read_text(encoding="utf-8")
        marker = f"<!-- bench edit {self.edits} {time.time_ns()} -->"
        path.write_text(re.sub(r"<!-- bench edit [^>]*-->|(?=</body>)", marker, text, count=1), encoding="utf-8")

    def middle_post(self, folder: Path) -> Path:
        return sorted(folder.glob("*.md"))[self.posts // 2]


class Flatfolio(Tool):
    name = "flatfolio"

    def prepare(self):
        self.app = self.work / "app"
        shutil.rmtree(self.app, ignore_errors=True)
        for name in APP_FILES:
            source = REPO / name
            if source.is_dir():
                shutil.copytree(source, self.app / name, ignore=shutil.ignore_patterns("__pycache__", ".cache"))
            else:
                self.app.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, self.app / name)
        self.site = self.work / "site"
        shutil.rmtree(self.site, ignore_errors=True)
        (self.site / "pages").mkdir(parents=True)
        (self.site / "site.toml").write_text(SITE_TOML, encoding="utf-8")
        shutil.copytree(self.corpus / "yaml" / "posts", self.site / "posts")
        publish_every_post(self.site / "posts")
        self.out = self.work / "out"

    def env(self):
        # Python's default, as on an author's machine (some CI images turn it off): flatfolio's
        # bytecode is cached after the first run, as pip did for the installed peers at install.
        return {"FLASK_SITE_ROOT": str(self.site), "PYTHONDONTWRITEBYTECODE": ""}

    def clean(self):
        shutil.rmtree(self.site / ".cache", ignore_errors=True)
        shutil.rmtree(self.out, ignore_errors=True)

    def build(self):
        command = [sys.executable, "-m", "flask", "--app", "app", "freeze", "--out", str(self.out)]
        return run_measured(command, self.app, self.env())

    def post_file(self):
        return self.middle_post(self.site / "posts")

    def template_file(self):
        return self.app / "templates" / "base.html"


_DATE_LINE = re.compile(r"^date: (\S+)$", re.M)


def publish_every_post(folder: Path) -> None:
    """Move dates that lie in the future into the past, keeping the posts' order.

    The standard corpus dates post i 2 i days after 2016-01-01, so past about 2,000
    posts the dates lie ahead, and flatfolio (like Hugo) does not publish scheduled
    posts: a 10,000-post build would publish only the first 2,000. Corpora that are
    all in the past (100 and 1,000 posts) are left exactly as generated.
    """
    posts = sorted(folder.glob("*.md"))  # named by index, so in date order
    texts = [path.read_text(encoding="utf-8") for path in posts]
    dates = [datetime.fromisoformat(_DATE_LINE.search(text).group(1)) for text in texts]
    now = datetime.now(UTC)
    if not dates or max(dates) < now:
        return
    start = dates[0]
    step = (now - timedelta(days=1) - start) / len(posts)
    for index, (path, text) in enumerate(zip(posts, texts, strict=True)):
        date = (start + step * index).strftime("%Y-%m-%dT%H:%M:%SZ")
        path.write_text(_DATE_LINE.sub(f"date: {date}", text, count=1), encoding="utf-8")


class Pelican(Tool):
    name = "Pelican"

    def prepare(self):
        self.content = self.work / "content"
        shutil.rmtree(self.content, ignore_errors=True)
        shutil.copytree(self.corpus / "pelican", self.content)
        self.theme = self.work / "theme"
        shutil.rmtree(self.theme, ignore_errors=True)
        themes = subprocess.check_output(
            [str(VENV / "bin" / "python"), "-c", "import pelican, os; print(os.path.dirname(pelican.__file__))"],
            text=True,
        ).strip()
        shutil.copytree(Path(themes) / "themes" / "notmyidea", self.theme)
        self.out, self.cache = self.work / "out", self.work / "cache"

    def clean(self):
        shutil.rmtree(self.out, ignore_errors=True)
        shutil.rmtree(self.cache, ignore_errors=True)

    def build(self):
        # Pelican's content cache on, so rebuilds show it at its best; cold runs start without it.
        command = [
            str(VENV / "bin" / "pelican"), str(self.content), "-o", str(self.out),
            "-s", str(BENCH / "peers" / "pelicanconf.py"), "-t", str(self.theme), "-q",
            "--cache-path", str(self.cache), "-e", "CACHE_CONTENT=true", "LOAD_CONTENT_CACHE=true",
        ]  # fmt: skip
        return run_measured(command, self.work)

    def post_file(self):
        return self.middle_post(self.content)

    def template_file(self):
        return self.theme / "templates" / "base.html"


class Hugo(Tool):
    name = "Hugo"

    def prepare(self):
        self.site = self.work / "site"
        shutil.rmtree(self.site, ignore_errors=True)
        shutil.copytree(BENCH / "peers" / "hugo", self.site)
        shutil.copytree(self.corpus / "yaml" / "posts", self.site / "content" / "posts")
        self.out, self.cache = self.work / "out", self.work / "cache"

    def clean(self):
        for path in (self.out, self.cache, self.site / "resources"):
            shutil.rmtree(path, ignore_errors=True)

    def build(self):
        command = ["hugo", "--quiet", "-d", str(self.out), "--cacheDir", str(self.cache)]
        return run_measured(command, self.site)

    def post_file(self):
        return self.middle_post(self.site / "content" / "posts")

    def template_file(self):
        return self.site / "layouts" / "_default" / "baseof.html"


def ensure_pelican() -> str | None:
    """Install Pelican into bench/.venv if needed; the reason it is unavailable, or None."""
    pelican = VENV / "bin" / "pelican"
    if not pelican.exists():
        log("installing Pelican into bench/.venv ...")
        try:
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, capture_output=True)
            subprocess.run(
                [str(VENV / "bin" / "pip"), "install", "-q", *PELICAN_REQUIREMENTS], check=True, capture_output=True
            )
        except (subprocess.CalledProcessError, OSError) as error:
            detail = getattr(error, "stderr", b"") or b""
            return f"pip install failed: {detail.decode(errors='replace').strip()[-300:] or error}"
    return None


def peer_versions() -> dict[str, str]:
    versions = {"Python": platform.python_version()}
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        versions["Pelican"] = subprocess.check_output([str(VENV / "bin" / "pelican"), "--version"], text=True).strip()
    if shutil.which("hugo"):
        versions["Hugo"] = subprocess.check_output(["hugo", "version"], text=True).split()[1]
    return versions


# --- the corpus ---------------------------------------------------------------------


def corpus(work: Path, posts: int) -> Path:
    """The standard corpus of `posts` posts, generated once per work folder."""
    folder = work / f"corpus-{posts}"
    done = folder / ".complete"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        log(f"generating {posts} posts ...")
        subprocess.run([sys.executable, str(BENCH / "make_corpus.py"), str(posts), str(folder)], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        done.write_text("ok\n")
    return folder


# --- builds -------------------------------------------------------------------------


@dataclass
class BuildResults:
    """times[tool][scenario], cpu[tool][scenario] and rss[tool]: lists over rounds."""

    times: dict = field(default_factory=dict)
    cpu: dict = field(default_factory=dict)
    rss: dict = field(default_factory=dict)


def bench_builds(tools: list[Tool], rounds: int) -> BuildResults:
    results = BuildResults()
    for tool in tools:
        tool.prepare()
    for number in range(rounds):
        # Rotate the order each round so no tool always runs first (or after the same one).
        order = tools[number % len(tools) :] + tools[: number % len(tools)]
        for tool in order:
            steps = [
                ("cold", tool.clean),
                ("no change", None),
                ("one post edited", tool.edit_post),
                ("base template edited", tool.edit_template),
            ]
            for scenario, before in steps:
                if before:
                    before()
                run = tool.build()
                results.times.setdefault(tool.name, {}).setdefault(scenario, []).append(run.seconds)
                results.cpu.setdefault(tool.name, {}).setdefault(scenario, []).append(run.cpu)
                if run.rss_mb is not None:
                    results.rss.setdefault(tool.name, []).append(run.rss_mb)
                shown = f"{run.seconds:.2f} s, cpu {run.cpu:.2f} s, {run.rss_mb:.0f} MB" if run.seconds else "failed"
                log(f"  round {number + 1} {tool.name:9} {scenario:21} {shown}")
    return results


# --- the dev server -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ServerResult:
    first_page: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    requests_per_s: float | None = None
    note: str = ""


def _wrk_ms(text: str, label: str) -> float | None:
    match = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\b", text, re.M)
    if not match:
        return None
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def bench_server(tool: Flatfolio, url_path: str, debug: bool, seconds: float) -> ServerResult:
    """Start `flask run`, time its first page, then wrk one connection for `seconds`."""
    port = free_port()
    command = [sys.executable, "-m", "flask", "--app", "app", "run", "--host", "127.0.0.1", "--port", str(port)]
    if debug:
        command.append("--debug")
    url = f"http://127.0.0.1:{port}{url_path}"
    result = ServerResult()
    started = time.perf_counter()
    # Its own session, so the --debug reloader's child is stopped with it.
    server = subprocess.Popen(
        command, cwd=tool.app, env={**os.environ, **tool.env()},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        while time.perf_counter() - started < SERVER_TIMEOUT:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        response.read()
                        result.first_page = time.perf_counter() - started
                        break
            except OSError:
                time.sleep(0.01)
        if result.first_page is None:
            result.note = "server did not answer"
            return result
        wrk = shutil.which("wrk")
        if not wrk:
            result.note = "wrk not installed: latency skipped"
            return result
        subprocess.run([wrk, "-t1", "-c1", "-d1s", url], capture_output=True, timeout=30)  # warm-up
        output = subprocess.run(
            [wrk, "-t1", "-c1", f"-d{seconds:g}s", "--latency", url], capture_output=True, text=True,
            timeout=seconds + 30,
        ).stdout  # fmt: skip
        result.p50_ms, result.p99_ms = _wrk_ms(output, "50%"), _wrk_ms(output, "99%")
        match = re.search(r"Requests/sec:\s+([\d.]+)", output)
        result.requests_per_s = float(match.group(1)) if match else None
        if "Non-2xx" in output:
            result.note = "non-2xx responses"
        return result
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# --- the report ---------------------------------------------------------------------


def median(values) -> float | None:
    values = [value for value in values or () if value is not None]
    return statistics.median(values) if values else None


def seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} s"


def ratio(a: float | None, b: float | None) -> str:
    return "n/a" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def report(args, builds: dict[int, BuildResults], skipped: dict[str, str], server: dict, versions: dict) -> str:
    peers = [name for name in ("Pelican", "Hugo") if any(name in b.times for b in builds.values())]
    lines = [
        "# flatfolio benchmark results",
        "",
        f"Command: `python bench/run.py {' '.join(args.argv)}`".rstrip(),
        "",
        f"Machine: {os.cpu_count()} CPUs, {platform.platform()}; "
        + ", ".join(f"{name} {version}" for name, version in versions.items())
        + f". Load average at start: {args.load}. Medians of {args.rounds} interleaved rounds"
        + (f" ({args.large_rounds} above {args.peers_max_posts:,} posts)." if args.large_rounds else "."),
        "",
    ]
    for name, reason in skipped.items():
        lines.append(f"- {name} skipped: {reason}")
    if skipped:
        lines.append("")
    tables = (("Wall time (what the author waits)", "times"), ("CPU time (user + sys, all processes)", "cpu"))
    for title, kind in tables:
        header = ["posts", "build", "flatfolio", *peers, *(f"flatfolio / {peer}" for peer in peers)]
        lines += [f"{title}, medians:", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for posts, results in builds.items():
            measured = getattr(results, kind)
            for scenario in SCENARIOS:
                ours = median(measured.get("flatfolio", {}).get(scenario))
                theirs = [median(measured.get(peer, {}).get(scenario)) for peer in peers]
                row = [f"{posts:,}", scenario, seconds(ours), *map(seconds, theirs), *(ratio(ours, t) for t in theirs)]
                lines.append("| " + " | ".join(row) + " |")
            if kind == "times":
                rss = [max(results.rss.get(name, []), default=None) for name in ("flatfolio", *peers)]
                shown = ("n/a" if r is None else f"{r:.0f} MB" for r in rss)
                row = [f"{posts:,}", "peak RSS (largest process)", *shown]
                row += [ratio(rss[0], r) for r in rss[1:]]
                lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    counts = sorted(builds)
    if len(counts) > 1:
        lines.append("")
        for small, large in zip(counts, counts[1:], strict=False):
            a = median(builds[small].times.get("flatfolio", {}).get("cold"))
            b = median(builds[large].times.get("flatfolio", {}).get("cold"))
            lines.append(f"flatfolio cold build, {large:,} posts vs {small:,}: {ratio(b, a)} the time.")
    if server:
        lines += [
            "",
            f"Dev server (`flask --app app run`, {args.server_posts:,} posts, warm render cache; "
            f"wrk, 1 connection, {args.server_seconds:g} s, a post page):",
            "",
            "| mode | first page after start | p50 | p99 | requests/s | note |",
            "|---|---|---|---|---|---|",
        ]
        for mode, result in server.items():
            def ms(value):
                return "n/a" if value is None else f"{value:.2f} ms"

            rps = "n/a" if result.requests_per_s is None else f"{result.requests_per_s:,.0f}"
            lines.append(
                f"| {mode} | {seconds(result.first_page)} | {ms(result.p50_ms)} | {ms(result.p99_ms)} | {rps} "
                f"| {result.note} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", default="100,1000", help="comma-separated post counts (default 100,1000)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--large-rounds", type=int, default=None,
                        help="rounds for post counts above --peers-max-posts (default: --rounds)")
    parser.add_argument("--peers", default="pelican,hugo", help="peers to run, comma-separated, or 'none'")
    parser.add_argument("--peers-max-posts", type=int, default=1000, help="larger corpora skip the peers")
    parser.add_argument("--server-posts", type=int, default=1000, help="post count for the dev server (0: skip)")
    parser.add_argument("--server-seconds", type=float, default=5.0, help="wrk duration per mode")
    parser.add_argument("--work", type=Path, default=BENCH / ".work", help="scratch folder (deleted at the start)")
    parser.add_argument("--out", type=Path, default=BENCH / "results.md")
    args = parser.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else argv
    args.load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    counts = [int(n) for n in args.posts.split(",") if n.strip()]
    wanted = {name.strip().lower() for name in args.peers.split(",")} - {"none", ""}

    skipped = {}
    peer_classes = []
    if "pelican" in wanted:
        reason = ensure_pelican()
        if reason:
            skipped["Pelican"] = reason
        else:
            peer_classes.append(Pelican)
    if "hugo" in wanted:
        if shutil.which("hugo"):
            peer_classes.append(Hugo)
        else:
            skipped["Hugo"] = "not installed (Debian: apt-get install hugo)"
    for name, reason in skipped.items():
        log(f"{name} missing, skipped: {reason}")

    corpora = args.work / "corpora"
    for name in ("runs",):
        shutil.rmtree(args.work / name, ignore_errors=True)
    corpora.mkdir(parents=True, exist_ok=True)
    builds: dict[int, BuildResults] = {}
    flatfolio_by_count = {}
    for posts in counts:
        source = corpus(corpora, posts)
        tools = [Flatfolio(args.work / "runs" / f"{posts}" / "flatfolio", source, posts)]
        if posts <= args.peers_max_posts:
            tools += [cls(args.work / "runs" / f"{posts}" / cls.name.lower(), source, posts) for cls in peer_classes]
        elif peer_classes:
            skipped[f"peers at {posts:,} posts"] = f"above --peers-max-posts {args.peers_max_posts}"
        log(f"{posts} posts: {', '.join(tool.name for tool in tools)}, {args.rounds} rounds")
        rounds = args.rounds if posts <= args.peers_max_posts or args.large_rounds is None else args.large_rounds
        builds[posts] = bench_builds(tools, rounds)
        flatfolio_by_count[posts] = tools[0]

    server = {}
    if args.server_posts:
        tool = flatfolio_by_count.get(args.server_posts)
        if tool is None:
            tool = Flatfolio(args.work / "runs" / f"server-{args.server_posts}", corpus(corpora, args.server_posts),
                             args.server_posts)  # fmt: skip
            tool.prepare()
            tool.build()  # fills the render cache, as the author's last freeze would
        slug = re.search(r"^slug: (.+)$", tool.post_file().read_text(encoding="utf-8"), re.M).group(1)
        for mode, debug in (("flask run", False), ("flask run --debug", True)):
            log(f"dev server: {mode}")
            server[mode] = bench_server(tool, f"/blog/{slug}/", debug, args.server_seconds)

    text = report(args, builds, skipped, server, peer_versions())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
