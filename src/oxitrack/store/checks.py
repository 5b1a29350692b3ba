"""``oxitrack check``: everything wrong with a database file, in words, and what to do.

The checks only read, and read the file as it is (``reading_as_is``): they never upgrade the
schema, so a file an older OxiTrack wrote is reported as it is, its upgrade as pending.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from oxitrack.beats import EARLIEST_TIMESTAMP, MAX_FUTURE_SECONDS
from oxitrack.sessions import SESSION_GAP_SECONDS
from oxitrack.store.dropped_objects import dropped
from oxitrack.store.lock_holders import open_elsewhere_by, process_names
from oxitrack.store.maintenance import DatabaseStats, database_stats
from oxitrack.store.ownership import foreign_reason, table_exists
from oxitrack.store.reading import reading_as_is
from oxitrack.store.schema import SCHEMA_VERSION
from oxitrack.store.sessions_table import WELL_FORMED_SQL
from oxitrack.store.sqlite_errors import explain
from oxitrack.store.wal_file import WalDamage, wal_damage

MAX_REPORTED_ROWS = 10
_RESTORE = " Restore a backup, or recover what is readable with `sqlite3 FILE .recover`."


@dataclass(frozen=True, slots=True)
class CheckReport:
    problems: list[str]  # each one sentence; any problem makes `oxitrack check` fail
    notes: list[str]  # worth knowing, nothing to repair
    stats: DatabaseStats | None

    @property
    def upgrade_pending(self) -> bool:
        """The file has an older schema, which the daemon upgrades when it next opens it."""
        return self.stats is not None and self.stats.schema_version < SCHEMA_VERSION


def check(path: Path) -> CheckReport:
    """Everything wrong with the database at ``path``, in words."""
    problems: list[str] = []
    notes: list[str] = []
    with reading_as_is(path) as conn:
        try:
            _check_file(conn, problems)
            if not problems:
                _check_schema(conn, problems, notes)
            if not problems:
                _check_sessions(conn, problems, notes)
                _check_projects(conn, problems, notes)
                _check_dropped(conn, problems)
                _check_heartbeats(conn, notes)
        except sqlite3.Error as exc:
            problems.append(f"SQLite cannot read the file: {explain(exc)}.{_advice(exc)}")
    # First: the one finding where what the user does next decides whether data is lost.
    wal = f"{os.path.realpath(path)}-wal"
    damage = wal_damage(wal)
    if damage is not None:
        problems.insert(0, _wal_problem(wal, damage))
    stats = None
    if not problems:
        stats = database_stats(path)
    if stats is not None and stats.schema_version < SCHEMA_VERSION:
        notes[:1] = [notes[0] + _older_daemon(str(path))]
    return CheckReport(problems, notes, stats)


def _older_daemon(path: str) -> str:
    """Who keeps an older file as it is: a program that has it open is most likely the older
    daemon (one of this version upgrades its file when it starts), which ``check`` run after an
    upgrade of the package found running and told "the daemon upgrades it when it next opens
    the file": it never does, and it stops when a command of this version does."""
    holders = open_elsewhere_by(path)
    if not holders:
        return ""
    return (
        f"; {process_names(holders)} has it open: if that is an older daemon, it stops when that"
        " happens; start it again then (a service starts again by itself)"
    )


def _wal_problem(wal: str, damage: WalDamage) -> str:
    if damage.first_bad_frame == 0:
        where = f"its header is damaged, so SQLite reads none of the {damage.hidden_frames}"
        where += " frame(s) written after it"
    else:
        where = (
            f"frame {damage.first_bad_frame} is damaged, so SQLite stops reading there and"
            f" skips the {damage.hidden_frames} frame(s) written after it"
            f" ({damage.hidden_commits} commit(s): beats that were saved)"
        )
    return (
        f"{wal} holds writes SQLite cannot read: {where}. They are not lost yet, but the next"
        " program that opens the database for writing (the daemon, or any command that"
        f" changes it) writes over them for good. Before that, keep a copy of {wal} (with"
        " the database and its -shm): those writes can then be recovered by hand."
    )


def _check_file(conn: sqlite3.Connection, problems: list[str]) -> None:
    rows = [row[0] for row in conn.execute("PRAGMA integrity_check(100)")]
    if rows != ["ok"]:
        # One row may hold several lines, under a "*** in database main ***" heading.
        faults = [
            line.strip()
            for row in rows
            for line in str(row).splitlines()
            if line.strip() and not line.startswith("***")
        ]
        more = f" (and {len(faults) - 3} more)" if len(faults) > 3 else ""
        problems.append(
            f"SQLite's integrity check finds the file damaged: {'; '.join(faults[:3])}{more}."
            + _RESTORE
        )
        return
    faults = conn.execute("PRAGMA foreign_key_check").fetchall()
    if faults:
        tables = sorted({row[0] for row in faults})
        problems.append(
            f"{len(faults)} row(s) in {', '.join(tables)} point at a project that does not exist"
        )


def _check_schema(conn: sqlite3.Connection, problems: list[str], notes: list[str]) -> None:
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    (application_id,) = conn.execute("PRAGMA application_id").fetchone()
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    foreign = foreign_reason(conn, version, application_id)  # the daemon's own test, same words
    if foreign is not None:
        problems.append(f"this is not an OxiTrack database: {foreign}")
    elif "sessions" not in tables:
        problems.append("there is no sessions table: this is not an OxiTrack database")
    elif version > SCHEMA_VERSION:
        problems.append(
            f"schema {version} is newer than this OxiTrack knows ({SCHEMA_VERSION}); upgrade it"
        )
    elif version < SCHEMA_VERSION:
        notes.append(
            f"schema {version} is older than {SCHEMA_VERSION}; the daemon upgrades it when it"
            " next opens the file, as does any report of this version (`oxitrack today`)"
        )


def _check_dropped(conn: sqlite3.Connection, problems: list[str]) -> None:
    """OxiTrack's indexes and views dropped by hand: an older schema gets them from its
    upgrade, and the daemon makes them again as it starts (``dropped_objects.py``)."""
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    if version != SCHEMA_VERSION:
        return
    for kind, name, _ in dropped(conn):
        what = "reports may stop on it or be slow" if kind == "index" else "queries of it fail"
        problems.append(
            f"the {kind} {name} is missing (dropped by hand?): {what}. It held no data:"
            " the daemon makes it again as it starts (an index, at its next report too)"
        )


# Each heartbeat's second, and the last beat of the latest session of its folder starting at or
# before it: every beat is recorded into such a session, so one past it lies in none. One step
# of the sessions' (project_path, start_time) index per heartbeat: 0.2 s for 350 000.
_HEARTBEATS_OUTSIDE_SESSIONS = f"""
SELECT c.project_path, count(*) FROM heartbeats AS h JOIN beat_contexts AS c ON c.id = h.context_id
WHERE ifnull((SELECT s.last_heartbeat FROM sessions AS s
              WHERE s.project_path = c.project_path AND s.start_time <= CAST(h.time AS INTEGER)
              AND {WELL_FORMED_SQL} ORDER BY s.start_time DESC LIMIT 1), -1)
      < CAST(h.time AS INTEGER)
GROUP BY c.project_path ORDER BY count(*) DESC LIMIT {MAX_REPORTED_ROWS}
"""


def _check_heartbeats(conn: sqlite3.Connection, notes: list[str]) -> None:
    """Heartbeats (the labels of a beat: language, editor...) that no session of their folder
    holds: what a session deleted by hand leaves, which counts nowhere, and what one moved to
    another folder by hand leaves behind, whose time the breakdowns then call unknown."""
    if not table_exists(conn, "heartbeats") or not table_exists(conn, "beat_contexts"):
        return
    for folder, count in conn.execute(_HEARTBEATS_OUTSIDE_SESSIONS):
        notes.append(
            f"{count} heartbeat(s) of {folder} lie outside its sessions (sessions deleted, or"
            " moved to another folder by hand): `report --by language` and the other"
            " breakdowns count none of them, and a moved session's time shows there as"
            " unknown. A whole folder moves with `oxitrack projects merge` instead"
        )


# The schema steps that repair what the checks find: step 1 (store/sessions_table.py) merges the
# seed's overlapping or too close sessions and splits those that end before they start; step 4
# (store/project_tables.py) registers every folder with sessions in a project. Before them, a
# finding is only a note.
_SESSIONS_REPAIRED_AT = 1
_FOLDERS_REGISTERED_AT = 4


def _check_sessions(conn: sqlite3.Connection, problems: list[str], notes: list[str]) -> None:
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    upgrade_repairs = version < _SESSIONS_REPAIRED_AT
    _check_times(conn, problems)
    _check_out_of_range(conn, problems)
    backwards = conn.execute(
        "SELECT id, project_path FROM sessions WHERE last_heartbeat < start_time"
        f" AND {_INTEGERS} LIMIT {MAX_REPORTED_ROWS}"
    ).fetchall()
    if backwards:
        ids = ", ".join(str(row[0]) for row in backwards)
        if upgrade_repairs:
            notes.append(
                f"session(s) {ids} end before they start; the upgrade repairs them (each"
                " becomes its two beats, which join the sessions around them when close enough)"
            )
        else:
            first = backwards[0][0]
            problems.append(
                f"session(s) {ids} end before they start: reports and beats leave them out."
                " Swap the two times if they were typed the wrong way round (`UPDATE sessions"
                " SET start_time = last_heartbeat, last_heartbeat = start_time WHERE id ="
                f" {first}`), or delete the row (`DELETE FROM sessions WHERE id = {first}`)"
            )
    too_close = conn.execute(
        "SELECT id, project_path, gap, before_id, before_last, last_heartbeat FROM ("
        "  SELECT id, project_path, last_heartbeat,"
        "    start_time - lag(last_heartbeat) OVER by_start AS gap,"
        "    lag(id) OVER by_start AS before_id, lag(last_heartbeat) OVER by_start AS before_last"
        f"  FROM sessions WHERE {WELL_FORMED_SQL}"
        "  WINDOW by_start AS (PARTITION BY project_path ORDER BY start_time)"
        f") WHERE gap < ? LIMIT {MAX_REPORTED_ROWS}",
        (SESSION_GAP_SECONDS,),
    ).fetchall()
    for session_id, project_path, gap, before_id, before_last, last in too_close:
        how = "overlaps the one before it" if gap < 0 else f"starts {gap} s after the one before"
        if upgrade_repairs:
            notes.append(f"session {session_id} of {project_path} {how}; the upgrade merges them")
            continue
        problems.append(
            f"session {session_id} of {project_path} {how} (session {before_id}; sessions of"
            f" one folder are at least {SESSION_GAP_SECONDS} s apart, so time may be counted"
            f" twice). Join them into session {before_id}: `UPDATE sessions SET last_heartbeat"
            f" = {max(last, before_last)} WHERE id = {before_id}; DELETE FROM sessions WHERE"
            f" id = {session_id};`"
        )


# Both times whole numbers: what the comparisons of the checks above mean anything on.
_INTEGERS = "typeof(start_time) = 'integer' AND typeof(last_heartbeat) = 'integer'"


def _check_out_of_range(conn: sqlite3.Connection, problems: list[str]) -> None:
    """Sessions no beat could have made: before 2000 or ending in the future (a year or a digit
    mistyped by hand), whose hours every report of their days counts."""
    latest = int(time.time()) + MAX_FUTURE_SECONDS
    rows = conn.execute(
        "SELECT id, project_path, start_time, last_heartbeat FROM sessions"
        f" WHERE {WELL_FORMED_SQL} AND (start_time < ? OR last_heartbeat > ?)"
        f" ORDER BY id LIMIT {MAX_REPORTED_ROWS}",
        (EARLIEST_TIMESTAMP, latest),
    ).fetchall()
    for session_id, project_path, start, last in rows:
        when = f"{_utc(start)} to {_utc(last)} UTC"
        problems.append(
            f"session {session_id} of {project_path} runs {when}, which no beat can send"
            " (before 2000, or in the future): a time typed by hand? Reports count it. Set the"
            f" times (`UPDATE sessions SET start_time = strftime('%s', 'YYYY-MM-DD HH:MM',"
            " 'utc'), last_heartbeat = strftime('%s', 'YYYY-MM-DD HH:MM', 'utc') WHERE id ="
            f" {session_id}`), or delete the row (`DELETE FROM sessions WHERE id = {session_id}`)"
        )


def _utc(timestamp: int) -> str:
    try:
        return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M")
    except (OverflowError, OSError, ValueError):
        return str(timestamp)


def _check_times(conn: sqlite3.Connection, problems: list[str]) -> None:
    """Rows whose times are not whole Unix seconds: SQLite keeps what a hand-made INSERT or
    UPDATE gives an INTEGER column (text such as '2026-11-29 09:00', a fraction, a blob), and
    reports and beats leave such a row out (``WELL_FORMED_SQL``)."""
    rows = conn.execute(
        "SELECT id, project_path, quote(start_time), quote(last_heartbeat),"
        " typeof(start_time) = 'integer', typeof(last_heartbeat) = 'integer'"
        f" FROM sessions WHERE NOT ({_INTEGERS}) ORDER BY id LIMIT {MAX_REPORTED_ROWS}"
    ).fetchall()
    for session_id, project_path, start, last, start_ok, last_ok in rows:
        wrong = [
            f"{column} {value}"
            for column, value, ok in (
                ("start_time", start, start_ok),
                ("last_heartbeat", last, last_ok),
            )
            if not ok
        ]
        setting = ", ".join(
            f"{column} = strftime('%s', 'YYYY-MM-DD HH:MM', 'utc')"
            for column, ok in (("start_time", start_ok), ("last_heartbeat", last_ok))
            if not ok
        )
        problems.append(
            f"session {session_id} of {project_path} holds {' and '.join(wrong)}, not whole"
            " Unix seconds: reports and beats leave it out. Set the time in your zone"
            f" (`UPDATE sessions SET {setting} WHERE id = {session_id}`), or delete the row"
            f" (`DELETE FROM sessions WHERE id = {session_id}`)"
        )


def _check_projects(conn: sqlite3.Connection, problems: list[str], notes: list[str]) -> None:
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    if version < 2:
        return
    if not table_exists(conn, "project_paths"):
        # The first builds' version 3 had no project tables (told by its tables, not its number).
        if version < SCHEMA_VERSION:
            notes.append("the project tables are missing; the upgrade creates them")
        else:
            problems.append("the project tables are missing")
        return
    (unregistered,) = conn.execute(
        "SELECT count(DISTINCT project_path) FROM sessions"
        " WHERE project_path NOT IN (SELECT project_path FROM project_paths)"
    ).fetchone()
    if unregistered and version < _FOLDERS_REGISTERED_AT:
        notes.append(
            f"{unregistered} folder(s) with sessions belong to no project yet; the upgrade"
            " registers them"
        )
    elif unregistered:
        folders = [
            row[0]
            for row in conn.execute(
                "SELECT DISTINCT project_path FROM sessions WHERE project_path NOT IN"
                f" (SELECT project_path FROM project_paths) LIMIT {MAX_REPORTED_ROWS}"
            )
        ]
        problems.append(
            f"{unregistered} folder(s) with sessions belong to no project (they are left out of"
            f" `oxitrack projects`): {', '.join(folders)}. The next beat from such a folder"
            " registers it; a folder typed by hand should be one `oxitrack projects` lists"
            " (`UPDATE sessions SET project_path = 'FOLDER' WHERE project_path = 'TYPED'`)"
        )
    (empty,) = conn.execute(
        "SELECT count(*) FROM projects WHERE id NOT IN (SELECT project_id FROM project_paths)"
    ).fetchone()
    if empty:
        notes.append(f"{empty} project(s) have no folder left")


def _advice(exc: sqlite3.Error) -> str:
    """What to do: restore only a damaged file. A file that cannot be opened (its permissions,
    a copy that could not be made to read it) is likely whole, and one another program holds
    locked is in use: restoring a backup over it would throw away newer data."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return (
            " The file is in use, not damaged: another program holds it locked. Try again"
            " once that program has finished with it (do not restore a backup over it: that"
            " would throw away everything recorded since)."
        )
    if "unable to open" in text or "readonly" in text or "read-only" in text:
        return (
            " The file may be whole: check that you may read it and its -wal and -shm files"
            " beside it (a WAL-mode file without its -shm is read from a copy, in the system's"
            " temporary folder)."
        )
    return _RESTORE
