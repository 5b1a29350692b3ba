"""The database edited by hand while the daemon runs, as the README's walkthrough invites: rows
typed in a SQLite shell (text in a time column, a session ending before it starts, one
overlapping another), an index dropped. Beats keep being recorded, reports answer, and
``oxitrack check`` names each and says how to mend it."""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from oxitrack.beats import MAX_FUTURE_SECONDS
from oxitrack.sessions import SESSION_GAP_SECONDS, Beat
from oxitrack.store import Store
from oxitrack.store.checks import check
from tests.conftest import NOW
from tests.daemon_process import DaemonProcess

APP = "/code/app"


def by_hand(path: Path, *statements: str) -> None:
    """What a user types in ``sqlite3 oxitrack.db``: each statement committed at once."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        for statement in statements:
            conn.execute(statement)


def oxitrack(db_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "oxitrack", *argv, "--db", str(db_path), "--tz", "UTC"]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def beat(daemon: DaemonProcess, timestamp: int) -> httpx.Response:
    body = {"project_path": APP, "timestamp": timestamp}
    return httpx.post(f"{daemon.url}/beat", json=body, timeout=30)


def test_rows_typed_by_hand_leave_beats_and_reports_working(daemon: DaemonProcess):
    """A row with text in a time column beside a project's session made its next beat a 500
    (lost to editors that do not send again), and `sessions`, `export` and `/api/sessions`
    tracebacks or 500s; a session ending before it starts showed a negative duration."""
    t0 = int(time.time()) - 3600
    assert beat(daemon, t0).status_code == 200
    by_hand(
        daemon.db_path,  # type: ignore[arg-type]
        f"INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES ('{APP}',"
        f" {t0 + 100}, 'later')",
        f"INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES ('{APP}',"
        " 'yesterday', 'now')",
        f"INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES ('{APP}',"
        f" {t0 + 3000}, {t0 + 2000})",
    )
    answer = beat(daemon, t0 + 120)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"session_id": 1, "project_path": APP, "duration_seconds": 120}
    heartbeat = {"entity": f"{APP}/main.go", "type": "file", "time": t0 + 150.5}
    answer = httpx.post(
        f"{daemon.url}/api/v1/users/current/heartbeats",
        json={**heartbeat, "project_root_count": 3, "language": "Go"},
        auth=("8a2b4c6d-1e3f-4a5b-9c7d-0e1f2a3b4c5d", ""),
        timeout=30,
    )
    assert answer.status_code in (200, 201, 202), answer.text
    assert answer.json()["data"]["duration_seconds"] == 150
    # A beat at the very start of the backwards row: a session of its own, not a UNIQUE clash.
    answer = beat(daemon, t0 + 3000)
    assert answer.status_code == 200, answer.text
    assert answer.json()["duration_seconds"] == 0

    listed = httpx.get(f"{daemon.url}/api/sessions?limit=50", timeout=30)
    assert listed.status_code == 200, listed.text
    durations = sorted(s["duration_seconds"] for s in listed.json()["sessions"])
    assert durations == [0, 150]
    assert httpx.get(f"{daemon.url}/today", timeout=30).status_code == 200
    listed = httpx.get(f"{daemon.url}/api/projects", timeout=30)
    assert listed.status_code == 200, listed.text
    assert [p["total_seconds"] for p in listed.json()["projects"]] == [150]
    listing = subprocess.run(
        [
            sys.executable,
            "-m",
            "oxitrack",
            "projects",
            "--db",
            str(daemon.db_path),
            "--via",
            "file",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listing.returncode == 0 and "Traceback" not in listing.stderr, listing.stderr
    for argv in (
        ["sessions"],
        ["export"],
        ["export", "--format", "json"],
        ["report", "--by", "day"],
        ["today"],
    ):
        done = oxitrack(daemon.db_path, *argv)  # type: ignore[arg-type]
        assert done.returncode == 0, (argv, done.stderr)
        assert "Traceback" not in done.stderr and "-" + "1000" not in done.stdout


def mends(problem: str) -> list[str]:
    """The SQL a problem says to run, in the order it gives them."""
    return re.findall(r"`((?:UPDATE|DELETE)[^`]*)`", problem)


@pytest.fixture
def recorded(db_path: Path) -> Path:
    with Store(db_path) as store:
        store.record_beats([Beat(APP, NOW - 7200), Beat(APP, NOW - 7000), Beat(APP, NOW)])
    return db_path


def test_check_names_rows_typed_by_hand_and_its_mends_mend_them(recorded: Path):
    by_hand(
        recorded,
        f"INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES ('{APP}',"
        " 'yesterday', 'now')",
        f"INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES ('{APP}',"
        f" {NOW - 3000}, {NOW - 4000})",
        f"INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES ('{APP}',"
        f" {NOW - 7100}, {NOW - 6500})",
    )
    problems = check(recorded).problems
    assert len(problems) == 3, problems
    texts, backwards, overlap = problems
    assert texts.startswith(
        f"session 3 of {APP} holds start_time 'yesterday' and last_heartbeat 'now', not whole"
        " Unix seconds: reports and beats leave it out."
    )
    assert backwards.startswith("session(s) 4 end before they start: reports and beats leave")
    assert overlap.startswith(f"session 5 of {APP} overlaps the one before it (session 1;")
    # Each problem's own advice, run as given, mends it: the delete, the swap, the join.
    by_hand(recorded, mends(texts)[-1], mends(backwards)[0], *mends(overlap)[0].split("; "))
    report = check(recorded)
    assert report.problems == [], report.problems
    with Store(recorded) as store:
        assert [(s.start_time, s.last_heartbeat) for s in store.sessions(APP)] == [
            (NOW - 7200, NOW - 6500),
            (NOW - 4000, NOW - 3000),
            (NOW, NOW),
        ]


def test_service_status_reads_the_last_beat_past_a_row_typed_by_hand(recorded: Path):
    """`service status` ended in a traceback: the "last beat" was the text typed by hand."""
    by_hand(
        recorded,
        f"INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES ('{APP}',"
        f" {NOW - 100}, 'later')",
    )
    done = subprocess.run(
        [sys.executable, "-m", "oxitrack", "service", "status", "--db", str(recorded)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "OXITRACK_PORT": "9"},  # no daemon answers there
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert "3 sessions" in done.stdout and "last beat 2025-11-25" in done.stdout, done.stdout


def test_check_names_a_folder_typed_by_hand_that_no_project_holds(recorded: Path):
    by_hand(recorded, "UPDATE sessions SET project_path = '/code/ap' WHERE id = 2")
    [problem] = check(recorded).problems
    assert problem.startswith(
        "1 folder(s) with sessions belong to no project (they are left out of `oxitrack"
        " projects`): /code/ap. The next beat from such a folder registers it;"
    )


def test_a_dropped_index_is_named_and_made_again_when_the_daemon_starts(recorded: Path):
    """`DROP INDEX sessions_by_last_heartbeat` stopped every report with "no such index" and
    `check` said the file was OK; nothing made it again."""
    by_hand(recorded, "DROP INDEX sessions_by_last_heartbeat")
    [problem] = check(recorded).problems
    assert problem.startswith("the index sessions_by_last_heartbeat is missing")
    done = oxitrack(recorded, "today")
    assert done.returncode == 1
    assert "the daemon makes it again at its next report, or as it starts" in done.stderr

    daemon = DaemonProcess(recorded).start()
    try:
        assert httpx.get(f"{daemon.url}/today", timeout=30).status_code == 200
        assert daemon.stop() == 0
    finally:
        daemon.kill()
    assert any(
        "made the index sessions_by_last_heartbeat again" in line for line in daemon.stderr_lines
    )
    assert check(recorded).problems == []
    assert oxitrack(recorded, "today").returncode == 0


def test_a_view_index_and_table_of_ones_own_are_left_alone(recorded: Path):
    by_hand(
        recorded,
        "CREATE VIEW my_totals AS SELECT project_path, sum(last_heartbeat - start_time) AS t"
        " FROM sessions GROUP BY project_path",
        "CREATE INDEX my_index ON sessions(project_path, last_heartbeat)",
        "CREATE TABLE my_notes (note TEXT)",
    )
    assert check(recorded).problems == []
    with Store(recorded) as store:
        store.record_beats([Beat(APP, NOW + 60)])
    assert check(recorded).problems == []
    assert oxitrack(recorded, "today").returncode == 0


@pytest.mark.skipif(sys.platform != "linux", reason="the holder is named where Linux tells it")
def test_a_write_left_open_by_hand_is_named_in_the_503(daemon: DaemonProcess):
    """A SQLite browser's changes not yet written hold the write lock: the beat's 503 said only
    "another program holds the database", not which one, nor how it lets go."""
    t0 = int(time.time()) - 600
    assert beat(daemon, t0).status_code == 200
    with contextlib.closing(sqlite3.connect(daemon.db_path, isolation_level=None)) as conn:  # type: ignore[arg-type]
        conn.execute("BEGIN")
        conn.execute("DELETE FROM sessions WHERE id = 1")
        answer = beat(daemon, t0 + 60)
        assert answer.status_code == 503
        assert answer.headers["retry-after"]
        message = answer.json()["message"]
        assert f"pid {os.getpid()} (" in message, message
        assert "has a write open, which ends with COMMIT or ROLLBACK" in message
        conn.execute("ROLLBACK")
    answer = beat(daemon, t0 + 60)  # the editor sends it again
    assert answer.json()["duration_seconds"] == 60


def test_check_notes_heartbeats_a_session_moved_by_hand_left_behind(client, db_path: Path):
    """A session moved to another folder by UPDATE left its language behind: `report --by
    language` called its time unknown, and nothing said why."""
    for offset in (0, 60, 120):
        body = {"project_path": "/code/typo", "timestamp": NOW - 600 + offset, "language": "Go"}
        assert client.post("/beat", json=body).status_code == 200
    assert check(db_path).notes == []
    by_hand(
        db_path, f"UPDATE sessions SET project_path = '{APP}' WHERE project_path = '/code/typo'"
    )
    notes = check(db_path).notes
    assert notes == [
        "3 heartbeat(s) of /code/typo lie outside its sessions (sessions deleted, or moved to"
        " another folder by hand): `report --by language` and the other breakdowns count none"
        " of them, and a moved session's time shows there as unknown. A whole folder moves"
        " with `oxitrack projects merge` instead"
    ]


def test_check_finds_nothing_wrong_in_sessions_beats_made_a_gap_apart(client, db_path: Path):
    """Two sessions of a folder exactly the gap apart, as beats make them, each with its
    heartbeats: nothing to mend, and no heartbeat outside a session (the one found for a
    heartbeat is the latest starting before it, not the first)."""
    for offset in (0, 60, 60 + SESSION_GAP_SECONDS, 120 + SESSION_GAP_SECONDS):
        body = {"project_path": APP, "timestamp": NOW - 3600 + offset, "language": "Go"}
        assert client.post("/beat", json=body).status_code == 200
    with Store(db_path) as store:
        assert len(store.sessions(APP)) == 2
    report = check(db_path)
    assert (report.problems, report.notes) == ([], [])


def test_check_does_not_call_a_beat_from_a_clock_a_little_ahead_impossible(db_path: Path):
    """A beat up to MAX_FUTURE_SECONDS ahead of this machine's clock is accepted (another
    machine's clock runs fast): its session is no time typed by hand."""
    ahead = int(time.time()) + MAX_FUTURE_SECONDS // 2
    with Store(db_path) as store:
        store.record_beats([Beat(APP, ahead - 60), Beat(APP, ahead)])
    assert check(db_path).problems == []


def test_the_join_check_advises_keeps_the_end_of_a_session_holding_the_other(recorded: Path):
    """A session typed inside another: joining them into the first keeps the first's end (the
    later of the two), not the inner one's, which would cut the first short."""
    by_hand(
        recorded,
        f"INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES ('{APP}',"
        f" {NOW - 7150}, {NOW - 7100})",
    )
    [overlap] = check(recorded).problems
    by_hand(recorded, *mends(overlap)[0].split("; "))
    assert check(recorded).problems == []
    with Store(recorded) as store:
        assert [(s.start_time, s.last_heartbeat) for s in store.sessions(APP)] == [
            (NOW - 7200, NOW - 7000),
            (NOW, NOW),
        ]


def test_check_sets_only_the_time_a_row_got_wrong(recorded: Path):
    by_hand(recorded, "UPDATE sessions SET last_heartbeat = 'later' WHERE id = 2")
    [problem] = check(recorded).problems
    assert mends(problem)[0] == (
        "UPDATE sessions SET last_heartbeat = strftime('%s', 'YYYY-MM-DD HH:MM', 'utc')"
        " WHERE id = 2"
    )


def test_a_beat_inside_a_row_typed_by_hand_leaves_it_as_typed_and_reports_count_it_not(
    recorded: Path,
):
    """A session typed ending before it starts, or starting at a fraction of a second, has no
    span: a beat inside it starts a session of its own instead of rewriting the row, and a
    report counts neither row's hours (`check` names both)."""
    by_hand(
        recorded,
        f"INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES ('{APP}',"
        f" {NOW - 3000}, {NOW - 4000})",
        f"INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES ('{APP}',"
        f" {NOW - 2000}.5, {NOW - 1000})",
    )
    with Store(recorded) as store:
        store.record_beats([Beat(APP, NOW - 3500), Beat(APP, NOW - 1500)])
    with contextlib.closing(sqlite3.connect(recorded)) as conn:
        typed = conn.execute(
            "SELECT id, start_time, last_heartbeat FROM sessions WHERE id IN (3, 4) ORDER BY id"
        ).fetchall()
    assert typed == [(3, NOW - 3000, NOW - 4000), (4, NOW - 1999.5, NOW - 1000)]
    done = oxitrack(recorded, "export", "--format", "json", "--from", "2025-11-25")
    assert done.returncode == 0, done.stderr
    exported = sorted(s["duration_seconds"] for s in json.loads(done.stdout)["sessions"])
    assert exported == [0, 0, 0, 200]


def test_an_index_that_cannot_be_made_again_is_said_so_and_the_others_are_made(
    recorded: Path, caplog: pytest.LogCaptureFixture
):
    """A unique index dropped, then rows it forbade typed in: it cannot be made again, and the
    log says so rather than that it was; the other dropped index is made all the same."""
    context = (
        "INSERT INTO beat_contexts (project_path, entity_type, project_source)"
        f" VALUES ('{APP}', 'file', 'beat')"
    )
    by_hand(
        recorded,
        "DROP INDEX beat_contexts_once",
        "DROP INDEX sessions_by_last_heartbeat",
        context,
        context,
    )
    with Store(recorded):
        pass
    said = [record.getMessage() for record in caplog.records]
    assert any("cannot make the index beat_contexts_once again" in line for line in said), said
    assert not any("made the index beat_contexts_once again" in line for line in said), said
    assert any("made the index sessions_by_last_heartbeat again" in line for line in said), said
    [problem] = check(recorded).problems
    assert problem.startswith("the index beat_contexts_once is missing")


def test_a_dropped_view_is_named_as_one_queries_fail_on(recorded: Path):
    by_hand(recorded, "DROP VIEW beat_details")
    [problem] = check(recorded).problems
    assert problem.startswith(
        "the view beat_details is missing (dropped by hand?): queries of it fail."
    ), problem


def test_check_names_a_time_typed_in_milliseconds(recorded: Path):
    """A time in milliseconds (as JavaScript gives it) lies past the years a date can show:
    the problem gives the number as typed, rather than `check` stopping on it."""
    by_hand(recorded, f"UPDATE sessions SET last_heartbeat = {NOW * 1000} WHERE id = 2")
    [problem] = check(recorded).problems
    assert problem.startswith(f"session 2 of {APP} runs 2025-11-25 19:46 to {NOW * 1000} UTC")


def test_check_names_a_session_no_beat_could_make(recorded: Path):
    """A year mistyped (2062 for 2026) or a time left at 0: every report of those days counted
    the hours, and `check` said the file was consistent."""
    by_hand(
        recorded,
        f"INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES ('{APP}',"
        " strftime('%s', '2062-11-29 09:00'), strftime('%s', '2062-11-29 10:00'))",
        "INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES ('/code/zero',"
        " 0, 3600)",
    )
    problems = check(recorded).problems
    assert [problem.split(", which")[0] for problem in problems if " runs " in problem] == [
        "session 3 of /code/app runs 2062-11-29 09:00 to 2062-11-29 10:00 UTC",
        "session 4 of /code/zero runs 1970-01-01 00:00 to 1970-01-01 01:00 UTC",
    ]
    by_hand(recorded, *(mends(problem)[-1] for problem in problems if " runs " in problem))
    assert check(recorded).problems == []


def test_an_index_dropped_while_the_daemon_runs_is_made_again_at_the_next_report(
    daemon: DaemonProcess,
):
    """Every `/today` (a status bar's, the dashboard's) was a 503 "no such index" until the
    daemon was restarted."""
    assert beat(daemon, int(time.time()) - 600).status_code == 200
    by_hand(daemon.db_path, "DROP INDEX sessions_by_last_heartbeat")  # type: ignore[arg-type]
    answer = httpx.get(f"{daemon.url}/today?format=json", timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.json()["total_seconds"] == 0
    assert check(daemon.db_path).problems == []  # type: ignore[arg-type]


def test_a_beat_moving_its_sessions_start_onto_a_backwards_row_takes_its_place(
    daemon: DaemonProcess,
):
    """A row typed ending before it starts holds no time, but its start is unique: a late
    beat that moved its session's start there failed on UNIQUE (a 503 the editor sent again
    forever), where a beat starting a session there already took its place."""
    t0 = int(time.time()) - 3600
    assert beat(daemon, t0 + 600).status_code == 200
    by_hand(
        daemon.db_path,  # type: ignore[arg-type]
        f"INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES ('{APP}',"
        f" {t0}, {t0 - 100})",
    )
    answer = beat(daemon, t0)
    assert answer.status_code == 200, answer.text
    assert answer.json()["duration_seconds"] == 600
    with contextlib.closing(sqlite3.connect(daemon.db_path)) as conn:  # type: ignore[arg-type]
        rows = conn.execute("SELECT start_time, last_heartbeat FROM sessions").fetchall()
    assert rows == [(t0, t0 + 600)]
