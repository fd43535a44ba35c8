"""The benchmark script runs end to end on a tiny corpus (peers and dev server skipped)."""

import re
import subprocess
import sys

from app import PROJECT_ROOT


def test_bench_writes_a_results_table(tmp_path):
    out = tmp_path / "results.md"
    command = [
        sys.executable, str(PROJECT_ROOT / "bench" / "run.py"), "--posts", "12", "--rounds", "1", "--peers", "none",
        "--server-posts", "0", "--work", str(tmp_path / "work"), "--out", str(out),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    table = out.read_text()
    assert result.stdout == table
    for scenario in ("cold", "no change", "one post edited", "base template edited"):
        assert re.search(rf"^\| 12 \| {scenario} \| \d+\.\d\d s \|$", table, re.M), (scenario, table)
    assert re.search(r"^\| 12 \| peak RSS \(largest process\) \| \d+ MB \|$", table, re.M), table
    # The benchmark edits its own copy of the templates, never the repository's.
    assert "bench edit" not in (PROJECT_ROOT / "templates" / "base.html").read_text()


def test_future_corpus_dates_move_into_the_past_in_order(tmp_path):
    sys.path.insert(0, str(PROJECT_ROOT / "bench"))
    try:
        from run import publish_every_post
    finally:
        sys.path.pop(0)
    dates = ["2016-01-01T09:00:00Z", "2020-05-01T10:00:00Z", "2999-01-01T00:00:00Z"]
    for index, date in enumerate(dates):
        (tmp_path / f"{index:05d}-post.md").write_text(f"---\ntitle: Post {index}\ndate: {date}\n---\nBody.\n")
    publish_every_post(tmp_path)
    moved = [re.search(r"^date: (\S+)$", path.read_text(), re.M).group(1) for path in sorted(tmp_path.glob("*.md"))]
    assert moved == sorted(moved) and moved[-1] < "2999" and moved[0] == dates[0]
    past = tmp_path / "past"
    past.mkdir()
    (past / "00000-old.md").write_text("---\ntitle: Old\ndate: 2016-01-01T09:00:00Z\n---\nBody.\n")
    publish_every_post(past)
    assert "date: 2016-01-01T09:00:00Z" in (past / "00000-old.md").read_text()  # all past: untouched
