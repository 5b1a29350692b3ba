"""The report commands as someone at a terminal uses them: in-process through ``main`` on a real
database file, with the commands' clock stopped at NOW (Tue 2025-11-25 in Berlin), so nothing
here depends on the time of day the tests run at."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from oxitrack.cli import main
from oxitrack.commands import reports as report_commands
from oxitrack.store import Store
from tests.conftest import NOW

BERLIN = ZoneInfo("Europe/Berlin")


def at(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=BERLIN).timestamp())


def seed(store: Store, sessions: list[tuple[str, int, int]]) -> None:
    def write(conn: sqlite3.Connection) -> None:
        conn.executemany(
            "INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES (?, ?, ?)",
            sessions,
        )

    store.write(write)


@pytest.fixture(autouse=True)
def stopped_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_commands, "clock", lambda: NOW)


def run(capsys: pytest.CaptureFixture[str], db_path: Path, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--db", str(db_path), "--tz", "Europe/Berlin"])
    out, err = capsys.readouterr()
    return code, out, err


def test_report_by_day_names_whole_projects_and_counts_the_ones_that_do_not_fit(
    store: Store, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two clients' ``api`` and notes on one day make a list one column wider than the names
    column: cut in the middle it read ``api (client-o…), notes, api (client-two)``, a name cut
    short beside the same name whole."""
    seed(
        store,
        [
            ("/work/client-one/api", at("2025-11-24 09:00"), at("2025-11-24 12:00")),
            ("/work/notes", at("2025-11-24 13:00"), at("2025-11-24 15:00")),
            ("/work/client-two/api", at("2025-11-24 16:00"), at("2025-11-24 17:00")),
        ],
    )
    code, out, _ = run(capsys, db_path, "report", "--by", "day", "--days", "2")
    assert code == 0
    monday = out.splitlines()[1]
    assert monday.endswith("  api (client-one), notes, +1 more"), monday
    assert "\u2026" not in out
