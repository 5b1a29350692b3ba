"""SQL for WakaTime heartbeats: each one is a beat (same session rule as ``POST /beat``) plus its
details row, and the folders the clients themselves named.

The details table is made by schema step 3 (see ``beat_detail_tables.py``). It holds no file paths.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from oxitrack.beats import PostedBeat
from oxitrack.projects import PROJECT_NAME_PREFIX
from oxitrack.records import Record
from oxitrack.sessions import Beat, Session
from oxitrack.store.beats import record_beat
from oxitrack.store.folders import Identify, identify
from oxitrack.store.sessions_table import WELL_FORMED_SQL
from oxitrack.wakatime import Heartbeat, HeartbeatDetails, posted_beat_details
from oxitrack.wakatime_projects import PLACED_BY_PATH, UNKNOWN_PROJECT


class RecordedHeartbeats(Record):
    """What recording a request's heartbeats did."""

    sessions: list[Session]  # the session holding each heartbeat, in the request's order
    new: int  # how many were not stored before: the rest were already (a re-sent heartbeat)


def record_heartbeats(
    conn: sqlite3.Connection, heartbeats: Sequence[Heartbeat], identify: Identify = identify
) -> RecordedHeartbeats:
    """Record heartbeats inside the caller's write transaction; the session holding each after
    all, and how many rows are new.

    Sessions are read back at the end because a later heartbeat of the same request may extend or
    merge the session an earlier one landed in. The count is this transaction's own inserts, so
    requests writing the same heartbeats at once each count only what they stored.
    """
    new = 0
    for heartbeat in heartbeats:
        record_beat(conn, heartbeat.beat, identify)
        new += insert_details(conn, heartbeat.beat.project_path, heartbeat.details)
    sessions = [session_holding(conn, heartbeat.beat) for heartbeat in heartbeats]
    return RecordedHeartbeats(sessions, new)


def record_posted_beat(
    conn: sqlite3.Connection, posted: Beat | PostedBeat, identify: Identify = identify
) -> Session:
    """Record a beat of ``POST /beat`` inside the caller's write transaction; the session holding
    it. One that named its language or editor also gets a heartbeat row, as a WakaTime
    heartbeat's details, for the breakdown to read; a plain ``Beat`` or one without labels
    writes nothing more than before."""
    if isinstance(posted, Beat):
        return record_beat(conn, posted, identify)
    session = record_beat(conn, posted.beat, identify)
    if posted.labels is not None:
        details = posted_beat_details(posted.beat, posted.labels)
        insert_details(conn, posted.beat.project_path, details)
    return session


# The latest folder that heartbeats placed by their own path (the CLI's count, or a repository
# here) called ``:name`` (kept as sent, compared trimmed as ``wakatime:<name>`` keys are), by
# its latest beat in ``project_paths``. One plain pass over ``beat_contexts`` (a row per distinct
# combination, not per heartbeat), not grouped by folder: SQLite would then walk the table's
# wide unique index instead, five times slower.
_FOLDER_REPORTED_AS_SQL = f"""
SELECT context.project_path FROM beat_contexts AS context
LEFT JOIN project_paths AS path ON path.project_path = context.project_path
WHERE trim(context.project_name) = :name
  AND context.project_source IN ({", ".join(f"'{source}'" for source in PLACED_BY_PATH)})
ORDER BY ifnull(path.last_beat, 0) DESC, context.project_path
LIMIT 1
"""


def folders_meant_by(conn: sqlite3.Connection, names: Iterable[str]) -> dict[str, str]:
    """The folder each project name means, for heartbeats known only by their name.

    First the folder the clients' own heartbeats gave that name (``folders_reported_as``), then
    a folder project named so or whose folder is (``folders_named``). ``Unknown
    Project`` stands for no name at all: a heartbeat without one (Slack, a browser) belongs to
    no folder whose heartbeats happened to be labelled so, only to one the user named so.
    """
    wanted = set(names)
    reported = folders_reported_as(conn, wanted - {UNKNOWN_PROJECT})
    named = folders_named(conn, wanted - reported.keys())
    return {**named, **reported}


# The latest real folder of the project a name means: one named so, one that has a folder of
# that last path component (``/`` or ``\`` separated), or one the name's own ``wakatime:<name>``
# key was merged into (``projects merge``). ``wakatime:<name>`` keys are no folders.
_FOLDER_NAMED_SQL = """
SELECT path.project_path FROM project_paths AS path
WHERE substr(path.project_path, 1, length(:prefix)) <> :prefix
  AND path.project_id IN (
    SELECT id FROM projects WHERE name = :name
    UNION
    SELECT keyed.project_id FROM project_paths AS keyed WHERE keyed.project_path = :prefix || :name
    UNION
    SELECT named.project_id FROM project_paths AS named
    WHERE substr(named.project_path, 1, length(:prefix)) <> :prefix
      AND instr(:name, '/') = 0 AND instr(:name, '\\') = 0
      AND substr(named.project_path, -length(:name) - 1) IN ('/' || :name, '\\' || :name))
ORDER BY path.last_beat DESC, path.project_path
LIMIT 1
"""


def folders_named(conn: sqlite3.Connection, names: Iterable[str]) -> dict[str, str]:
    """For each name that means a known folder project, that project's latest real folder.

    A WakaTime heartbeat known only by its project name (an unsaved buffer, an AI agent's
    ``app`` entity) belongs with the folder the same name is shown for; keyed apart as
    ``wakatime:<name>`` its minutes would count twice beside the folder's. Once that key is
    merged into a folder project, the name means the project's folder too: kept under the key,
    its heartbeats ran a session beside the folder's, and the time between one editor's beat
    there and the other's heartbeat counted in neither.
    """
    folders: dict[str, str] = {}
    for name in names:
        row = conn.execute(
            _FOLDER_NAMED_SQL, {"name": name, "prefix": PROJECT_NAME_PREFIX}
        ).fetchone()
        if row is not None:
            folders[name] = row[0]
    return folders


def folders_reported_as(conn: sqlite3.Connection, names: Iterable[str]) -> dict[str, str]:
    """For each name a WakaTime client gave a folder it found, that folder (the latest one).

    wakatime-cli names a project by ``[projectmap]``, a ``.wakatime-project`` file or
    ``hide_project_names`` (a random name), not only by the folder's last part. The same user's
    heartbeats that carry no usable path (``hide_file_names``, ``hide_project_folder``, unsaved
    buffers, remote files, AI agents' ``app`` heartbeats) carry that same name: it means the
    folder the earlier heartbeats were placed in.
    """
    folders: dict[str, str] = {}
    for name in names:
        row = conn.execute(_FOLDER_REPORTED_AS_SQL, {"name": name}).fetchone()
        if row is not None:
            folders[name] = row[0]
    return folders


def folder_a_plugin_named(conn: sqlite3.Connection, name: str) -> str | None:
    """The folder WakaTime clients gave the project name ``name`` (``[projectmap]``, a
    ``.wakatime-project`` file, a JetBrains project's own name, as ``folders_reported_as``
    finds it), or ``None``: the name a plugin shows means the folder its heartbeats went to.
    ``Unknown Project`` is no folder's, whatever heartbeats came labelled so."""
    wanted = name.strip()
    if wanted == UNKNOWN_PROJECT:
        return None
    return folders_reported_as(conn, [wanted]).get(wanted)


def session_holding(conn: sqlite3.Connection, beat: Beat) -> Session:
    """The stored session that contains ``beat`` (it must have been recorded).

    Sessions of a project never overlap: only the latest one starting at or before the beat
    can hold it, read with one step back through the index (not every earlier session).
    """
    row = conn.execute(
        "SELECT * FROM (SELECT id, project_path, start_time, last_heartbeat FROM sessions"
        f" WHERE project_path = ? AND start_time <= ? AND {WELL_FORMED_SQL}"
        " ORDER BY start_time DESC LIMIT 1)"
        " WHERE last_heartbeat >= ?",
        (beat.project_path, beat.timestamp, beat.timestamp),
    ).fetchone()
    if row is None:  # pragma: no cover - record_beat guarantees one
        raise LookupError(f"no session holds the beat {beat}")
    return Session(*row)


def insert_details(conn: sqlite3.Connection, project_path: str, details: HeartbeatDetails) -> bool:
    """One row per distinct heartbeat: a repeat (re-sent from a client queue) is ignored.

    Whether the row is new: the insert's own row count, no query more (``POST /beat`` writes
    here too)."""
    context = (
        project_path,
        details.entity_type,
        details.category,
        details.language,
        details.branch,
        details.project_name,
        details.editor,
        details.plugin,
        details.project_source,
        details.machine,
        details.operating_system,
    )
    conn.execute(
        "INSERT OR IGNORE INTO beat_contexts (project_path, entity_type, category, language,"
        " branch, project_name, editor, plugin, project_source, machine, operating_system)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        context,
    )
    (context_id,) = conn.execute(
        "SELECT id FROM beat_contexts WHERE project_path = ? AND entity_type = ?"
        " AND ifnull(category, '') = ifnull(?, '') AND ifnull(language, '') = ifnull(?, '')"
        " AND ifnull(branch, '') = ifnull(?, '') AND ifnull(project_name, '') = ifnull(?, '')"
        " AND ifnull(editor, '') = ifnull(?, '') AND ifnull(plugin, '') = ifnull(?, '')"
        " AND project_source = ? AND ifnull(machine, '') = ifnull(?, '')"
        " AND ifnull(operating_system, '') = ifnull(?, '')",
        context,
    ).fetchone()
    inserted = conn.execute(
        "INSERT OR IGNORE INTO heartbeats (time, context_id, is_write) VALUES (?, ?, ?)",
        (details.time, context_id, details.is_write),
    )
    return inserted.rowcount == 1
