"""SQL for projects: the tables, and what users do with projects (list, merge, rename, delete).

Three tables (schema step 2): ``projects`` (id, the name a user gave), ``project_identities``
(every identity that means the project: ``git:<root commit>`` or ``path:<folder>``) and
``project_paths`` (every folder that beat, its project, and what it was found to be); schema step
4 adds ``retired_projects``, the ids merged away (or deleted: ``delete_project``). Sessions keep
their ``project_path``; a project's sessions are those of its paths, so moving a path to another
project (a merge) moves its sessions without rewriting one. Which project a folder belongs to as
beats arrive is ``store/folders.py``'s job.
"""

from __future__ import annotations

import heapq
import sqlite3
from collections.abc import Callable, Iterable

from oxitrack.errors import ClientError
from oxitrack.projects import (
    check_project_name,
    project_name,
    shown_folder,
)
from oxitrack.records import Record
from oxitrack.store.project_references import FolderIdentity, find_project, projects_named
from oxitrack.store.sessions_table import WELL_FORMED_SQL
from oxitrack.store.shown_folder import shown_folder_sql


class ProjectPath(Record):
    project_path: str
    identity: str  # what this folder was found to be when last looked at
    # Beats that changed its sessions (started, extended or joined one) since the path was first
    # seen (or the upgrade to step 2); a beat inside a stored session, re-sent or late, is not one.
    beat_count: int
    last_beat: int


class Project(Record):
    id: int
    name: str  # shown: the given name, else the latest folder's name
    custom_name: str | None
    identities: tuple[str, ...]
    paths: tuple[ProjectPath, ...]  # latest beat first
    total_seconds: int  # time in any of its folders, overlaps counted once
    session_count: int
    last_beat: int

    @property
    def latest_path(self) -> str:
        """The folder it is shown under (``shown_folder``): its latest, or one holding that."""
        return shown_folder((path.project_path, path.last_beat) for path in self.paths)

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "custom_name": self.custom_name,
            "latest_path": self.latest_path,
            "identities": list(self.identities),
            "paths": [
                {
                    "project_path": path.project_path,
                    "identity": path.identity,
                    "beat_count": path.beat_count,
                    "last_beat": path.last_beat,
                }
                for path in self.paths
            ],
            "total_seconds": self.total_seconds,
            "session_count": self.session_count,
            "last_beat": self.last_beat,
        }


# -- merge and rename ------------------------------------------------------------------------


def merge_projects(conn: sqlite3.Connection, *, source_id: int, target_id: int) -> None:
    """Move every path and identity of ``source_id`` to ``target_id`` and drop the source.

    Sessions follow their paths, so none is copied or lost. The merged project keeps the name
    the target was shown with: its given name, else its latest folder's name, kept as given, so
    the source's folders (which may have beaten later) do not rename it.
    """
    if source_id == target_id:
        # Most often a merge run again (after a kill, a timeout, a retried request) whose first
        # run went through: its folders are one project now. Say that, not only "same".
        raise ClientError(
            422,
            "invalid_field",
            f"source and target are the same project ({target_id}), so there is nothing to"
            " merge: they are one already (merged before?), or one project was named twice",
            "target",
        )
    row = conn.execute(
        f"SELECT name, {shown_folder_sql('projects.id')} FROM projects WHERE id = ?",
        (target_id,),
    ).fetchone()
    if row is not None and row[1] is not None:
        rename_project(conn, target_id, project_name(row[0], row[1]))
    for table in ("project_paths", "project_identities"):
        conn.execute(
            f"UPDATE {table} SET project_id = ? WHERE project_id = ?", (target_id, source_id)
        )
    conn.execute("DELETE FROM projects WHERE id = ?", (source_id,))
    # Its id is never given out again (see store.folders); ids merged into it follow it.
    conn.execute(
        "UPDATE retired_projects SET merged_into = ? WHERE merged_into = ?", (target_id, source_id)
    )
    conn.execute(
        "INSERT OR REPLACE INTO retired_projects (id, merged_into) VALUES (?, ?)",
        (source_id, target_id),
    )


def delete_project(conn: sqlite3.Connection, project_id: int) -> None:
    """Remove the project and all that was recorded in its folders: sessions, WakaTime
    heartbeats and their contexts, folders, identities.

    Its id is retired in ``retired_projects`` as a row merged into itself, which no project
    holds: no schema step, and every reader of the table stays right as it is. New ids still
    start past it (``store.folders``), so a retried ``delete 5`` finds nothing instead of a
    newer project 5; a merge only ever repoints rows merged into a live project; and
    ``project_references`` reads the self-reference as "deleted", also for ids merged into
    this one (their rows keep pointing here). A ``NULL`` ``merged_into`` would have said it
    more plainly, but the column is ``NOT NULL`` and SQLite cannot relax that in place: a
    rebuild of the table in an upgrade, for no gain to any reader.
    """
    folders = "SELECT project_path FROM project_paths WHERE project_id = :id"
    for statement in (
        "DELETE FROM heartbeats WHERE context_id IN"
        f" (SELECT id FROM beat_contexts WHERE project_path IN ({folders}))",
        f"DELETE FROM beat_contexts WHERE project_path IN ({folders})",
        f"DELETE FROM sessions WHERE project_path IN ({folders})",
        "DELETE FROM project_paths WHERE project_id = :id",
        "DELETE FROM project_identities WHERE project_id = :id",
        "DELETE FROM projects WHERE id = :id",
        "INSERT OR REPLACE INTO retired_projects (id, merged_into) VALUES (:id, :id)",
    ):
        conn.execute(statement, {"id": project_id})


def rename_project(conn: sqlite3.Connection, project_id: int, name: str | None) -> None:
    """Give the project a name; ``None`` goes back to its latest folder's name."""
    conn.execute("UPDATE projects SET name = ? WHERE id = ?", (name, project_id))


# -- reading ---------------------------------------------------------------------------------


def list_projects(conn: sqlite3.Connection) -> list[Project]:
    """Every project with its paths, identities and total time; latest activity first."""
    return _read_projects(conn, "")


def get_project(conn: sqlite3.Connection, project_id: int) -> Project:
    """One project, reading only its own sessions: a merge or a rename answers with it from
    inside its write, and adding up every project's sessions there held the writer (and so
    every editor's beats) for as long as a whole listing takes."""
    found = _read_projects(conn, " WHERE {column} = :project_id", {"project_id": project_id})
    if not found:
        raise ClientError(404, "not_found", f"no project {project_id}")
    return found[0]


def _read_projects(
    conn: sqlite3.Connection, where: str, args: dict[str, object] | None = None
) -> list[Project]:
    """The projects ``where`` keeps (a condition on ``{column}``, the project id of each table
    read), latest activity first."""
    args = args or {}
    names = dict(
        conn.execute("SELECT id, name FROM projects" + where.format(column="id"), args).fetchall()
    )
    identities: dict[int, list[str]] = {}
    for identity, project_id in conn.execute(
        "SELECT identity, project_id FROM project_identities"
        + where.format(column="project_id")
        + " ORDER BY identity",
        args,
    ):
        identities.setdefault(project_id, []).append(identity)
    paths: dict[int, list[ProjectPath]] = {}
    for project_id, *fields in conn.execute(
        "SELECT project_id, project_path, identity, beat_count, last_beat FROM project_paths"
        + where.format(column="project_id")
        + " ORDER BY last_beat DESC, project_path",
        args,
    ):
        paths.setdefault(project_id, []).append(ProjectPath(*fields))
    projects = [
        _project(conn, project_id, names[project_id], identities, paths[project_id])
        for project_id in names
        if project_id in paths
    ]
    return sorted(projects, key=lambda p: (-p.last_beat, p.id))


def _time_in(conn: sqlite3.Connection, folders: Iterable[str]) -> tuple[int, int]:
    """(seconds covered, sessions) of the sessions recorded in ``folders``, overlaps counted
    once: each folder's read in start order (its own index), merged, and joined as they come.

    Every session's span held at once, for all projects, took 150 MiB for a million sessions
    (and left the daemon 10 MiB bigger after each listing); this holds one per folder."""
    in_start_order = [
        conn.execute(
            "SELECT start_time, last_heartbeat FROM sessions WHERE project_path = ?"
            f" AND {WELL_FORMED_SQL} ORDER BY start_time",  # a row typed by hand holds no span
            (folder,),
        )
        for folder in folders
    ]
    spans = in_start_order[0] if len(in_start_order) == 1 else heapq.merge(*in_start_order)
    seconds = sessions = 0
    joined_start = joined_end = None
    for start, end in spans:
        sessions += 1
        if joined_end is not None and start <= joined_end:
            joined_end = max(joined_end, end)
            continue
        if joined_start is not None and joined_end is not None:
            seconds += joined_end - joined_start
        joined_start, joined_end = start, end
    if joined_start is not None and joined_end is not None:
        seconds += joined_end - joined_start
    return seconds, sessions


def _project(
    conn: sqlite3.Connection,
    project_id: int,
    custom_name: str | None,
    identities: dict[int, list[str]],
    paths: list[ProjectPath],
) -> Project:
    total_seconds, session_count = _time_in(conn, (path.project_path for path in paths))
    return Project(
        id=project_id,
        name=project_name(
            custom_name, shown_folder((path.project_path, path.last_beat) for path in paths)
        ),
        custom_name=custom_name,
        identities=tuple(identities.get(project_id, ())),
        paths=tuple(paths),
        total_seconds=total_seconds,
        session_count=session_count,
        last_beat=max(path.last_beat for path in paths),
    )


# -- what the API and the CLI call (one function each, so both write the same way) --------------
#
# Each returns a record of what it did, whose ``to_json()`` is the one answer of the API's
# ``POST /api/projects/<action>`` and of ``oxitrack projects <action> --json`` on the file.


class Merged(Record):
    """A merge's answer: the project the two are now, the source's folders among its own."""

    project: Project

    def to_json(self) -> dict[str, object]:
        return {"project": self.project.to_json()}


def merge_by_reference(
    conn: sqlite3.Connection,
    source: object,
    target: object,
    identify: FolderIdentity | None = None,
) -> Merged:
    """Merge the project ``source`` names into the one ``target`` names.
    ``identify``: what ``folder_identities`` read of them before the write."""
    source_id = find_project(conn, source, "source", identify=identify)
    target_id = find_project(conn, target, "target", besides=source_id, identify=identify)
    merge_projects(conn, source_id=source_id, target_id=target_id)
    return Merged(get_project(conn, target_id))


class Renamed(Record):
    """A rename's answer: the project, and the other projects now shown under its name. A name
    two projects share names neither where a name is typed (``--project NAME``), and a rename
    to another project's name most likely meant the two as one, which a merge makes them."""

    project: Project
    namesakes: tuple[int, ...]  # ids, lowest first

    def to_json(self) -> dict[str, object]:
        return {"project": self.project.to_json(), "namesakes": list(self.namesakes)}


def rename_by_reference(
    conn: sqlite3.Connection,
    project: object,
    name: object,
    identify: FolderIdentity | None = None,
) -> Renamed:
    """Name the project ``project`` names; a ``None`` name goes back to the folder's name.
    ``identify``: what ``folder_identities`` read of it before the write."""
    project_id = find_project(conn, project, "project", identify=identify)
    rename_project(conn, project_id, None if name is None else check_project_name(name))
    renamed = get_project(conn, project_id)
    namesakes = [other for other in projects_named(conn, renamed.name) if other != project_id]
    return Renamed(renamed, tuple(sorted(namesakes)))


class Deleted(Record):
    """A delete's answer: the project as it was just before, so the user sees what went (and
    the daemon which folders' remembered identities to forget)."""

    project: Project

    def to_json(self) -> dict[str, object]:
        return {"project": self.project.to_json()}


def delete_by_reference(
    conn: sqlite3.Connection,
    project: object,
    identify: FolderIdentity | None = None,
) -> Deleted:
    """Delete the project ``project`` names.
    ``identify``: what ``folder_identities`` read of it before the write."""
    project_id = find_project(conn, project, "project", identify=identify)
    deleted = get_project(conn, project_id)
    delete_project(conn, project_id)
    return Deleted(deleted)


# -- what reports group by ---------------------------------------------------------------------
#
# Column expressions for queries ``FROM sessions``: each looks the session's folder up in
# ``project_paths`` (its primary key), so reports group by project whatever folder a session was
# recorded in. A folder without a row (sessions written by hand, or by an older version before
# the daemon upgraded the file) is its own project, named by its path.

SESSION_PROJECT_KEY_SQL = (
    "coalesce('project:' || (SELECT key.project_id FROM project_paths AS key"
    " WHERE key.project_path = sessions.project_path), 'path:' || sessions.project_path)"
)
SESSION_PROJECT_LATEST_PATH_SQL = (
    "coalesce((SELECT "
    + shown_folder_sql("own.project_id")
    + " FROM project_paths AS own WHERE own.project_path = sessions.project_path),"
    " sessions.project_path)"
)
SESSION_PROJECT_NAME_SQL = (
    "(SELECT named.name FROM project_paths AS own JOIN projects AS named"
    " ON named.id = own.project_id WHERE own.project_path = sessions.project_path)"
)


def session_in_project_sql(path_matches: Callable[[str], str]) -> str:
    """A condition on ``sessions``: its folder matches, or any folder of its project does, or the
    project's given name equals ``:project``. ``path_matches(column)`` writes the condition on a
    folder column. So a report asked for a project by its new folder or name also counts the
    time recorded in its old folders."""
    return (
        f"({path_matches('sessions.project_path')}"
        " OR sessions.project_path IN (SELECT other.project_path FROM project_paths AS other"
        " WHERE other.project_id IN (SELECT mine.project_id FROM project_paths AS mine"
        f" WHERE {path_matches('mine.project_path')}"
        " UNION SELECT id FROM projects WHERE name = :project)))"
    )
