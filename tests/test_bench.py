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
