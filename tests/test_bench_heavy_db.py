"""The heavy-use database of the benches is one OxiTrack could have written: ``check`` passes.

Reports measured on a database that breaks the session rule (two sessions of one folder
closer than 15 minutes) would measure a shape no user has."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from oxitrack.cli import main

BENCH = Path(__file__).resolve().parent.parent / "bench" / "heavy_db.py"


def test_heavy_db_makes_a_consistent_database_of_many_projects(tmp_path: Path, capsys):  # type: ignore[no-untyped-def]
    db = tmp_path / "heavy.db"
    done = subprocess.run(
        [sys.executable, str(BENCH), str(db), "--sessions", "200000"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    capsys.readouterr()
    assert main(["check", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "consistent" in out and "in 300 projects" in out, out
