"""Schema upgrades, as an ordered list of small steps keyed by ``PRAGMA user_version``.

Step ``n`` (1-based) upgrades a database at version ``n - 1``. Each runs inside the same
transaction that bumps the version, so an upgrade is applied whole or not at all. Append new
steps at the end; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from oxitrack.sessions import merge_spans

Migration = Callable[[sqlite3.Connection], None]

_SESSIONS_TABLE = """
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    project_path TEXT NOT NULL,
    start_time INTEGER NOT NULL,  -- Unix timestamp
    last_heartbeat INTEGER NOT NULL,
    UNIQUE(project_path, start_time)
)
"""


def _table_exists(conn: sqlite3.Connection, name: str) -> bool:
    query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return conn.execute(query, (name,)).fetchone() is not None


def _create_or_repair_sessions(conn: sqlite3.Connection) -> None:
    """Step 1: the seed's ``sessions`` table, minus ``ON CONFLICT REPLACE``, with sessions repaired.

    Databases made by the seed's sketch carry ``ON CONFLICT REPLACE`` (which silently deletes a
    session on a clash) and may hold overlapping sessions, or sessions shrunk by late beats. The
    table is rebuilt under the same name and columns so the seed's ``sqlite3`` query still works;
    overlapping or too-close sessions of a project are merged, and ids are kept where they can be.
    """
    if not _table_exists(conn, "sessions"):
        conn.execute(_SESSIONS_TABLE)
    else:
        rows = conn.execute(
            "SELECT id, project_path, start_time, last_heartbeat FROM sessions"
            " ORDER BY project_path, start_time, id"
        ).fetchall()
        conn.execute("ALTER TABLE sessions RENAME TO sessions_before_v1")
        conn.execute(_SESSIONS_TABLE)
        by_project: dict[str, list[tuple[int, int, int]]] = {}
        for session_id, project_path, start_time, last_heartbeat in rows:
            low, high = sorted((int(start_time), int(last_heartbeat)))
            by_project.setdefault(project_path, []).append((low, high, session_id))
        for project_path, spans in by_project.items():
            for start, last in merge_spans((low, high) for low, high, _ in spans):
                first_id = min(i for low, high, i in spans if start <= low and high <= last)
                conn.execute(
                    "INSERT INTO sessions (id, project_path, start_time, last_heartbeat)"
                    " VALUES (?, ?, ?, ?)",
                    (first_id, project_path, start, last),
                )
        conn.execute("DROP TABLE sessions_before_v1")
    conn.execute(
        "CREATE INDEX IF NOT EXISTS sessions_by_last_heartbeat ON sessions(last_heartbeat)"
    )


MIGRATIONS: list[Migration] = [
    _create_or_repair_sessions,
]

SCHEMA_VERSION = len(MIGRATIONS)
