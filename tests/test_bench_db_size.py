"""The database-size bench keeps working: a few days through the real record path."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "db_size.py"


@pytest.mark.parametrize(
    "extra", [[], ["--wakatime"], ["--labels"]], ids=["beats", "wakatime", "labels"]
)
def test_db_size_bench_runs_and_reports_bytes_per_year(extra: list[str]):
    done = subprocess.run(
        [sys.executable, str(BENCH), "--days", "3", *extra],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("3 days x 8 h: ")
    assert re.match(r"^  \d+ projects, recorded in [\d.]+ s", lines[1])
    assert any(line.strip().startswith("per year:") and "MiB" in line for line in lines)
