"""Recording beats: the SQL half of the session rule (the decision is ``sessions.apply_beat``)."""

from __future__ import annotations

import sqlite3

from oxitrack.sessions import Beat, Session, apply_beat, window_for
from oxitrack.store.folders import Identify, identify, note_beat
from oxitrack.store.sessions_table import WELL_FORMED_SQL


def nearby_sessions(conn: sqlite3.Connection, beat: Beat) -> list[Session]:
    """The stored sessions of the beat's project that the beat may touch.

    Sessions of one project never overlap, so every session starting before the last one that
    starts at or before ``low`` also ends before it, and cannot reach the window: the index
    range starts there. Bounded only by ``start_time < high``, SQLite walked every earlier
    session of the project on every beat, and a beat cost more with each month of history.
    """
    low, high = window_for(beat.timestamp)
    rows = conn.execute(
        "SELECT id, project_path, start_time, last_heartbeat FROM sessions"
        " WHERE project_path = :path AND start_time < :high AND last_heartbeat > :low"
        f" AND {WELL_FORMED_SQL} AND start_time >= ifnull((SELECT max(start_time) FROM sessions"
        " WHERE project_path = :path AND start_time <= :low), :low)",
        {"path": beat.project_path, "low": low, "high": high},
    ).fetchall()
    return [Session(*row) for row in rows]


def record_beat(conn: sqlite3.Connection, beat: Beat, identify: Identify = identify) -> Session:
    """Apply one beat inside the caller's write transaction; returns the session holding it.

    Also counts the beat on its path when it changed the sessions and registers a new path with
    its project (``note_beat``), so every beat source gets project identity by calling this one
    function. The daemon passes an ``identify`` that answers from identities found before the
    transaction began.
    """
    nearby = nearby_sessions(conn, beat)
    change = apply_beat(nearby, beat)
    note_beat(conn, beat, identify, is_counted=not change.is_noop)
    if change.is_noop:
        return change.result
    # Absorbed sessions go first: the kept one may take over their start_time, which is unique.
    for absorbed in change.absorbed:
        conn.execute("DELETE FROM sessions WHERE id = ?", (absorbed.id,))
    result = change.result
    if result.id is not None:
        before = next(s for s in nearby if s.id == result.id)
        if result.start_time != before.start_time:
            # A hand-made row that ends before it starts may hold the new start, which is
            # unique: the session takes its place, as a new one does below, rather than every
            # beat here failing (an editor re-sends it forever).
            conn.execute(
                "DELETE FROM sessions WHERE project_path = ? AND start_time = ? AND id != ?"
                f" AND NOT ({WELL_FORMED_SQL})",
                (result.project_path, result.start_time, result.id),
            )
        _move_bounds(conn, before, result)
        return result
    # The one row ``nearby_sessions`` leaves out that can hold this start: a hand-made one that
    # ends before it starts. The beat's session takes its place rather than failing on UNIQUE.
    (session_id,) = conn.execute(
        "INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES (?, ?, ?)"
        " ON CONFLICT (project_path, start_time)"
        " DO UPDATE SET last_heartbeat = excluded.last_heartbeat"
        " RETURNING id",
        (result.project_path, result.start_time, result.last_heartbeat),
    ).fetchone()
    return Session(session_id, result.project_path, result.start_time, result.last_heartbeat)


def _move_bounds(conn: sqlite3.Connection, before: Session, after: Session) -> None:
    """Write only the bounds of a session that moved.

    Each bound is in an index, and SQLite rewrites an index's page for every column an
    ``UPDATE`` sets, changed or not: a beat extending a session forwards, the usual one, wrote
    four pages to the WAL instead of three.
    """
    moved = {
        column: value
        for column, value, old in (
            ("start_time", after.start_time, before.start_time),
            ("last_heartbeat", after.last_heartbeat, before.last_heartbeat),
        )
        if value != old
    }
    if moved:
        assignments = ", ".join(f"{column} = :{column}" for column in moved)
        conn.execute(f"UPDATE sessions SET {assignments} WHERE id = :id", {**moved, "id": after.id})


def stored_sessions(conn: sqlite3.Connection, project_path: str | None = None) -> list[Session]:
    """Every stored session (of one project if given), oldest first."""
    query = "SELECT id, project_path, start_time, last_heartbeat FROM sessions"
    args: tuple[str, ...] = ()
    if project_path is not None:
        query += " WHERE project_path = ?"
        args = (project_path,)
    query += " ORDER BY start_time, id"
    return [Session(*row) for row in conn.execute(query, args)]
