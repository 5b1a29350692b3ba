"""oxitrack today / report / sessions / export, run in-process on a real database file."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sqlite3
import stat
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from starlette.testclient import TestClient

from oxitrack import repo_identity
from oxitrack.cli import main
from oxitrack.commands import reports as report_commands
from oxitrack.days import MAX_RANGE_DAYS
from oxitrack.sessions import Beat
from oxitrack.store import Store
from tests.conftest import NOW
from tests.git_repos import make_repo

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3600


def at(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=BERLIN).timestamp())


SESSIONS = [
    ("/code/oxitrack", at("2025-11-25 09:00"), at("2025-11-25 11:05")),
    ("/code/notes", NOW - 46 * 60, NOW - 4 * 60),
    ("/code/oxitrack", at("2025-11-24 23:30"), at("2025-11-25 00:10")),
    ("/code/notes", at("2025-11-20 14:00"), at("2025-11-20 15:00")),
    ("/code/old", at("2025-10-01 10:00"), at("2025-10-01 10:30")),
]


@pytest.fixture
def seeded(store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    """Sessions over two months, and the commands' clock stopped at NOW (Tue 2025-11-25)."""

    def write(conn: sqlite3.Connection) -> None:
        conn.executemany(
            "INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES (?, ?, ?)",
            SESSIONS,
        )

    store.write(write)
    monkeypatch.setattr(report_commands, "clock", lambda: NOW)
    return store


def run(capsys: pytest.CaptureFixture[str], db_path: Path, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--db", str(db_path), "--tz", "Europe/Berlin"])
    out, err = capsys.readouterr()
    return code, out, err


def test_today_prints_a_table_with_bars_and_the_total(seeded, db_path, capsys):
    code, out, _ = run(capsys, db_path, "today")
    assert code == 0
    assert out.splitlines() == [
        "Today, Tue 2025-11-25 (Europe/Berlin)",
        "2h 15m  ████████████████████  oxitrack  /code/oxitrack",
        "0h 42m  ██████▎               notes     /code/notes     ● active",
        "2h 57m  total",
    ]


def test_today_for_one_project_shows_its_time_only(seeded, db_path, capsys):
    """Asking "what did I do on this project today?" took ``report --days 1 --project .``: ``today``
    refused ``--project`` as an unknown flag."""
    code, out, _ = run(capsys, db_path, "today", "--project", "notes")
    assert code == 0
    assert out.splitlines() == [
        "Today, Tue 2025-11-25 (Europe/Berlin), project notes",
        "0h 42m  ████████████████████  notes  /code/notes  ● active",
        "0h 42m  total",
    ]
    code, out, _ = run(capsys, db_path, "today", "--project", "/code/oxitrack", "--json")
    today = json.loads(out)
    assert [p["project_path"] for p in today["projects"]] == ["/code/oxitrack"]
    assert today["total_seconds"] == 2 * 3600 + 15 * 60


def test_today_for_a_project_with_no_time_today_says_so_and_a_mistyped_one_is_refused(
    seeded, db_path, capsys
):
    """A project with time on other days has none today (not an error); a name that matches
    no project at all is refused, as ``report --project`` refuses it, since "no time today"
    would read as a day without work when the name is only mistyped."""
    code, out, err = run(capsys, db_path, "today", "--project", "old")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "Today, Tue 2025-11-25 (Europe/Berlin), project old",
        "0h 00m  total (nothing tracked)",
    ]
    code, out, err = run(capsys, db_path, "today", "--project", "nosuch")
    assert (code, out) == (2, "")
    assert "--project: no project matches 'nosuch'" in err


def test_cli_and_http_report_the_same_numbers(seeded, db_path, client: TestClient, capsys):
    """`oxitrack today --json` is /today's JSON, `report --json` is /api/days' JSON."""
    _, today_out, _ = run(capsys, db_path, "today", "--json")
    over_http = client.get("/today", params={"tz": "Europe/Berlin", "format": "json"}).json()
    assert json.loads(today_out) == over_http
    assert over_http["total_seconds"] == 2 * HOUR + 57 * 60

    _, report_out, _ = run(
        capsys, db_path, "report", "--from", "2025-11-19", "--to", "2025-11-25", "--json"
    )
    days = client.get("/api/days", params={"tz": "Europe/Berlin", "days": "7"}).json()
    assert json.loads(report_out) == days
    assert days["days"][-1]["projects"] == over_http["projects"]

    _, sessions_out, _ = run(capsys, db_path, "sessions", "--json", "--limit", "50")
    listed = client.get("/api/sessions", params={"tz": "Europe/Berlin"}).json()
    assert json.loads(sessions_out) == listed


@pytest.mark.parametrize(
    ("flags", "first_line", "total"),
    [
        ([], "2025-11-24 to 2025-11-25 (Europe/Berlin), by project", "3h 27m  total"),
        (["--week"], "2025-11-24 to 2025-11-25 (Europe/Berlin), by project", "3h 27m  total"),
        (["--month"], "2025-11-01 to 2025-11-25 (Europe/Berlin), by project", "4h 27m  total"),
        (["--days", "30"], "2025-10-27 to 2025-11-25 (Europe/Berlin), by project", "4h 27m  total"),
        (
            ["--from", "2025-10-01", "--to", "2025-10-31"],
            "2025-10-01 to 2025-10-31 (Europe/Berlin), by project",
            "0h 30m  total",
        ),
        (
            ["--month", "--project", "notes"],
            "2025-11-01 to 2025-11-25 (Europe/Berlin), by project, project notes",
            "1h 42m  total",
        ),
    ],
    ids=["default-is-this-week", "week", "month", "last-30-days", "from-to", "one-project"],
)
def test_report_ranges(seeded, db_path, capsys, flags, first_line, total):
    code, out, _ = run(capsys, db_path, "report", *flags)
    assert code == 0
    lines = out.splitlines()
    assert (lines[0], lines[-1]) == (first_line, total)


def test_a_week_starts_on_the_day_the_setting_names(seeded, db_path, capsys, monkeypatch):
    """Weeks from Thursday reach back to the 20th (Tue 25th today), and its hour of notes."""
    _, out, _ = run(capsys, db_path, "report", "--week-start", "thursday")
    lines = out.splitlines()
    assert lines[0] == "2025-11-20 to 2025-11-25 (Europe/Berlin), by project"
    assert lines[-1] == "4h 27m  total"
    monkeypatch.setenv("OXITRACK_WEEK_START", "thu")
    assert run(capsys, db_path, "report", "--week")[1] == out
    assert run(capsys, db_path, "report", "--week-start", "mon")[1].startswith("2025-11-24 to")
    code, out, err = run(capsys, db_path, "report", "--week-start", "someday")
    assert (code, out) == (2, "")
    assert err == (
        "oxitrack: --week-start: must be a day of the week such as monday or sunday,"
        " not 'someday'\n"
    )


def test_a_command_reads_its_settings_once_so_warns_once(
    seeded, db_path, capsys, monkeypatch, tmp_path
):
    """The database and the week's first day are both settings: one warning for a missing
    config file, not one per setting read."""
    monkeypatch.setenv("OXITRACK_CONFIG", str(tmp_path / "missing.toml"))
    code, _, err = run(capsys, db_path, "report", "--week")
    assert code == 0
    assert err.count("does not exist") == 1, err


def test_report_by_day_has_a_row_per_day_split_at_midnight(seeded, db_path, capsys):
    _, out, _ = run(capsys, db_path, "report", "--by", "day")
    assert out.splitlines() == [
        "2025-11-24 to 2025-11-25 (Europe/Berlin), by day",
        "Mon 2025-11-24  0h 30m  ███▍                  oxitrack",
        "Tue 2025-11-25  2h 57m  ████████████████████  oxitrack, notes",
        "                3h 27m  total",
    ]


def test_sessions_lists_newest_first(seeded, db_path, capsys):
    _, out, _ = run(capsys, db_path, "sessions", "--limit", "2")
    lines = out.splitlines()
    assert lines[0].startswith("2025-11-25 20:00\u201320:42  0h 42m")
    assert "notes" in lines[0]
    assert (
        lines[1]
        == "2025-11-25 09:00\u201311:05  2h 05m  " + "\u2588" * 20 + "  oxitrack  /code/oxitrack"
    )
    assert lines[2:] == ["2 sessions (the latest 2; --limit shows more), times in Europe/Berlin"]


def test_sessions_are_counted_not_added_up(seeded, db_path, capsys):
    """Sessions of two projects may overlap and are listed whole past the range's edges: a total
    of them disagreed with ``report``. Each shows its own time rounded down."""
    _, out, _ = run(capsys, db_path, "sessions")
    assert out.splitlines()[-1] == "5 sessions, times in Europe/Berlin"
    _, out, _ = run(capsys, db_path, "sessions", "--limit", "5")  # all of them: nothing cut
    assert out.splitlines()[-1] == "5 sessions, times in Europe/Berlin"
    _, out, _ = run(capsys, db_path, "sessions", "--from", "2025-01-01", "--to", "2025-01-31")
    assert out == "0 sessions\n"


def test_sessions_lists_as_many_as_the_api_by_default(
    store: Store, db_path, capsys, client: TestClient, monkeypatch
):
    """Two defaults (the CLI must not load the API's module to know it) that must agree."""
    monkeypatch.setattr(report_commands, "clock", lambda: NOW)
    rows = [("/code/many", NOW - 86400 + n * 1000, NOW - 86400 + n * 1000 + 60) for n in range(80)]
    store.write(
        lambda conn: conn.executemany(
            "INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES (?, ?, ?)",
            rows,
        )
    )
    listed = client.get("/api/sessions", params={"from": "2025-11-01", "to": "2025-11-30"})
    _, out, _ = run(capsys, db_path, "sessions", "--from", "2025-11-01", "--to", "2025-11-30")
    shown = len(listed.json()["sessions"])
    assert shown < len(rows)  # the default cut some
    assert len(out.splitlines()) == shown + 1
    assert out.splitlines()[-1] == (
        f"{shown} sessions (the latest {shown}; --limit shows more), times in Europe/Berlin"
    )


def test_each_session_shows_its_own_minutes(db_path, capsys, client: TestClient, monkeypatch):
    """20m 30s, 3m 30s and 1m 30s: a table that adds up would show a 1m 30s session as 2m."""
    monkeypatch.setattr(report_commands, "clock", lambda: NOW)
    for path, start, seconds in [("/a", 7200, 1230), ("/b", 3600, 210), ("/c", 600, 90)]:
        for timestamp in (NOW - start, NOW - start + seconds // 2, NOW - start + seconds):
            beat = {"project_path": path, "timestamp": timestamp}
            assert client.post("/beat", json=beat).status_code == 200
    _, out, _ = run(capsys, db_path, "sessions")
    assert [line.split("  ")[1] for line in out.splitlines()[:3]] == ["0h 01m", "0h 03m", "0h 20m"]


def test_export_csv_to_stdout_has_every_session_oldest_first(seeded, db_path, capsys):
    code, out, _ = run(capsys, db_path, "export")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["project_name"] for r in rows] == ["old", "notes", "oxitrack", "oxitrack", "notes"]
    assert rows[0]["start_local"] == "2025-10-01T10:00:00+02:00"


def test_an_export_gives_each_sessions_time_inside_the_range(seeded, db_path, capsys):
    """A night past midnight is in the exports of both days, whole; its time inside each range
    is a column, which adds up to the report's total, so billing one month from the CSV does not
    count the night that crossed into the next month twice."""
    crossing = {"2025-11-24": 1800, "2025-11-25": 600}
    for day, inside in crossing.items():
        span = ("--from", day, "--to", day, "--project", "oxitrack")
        _, report, _ = run(capsys, db_path, "report", *span, "--json")
        total = json.loads(report)["total_seconds"]
        _, out, _ = run(capsys, db_path, "export", *span)
        rows = list(csv.DictReader(io.StringIO(out)))
        night = next(r for r in rows if r["start_local"].startswith("2025-11-24T23:30"))
        assert night["duration_seconds"] == "2400"
        assert night["duration_in_range_seconds"] == str(inside)
        assert sum(int(r["duration_in_range_seconds"]) for r in rows) == total
        _, out, _ = run(capsys, db_path, "export", *span, "--format", "json")
        sessions = json.loads(out)["sessions"]
        assert sum(s["duration_in_range_seconds"] for s in sessions) == total
    _, out, _ = run(capsys, db_path, "export")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert all(r["duration_in_range_seconds"] == r["duration_seconds"] for r in rows)


@pytest.mark.parametrize("name", ['=HYPERLINK("x")', "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"])
def test_export_csv_writes_a_name_a_spreadsheet_would_run_as_text(
    name, store: Store, db_path, capsys
):
    """A project's name comes from its folder or its `.wakatime-project` file, which a cloned
    repository brings: a name starting with `=`, `+`, `-`, `@`, a tab or a return was a formula
    once the CSV was opened in a spreadsheet (which can send the sheet's other cells away)."""
    store.write(
        lambda conn: conn.execute(
            "INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES (?, ?, ?)",
            (f"/code/{name}", NOW - 600, NOW - 60),
        )
    )
    code, out, _ = run(capsys, db_path, "export")
    assert code == 0
    [row] = list(csv.DictReader(io.StringIO(out, newline="")))
    assert row["project_name"] == f"'{name}"
    assert row["project_path"] == f"/code/{name}"  # a path starts with `/`: never a formula
    code, out, _ = run(capsys, db_path, "export", "--format", "json")
    assert json.loads(out)["sessions"][0]["project_name"] == name  # JSON is for programs


def test_export_csv_keeps_a_row_whole_when_its_folder_name_holds_a_carriage_return(
    store: Store, db_path, capsys
):
    """A Linux folder name may hold a "\r"; it went out unquoted, and CSV readers cut the row."""
    store.write(
        lambda conn: conn.execute(
            "INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES (?, ?, ?)",
            ("/code/a\rb", NOW - 600, NOW - 60),
        )
    )
    code, out, _ = run(capsys, db_path, "export")
    assert code == 0
    [row] = list(csv.DictReader(io.StringIO(out, newline="")))
    assert (row["project_path"], row["project_name"]) == ("/code/a\rb", "a\rb")
    assert row["duration_seconds"] == "540"
    # The quoted row ends its line as the header does: nothing after its last cell.
    assert row["end_local"].endswith("+01:00") and out.endswith(',"540","/code/a\rb"\n')


def test_session_lists_name_a_renamed_project_by_its_given_name(
    db_path, capsys, client: TestClient, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(report_commands, "clock", lambda: NOW)
    for path, timestamp in [
        ("/code/app", NOW - 5000),
        ("/code/notes", NOW - 900),
        ("/code/app", NOW - 60),
    ]:
        assert (
            client.post("/beat", json={"project_path": path, "timestamp": timestamp}).status_code
            == 200
        )
    answer = client.post("/api/projects/rename", json={"project": "app", "name": "App"})
    assert answer.status_code == 200
    _, out, _ = run(capsys, db_path, "export")
    assert [r["project_name"] for r in csv.DictReader(io.StringIO(out))] == ["App", "notes", "App"]
    _, out, _ = run(capsys, db_path, "sessions", "--project", "App")
    assert [line.split()[4] for line in out.splitlines()[:-1]] == ["App", "App"]
    listed = client.get("/api/sessions", params={"project": "App", "tz": "Europe/Berlin"})
    assert [s["project_name"] for s in listed.json()["sessions"]] == ["App", "App"]


def test_an_export_names_each_sessions_project_by_its_latest_folder(
    db_path, capsys, client: TestClient, monkeypatch: pytest.MonkeyPatch
):
    """Two clients' `api` folders share a name, and a folder merged into one of them keeps its
    own path on its sessions: the CSV had no column that told one project from another, so a
    sheet grouped by name added the two clients up and grouped by path split the merged one."""
    monkeypatch.setattr(report_commands, "clock", lambda: NOW)
    for path, timestamp in [
        ("/old/one/api", NOW - 9000),
        ("/code/one/api", NOW - 5000),
        ("/code/two/api", NOW - 900),
    ]:
        answer = client.post("/beat", json={"project_path": path, "timestamp": timestamp})
        assert answer.status_code == 200
    merge = {"source": "/old/one/api", "target": "/code/one/api"}
    answer = client.post("/api/projects/merge", json=merge)
    assert answer.status_code == 200, answer.text
    _, out, _ = run(capsys, db_path, "export")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["project_name"], r["project_path"], r["project_latest_path"]) for r in rows] == [
        ("api", "/old/one/api", "/code/one/api"),
        ("api", "/code/one/api", "/code/one/api"),
        ("api", "/code/two/api", "/code/two/api"),
    ]
    _, out, _ = run(capsys, db_path, "export", "--format", "json")
    json_paths = [s["project_latest_path"] for s in json.loads(out)["sessions"]]
    assert json_paths == [r["project_latest_path"] for r in rows]


def test_two_projects_worked_in_turn_count_the_day_once(store: Store, db_path, capsys, monkeypatch):
    """Switching between two projects every 5 minutes for 2 hours: under the session rule both
    hold the whole stretch, and the total says so instead of showing 4 hours."""
    monkeypatch.setattr(report_commands, "clock", lambda: NOW)
    start = NOW - 2 * HOUR
    beats = [
        Beat("/code/p1" if (t - start) // 300 % 2 == 0 else "/code/p2", t)
        for t in range(start, NOW, 30)
    ]
    store.record_beats(beats)
    code, out, _ = run(capsys, db_path, "today")
    assert code == 0
    rows, total = out.splitlines()[1:-1], out.splitlines()[-1]
    assert [row.split()[:2] for row in rows] == [["1h", "55m"], ["1h", "54m"]]
    assert total == "1h 59m  total (1h 50m in two projects at once, counted once)"
    _, out, _ = run(capsys, db_path, "today", "--json")
    assert json.loads(out)["total_seconds"] == NOW - 30 - start
    _, out, _ = run(capsys, db_path, "report", "--days", "1", "--json")
    report = json.loads(out)
    assert report["total_seconds"] == report["days"][-1]["total_seconds"] == NOW - 30 - start


def test_export_to_a_missing_folder_is_one_line_not_a_traceback(seeded, db_path, capsys, tmp_path):
    target = tmp_path / "missing" / "out.csv"
    code, out, err = run(capsys, db_path, "export", "-o", str(target))
    assert (code, out) == (2, "")
    assert err == (
        f"oxitrack: -o: cannot write {target}: the folder {target.parent} does not exist\n"
    )
    assert not target.exists()


def test_export_to_an_empty_name_is_a_usage_error(seeded, db_path, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, db_path, "export", "-o", "")
    assert (code, out) == (2, "")
    assert err == "oxitrack: -o: FILE must not be empty; give a file name\n"


def test_export_to_dash_writes_to_stdout(seeded, db_path, capsys, tmp_path, monkeypatch):
    """`-o -` made a file named `-` in the current folder (and said "wrote 5 sessions to -")."""
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, db_path, "export", "-o", "-", "--format", "json")
    assert (code, err) == (0, "")
    assert len(json.loads(out)["sessions"]) == len(SESSIONS)
    assert not (tmp_path / "-").exists()
    assert run(capsys, db_path, "export", "-o", "-")[1] == run(capsys, db_path, "export")[1]


def test_export_to_a_missing_folder_with_a_trailing_separator(seeded, db_path, capsys, tmp_path):
    target = f"{tmp_path / 'new.csv'}{os.sep}"
    code, _, err = run(capsys, db_path, "export", "-o", target)
    assert code == 2
    assert err == (
        f"oxitrack: -o: {target} ends with {os.sep}, but the folder {tmp_path / 'new.csv'}"
        " does not exist\n"
    )
    assert not (tmp_path / "new.csv").exists()


def test_export_to_a_name_as_long_as_the_system_allows(seeded, db_path, capsys, tmp_path):
    """The partial file was `.NAME.partial-PID`: a valid name of 239 to 255 bytes failed."""
    folder = tmp_path / "exports"
    folder.mkdir()
    name_max = os.pathconf(folder, "PC_NAME_MAX") if hasattr(os, "pathconf") else 255
    target = folder / ("s" * (name_max - 4) + ".csv")
    code, _, err = run(capsys, db_path, "export", "-o", str(target))
    assert (code, err) == (0, f"wrote {len(SESSIONS)} sessions to {target}\n")
    assert list(folder.iterdir()) == [target]


def test_export_of_one_session_says_session(store: Store, db_path, capsys, tmp_path):
    """It said "wrote 1 sessions", as `service status` and `backup` said "1 sessions"."""
    store.write(
        lambda conn: conn.execute(
            "INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES (?, ?, ?)",
            ("/code/one", NOW - 600, NOW),
        )
    )
    target = tmp_path / "one.csv"
    code, _, err = run(capsys, db_path, "export", "-o", str(target))
    assert (code, err) == (0, f"wrote 1 session to {target}\n")


def _sessions_in(db_path: Path) -> int:
    with sqlite3.connect(db_path) as conn:
        count: int = conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
    conn.close()
    return count


@pytest.mark.parametrize("force", [[], ["--force"]], ids=["", "force"])
@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"], ids=["db", "wal", "shm"])
def test_export_never_writes_over_the_database(seeded, db_path, capsys, suffix, force):
    """`export -o victim.db` turned the database into a CSV header."""
    target = db_path.with_name(db_path.name + suffix)
    assert target.exists()  # `seeded` holds the writer open, as a running daemon does
    code, out, err = run(capsys, db_path, "export", "-o", str(target), *force)
    assert (code, out) == (2, "")
    assert err == f"oxitrack: -o: {target} is the database itself; choose another file\n"
    assert _sessions_in(db_path) == len(SESSIONS)


def test_export_knows_the_database_by_another_name(seeded, db_path, capsys, tmp_path):
    link = tmp_path / "elsewhere.db"
    link.symlink_to(db_path)
    code, _, err = run(capsys, db_path, "export", "-o", str(link), "--force")
    assert code == 2 and "the database itself" in err
    assert _sessions_in(db_path) == len(SESSIONS)


def test_export_force_writes_through_a_symlink_and_never_replaces_a_pipe(
    seeded, db_path, capsys, tmp_path
):
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    code, _, _ = run(capsys, db_path, "export", "-o", str(link), "--force")
    assert code == 0
    assert link.is_symlink() and real.read_text().startswith("session_id,project_path,")
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    for force in ([], ["--force"]):  # --force would not cure it: not asked for
        code, _, err = run(capsys, db_path, "export", "-o", str(pipe), *force)
        assert code == 2 and "is not a regular file" in err
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)


def test_export_replaces_a_file_only_with_force(seeded, db_path, capsys, tmp_path):
    target = tmp_path / "sessions.csv"
    target.write_text("last week's export\n")
    code, _, err = run(capsys, db_path, "export", "-o", str(target))
    assert code == 2
    assert err == f"oxitrack: -o: {target} exists; pass --force to replace it\n"
    assert target.read_text() == "last week's export\n"
    code, _, err = run(capsys, db_path, "export", "-o", str(target), "--force")
    assert code == 0 and f"wrote {len(SESSIONS)} sessions to {target}" in err
    assert target.read_text().startswith("session_id,project_path,")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_export_refuses_a_file_beside_sqlites_wal_even_with_force(
    seeded, db_path, capsys, tmp_path
):
    """A CSV renamed over another program's live database would destroy it just the same."""
    target = tmp_path / "other.db"
    target.write_text("another database")
    Path(f"{target}-wal").write_text("its last writes")
    code, out, err = run(capsys, db_path, "export", "-o", str(target), "--force")
    assert (code, out) == (2, "")
    assert err.startswith(f"oxitrack: -o: {target} is a database in use,")
    assert target.read_text() == "another database"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_an_exported_file_is_private(seeded, db_path, capsys, tmp_path, umask_022):
    """It lists every session: under the usual umask it was readable by all."""
    target = tmp_path / "sessions.csv"
    code, _, _ = run(capsys, db_path, "export", "-o", str(target))
    assert code == 0 and stat.S_IMODE(target.stat().st_mode) == 0o600


def test_export_into_a_folder_is_refused_before_force_is_asked_for(
    seeded, db_path, capsys, tmp_path
):
    code, _, err = run(capsys, db_path, "export", "-o", str(tmp_path))
    assert code == 2
    assert err == f"oxitrack: -o: {tmp_path} is a folder; give a file name\n"


def test_a_failed_export_leaves_the_old_file_and_no_half_file(
    seeded, db_path, capsys, tmp_path, monkeypatch
):
    from oxitrack import session_exports

    def disk_fills_up(rows, zone, out, bounds):  # type: ignore[no-untyped-def]
        out.write("session_id,project_path\n1,/code/half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(session_exports, "write_sessions_csv", disk_fills_up)
    target = tmp_path / "sessions.csv"
    target.write_text("the old export\n")
    code, _, err = run(capsys, db_path, "export", "-o", str(target), "--force")
    assert code == 1
    assert err == f"oxitrack: -o: cannot write {target}: No space left on device\n"
    assert target.read_text() == "the old export\n"
    assert not list(tmp_path.glob(".oxitrack-partial-*"))


@pytest.mark.parametrize(
    ("flags", "first", "last"),
    [
        (["--month"], "2026-10-01", "2026-10-15"),
        (["--week"], "2026-10-12", "2026-10-15"),
        (["--days", "3"], "2026-10-13", "2026-10-15"),
    ],
    ids=["month", "week", "days"],
)
@pytest.mark.parametrize("command", ["report", "sessions", "export"])
def test_every_range_flag_ends_at_to(seeded, db_path, capsys, command, flags, first, last):
    """`report --month --to 2026-10-15` printed the current month."""
    extra = ["--format", "json"] if command == "export" else ["--json"]
    code, out, _ = run(capsys, db_path, command, *flags, "--to", "2026-10-15", *extra)
    assert code == 0
    body = json.loads(out)
    assert (body["from"], body["to"]) == (first, last)


@pytest.mark.parametrize(
    ("month", "first", "last"),
    [
        ("last", "2025-10-01", "2025-10-31"),
        ("2025-10", "2025-10-01", "2025-10-31"),
        (" LAST ", "2025-10-01", "2025-10-31"),
        ("2025-11", "2025-11-01", "2025-11-25"),  # this month: to today, as --month alone
        ("2024-02", "2024-02-01", "2024-02-29"),
        ("2025-02", "2025-02-01", "2025-02-28"),
        ("2024-12", "2024-12-01", "2024-12-31"),
        ("2026-01", "2026-01-01", "2026-01-31"),
    ],
)
@pytest.mark.parametrize("command", ["report", "sessions", "export"])
def test_month_named_is_that_calendar_month_whole(
    seeded, db_path, capsys, command, month, first, last
):
    """A month billed after it ended was `--month --to` its last day, a date to look up."""
    extra = ["--format", "json"] if command == "export" else ["--json"]
    code, out, err = run(capsys, db_path, command, "--month", month, *extra)
    assert code == 0, err
    body = json.loads(out)
    assert (body["from"], body["to"]) == (first, last)


def test_last_month_is_billed_as_its_days_add_up(seeded, db_path, capsys):
    code, out, _ = run(capsys, db_path, "report", "--month", "last")
    assert code == 0
    assert out.splitlines()[0] == "2025-10-01 to 2025-10-31 (Europe/Berlin), by project"
    assert out.splitlines()[-1] == "0h 30m  total"


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--month", "2025-13"], "--month: '2025-13' is not a month: write it as 2025-10, or last"),
        (["--month", "2025-10-15"], "--month: '2025-10-15' is not a month: write it as 2025-10,"),
        (["--month", "october"], "--month: 'october' is not a month: write it as 2025-10, or last"),
        (["--month", "1969-12"], "--month: '1969-12' is outside the years 1970 to 9998"),
        (["--month", "last", "--to", "2025-10-31"], "--to: --month last says its last day: give"),
    ],
)
def test_a_month_not_written_as_one_is_refused_naming_the_flag(seeded, db_path, capsys, argv, said):
    code, out, err = run(capsys, db_path, "report", *argv)
    assert (code, out) == (2, "")
    assert err.startswith(f"oxitrack: {said}"), err


def test_report_month_to_shows_that_month_in_the_title(seeded, db_path, capsys):
    code, out, _ = run(capsys, db_path, "report", "--month", "--to", "2025-10-15")
    assert code == 0
    assert out.splitlines()[0] == "2025-10-01 to 2025-10-15 (Europe/Berlin), by project"
    assert out.splitlines()[-1] == "0h 30m  total"


@pytest.mark.parametrize(
    "argv",
    [
        ["sessions", "--from", "2000-01-01", "--json"],
        ["sessions", "--from", "2000-01-01", "--to", "2025-11-25", "--json"],
        ["export", "--from", "2000-01-01", "--format", "json"],
        ["export", "--from", "2000-01-01", "--to", "2025-11-25", "--format", "json"],
    ],
    ids=["sessions-from", "sessions-from-to", "export-from", "export-from-to"],
)
def test_listings_and_exports_take_any_range(seeded, db_path, capsys, argv):
    """Only per-day reports have a longest range; an all-time export must work."""
    code, out, err = run(capsys, db_path, *argv)
    assert (code, err) == (0, "")
    assert len(json.loads(out)["sessions"]) == len(SESSIONS)


def test_per_day_report_still_refuses_a_range_of_decades(seeded, db_path, capsys):
    code, _, err = run(capsys, db_path, "report", "--from", "2000-01-01")
    assert code == 2 and "longer than 3660 days" in err


def test_sessions_and_the_api_list_the_same_by_default(store, db_path, capsys, client, monkeypatch):
    """`sessions --json` = GET /api/sessions: the same default limit (50), not 20."""
    store.write(
        lambda conn: conn.executemany(
            "INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES (?, ?, ?)",
            [("/code/many", NOW - i * 3600, NOW - i * 3600 + 60) for i in range(60)],
        )
    )
    monkeypatch.setattr(report_commands, "clock", lambda: NOW)
    _, out, _ = run(capsys, db_path, "sessions", "--json")
    listed = client.get("/api/sessions", params={"tz": "Europe/Berlin"}).json()
    assert json.loads(out) == listed
    assert len(listed["sessions"]) == 50


def test_sessions_from_a_date_answer_as_the_api_does(seeded, db_path, capsys, client):
    """`sessions --from D --json` said "to": today where GET /api/sessions?from=D said null."""
    _, out, _ = run(capsys, db_path, "sessions", "--from", "2025-11-20", "--json")
    listed = client.get("/api/sessions", params={"tz": "Europe/Berlin", "from": "2025-11-20"})
    assert json.loads(out) == listed.json()
    assert (listed.json()["from"], listed.json()["to"]) == ("2025-11-20", "2025-11-25")


def test_sessions_up_to_a_date_answer_as_the_api_does(seeded, db_path, capsys, client):
    """`sessions --to D` alone lists every session up to D: the range is open at its start."""
    code, out, _ = run(capsys, db_path, "sessions", "--to", "2025-11-24", "--json")
    listed = client.get("/api/sessions", params={"tz": "Europe/Berlin", "to": "2025-11-24"})
    assert code == 0
    assert json.loads(out) == listed.json()
    assert (listed.json()["from"], listed.json()["to"]) == (None, "2025-11-24")
    assert listed.json()["sessions"]


@pytest.mark.parametrize("command", ["report", "sessions", "export"])
@pytest.mark.parametrize("value", ["", "  "], ids=["empty", "blank"])
def test_an_empty_project_is_refused(seeded, db_path, capsys, command, value):
    code, out, err = run(capsys, db_path, command, "--project", value)
    assert (code, out) == (2, "")
    assert err == "oxitrack: --project: must not be empty\n"


@pytest.mark.parametrize("command", ["report", "sessions", "export"])
def test_a_project_that_matches_nothing_says_so(seeded, db_path, capsys, command, tmp_path):
    extra = ["-o", str(tmp_path / "out.csv")] if command == "export" else []
    code, out, err = run(capsys, db_path, command, "--project", "nosuch", *extra)
    assert (code, out) == (2, "")
    assert err == (
        "oxitrack: --project: no project matches 'nosuch'; `oxitrack projects` lists them\n"
    )
    assert not (tmp_path / "out.csv").exists()


def test_a_known_project_with_nothing_in_the_range_is_not_an_error(seeded, db_path, capsys):
    code, out, _ = run(capsys, db_path, "report", "--project", "old", "--week")
    assert code == 0 and out.splitlines()[-1] == "0h 00m  total (nothing tracked)"


def test_today_with_a_very_long_project_path_stays_narrow(store, db_path, capsys, monkeypatch):
    long_path = "/" + "nested/" * 285 + "app"  # about 2000 characters
    store.write(
        lambda conn: conn.executemany(
            "INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES (?, ?, ?)",
            [(long_path, NOW - 1200, NOW - 600), ("/code/notes", NOW - 300, NOW)],
        )
    )
    monkeypatch.setattr(report_commands, "clock", lambda: NOW)
    code, out, _ = run(capsys, db_path, "today")
    assert code == 0
    assert max(len(line) for line in out.splitlines()) < 120
    assert "nested/nested/app" in out


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--month", "--to", "2025-10-31"], " (2025-10-01 to 2025-10-31, UTC)"),
        (["--to", "2025-10-31"], " (up to 2025-10-31, UTC)"),
        ([], ""),
    ],
    ids=["month", "up-to", "all-time"],
)
def test_an_export_to_a_file_says_the_days_it_holds_and_their_zone(
    seeded, db_path, capsys, tmp_path, flags, said
):
    """The file's times carry offsets only: which days, read in which zone, is said beside the
    count, so `--tz` forgotten (or a machine in another zone) shows before the invoice does."""
    target = tmp_path / "month.csv"
    code = main(["export", "--db", str(db_path), "--tz", "UTC", "-o", str(target), *flags])
    count = 1 if flags else len(SESSIONS)
    session = "session" if count == 1 else "sessions"
    assert (code, capsys.readouterr().err) == (0, f"wrote {count} {session} to {target}{said}\n")


def test_export_json_to_a_file_equals_the_sessions_shape(seeded, db_path, capsys, tmp_path):
    target = tmp_path / "out.json"
    code, out, err = run(
        capsys, db_path, "export", "--format", "json", "-o", str(target), "--from", "2025-11-20"
    )
    assert (code, out) == (0, "")
    assert err == f"wrote 4 sessions to {target} (2025-11-20 to 2025-11-25, Europe/Berlin)\n"
    body = json.loads(target.read_text())
    assert (body["from"], body["to"], body["timezone"]) == (
        "2025-11-20",
        "2025-11-25",
        "Europe/Berlin",
    )
    assert [s["project_name"] for s in body["sessions"]] == [
        "notes",
        "oxitrack",
        "oxitrack",
        "notes",
    ]


def test_reports_work_with_the_daemon_down_and_its_store_still_open(seeded, db_path, capsys):
    # `seeded` is the daemon-side writer store, still open; the CLI opens its own read-only one.
    code, out, _ = run(capsys, db_path, "today", "--json")
    assert code == 0 and json.loads(out)["projects"]


def test_database_comes_from_oxitrack_db_when_no_flag(seeded, db_path, capsys, monkeypatch):
    monkeypatch.setenv("OXITRACK_DB", str(db_path))
    assert main(["today", "--json", "--tz", "UTC"]) == 0
    assert json.loads(capsys.readouterr().out)["timezone"] == "UTC"


def test_missing_database_is_one_clear_line(tmp_path, capsys):
    code = main(["today", "--db", str(tmp_path / "none.db")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "no database at" in err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["today", "--tz", "Mars/Base"], "--tz"),
        (["report", "--from", "2025-13-01"], "--from"),
        (["report", "--from", "2025-02-01", "--to", "2025-01-01"], "after the end"),
        (["report", "--days", "0"], "--days"),
        (["sessions", "--limit", "0"], "--limit"),
        (["sessions", "--from", "2025-02-01", "--to", "2025-01-01"], "after the end"),
    ],
    ids=["unknown-tz", "bad-date", "backwards", "zero-days", "zero-limit", "sessions-backwards"],
)
def test_bad_flags_are_usage_errors_naming_them(seeded, db_path, capsys, argv, words):
    code = main([*argv, "--db", str(db_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert words in err and err.count("\n") == 1


def test_days_takes_up_to_ten_years_and_no_more(seeded, db_path, capsys):
    """``--days`` is refused past ``MAX_RANGE_DAYS``, the most any report covers; up to it,
    included, it is the N days up to today."""
    code, out, _ = run(capsys, db_path, "report", "--days", str(MAX_RANGE_DAYS), "--json")
    assert code == 0
    report = json.loads(out)
    first, last = date.fromisoformat(report["from"]), date.fromisoformat(report["to"])
    assert (last, (last - first).days + 1) == (date(2025, 11, 25), MAX_RANGE_DAYS)
    code, out, err = run(capsys, db_path, "report", "--days", str(MAX_RANGE_DAYS + 1))
    assert (code, out) == (2, "")
    assert err == f"oxitrack: --days: must be from 1 to {MAX_RANGE_DAYS}\n"


@pytest.mark.parametrize("text", ["2025-W48", "2025-W48-7", "20251123"])
def test_dates_other_than_year_month_day_are_refused(seeded, db_path, capsys, text):
    """Python also reads ISO week dates and compact dates, where ``--to 2025-W48`` meant that
    week's Monday: a report a week short of what was asked, given without a word."""
    for argv in (["report", "--to", text], ["sessions", "--from", text]):
        code, out, err = run(capsys, db_path, *argv)
        assert code == 2 and out == ""
        assert err == (
            f"oxitrack: {argv[1]}: '{text}' is not a date: write it as 2025-01-31, today or"
            " yesterday\n"
        )


def test_project_dot_means_the_current_folder(store: Store, db_path, capsys, monkeypatch, tmp_path):
    project = tmp_path / "proj"
    project.mkdir()
    store.write(
        lambda conn: conn.execute(
            "INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES (?, ?, ?)",
            (str(project.resolve()), NOW - 600, NOW),
        )
    )
    monkeypatch.setattr(report_commands, "clock", lambda: NOW)
    monkeypatch.chdir(project)
    _, out, _ = run(capsys, db_path, "report", "--project", ".", "--json")
    assert json.loads(out)["total_seconds"] == 600
    # From a folder inside it, "." means the nearest tracked folder above.
    (project / "src" / "deep").mkdir(parents=True)
    monkeypatch.chdir(project / "src" / "deep")
    for argv in (["report", "--json"], ["sessions", "--json"], ["export", "--format", "json"]):
        code, out, err = run(capsys, db_path, *argv, "--project", ".")
        assert code == 0, err
        assert json.loads(out)["sessions" if argv[0] != "report" else "projects"]


@pytest.mark.parametrize(
    "reference", ["..", "../..", "../../", "~/proj/src", "{project}/", "{project}/src/..", "{link}"]
)
def test_every_way_to_write_a_folder_names_its_project(
    store: Store, db_path, capsys, monkeypatch, tmp_path, reference: str
):
    """Written as a folder (``..``, ``../``, ``~/``, an absolute path with a trailing slash or a
    ``..``, a symlink), it is the folder: not a project name that nothing is called."""
    project = (tmp_path / "proj").resolve()
    (project / "src" / "deep").mkdir(parents=True)
    (tmp_path / "link").symlink_to(project)
    store.write(
        lambda conn: conn.execute(
            "INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES (?, ?, ?)",
            (str(project), NOW - 600, NOW),
        )
    )
    monkeypatch.setattr(report_commands, "clock", lambda: NOW)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(project / "src" / "deep")
    argument = reference.format(project=project, link=tmp_path / "link")
    code, out, err = run(capsys, db_path, "report", "--project", argument, "--json")
    assert code == 0, err
    assert json.loads(out)["total_seconds"] == 600


def test_a_tilde_word_naming_no_user_is_a_folder_name_not_a_path(
    store: Store, db_path, capsys, monkeypatch, tmp_path
):
    """``~scratch`` with no user ``scratch`` is not a home folder: it stays the words typed, so
    the folder named so is found by its last part, not ``./~scratch`` under the current one."""
    folder = "/code/~scratch-oxitrack-no-such-user"
    store.write(
        lambda conn: conn.executemany(
            "INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES (?, ?, ?)",
            [(folder, NOW - 600, NOW), ("/code/other", NOW - 1800, NOW - 1500)],
        )
    )
    monkeypatch.setattr(report_commands, "clock", lambda: NOW)
    monkeypatch.chdir(tmp_path)
    word = folder.rsplit("/", 1)[1]
    code, out, err = run(capsys, db_path, "report", "--project", word, "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["total_seconds"] == 600


def test_project_dot_in_a_moved_repository_is_its_project(db_path, capsys, monkeypatch, tmp_path):
    """Its root commit is known from the old folder, so ``--project .`` in the new one keeps
    the project's time, before any beat came from there."""
    make_repo(tmp_path / "old" / "app")
    with Store(db_path) as store:
        old = str(tmp_path / "old" / "app")
        store.record_beats([Beat(old, NOW - 600), Beat(old, NOW - 300)])
    shutil.move(tmp_path / "old" / "app", tmp_path / "new-app")
    monkeypatch.setattr(report_commands, "clock", lambda: NOW)
    monkeypatch.chdir(tmp_path / "new-app")
    for argv in (["report", "--days", "1", "--json"], ["sessions", "--json"]):
        code, out, err = run(capsys, db_path, *argv, "--project", ".")
        assert (code, err) == (0, ""), argv
        found = json.loads(out)
        assert found.get("total_seconds", 300) == 300
        assert [s["project_path"] for s in found.get("sessions", [])] in ([], [old])


def test_project_dot_in_a_tracked_repositorys_subfolder_runs_no_git(
    db_path, capsys, monkeypatch, tmp_path
):
    """A prompt shows the project's time on every line: in a subfolder, ``--project .`` ran git
    for the repository's identity each time (0.4 s on 100k commits), though the folder holding
    the repository was already tracked."""
    make_repo(tmp_path / "app")
    with Store(db_path) as store:
        app = str(tmp_path / "app")
        store.record_beats([Beat(app, NOW - 600), Beat(app, NOW - 300)])
    calls = tmp_path / "git-calls"
    wrapper = tmp_path / "bin" / "git"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> {calls}\nexec {shutil.which("git")} "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(repo_identity, "_root_by_head", {})  # as a new `oxitrack` process starts
    monkeypatch.setattr(report_commands, "clock", lambda: NOW)
    (tmp_path / "app" / "src" / "deep").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "app" / "src" / "deep")
    code, out, err = run(capsys, db_path, "report", "--days", "1", "--project", ".", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["total_seconds"] == 300
    assert not calls.exists(), calls.read_text()
    # Moved, its top folder is tracked no more: the identity is read, and still names it.
    shutil.move(tmp_path / "app", tmp_path / "moved")
    monkeypatch.chdir(tmp_path / "moved" / "src")
    code, out, err = run(capsys, db_path, "report", "--days", "1", "--project", ".", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["total_seconds"] == 300
    assert "rev-list" in calls.read_text()


class _Terminal(io.StringIO):
    def __init__(self, encoding: str) -> None:
        super().__init__()
        self._encoding = encoding

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("no_color", "encoding", "has_ansi", "has_blocks"),
    [
        (None, "utf-8", True, True),
        ("1", "utf-8", False, True),
        (None, "ascii", True, False),
    ],
    ids=["terminal-gets-colour", "NO_COLOR-honoured", "ascii-terminal-gets-hash-bars"],
)
def test_terminal_output_colour_and_bars(
    seeded, db_path, monkeypatch, no_color, encoding, has_ansi, has_blocks
):
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    monkeypatch.setenv("TERM", "xterm")
    terminal = _Terminal(encoding)
    monkeypatch.setattr("sys.stdout", terminal)
    assert main(["today", "--db", str(db_path), "--tz", "Europe/Berlin"]) == 0
    text = terminal.getvalue()
    assert ("\x1b[" in text) is has_ansi
    assert ("█" in text) is has_blocks
    assert ("#" in text) is not has_blocks


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_sessions_on_an_output_without_the_en_dash_write_a_hyphen(
    seeded, db_path, monkeypatch, encoding
):
    """The en dash between start and end went out whatever the output could write: a traceback
    (UnicodeEncodeError) where the bars of `today` fell back to `#`."""
    monkeypatch.setenv("NO_COLOR", "1")
    terminal = _Terminal(encoding)
    monkeypatch.setattr("sys.stdout", terminal)
    argv = ["sessions", "--limit", "1", "--db", str(db_path), "--tz", "Europe/Berlin"]
    assert main(argv) == 0
    first = terminal.getvalue().splitlines()[0]
    assert first.startswith("2025-11-25 20:00-20:42  0h 42m  #")
    first.encode(encoding)


@pytest.mark.parametrize("command", ["today", "report", "sessions", "export"])
def test_every_report_command_has_help_with_an_example(command, capsys):
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "Example:" in out and f"oxitrack {command}" in out


def two_projects_named_app(db_path: Path) -> None:
    """``/a/app`` (project 1, 10 min) and ``/b/app`` (project 2, 5 min), today."""
    with Store(db_path) as store:
        store.record_beats(
            [
                Beat("/a/app", NOW - 3000),
                Beat("/a/app", NOW - 2400),
                Beat("/b/app", NOW - 1200),
                Beat("/b/app", NOW - 900),
            ]
        )


@pytest.mark.parametrize(
    ("project", "minutes"),
    [("1", "0h 10m"), ("2", "0h 05m"), ("path:/b/app", "0h 05m"), ("/a/app", "0h 10m")],
    ids=["id", "other-id", "identity", "folder"],
)
def test_project_takes_what_oxitrack_projects_shows(
    db_path, capsys, monkeypatch, project: str, minutes: str
):
    """The ids and identities ``oxitrack projects`` lists name a project in reports too."""
    two_projects_named_app(db_path)
    monkeypatch.setattr(report_commands, "clock", lambda: NOW)
    code, out, err = run(capsys, db_path, "report", "--days", "1", "--project", project)
    assert (code, err) == (0, "")
    assert out.splitlines()[-1].startswith(f"{minutes}  total")


def test_a_name_two_projects_share_is_refused_not_added_up(db_path, capsys, monkeypatch):
    """`--project` keeps one project: two named "app" were silently added together, where
    `projects rename app` asked for the id. The refusal lists them as reports tell them apart,
    and that name (``app (a)``), typed back, names one."""
    two_projects_named_app(db_path)
    monkeypatch.setattr(report_commands, "clock", lambda: NOW)
    for command in ("report", "sessions", "export"):
        code, out, err = run(capsys, db_path, command, "--project", "app")
        assert (code, out) == (2, "")
        assert err == (
            "oxitrack: --project: 'app' names several projects (1, 2); give the id, or the"
            " name: 1 'app (a)', 2 'app (b)'\n"
        )
    # The name as `report --by day` and the dashboard tell them apart names one.
    for project, minutes in (("app (a)", "0h 10m"), ("app (b)", "0h 05m")):
        code, out, err = run(capsys, db_path, "report", "--days", "1", "--project", project)
        assert (code, err) == (0, "")
        assert out.splitlines()[-1].startswith(f"{minutes}  total")
    code, out, err = run(capsys, db_path, "report", "--by", "day", "--days", "1")
    assert "app (a), app (b)" in out


def test_a_merged_projects_id_says_where_it_went(db_path, capsys, monkeypatch):
    """`projects merge 2 1` run twice says "(project 2 was merged into project 1)"; `--project 2`
    said only "no project matches '2'", as if the project and its time were gone."""
    two_projects_named_app(db_path)
    monkeypatch.setattr(report_commands, "clock", lambda: NOW)
    assert main(["projects", "merge", "2", "1", "--db", str(db_path), "--via", "file"]) == 0
    capsys.readouterr()
    for command in ("report", "sessions", "export"):
        code, out, err = run(capsys, db_path, command, "--project", "2")
        assert (code, out) == (2, ""), command
        assert err == (
            "oxitrack: --project: no project matches '2' (project 2 was merged into project 1);"
            " `oxitrack projects` lists them\n"
        )
    code, out, err = run(capsys, db_path, "report", "--days", "1", "--project", "1")
    assert (code, err) == (0, "") and out.splitlines()[-1].startswith("0h 15m  total")


def test_a_merged_projects_id_still_matches_a_folder_of_that_name(db_path, capsys, monkeypatch):
    """A folder called ``2`` is matched by its name as before: only an id that names nothing
    at all gets the note."""
    two_projects_named_app(db_path)
    with Store(db_path) as store:
        store.record_beats([Beat("/x/2", NOW - 600), Beat("/x/2", NOW - 300)])
    monkeypatch.setattr(report_commands, "clock", lambda: NOW)
    assert main(["projects", "merge", "2", "1", "--db", str(db_path), "--via", "file"]) == 0
    assert main(["projects", "rename", "/x/2", "Two", "--db", str(db_path)]) == 0
    capsys.readouterr()
    code, out, err = run(capsys, db_path, "report", "--days", "1", "--project", "2")
    assert (code, err) == (0, "") and out.splitlines()[-1].startswith("0h 05m  total")


def test_tables_write_control_characters_of_a_folder_as_escapes(db_path, capsys, monkeypatch):
    """Whoever sends a beat names the folder: ESC sequences in it drove the terminal."""
    hostile = "/tmp/evil\x1b]0;TITLE\x07\x1b[31m\nfake"
    with Store(db_path) as store:
        store.record_beats([Beat(hostile, NOW - 600), Beat(hostile, NOW - 60)])
    monkeypatch.setattr(report_commands, "clock", lambda: NOW)
    for command in (["today"], ["report", "--days", "1"], ["sessions"]):
        code, out, _ = run(capsys, db_path, *command)
        assert code == 0 and "\x1b" not in out and "\x07" not in out, command
        assert "\\x1b" in out, command
    code = main(["projects", "--db", str(db_path)])
    out = capsys.readouterr().out
    assert code == 0 and "\x1b" not in out and "evil\\x1b]0;TITLE\\x07" in out


def test_a_folder_nothing_was_tracked_in_is_not_the_file_systems_root(
    db_path, capsys, tmp_path, monkeypatch
):
    """One beat sent for ``/`` made every untracked folder's `--project .` report its time."""
    with Store(db_path) as store:
        store.record_beats([Beat("/", NOW - 600), Beat("/", NOW - 60)])
        # As an older version left it: a folder with sessions and no project row.
        store.write(lambda conn: conn.execute("DELETE FROM project_paths"))
    monkeypatch.setattr(report_commands, "clock", lambda: NOW)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, db_path, "report", "--days", "1", "--project", ".")
    assert (code, out) == (2, "")
    assert "no project matches '.'" in err
    code, out, _ = run(capsys, db_path, "report", "--days", "1", "--project", "/")
    assert code == 0 and out.splitlines()[-1].startswith("0h 09m  total")
