"""``oxitrack import OTHER.db``: another machine's OxiTrack database, into this one's history.

The file (a copy ``oxitrack backup`` made on the other machine) is copied into a private
temporary file first, and an older schema is upgraded there: the file given is only read. Its
projects, then its sessions, then its heartbeats go to the running daemon in batches
(``api/merging.py``), which merges them by the session rule: importing the same file again, or
a later copy that holds it, adds nothing. Rows are read a batch at a time, never all at once.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

from oxitrack.api.merging import HEARTBEAT_COLUMNS, IMPORT_ROUTE
from oxitrack.commands._output import counted, print_json
from oxitrack.errors import ClientError, InvalidField, OxitrackError, StoreError
from oxitrack.fields import printable
from oxitrack.records import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from oxitrack.config import Settings
    from oxitrack.daemon_client import DaemonClient

#: Rows a request carries: a transaction of tens of milliseconds, so beats hardly wait.
BATCH_ROWS = 1000


class Counts:
    """What the daemon answered, batch by batch."""

    def __init__(self) -> None:
        self.sessions = {"read": 0, "added": 0, "already_recorded": 0, "left_out": 0}
        self.seconds_added = 0
        self.heartbeats = {"read": 0, "new": 0, "already_recorded": 0, "left_out": 0}
        self.projects = {"read": 0, "new": 0, "joined": 0, "new_folders": 0}
        self.names_kept: list[dict[str, str]] = []
        self.names_taken: list[str] = []

    def to_json(self) -> dict[str, Any]:
        return {
            "sessions": self.sessions,
            "seconds_added": self.seconds_added,
            "heartbeats": self.heartbeats,
            "projects": self.projects,
            "names_kept": self.names_kept,
            "names_taken": self.names_taken,
        }

    def lines(self, file: str) -> list[str]:
        from oxitrack.report_text import format_duration

        added = self.sessions["added"] or self.heartbeats["new"] or self.projects["new_folders"]
        head = f"Imported from {file}:" if added else f"Nothing new from {file}:"
        sessions = self.sessions
        lines = [
            head,
            f"  sessions:   {sessions['added']} added or grown"
            f" (+{format_duration(self.seconds_added)}),"
            f" {sessions['already_recorded']} already here",
            f"  heartbeats: {self.heartbeats['new']} new,"
            f" {self.heartbeats['already_recorded']} already here",
            f"  projects:   {self.projects['new']} new here,"
            f" {self.projects['joined']} joined a project here"
            f" ({counted(self.projects['new_folders'], 'folder')} new here)",
        ]
        left_out = sessions["left_out"] + self.heartbeats["left_out"]
        if left_out:
            lines.append(f"  left out:   {left_out} rows whose folder is not a valid path")
        for kept in self.names_kept:
            lines.append(
                f"  kept the name {kept['here']!r} given here (named {kept['there']!r} there)"
            )
        for taken in self.names_taken:
            lines.append(f"  named a project {taken!r} here, as it was named there")
        return lines


def run_database_import(args: argparse.Namespace, settings: Settings, client: DaemonClient) -> int:
    """Import ``args.file``, an OxiTrack database, through ``client``'s daemon."""
    file = args.file
    _refuse_own_database(file, settings, client)
    counts = Counts()
    try:
        with _private_copy(file) as conn:
            _send_projects(client, conn, counts)
            _send_sessions(client, conn, counts)
            _send_heartbeats(client, conn, counts)
    except OxitrackError as error:
        if isinstance(error, ClientError) and error.status == 404 and error.code == "not_found":
            # The first request: a daemon started before this version has no such route.
            raise OxitrackError(
                f"the daemon at {client.url} runs an older OxiTrack, which cannot import"
                " another machine's database: restart it with this version and import again;"
                " nothing was imported"
            ) from None
        if not (counts.sessions["read"] or counts.projects["read"]):
            raise
        reason = error.message if isinstance(error, ClientError) else str(error)
        if args.json:
            print_json({"file": file, **counts.to_json(), "stopped": reason})
        raise OxitrackError(
            f"stopped part-way: {reason}. Importing the file again is safe: what is in counts once"
        ) from None
    if args.json:
        print_json({"file": file, **counts.to_json(), "stopped": None})
    else:
        for line in counts.lines(file):
            print(printable(line))
    return 0


def no_daemon_line(settings: Settings, client: DaemonClient) -> str:
    """Another machine's database with no daemon at all (a new machine, most likely): the move
    comes first, since starting a daemon to import into makes the very file that a copy for
    moving must replace; importing is the other way."""
    return (
        "the file is an OxiTrack database: to move to this machine, put it in the database's"
        " place (see Moving to another machine in docs/operations.md); to add its history to"
        f" this machine's, start the daemon using {settings.db} (`oxitrack serve`) and import"
        f" it again: none answers at {client.url}"
    )


def _refuse_own_database(file: str, settings: Settings, client: DaemonClient) -> None:
    """The daemon's own file, or a name for it (a link), would count every session as its own."""
    health = client.health() or {}
    for own in {str(settings.db), str(health.get("db_path") or settings.db)}:
        with contextlib.suppress(OSError):
            if os.path.samefile(file, own):
                raise OxitrackError(
                    f"{file} is the database this daemon records into: nothing to import"
                    " (import a copy `oxitrack backup` made on the other machine)"
                )


@contextlib.contextmanager
def _private_copy(file: str) -> Iterator[sqlite3.Connection]:
    """A connection to a private copy of ``file``, checked and upgraded to this OxiTrack's
    schema; the file itself is only read, and the copy goes at the end."""
    from oxitrack.store.schema import SCHEMA_VERSION, NewerSchema, check_file

    with tempfile.TemporaryDirectory(prefix="oxitrack-import-") as folder:
        copy = os.path.join(folder, "other.db")
        try:
            _copy_file(file, copy)
            conn = sqlite3.connect(copy)
            try:
                version, _ = check_file(file, conn)
                (verdict,) = conn.execute("PRAGMA quick_check(1)").fetchone()
                verdict = " ".join(str(verdict).split())
                if verdict != "ok":
                    raise StoreError(f"{file} is damaged ({verdict}): nothing was imported")
            except (NewerSchema, StoreError):
                conn.close()
                raise
            except sqlite3.Error as error:
                conn.close()
                raise _damaged(file, error) from None
            if version < SCHEMA_VERSION:
                conn.close()
                _upgrade(copy)
                conn = sqlite3.connect(copy)
            try:
                yield conn
            finally:
                conn.close()
        except sqlite3.DatabaseError as error:
            raise _damaged(file, error) from None


def _copy_file(file: str, copy: str) -> None:
    """SQLite's own copy of ``file``, opened read-only: one consistent snapshot, with what a
    ``-wal`` beside it holds."""
    from urllib.parse import quote

    try:
        source = sqlite3.connect(f"file:{quote(os.path.abspath(file))}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise _damaged(file, error) from None
    try:
        target = sqlite3.connect(copy)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()


def _upgrade(copy: str) -> None:
    from oxitrack.store import Store

    Store(copy).close()


def _damaged(file: str, error: sqlite3.Error) -> StoreError:
    return StoreError(f"cannot read {file} as an OxiTrack database: {error}; nothing was imported")


def _canonical(path: object) -> str | None:
    from oxitrack.beats import check_project_path

    try:
        return check_project_path(path)
    except InvalidField:
        return None


def _send_projects(client: DaemonClient, conn: sqlite3.Connection, counts: Counts) -> None:
    projects: dict[int, dict[str, Any]] = {
        project_id: {"name": name, "identities": [], "paths": []}
        for project_id, name in conn.execute("SELECT id, name FROM projects ORDER BY id")
    }
    for identity, project_id in conn.execute(
        "SELECT identity, project_id FROM project_identities ORDER BY identity"
    ):
        if project_id in projects:
            projects[project_id]["identities"].append(identity)
    for path, project_id, identity, last_beat in conn.execute(
        "SELECT project_path, project_id, identity, last_beat FROM project_paths"
        " ORDER BY project_path"
    ):
        canonical = _canonical(path)
        if project_id in projects and canonical is not None and type(last_beat) is int:
            projects[project_id]["paths"].append(
                {"project_path": canonical, "identity": str(identity), "last_beat": last_beat}
            )
    listed = [project for project in projects.values() if project["paths"]]
    for start in range(0, len(listed), BATCH_ROWS):
        batch = listed[start : start + BATCH_ROWS]
        answer = client.request("POST", IMPORT_ROUTE, {"projects": batch})
        counts.projects["read"] += len(batch)
        counts.projects["new"] += answer["new_projects"]
        counts.projects["joined"] += answer["joined"]
        counts.projects["new_folders"] += answer["new_paths"]
        counts.names_kept.extend(answer["names_kept"])
        counts.names_taken.extend(answer["names_taken"])


def _send_sessions(client: DaemonClient, conn: sqlite3.Connection, counts: Counts) -> None:
    from oxitrack.store.sessions_table import WELL_FORMED_SQL

    cursor = conn.execute(
        "SELECT project_path, start_time, last_heartbeat FROM sessions"
        f" WHERE {WELL_FORMED_SQL} AND start_time >= 0 ORDER BY id"
    )
    while rows := cursor.fetchmany(BATCH_ROWS):
        counts.sessions["read"] += len(rows)
        batch = [[path, start, last] for raw, start, last in rows if (path := _canonical(raw))]
        counts.sessions["left_out"] += len(rows) - len(batch)
        if batch:
            answer = client.request("POST", IMPORT_ROUTE, {"sessions": batch})
            counts.sessions["added"] += answer["added"]
            counts.sessions["already_recorded"] += answer["already"]
            counts.seconds_added += answer["seconds_added"]
        _progress(counts.sessions["read"], "sessions")
    _end_progress(counts.sessions["read"])


def _send_heartbeats(client: DaemonClient, conn: sqlite3.Connection, counts: Counts) -> None:
    columns = ", ".join(f"c.{column}" for column in HEARTBEAT_COLUMNS)
    cursor = conn.execute(
        f"SELECT h.time, h.is_write, {columns} FROM heartbeats AS h"
        " JOIN beat_contexts AS c ON c.id = h.context_id ORDER BY h.time"
    )
    while rows := cursor.fetchmany(BATCH_ROWS):
        counts.heartbeats["read"] += len(rows)
        batch = []
        for time, is_write, *context in rows:
            item = dict(zip(HEARTBEAT_COLUMNS, context, strict=True))
            path = _canonical(item["project_path"])
            if path is None or type(time) not in (int, float):
                continue
            batch.append({**item, "project_path": path, "time": time, "is_write": is_write})
        counts.heartbeats["left_out"] += len(rows) - len(batch)
        if batch:
            answer = client.request("POST", IMPORT_ROUTE, {"heartbeats": batch})
            counts.heartbeats["new"] += answer["new"]
            counts.heartbeats["already_recorded"] += answer["already"]
        _progress(counts.heartbeats["read"], "heartbeats")
    _end_progress(counts.heartbeats["read"])


def _progress(count: int, noun: str) -> None:
    """A line that counts on a terminal, for a file of years that takes a minute."""
    if sys.stderr.isatty():
        print(f"\r{count} {noun} sent…", end="", file=sys.stderr, flush=True)


def _end_progress(count: int) -> None:
    if sys.stderr.isatty() and count:
        print(file=sys.stderr)
