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


def _reserved_project_identity(conn: sqlite3.Connection) -> None:
    """Step 2: reserved for project identity (issue of the ops work), kept so numbers stay 1, 2, 3.

    A no-op until that step lands here. It replaces this function before any release: a database
    upgraded past version 2 would otherwise never run it.
    """


_BEAT_DETAILS_TABLE = """
CREATE TABLE beat_details (
    id INTEGER PRIMARY KEY,
    project_path TEXT NOT NULL,     -- the session key, as in sessions.project_path
    timestamp INTEGER NOT NULL,     -- the beat's whole Unix seconds
    time REAL NOT NULL,             -- the heartbeat's own time, with its fraction
    entity_type TEXT NOT NULL,      -- file, app, domain, ...
    category TEXT,                  -- coding, debugging, building, ...
    language TEXT,
    branch TEXT,
    is_write INTEGER,               -- 1 saved, 0 not, NULL not sent
    project_name TEXT,              -- the project name the client sent
    editor TEXT,                    -- from the User-Agent: vscode, neovim, zed, ...
    plugin TEXT,                    -- the User-Agent's plugin part
    project_source TEXT NOT NULL    -- project_root_count | repository | project_name
)
"""


def _create_beat_details(conn: sqlite3.Connection) -> None:
    """Step 3: what WakaTime heartbeats tell beyond the beat (language, branch, editor, ...).

    No file paths: the entity is not stored. A heartbeat sent twice (a client's queue re-sending a
    batch) is one row, enforced by the unique index over what tells two heartbeats apart.
    """
    conn.execute(_BEAT_DETAILS_TABLE)
    conn.execute(
        "CREATE UNIQUE INDEX beat_details_once ON beat_details(project_path, time, entity_type,"
        " ifnull(category, ''), ifnull(language, ''), ifnull(branch, ''), ifnull(is_write, -1),"
        " ifnull(editor, ''))"
    )
    conn.execute("CREATE INDEX beat_details_by_time ON beat_details(timestamp)")


MIGRATIONS: list[Migration] = [
    _create_or_repair_sessions,
    _reserved_project_identity,
    _create_beat_details,
]

SCHEMA_VERSION = len(MIGRATIONS)
