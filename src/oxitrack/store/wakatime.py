"""SQL for WakaTime heartbeats: each one is a beat (same session rule as ``POST /beat``) plus its
details row, and the per-project seconds of a day for the status bar.

The details table is made by schema step 3 (see ``schema.py``). It holds no file paths.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from oxitrack.sessions import Beat, Session
from oxitrack.store.beats import record_beat
from oxitrack.store.folders import Identify, identify
from oxitrack.wakatime import Heartbeat


def record_heartbeats(
    conn: sqlite3.Connection, heartbeats: Sequence[Heartbeat], identify: Identify = identify
) -> list[Session]:
    """Record heartbeats inside the caller's write transaction; the session holding each after all.

    Sessions are read back at the end because a later heartbeat of the same request may extend or
    merge the session an earlier one landed in.
    """
    for heartbeat in heartbeats:
        record_beat(conn, heartbeat.beat, identify)
        _insert_details(conn, heartbeat)
    return [session_holding(conn, heartbeat.beat) for heartbeat in heartbeats]


def session_holding(conn: sqlite3.Connection, beat: Beat) -> Session:
    """The stored session that contains ``beat`` (it must have been recorded).

    Sessions of a project never overlap: only the latest one starting at or before the beat
    can hold it, read with one step back through the index (not every earlier session).
    """
    row = conn.execute(
        "SELECT * FROM (SELECT id, project_path, start_time, last_heartbeat FROM sessions"
        " WHERE project_path = ? AND start_time <= ? ORDER BY start_time DESC LIMIT 1)"
        " WHERE last_heartbeat >= ?",
        (beat.project_path, beat.timestamp, beat.timestamp),
    ).fetchone()
    if row is None:  # pragma: no cover - record_beat guarantees one
        raise LookupError(f"no session holds the beat {beat}")
    return Session(*row)


def _insert_details(conn: sqlite3.Connection, heartbeat: Heartbeat) -> None:
    """One row per distinct heartbeat: a repeat (re-sent from a client queue) is ignored."""
    details = heartbeat.details
    context = (
        heartbeat.beat.project_path,
        details.entity_type,
        details.category,
        details.language,
        details.branch,
        details.project_name,
        details.editor,
        details.plugin,
        details.project_source,
    )
    conn.execute(
        "INSERT OR IGNORE INTO beat_contexts (project_path, entity_type, category, language,"
        " branch, project_name, editor, plugin, project_source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        context,
    )
    (context_id,) = conn.execute(
        "SELECT id FROM beat_contexts WHERE project_path = ? AND entity_type = ?"
        " AND ifnull(category, '') = ifnull(?, '') AND ifnull(language, '') = ifnull(?, '')"
        " AND ifnull(branch, '') = ifnull(?, '') AND ifnull(project_name, '') = ifnull(?, '')"
        " AND ifnull(editor, '') = ifnull(?, '') AND ifnull(plugin, '') = ifnull(?, '')"
        " AND project_source = ?",
        context,
    ).fetchone()
    conn.execute(
        "INSERT OR IGNORE INTO heartbeats (time, context_id, is_write) VALUES (?, ?, ?)",
        (details.time, context_id, details.is_write),
    )
