"""SQL for bringing another machine's OxiTrack history into this database (``oxitrack import
OTHER.db``), inside the daemon's write transactions.

A stored session's first and last beats are beats, and its inner beats were less than the gap
apart: adding a session ``[start, last]`` of the other file is exactly adding beats at ``start``,
at ``last`` and every ``SESSION_GAP_SECONDS - 1`` between. So a span joins every session of its
folder it comes within the gap of, and the result is what the session rule gives for the union
of both machines' beats; a span already inside one session changes nothing, which makes a second
import of the same file (or a later copy that holds it) add nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from oxitrack.records import Record
from oxitrack.sessions import SESSION_GAP_SECONDS
from oxitrack.store.folders import Identify, identify, register_path
from oxitrack.store.sessions_table import WELL_FORMED_SQL
from oxitrack.store.wakatime import insert_details
from oxitrack.wakatime import HeartbeatDetails


class MergedSpans(Record):
    """What adding a batch of the other file's sessions did."""

    added: int  # spans that made a session or grew one
    already: int  # spans that lay inside a session already stored
    seconds_added: int  # how much the stored sessions grew in all


class OtherPath(Record):
    """A folder of the other machine: its path there, what it was found to be, its last beat."""

    project_path: str
    identity: str
    last_beat: int


class OtherProject(Record):
    """A project of the other machine: its given name, identities and folders."""

    name: str | None
    identities: tuple[str, ...]
    paths: tuple[OtherPath, ...]


class PlacedProjects(Record):
    """What placing the other file's projects did."""

    new_projects: int  # projects made here for them
    joined: int  # projects of the other file whose new folders joined one of this database
    new_paths: int  # folders registered here for the first time
    names_kept: list[tuple[str, str]]  # (name kept here, name given there) that differed
    names_taken: list[str]  # names given there, taken by a project here that had none


def merge_session_spans(
    conn: sqlite3.Connection,
    spans: Iterable[tuple[str, int, int]],
    identify: Identify = identify,
) -> MergedSpans:
    """Add each ``(project_path, start_time, last_heartbeat)`` span as the beats it stands for."""
    added = already = seconds = 0
    for project_path, start, last in spans:
        grown = _merge_span(conn, project_path, start, last, identify)
        if grown is None:
            already += 1
        else:
            added += 1
            seconds += grown
    return MergedSpans(added, already, seconds)


# The sessions of a folder that a span comes within the gap of. Sessions of one folder never
# overlap: the range starts at the last one starting at or before ``low`` (as
# ``store.beats.nearby_sessions`` does), so the index is not walked from the folder's first one.
_TOUCHED_SQL = f"""
SELECT id, start_time, last_heartbeat FROM sessions
WHERE project_path = :path AND start_time < :high AND last_heartbeat > :low AND {WELL_FORMED_SQL}
  AND start_time >= ifnull((SELECT max(start_time) FROM sessions
                            WHERE project_path = :path AND start_time <= :low), :low)
ORDER BY start_time
"""


def _merge_span(
    conn: sqlite3.Connection, project_path: str, start: int, last: int, identify: Identify
) -> int | None:
    """Add one span; the seconds the stored sessions grew by, or ``None`` when it lay inside
    one already."""
    low, high = start - SESSION_GAP_SECONDS, last + SESSION_GAP_SECONDS
    touched = conn.execute(
        _TOUCHED_SQL, {"path": project_path, "low": low, "high": high}
    ).fetchall()
    _note_path(conn, project_path, last, identify)
    if len(touched) == 1 and touched[0][1] <= start and last <= touched[0][2]:
        return None
    if not touched:
        conn.execute(
            "INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES (?, ?, ?)"
            " ON CONFLICT (project_path, start_time)"
            " DO UPDATE SET last_heartbeat = excluded.last_heartbeat",
            (project_path, start, last),
        )
        return last - start
    kept = min(row[0] for row in touched)
    # The others go first: the kept one may take over a start_time, which is unique.
    for session_id, _, _ in touched:
        if session_id != kept:
            conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
    new_start = min(start, touched[0][1])
    new_last = max(last, max(row[2] for row in touched))
    # A hand-made row that ends before it starts holds no span (``nearby`` leaves it out) but
    # may hold this start, which is unique: the merged session takes its place, as a new
    # session does above, rather than the write failing.
    conn.execute(
        f"DELETE FROM sessions WHERE project_path = ? AND start_time = ? AND id != ?"
        f" AND NOT ({WELL_FORMED_SQL})",
        (project_path, new_start, kept),
    )
    conn.execute(
        "UPDATE sessions SET start_time = ?, last_heartbeat = ? WHERE id = ?",
        (new_start, new_last, kept),
    )
    return int((new_last - new_start) - sum(row[2] - row[1] for row in touched))


def _note_path(conn: sqlite3.Connection, project_path: str, last: int, identify: Identify) -> None:
    """The folder's latest beat; a folder the project list did not name (a hand-made session
    of the other file) is registered as a new beat's would be."""
    row = conn.execute(
        "UPDATE project_paths SET last_beat = max(last_beat, ?) WHERE project_path = ? RETURNING 1",
        (last, project_path),
    ).fetchone()
    if row is None:
        register_path(
            conn,
            project_path,
            identify(project_path),
            checked_at=last,
            beat_count=0,
            last_beat=last,
        )


def add_heartbeats(
    conn: sqlite3.Connection, heartbeats: Iterable[tuple[str, HeartbeatDetails]]
) -> int:
    """The other file's heartbeat rows, each under its folder here; how many were new (one
    stored already, from this file before or from the same WakaTime export, is left alone)."""
    return sum(insert_details(conn, path, details) for path, details in heartbeats)


def place_projects(conn: sqlite3.Connection, projects: Sequence[OtherProject]) -> PlacedProjects:
    """Register the other file's folders with the project each belongs to here.

    A project of the other file joins the project here that holds one of its identities (a
    repository's root commit first: a repository is one project wherever it is cloned), else
    the one that holds one of its folders; else its folders make a new project. Its identities
    that no project here holds go with it, so a later clone here joins too. A folder known here
    already stays in its project. A name given here is kept (those that differ from the
    other file's are listed); a name given there is taken by a project that has none here.
    """
    new_projects = joined = new_paths = 0
    names_kept: list[tuple[str, str]] = []
    names_taken: list[str] = []
    for project in projects:
        target = _target_for(conn, project)
        made_here = False
        added_here = 0
        for path in project.paths:
            if _path_project(conn, path.project_path) is not None:
                continue
            new_paths += 1
            added_here += 1
            if target is None:
                target = register_path(
                    conn,
                    path.project_path,
                    path.identity,
                    checked_at=path.last_beat,
                    beat_count=0,
                    last_beat=path.last_beat,
                )
                new_projects += 1
                made_here = True
                continue
            if added_here == 1:
                joined += 1  # a project here that takes a folder of the other file
            conn.execute(
                "INSERT INTO project_paths (project_path, project_id, identity, checked_at,"
                " beat_count, last_beat) VALUES (?, ?, ?, ?, 0, ?)",
                (path.project_path, target, path.identity, path.last_beat, path.last_beat),
            )
        if target is None:
            continue  # a project without folders: nothing of it to place
        for identity in project.identities:
            conn.execute(
                "INSERT OR IGNORE INTO project_identities (identity, project_id) VALUES (?, ?)",
                (identity, target),
            )
        if project.name is not None:
            (here,) = conn.execute("SELECT name FROM projects WHERE id = ?", (target,)).fetchone()
            if here is None:
                conn.execute("UPDATE projects SET name = ? WHERE id = ?", (project.name, target))
                if not made_here:
                    names_taken.append(project.name)
            elif here != project.name:
                names_kept.append((here, project.name))
    return PlacedProjects(new_projects, joined, new_paths, names_kept, names_taken)


def _target_for(conn: sqlite3.Connection, project: OtherProject) -> int | None:
    """The project here that the other file's ``project`` joins, if any."""
    found_there = {*project.identities, *(path.identity for path in project.paths)}
    ordered = sorted(found_there, key=lambda identity: (not identity.startswith("git:"), identity))
    for identity in ordered:
        row = conn.execute(
            "SELECT project_id FROM project_identities WHERE identity = ?", (identity,)
        ).fetchone()
        if row is not None:
            return int(row[0])
    for path in project.paths:
        found = _path_project(conn, path.project_path)
        if found is not None:
            return found
    return None


def _path_project(conn: sqlite3.Connection, project_path: str) -> int | None:
    row = conn.execute(
        "SELECT project_id FROM project_paths WHERE project_path = ?", (project_path,)
    ).fetchone()
    return None if row is None else int(row[0])
