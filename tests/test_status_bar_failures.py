"""What a status bar polling ``oxitrack today`` every few seconds gets when something around it is
off: a bad value of a setting ``today`` does not read, a database another program holds, a
``$TZ`` naming a copy of a zone file. Real ``oxitrack`` processes on a real SQLite file."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from oxitrack.cli import main
from oxitrack.days import zone_name
from oxitrack.sessions import Beat
from oxitrack.store import Store
from oxitrack.store.lock_wait import OPEN_WAIT_SECONDS
from oxitrack.zones import system_zone
from tests.zones import midday_zone


def oxitrack(
    *args: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "oxitrack", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=env,
        timeout=timeout,
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A database the daemon made (WAL mode), with one session in it."""
    path = tmp_path / "oxitrack.db"
    with Store(path) as store:
        now = int(time.time())
        store.record_beats([Beat("/code/api", now - 120), Beat("/code/api", now - 60)])
    return path


@pytest.fixture
def env(tmp_path: Path, db: Path) -> dict[str, str]:
    """A bar's environment: no OXITRACK_* but the database, its own config file."""
    config = tmp_path / "config.toml"
    config.write_text("")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OXITRACK_", "TZ"))}
    return {**base, "OXITRACK_DB": str(db), "OXITRACK_CONFIG": str(config)}


# -- settings today does not read --------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "file_line", "named"),
    [
        ("OXITRACK_WEEK_START", None, "OXITRACK_WEEK_START"),
        (None, 'week_start = "funday"', "week_start"),
        ("OXITRACK_PORT", None, "OXITRACK_PORT"),
        (None, 'host = "http://127.0.0.1"', "host"),
    ],
    ids=["week-start-variable", "week-start-in-file", "port-variable", "host-in-file"],
)
def test_a_bad_setting_today_does_not_read_is_a_warning_not_a_blank_bar(
    env: dict[str, str], variable: str | None, file_line: str | None, named: str
):
    """`OXITRACK_WEEK_START=funday` made `today` exit 2: the bar showed nothing at all."""
    if variable is not None:
        env[variable] = "funday"
    if file_line is not None:
        Path(env["OXITRACK_CONFIG"]).write_text(file_line + "\n")
    result = oxitrack("today", "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total_seconds"] >= 0
    [line] = result.stderr.splitlines()
    assert line.startswith(f"oxitrack: warning: {env['OXITRACK_CONFIG'] if file_line else named}")
    assert named in line
    setting = named.lower().removeprefix("oxitrack_")
    assert line.endswith(f"; ignored, as `oxitrack today` does not use {setting}")


def test_a_command_that_reads_the_bad_setting_still_refuses_it(env: dict[str, str]):
    env["OXITRACK_WEEK_START"] = "funday"
    result = oxitrack("report", "--week", "--json", env=env)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "oxitrack: OXITRACK_WEEK_START: must be a day of the week such as monday or sunday,"
        " not 'funday'\n"
    )


def test_a_bad_database_setting_still_stops_today(env: dict[str, str]):
    """The one setting `today` reads: a bad one is no warning, since the bar would show the
    wrong file's time."""
    env["OXITRACK_DB"] = "file:x.db?mode=ro"
    result = oxitrack("today", "--json", env=env)
    assert result.returncode == 2
    assert "OXITRACK_DB" in result.stderr


# -- a database another program holds ----------------------------------------------------------


@pytest.fixture
def held(db: Path) -> Iterator[sqlite3.Connection]:
    """``db`` held as another program can: in exclusive locking mode, which keeps every other
    connection out, readers of a WAL file too (``BEGIN EXCLUSIVE`` alone does not)."""
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield holder
    finally:
        holder.close()


TODAY_WAIT_SECONDS = 2  # as docs/cli.md says


def test_today_gives_up_on_a_held_database_after_a_short_wait(
    env: dict[str, str], db: Path, held: sqlite3.Connection
):
    """It waited 120 s: a bar polling every 5 s piled up two dozen processes."""
    started = time.monotonic()
    result = oxitrack("today", "--json", env=env, timeout=OPEN_WAIT_SECONDS / 2)
    waited = time.monotonic() - started
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"oxitrack: cannot open the database {db}: database is locked (another program holds"
        f" the database); gave up after {TODAY_WAIT_SECONDS:g} s\n"
    )
    assert TODAY_WAIT_SECONDS <= waited < TODAY_WAIT_SECONDS + 10  # process start-up on a busy CI


def test_a_writer_in_wal_mode_keeps_no_reader_out(env: dict[str, str], db: Path):
    """`sqlite3 oxitrack.db 'BEGIN EXCLUSIVE; ...'` on the daemon's WAL file: today still reads."""
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("DELETE FROM sessions")
        result = oxitrack("today", "--json", "--tz", midday_zone(time.time()), env=env)
    finally:
        holder.close()
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["projects"][0]["project_name"] == "api"


def test_a_command_that_writes_keeps_waiting_for_a_held_database(
    env: dict[str, str], db: Path, held: sqlite3.Connection
):
    """`projects rename` waits as before, saying so after a moment; it goes on once let go."""
    command = [
        sys.executable,
        "-m",
        "oxitrack",
        "projects",
        "rename",
        "api",
        "web",
        "--via",
        "file",
    ]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as process:
        assert process.stderr is not None
        first = process.stderr.readline()  # blocks until the command says it waits
        held.close()  # the other program ends
        _, rest = process.communicate(timeout=60)
    assert first.rstrip().endswith(f"waiting up to {OPEN_WAIT_SECONDS:.0f} s for it")
    assert process.returncode == 0, rest


# -- zones -------------------------------------------------------------------------------------


@pytest.mark.parametrize("tz", ["posix/Europe/Berlin", "right/Europe/Berlin"])
def test_tz_naming_a_copy_of_a_zone_file_is_that_zone(env: dict[str, str], tz: str):
    """`TZ=posix/Europe/Berlin` (which `date` follows) fell back to UTC, with a note."""
    result = oxitrack("today", "--json", env={**env, "TZ": tz})
    assert result.returncode == 0
    assert result.stderr == ""
    assert json.loads(result.stdout)["timezone"] == "Europe/Berlin"


POSIX_RULE = "CET-1CEST,M3.5.0,M10.5.0/3"


@pytest.mark.parametrize(
    "argv",
    [["projects", "--via", "file"], ["service", "status", "--port", "1"]],
    ids=["projects", "service-status"],
)
def test_times_in_a_zone_tz_does_not_name_are_followed_by_its_name(
    db: Path, argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """With a POSIX rule in $TZ, `projects` printed a last beat in UTC as if local, where
    `today`'s title names the zone the days are in."""
    monkeypatch.setenv("TZ", POSIX_RULE)
    time.tzset()  # what the C library follows, as in a process started with it
    monkeypatch.setenv("OXITRACK_DB", str(db))
    try:
        main(argv)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    out = capsys.readouterr().out
    with Store(db, read_only=True) as store:
        [session] = store.sessions()
    zone = system_zone()
    when = datetime.fromtimestamp(session.last_heartbeat, zone).strftime("%Y-%m-%d %H:%M")
    assert f"last beat {when} {zone_name(zone)}" in out


def test_times_in_the_zone_tz_names_are_shown_as_they_were(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert main(["projects", "--db", str(db), "--via", "file"]) == 0
    out = capsys.readouterr().out
    with Store(db, read_only=True) as store:
        [session] = store.sessions()
    when = datetime.fromtimestamp(session.last_heartbeat, system_zone()).strftime("%Y-%m-%d %H:%M")
    assert f"last beat {when}\n" in out
