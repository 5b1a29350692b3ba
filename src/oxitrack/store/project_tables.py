"""The project tables as the schema steps make them: step 2 the projects and the folders and
identities that lead to them, step 4 the ids merged away (``schema.MIGRATIONS`` orders them).

What users do with projects is ``store/projects.py``; how beats keep them up to date is
``store/folders.py``.
"""

from __future__ import annotations

import sqlite3

from oxitrack.store.folders import register_session_paths

_PROJECT_TABLES = (
    """
    CREATE TABLE projects (
        id INTEGER PRIMARY KEY,
        name TEXT  -- given with `oxitrack projects rename`; NULL: the latest folder's name
    )
    """,
    """
    CREATE TABLE project_identities (
        identity TEXT PRIMARY KEY,  -- git:<root commit> or path:<canonical project_path>
        project_id INTEGER NOT NULL REFERENCES projects(id)
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE project_paths (
        project_path TEXT PRIMARY KEY,  -- as in sessions.project_path
        project_id INTEGER NOT NULL REFERENCES projects(id),
        identity TEXT NOT NULL,         -- what this folder was found to be when last looked at
        checked_at INTEGER NOT NULL,    -- beat time of that look
        beat_count INTEGER NOT NULL,    -- beats received since the path was registered
        last_beat INTEGER NOT NULL      -- latest beat time
    ) WITHOUT ROWID
    """,
    "CREATE INDEX project_identities_by_project ON project_identities(project_id)",
    "CREATE INDEX project_paths_by_project ON project_paths(project_id)",
)


def create_projects(conn: sqlite3.Connection) -> None:
    """Step 2: projects that keep their history when a folder moves (``store/projects.py``).

    ``sessions`` is left as it is (the seed's query still works). Its paths are registered by
    step 4, once new projects can be given ids (files that passed step 2 before step 4 existed
    have theirs already).
    """
    for statement in _PROJECT_TABLES:
        conn.execute(statement)


def create_retired_projects(conn: sqlite3.Connection) -> None:
    """Step 4: the ids of projects merged away, so that an id is never given out twice.

    SQLite hands a new row the highest id plus one: after merging away the newest project, the
    next new folder got its id, and repeating ``oxitrack projects merge 3 2`` (a retried request,
    a command run twice) merged that unrelated folder, with no way back.
    """
    conn.execute(
        """
        CREATE TABLE retired_projects (
            id INTEGER PRIMARY KEY,       -- a project id that was merged away
            merged_into INTEGER NOT NULL  -- the project that holds its folders now
        )
        """
    )
    # Every session path without a project (all of them, coming from the seed's table) is
    # registered, identified from its folder as a new path would be (beat counts start at 0).
    register_session_paths(conn)
