"""Report queries: the sessions that fall in a time range, for one project or all.

Every report (``GET /today``, ``/api/days``, ``/api/sessions``, the CLI, the dashboard) reads
through these functions and adds up in ``oxitrack.reports``, so no SQL is duplicated. Each
function takes a connection and runs inside the caller's ``Store.read`` snapshot.

What makes sessions "one project" is decided by ``PROJECT_KEY_SQL`` alone: the project a
session's folder belongs to (``store/projects.py``), so a moved, renamed or cloned repository and
merged projects add up as one, shown under the project's latest folder and given name.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from oxitrack.errors import ClientError
from oxitrack.projects import folder_and_parents
from oxitrack.reports import SessionRow
from oxitrack.store.project_references import (
    ends_with_parts_sql,
    folder_identity,
    merged_note,
    project_named,
)
from oxitrack.store.projects import (
    SESSION_PROJECT_KEY_SQL,
    SESSION_PROJECT_LATEST_PATH_SQL,
    SESSION_PROJECT_NAME_SQL,
    session_in_project_sql,
)
from oxitrack.store.sessions_table import WELL_FORMED_SQL

# The ONE grouping expression of every report. Change it here and all readers follow.
PROJECT_KEY_SQL = SESSION_PROJECT_KEY_SQL
# How many days of a long range one snapshot reads (``/api/days``, ``/api/breakdown``): a heavy
# month is ~30k sessions, about a tenth of a second of the reading connection, which ``/today``
# and the status bars share; it is never held for a whole long range.
PART_DAYS = 31

_COLUMNS = "id, project_path, start_time, last_heartbeat"
# What a session's folder tells of its project, asked once per folder a report meets: the same
# expressions as the rows' own, on a one-row table in place of ``sessions``. Asked on every row,
# they were two thirds of a year's report (three lookups and a sort per session, 300k sessions).
_PROJECT_OF_FOLDER = (
    f"SELECT {PROJECT_KEY_SQL}, {SESSION_PROJECT_NAME_SQL}"
    " FROM (SELECT :path AS project_path) AS sessions"
)
# The folder the project is shown under, asked once per project a report meets: it reads all of
# the project's folders, and a monorepo opened one package at a time has many.
_SHOWN_FOLDER = (
    f"SELECT {SESSION_PROJECT_LATEST_PATH_SQL} FROM (SELECT :path AS project_path) AS sessions"
)

# A session has time in [:start, :end) when it overlaps it with positive length, or when it is
# a single beat inside it. ``last_heartbeat >= :start`` comes first so the index on it is used.
_IN_RANGE = (
    "last_heartbeat >= :start AND start_time < :end"
    " AND (last_heartbeat > :start OR start_time >= :start)"
)
# The same sessions, bounded on ``start_time`` from both sides, for lists in start order: the
# index on ``start_time`` then gives them in that order, from the first session still running
# at :start (the index on ``last_heartbeat`` finds it) to :end, with no sort. Bounded above only,
# the index was walked from the oldest session on: a day's report read the whole table.
_STARTED_NEAR_RANGE = (
    "start_time >= (SELECT min(start_time) FROM sessions INDEXED BY sessions_by_last_heartbeat"
    " WHERE last_heartbeat >= :start)"
)
# Start order, the rowid (``id``) breaking ties: the order of ``sessions_by_start_time``.
_BY_START = "ORDER BY start_time, id"


def _path_matches(column: str) -> str:
    """A project named on the command line or in ``?project=``: its full path, or its last
    components (``oxitrack`` matches ``/home/you/code/oxitrack`` and ``C:\\code\\oxitrack``)."""
    return f"({column} = :project OR {ends_with_parts_sql(column, 'project')})"


# Any folder of the project matches, or its given name: asking for the new folder finds the old.
_PROJECT_MATCHES = session_in_project_sql(_path_matches)
_IN_PROJECT = (
    "project_path IN (SELECT project_path FROM project_paths WHERE project_id = :project_id)"
)

#: What a report keeps: the sessions of one project (its id), or of the folders a text matches.
ProjectFilter = int | str | None


def project_filter(conn: sqlite3.Connection, reference: str | None, field: str) -> ProjectFilter:
    """``--project`` or ``?project=`` as reports apply it: the project it names as
    ``oxitrack projects`` and ``projects rename`` read it (id, identity, folder or a folder
    inside one or in a known repository, name), so every command takes the same words;
    ``InvalidField`` when it names several; else the project of the folder a WakaTime plugin
    gave that name (``[projectmap]``, a JetBrains project's own name). Else the text itself,
    matched against folders as ``_path_matches`` says (``code/app``, or a folder no project
    lists), unless it is the id of a project merged away that no folder matches either: that is
    a ``ClientError`` saying where the project went, as ``projects merge`` says it, not a
    report of no time while the time is in the other project."""
    if reference is None:
        return None
    # A folder no project has yet (``.`` in a moved or cloned repository) is read on disk for
    # its repository's identity: a read holds no writer, so this may run git.
    found = project_named(conn, reference, field, identify=folder_identity)
    if found is not None:
        return found
    note = merged_note(conn, reference)
    if note and not latest_sessions(conn, None, None, reference, 1):
        raise ClientError(
            404,
            "not_found",
            f"{field}: no project matches {reference!r}{note}; `oxitrack projects` lists them",
            field,
        )
    # The name a WakaTime plugin shows for a folder (a JetBrains project's own name): that
    # folder's project, as the plugin's own status bar and WakaTime's summaries count it. The
    # WakaTime code is loaded only for a name some heartbeat carried: a status bar polling
    # `today --project .` in a folder not tracked yet pays one query, not its imports.
    if conn.execute(_NAMED_BY_A_PLUGIN_SQL, (reference.strip(),)).fetchone():
        from oxitrack.store.wakatime import folder_a_plugin_named

        folder = folder_a_plugin_named(conn, reference)
        if folder is not None:
            return project_named(conn, folder, field, identify=folder_identity) or folder
    return reference


_NAMED_BY_A_PLUGIN_SQL = "SELECT 1 FROM beat_contexts WHERE trim(project_name) = ? LIMIT 1"


def nearest_tracked_folder(conn: sqlite3.Connection, path: str) -> str | None:
    """``path`` (absolute, canonical) or the nearest folder above it that beats were recorded
    for; ``None`` when none of them was. Never the file system's root unless asked for: one
    beat sent for ``/`` would otherwise hold every folder nothing else does."""
    candidates = folder_and_parents(path)
    marks = ", ".join("?" * len(candidates))
    query = f"SELECT DISTINCT project_path FROM sessions WHERE project_path IN ({marks})"
    found = {row[0] for row in conn.execute(query, candidates)}
    return next((folder for folder in candidates if folder in found), None)


def sessions_between(
    conn: sqlite3.Connection,
    start: int,
    end: int,
    project: ProjectFilter = None,
    *,
    started: tuple[int | None, int | None] = (None, None),
) -> list[SessionRow]:
    """Sessions with time in ``[start, end)`` (UTC seconds), oldest first; only those that
    started in ``started`` (``[from, before)``, an open side ``None``) when given: a long
    range read a part at a time, each session in exactly one part."""
    started_from, started_before = started
    if started_before is not None:  # ``start_time < :end`` is the range's one upper bound
        end = min(end, started_before)
    where, args = _where(conn, start, end, project, by_start=True, started_from=started_from)
    query = f"SELECT {_COLUMNS} FROM sessions WHERE {where} {_BY_START}"
    return list(_session_rows(conn, query, args))


def latest_sessions(
    conn: sqlite3.Connection,
    start: int | None,
    end: int | None,
    project: ProjectFilter,
    limit: int,
) -> list[SessionRow]:
    """Up to ``limit`` sessions, most recent beat first, optionally within ``[start, end)``."""
    where, args = _where(conn, start, end, project, by_folder=True)
    query = (
        f"SELECT {_COLUMNS} FROM sessions WHERE {where}"
        " ORDER BY last_heartbeat DESC, id DESC LIMIT :limit"
    )
    return list(_session_rows(conn, query, {**args, "limit": limit}))


def iter_sessions(
    conn: sqlite3.Connection, start: int | None, end: int | None, project: ProjectFilter = None
) -> Iterator[SessionRow]:
    """Every matching session, oldest first, streamed (for exports of any size): read in the
    order of ``sessions_by_start_time``, not sorted first in a temporary file as large as the
    table."""
    where, args = _where(conn, start, end, project, by_start=True)
    query = f"SELECT {_COLUMNS} FROM sessions WHERE {where} {_BY_START}"
    yield from _session_rows(conn, query, args)


def _session_rows(
    conn: sqlite3.Connection, query: str, args: dict[str, object]
) -> Iterator[SessionRow]:
    """The rows of ``query`` (``_COLUMNS``) as ``SessionRow``s, each folder's project read once.

    The sessions of one folder share one copy of its texts: a report of a year held one copy
    of a 900-character folder per session, tens of MiB in the daemon for a deep monorepo."""
    projects: dict[str, tuple[str, str, str, str | None]] = {}
    shown: dict[str, str] = {}
    for session_id, path, start_time, last_heartbeat in conn.execute(query, args):
        project = projects.get(path)
        if project is None:
            key, name = conn.execute(_PROJECT_OF_FOLDER, {"path": path}).fetchone()
            latest = shown.get(key)
            if latest is None:
                (latest,) = conn.execute(_SHOWN_FOLDER, {"path": path}).fetchone()
                shown[key] = latest
            project = projects[path] = (path, key, latest, name)
        folder, key, latest, name = project
        yield SessionRow(session_id, key, folder, start_time, last_heartbeat, latest, name)


def _folders_matching(conn: sqlite3.Connection, project: str) -> list[str]:
    """The folders sessions were recorded in that ``_PROJECT_MATCHES`` keeps for ``project``:
    each folder found by one step of the index on ``(project_path, start_time)``, a few
    hundred steps for a few hundred folders, however many sessions they hold."""
    query = (
        "WITH RECURSIVE folders(project_path) AS (SELECT min(project_path) FROM sessions"
        " UNION ALL SELECT (SELECT min(project_path) FROM sessions"
        " WHERE project_path > folders.project_path) FROM folders"
        " WHERE folders.project_path IS NOT NULL)"
        " SELECT project_path FROM folders AS sessions"
        f" WHERE project_path IS NOT NULL AND {_PROJECT_MATCHES}"
    )
    return [row[0] for row in conn.execute(query, {"project": project})]


def _where(
    conn: sqlite3.Connection,
    start: int | None,
    end: int | None,
    project: ProjectFilter,
    *,
    by_start: bool = False,
    started_from: int | None = None,
    by_folder: bool = False,
) -> tuple[str, dict[str, object]]:
    """The condition and its arguments; ``by_start`` for a list in start order, of sessions
    that started at ``started_from`` or later if given."""
    clauses: list[str] = [WELL_FORMED_SQL]  # a hand-made row without times has none to count
    args: dict[str, object] = {}
    if started_from is not None:  # the one lower bound on the index, tighter than the range's
        clauses.append("start_time >= :started_from")
        args["started_from"] = started_from
    if start is not None or end is not None:
        clauses.append(_IN_RANGE)
        if by_start and start is not None and started_from is None:
            clauses.append(_STARTED_NEAR_RANGE)
        args["start"] = start if start is not None else -(2**62)
        args["end"] = end if end is not None else 2**62
    if isinstance(project, int):
        clauses.append(_IN_PROJECT)
        args["project_id"] = project
    elif project is not None:
        # Decided once per folder, not on every session: a text naming no folder (a typo) or
        # a rare one tested every session of the table (0.6 s of the one reading connection
        # on a heavy database). The latest sessions are read from the folders' own index;
        # a range's (``+``: not that index) from the range's, as short as the range is.
        folders = _folders_matching(conn, project)
        clauses.append(
            f"{'' if by_folder else '+'}project_path IN (SELECT value FROM json_each(:folders))"
            if folders
            else "0"
        )
        import json  # here: `oxitrack today` loads json only for --json

        args["folders"] = json.dumps(folders, ensure_ascii=False)
    return " AND ".join(clauses) or "1", args
