"""The report commands as someone at a terminal uses them: in-process through ``main`` on a real
database file, with the commands' clock stopped at NOW (Tue 2025-11-25 in Berlin), so nothing
here depends on the time of day the tests run at."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from oxitrack.cli import main
from oxitrack.commands import reports as report_commands
from oxitrack.store import Store
from tests.conftest import NOW
from tests.daemon_process import DaemonProcess
from tests.terminals import on_terminal

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


YESTERDAY_AND_TODAY = [
    ("/work/notes", at("2025-11-24 09:00"), at("2025-11-24 10:30")),
    ("/work/notes", at("2025-11-25 09:00"), at("2025-11-25 09:20")),
]


@pytest.mark.parametrize("word", ["yesterday", "Yesterday"])
def test_yesterday_is_a_day_as_people_type_it(store, db_path, capsys, word):
    """ "What did I do yesterday?" took the date looked up and typed twice; ``yesterday`` was
    refused as no date."""
    seed(store, YESTERDAY_AND_TODAY)
    code, out, err = run(capsys, db_path, "report", "--from", word, "--to", word)
    assert (code, err) == (0, "")
    assert out == run(capsys, db_path, "report", "--from", "2025-11-24", "--to", "2025-11-24")[1]
    assert out.splitlines()[0] == "2025-11-24 to 2025-11-24 (Europe/Berlin), by project"
    assert out.splitlines()[-1] == "1h 30m  total"
    code, out, _ = run(capsys, db_path, "sessions", "--from", word, "--to", "today")
    assert code == 0 and out.splitlines()[-1] == "2 sessions, times in Europe/Berlin"
    code, out, _ = run(capsys, db_path, "sessions", "--from", "today")
    assert code == 0 and out.splitlines()[-1] == "1 session, times in Europe/Berlin"


def test_a_date_typed_another_way_is_refused_saying_how_to_write_it(store, db_path, capsys):
    seed(store, YESTERDAY_AND_TODAY)
    code, out, err = run(capsys, db_path, "report", "--from", "24.11.2025")
    assert (code, out) == (2, "")
    assert err == (
        "oxitrack: --from: '24.11.2025' is not a date: write it as 2025-01-31, today or yesterday\n"
    )


def test_a_report_of_decades_is_refused_saying_what_shows_all_time(store, db_path, capsys):
    """``report --from 2000-01-01`` ("all my time, per project") said only that the range was too
    long, not where all time is shown."""
    seed(store, YESTERDAY_AND_TODAY)
    code, out, err = run(capsys, db_path, "report", "--from", "2000-01-01")
    assert (code, out) == (2, "")
    assert err.startswith("oxitrack: --from: the range is longer than 3660 days; ")
    assert "`oxitrack projects` shows each project's time of all days" in err
    code, out, _ = run(capsys, db_path, "sessions", "--from", "2000-01-01")
    assert code == 0 and out.splitlines()[-1] == "2 sessions, times in Europe/Berlin"


def test_an_import_from_an_empty_pipe_says_the_pipe_was_empty(daemon: DaemonProcess) -> None:
    """``ssh old-laptop cat wakatime.json.gz | oxitrack import -`` whose ``ssh`` found no file:
    the import said "the file is not valid JSON (parse error: premature EOF)", as if the export
    were damaged."""
    command = [sys.executable, "-m", "oxitrack", "import", "-", "--db", str(daemon.db_path)]
    env = {**os.environ, "OXITRACK_PORT": str(daemon.port)}
    done = subprocess.run(command, input=b"", capture_output=True, env=env, timeout=60)
    assert (done.returncode, done.stdout) == (1, b"")
    assert done.stderr == (
        b"oxitrack: standard input is empty: nothing to import (did the command before the pipe"
        b" fail?)\n"
    )


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        ("operating-system", "operating_system"),
        ("os", "operating_system"),
        ("Language", "language"),
        ("days", "day"),
        ("Projects", "project"),
        ("categories", "category"),
        ("branches", "branch"),
    ],
)
def test_report_by_takes_a_field_as_people_type_it(store, db_path, capsys, typed, field):
    """Every other flag is written with hyphens (``--week-start``) and takes ``Sunday``, but
    ``--by operating-system``, ``--by Language`` and ``--by days`` were refused."""
    seed(store, YESTERDAY_AND_TODAY)
    code, out, err = run(capsys, db_path, "report", "--days", "2", "--by", typed)
    assert (code, err) == (0, "")
    assert out == run(capsys, db_path, "report", "--days", "2", "--by", field)[1]
    assert out.splitlines()[0].endswith(f", by {field}")


def test_report_by_an_unknown_field_still_lists_the_fields(store, db_path, capsys):
    seed(store, YESTERDAY_AND_TODAY)
    with pytest.raises(SystemExit) as exited:
        run(capsys, db_path, "report", "--by", "weekday")
    assert exited.value.code == 2
    assert "invalid choice: 'weekday' (choose from 'project', 'day', 'language'" in (
        capsys.readouterr().err
    )


def test_service_status_says_a_last_beat_weeks_ago_in_days(
    daemon: DaemonProcess, tmp_path: Path
) -> None:
    """A daemon that answers but got no beat for weeks (an editor's extension switched off) was
    "last beat … (960h 10m ago)": days to work out by hand."""
    import httpx2 as httpx

    long_ago = int(time.time()) - 40 * 86400 - 600
    for timestamp in (long_ago - 300, long_ago):
        answer = httpx.post(
            f"{daemon.url}/beat", json={"project_path": "/code/x", "timestamp": timestamp}
        )
        answer.raise_for_status()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OXITRACK_")}
    (tmp_path / "config.toml").write_text("")
    env.update(
        HOME=str(tmp_path / "home"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        OXITRACK_CONFIG=str(tmp_path / "config.toml"),
        OXITRACK_PORT=str(daemon.port),
    )
    command = [sys.executable, "-m", "oxitrack", "service", "status", "--db", str(daemon.db_path)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[3].endswith("(40 days ago)"), done.stdout


def test_a_backup_to_a_pipe_is_refused_without_offering_the_standard_output(
    store: Store, db_path: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``backup /dev/null`` (or a pipe) said to "leave out the file to write to the standard
    output", which ``backup`` refuses (a database copy is no stream); ``export`` can."""
    seed(store, YESTERDAY_AND_TODAY)
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    code = main(["backup", str(pipe), "--db", str(db_path)])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == f"oxitrack: {pipe} is not a regular file (a device or a pipe); give a file name\n"
    code, out, err = run(capsys, db_path, "export", "-o", str(pipe))
    assert (code, out) == (2, "")
    assert err.endswith(
        "; give a file name, or leave out the file to write to the standard output\n"
    )


def test_sessions_mark_the_one_still_going_on_as_today_marks_its_project(store, db_path, capsys):
    """``today`` said "● active" beside the project being worked on while ``sessions`` listed
    that session as ``20:16-20:45``, as if it had ended at the latest beat."""
    seed(
        store,
        [
            ("/work/notes", at("2025-11-25 09:00"), at("2025-11-25 10:00")),
            ("/work/notes", NOW - 30 * 60, NOW - 60),
        ],
    )
    code, out, _ = run(capsys, db_path, "sessions")
    assert code == 0
    going_on, ended, count = out.splitlines()
    assert going_on.endswith("  /work/notes  ● active"), going_on
    assert ended.endswith("  /work/notes"), ended
    assert count == "2 sessions, times in Europe/Berlin"
    code, out, _ = run(capsys, db_path, "today")
    assert out.splitlines()[1].endswith("● active")


def test_a_rename_without_the_new_name_says_where_it_goes(store, db_path, capsys):
    """``projects rename notes`` said "give a NAME or --reset (not both)": nothing was given
    twice; the name was missing, and where it goes was left to the usage line."""
    seed(store, YESTERDAY_AND_TODAY)
    for project, typed in (("notes", "notes"), ("my notes", "'my notes'")):
        code = main(["projects", "rename", project, "--db", str(db_path), "--via", "file"])
        out, err = capsys.readouterr()
        assert (code, out) == (2, "")
        assert err == (
            f"oxitrack: projects rename: give the new name: `oxitrack projects rename {typed}"
            " NAME`, or --reset for the name of its folder\n"
        )
    code = main(["projects", "rename", "notes", "x", "--reset", "--db", str(db_path)])
    assert code == 2
    assert capsys.readouterr().err == (
        "oxitrack: projects rename: give a NAME or --reset, not both\n"
    )


@pytest.mark.parametrize(
    ("argv", "title"),
    [
        (["today"], "Today, Tue 2025-11-25 (Europe/Berlin), project notes"),
        (["report", "--days", "2"], "by project, project notes"),
        (["report", "--days", "2", "--by", "day"], "by day, project notes"),
        (["report", "--days", "2", "--by", "language"], "by language, project notes"),
    ],
)
def test_a_report_of_one_project_names_it_in_its_title(db_path, capsys, client, argv, title):
    """``report --week --project client-a --by language`` mailed by cron each Friday for an
    invoice had the title of a report of all the work: nothing in it said which project."""
    for path, start in (
        ("/work/notes", at("2025-11-25 09:00")),
        ("/work/other", at("2025-11-25 11:00")),
    ):
        for offset in range(0, 3601, 300):
            beat = {"project_path": path, "timestamp": start + offset, "language": "Python"}
            client.post("/beat", json=beat).raise_for_status()
    code, out, err = run(capsys, db_path, *argv, "--project", "notes")
    assert (code, err) == (0, "")
    assert out.splitlines()[0].endswith(title), out
    code, out, _ = run(capsys, db_path, *argv)
    assert "project notes" not in out.splitlines()[0]


@pytest.mark.parametrize("typed", ["2025-02-30", "2025-13-01", "2025-11-31"])
def test_a_day_no_calendar_has_is_refused_as_such(store, db_path, capsys, typed):
    """``--to 2025-11-31`` is written as asked; "write it as 2025-01-31" did not say what was
    wrong with it."""
    seed(store, YESTERDAY_AND_TODAY)
    code, out, err = run(capsys, db_path, "report", "--from", "2025-11-01", "--to", typed)
    assert (code, out) == (2, "")
    assert err == f"oxitrack: --to: '{typed}' is no day of the calendar\n"


def _report_shown(db_path: Path, *, columns: int | None, env: dict[str, str]) -> str:
    """``oxitrack report`` for 2025-11-24 on a terminal ``columns`` wide (``None``: into a
    pipe) with ``env`` over this process's environment: what it printed."""
    argv = [sys.executable, "-m", "oxitrack", "report", "--db", str(db_path)]
    argv += ["--tz", "Europe/Berlin", "--from", "2025-11-24", "--to", "2025-11-24"]
    environ = {**os.environ, "NO_COLOR": "1", **env}
    if columns is None:
        done = subprocess.run(argv, env=environ, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout
    code, _, shown = on_terminal(*argv[3:], env=environ, columns=columns, stdout_too=True)
    assert code == 0, shown
    return shown


LONG_FOLDERS = [
    ("/srv/work/clients/client-one/frontend-application-monorepo", "09", "12"),
    ("/home/me/code/a-really-quite-long-project-name-for-widths/sub", "13", "15"),
]


@pytest.mark.skipif(sys.platform != "linux", reason="a pseudo-terminal's size: Linux's ioctl")
def test_a_report_fits_the_terminal_it_is_shown_on_and_is_whole_in_a_pipe(
    store: Store, db_path: Path
) -> None:
    """Rows of a long name and path were some 120 columns: wrapped on an 80-column terminal,
    each row took two lines. On a terminal they fit its width; into a pipe (a script, a file)
    they are whole, unless ``$COLUMNS`` asks for a width."""
    seed(
        store,
        [
            (path, at(f"2025-11-24 {start}:00"), at(f"2025-11-24 {end}:00"))
            for path, start, end in LONG_FOLDERS
        ],
    )
    for columns in (80, 60):
        shown = _report_shown(db_path, columns=columns, env={})
        rows = shown.splitlines()[1:3]
        assert all(len(row) <= columns for row in rows), rows
        assert "frontend-application-monorepo" in rows[0], rows
    piped = _report_shown(db_path, columns=None, env={})
    assert LONG_FOLDERS[0][0] in piped
    assert max(len(line) for line in piped.splitlines()) > 100
    for no_width in ("0", "-3", "wide", ""):  # as for `--help`: no width at all
        assert _report_shown(db_path, columns=None, env={"COLUMNS": no_width}) == piped
    asked = _report_shown(db_path, columns=None, env={"COLUMNS": "72"})
    assert max(len(line) for line in asked.splitlines()) <= 72, asked
    # $COLUMNS as a shell keeps it wins over the terminal's own idea, as for `--help`.
    assert _report_shown(db_path, columns=120, env={"COLUMNS": "72"}) == asked
