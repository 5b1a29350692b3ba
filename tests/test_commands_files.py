"""Files the commands write (``commands/_files.py``), through real ``oxitrack`` processes."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from oxitrack.sessions import Beat
from oxitrack.store import Store
from tests.ended_processes import ended_pid, left_long_ago, partial_name


@pytest.mark.skipif(sys.platform == "win32", reason="nothing is removed on Windows")
def test_export_removes_what_a_killed_export_left_in_its_folder(tmp_path: Path):
    """A killed ``export -o`` leaves its partial file, as big as the export; the next export
    into that folder removes it, whatever pid it had."""
    db = tmp_path / "x.db"
    now = int(time.time())
    with Store(db) as store:
        store.record_beat(Beat(project_path="/code/a", timestamp=now - 60))
    out = tmp_path / "out"
    out.mkdir()
    left = out / partial_name(ended_pid())
    left.write_text("start_time,end_time\n" * 1000)
    left_long_ago(left)
    unrelated = out / "notes.csv"
    unrelated.write_text("mine")

    done = subprocess.run(
        [sys.executable, "-m", "oxitrack", "export", "--db", str(db), "-o", str(out / "new.csv")],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["new.csv", "notes.csv"]
    assert "/code/a" in (out / "new.csv").read_text()
    assert unrelated.read_text() == "mine"
