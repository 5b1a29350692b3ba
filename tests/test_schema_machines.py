"""Step 7 on a file of version 6, written by the real OxiTrack of that version
(``fixtures/oxitrack-v6.db``, see ``fixtures/make_old_db.py``): its heartbeats keep every
detail with no machine or system (unknown), and the upgraded file takes new ones with theirs.

What every upgrade keeps (sessions, details, reports, ``check``) is ``test_schema_upgrades``,
which runs on this fixture too.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from oxitrack.store import Store
from tests.daemon_process import DaemonProcess
from tests.fixtures import make_old_db
from tests.wakatime_recordings import GO_CLI_HEADERS, go_cli_heartbeat

FIXTURE = Path(__file__).parent / "fixtures" / "oxitrack-v6.db"
T = make_old_db.T


def _rows(db_path: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.fixture
def v6_db(tmp_path: Path) -> Path:
    copy = tmp_path / "oxitrack-v6.db"
    shutil.copyfile(FIXTURE, copy)
    return copy


@pytest.fixture
def served(v6_db: Path) -> Iterator[DaemonProcess]:
    daemon = DaemonProcess(v6_db).start()
    try:
        yield daemon
    finally:
        daemon.kill()


def test_the_fixture_is_of_version_6_without_machines():
    assert _rows(FIXTURE, "PRAGMA user_version") == [(6,)]
    columns = {row[1] for row in _rows(FIXTURE, "PRAGMA table_info(beat_contexts)")}
    assert {"editor", "plugin"} <= columns and "machine" not in columns


def test_upgraded_contexts_keep_every_value_and_have_no_machine_or_system(v6_db: Path):
    before = _rows(v6_db, "SELECT * FROM beat_contexts ORDER BY id")
    Store(v6_db).close()
    after = _rows(v6_db, "SELECT * FROM beat_contexts ORDER BY id")
    assert after == [(*row, None, None) for row in before]
    shown = _rows(v6_db, "SELECT DISTINCT machine, operating_system FROM beat_details")
    assert shown == [(None, None)]


def test_the_upgraded_daemon_lists_old_time_as_other_and_new_time_by_its_machine(
    served: DaemonProcess,
):
    """Heartbeats of the project the old version had, sent again from a named Linux machine:
    the seconds from the first to the second are that machine's, the rest of the day's time
    (old heartbeats, plain beats) is ``Other`` in both lists."""
    headers = {**GO_CLI_HEADERS, "X-Machine-Name": "devbox"}
    for at in (T + 5600.5, T + 5800.5):
        heartbeat = go_cli_heartbeat(make_old_db.WAKA_ROOT, at, project_root_count=5)
        answer = httpx2.post(
            served.url + "/api/v1/users/current/heartbeats",
            json=heartbeat,
            headers=headers,
            timeout=30,
        )
        assert answer.status_code == 201, answer.text
        assert answer.json()["data"]["project_path"] == make_old_db.WAKA_ROOT
    day = make_old_db.FIRST_DATE
    answer = httpx2.get(
        f"{served.url}/api/v1/users/current/summaries?start={day}&end={day}&timezone=UTC",
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    [summary] = answer.json()["data"]
    total = summary["grand_total"]["total_seconds"]
    assert total > 200
    machines = [(item["name"], item["total_seconds"]) for item in summary["machines"]]
    assert machines == [("Other", total - 200), ("devbox", 200.0)]
    systems = [(item["name"], item["total_seconds"]) for item in summary["operating_systems"]]
    assert systems == [("Other", total - 200), ("Linux", 200.0)]
    assert served.stop() == 0
    assert served.db_path is not None
    new = _rows(
        served.db_path,
        "SELECT time, machine, operating_system FROM beat_details"
        f" WHERE time BETWEEN {T + 5500} AND {T + 5900} ORDER BY time",
    )
    assert new == [(T + 5600.5, "devbox", "linux"), (T + 5800.5, "devbox", "linux")]
