"""SQL for projects: the tables, and what users do with projects (list, merge, rename).

Three tables (schema step 2): ``projects`` (id, the name a user gave), ``project_identities``
(every identity that means the project: ``git:<root commit>`` or ``path:<folder>``) and
``project_paths`` (every folder that beat, its project, and what it was found to be); schema step
4 adds ``retired_projects``, the ids merged away. Sessions keep their ``project_path``; a
project's sessions are those of its paths, so moving a path to another project (a merge) moves
its sessions without rewriting one. Which project a folder belongs to as beats arrive is
``store/folders.py``'s job.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable
from unicodedata import normalize

from oxitrack.errors import ClientError, InvalidField
from oxitrack.fields import check_text
from oxitrack.projects import (
    GIT_IDENTITY_PREFIX,
    PATH_IDENTITY_PREFIX,
    PROJECT_NAME_PREFIX,
    canonical_project_path,
    check_project_name,
    folder_and_parents,
    folder_on_disk,
    is_absolute_project_path,
    is_windows_path,
    project_identity,
    project_name,
    union_seconds,
)
from oxitrack.records import Record


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
        return self.paths[0].project_path

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
        raise ClientError(422, "invalid_field", "source and target are the same project", "target")
    row = conn.execute(
        "SELECT name, (SELECT project_path FROM project_paths WHERE project_id = projects.id"
        " ORDER BY last_beat DESC, project_path LIMIT 1) FROM projects WHERE id = ?",
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


def rename_project(conn: sqlite3.Connection, project_id: int, name: str | None) -> None:
    """Give the project a name; ``None`` goes back to its latest folder's name."""
    conn.execute("UPDATE projects SET name = ? WHERE id = ?", (name, project_id))


_MAX_SQLITE_INTEGER = 2**63 - 1


#: The git identity of a folder here (canonical path), or ``None``: see ``folder_identity``.
FolderIdentity = Callable[[str], str | None]


def find_project(
    conn: sqlite3.Connection,
    reference: object,
    field: str,
    *,
    besides: int | None = None,
    identify: FolderIdentity | None = None,
) -> int:
    """The id of the project ``reference`` names: an id, one of its paths or identities, or its
    name; a ``ClientError`` naming ``field`` when it names none or several. A name shared with
    the project ``besides`` means the other one (``merge /old/api api``: both folders are
    called "api", and the target cannot be the source). With ``identify``, a folder no project
    has yet names the project of its repository (``_named_projects``)."""
    text = _reference_text(reference, field)
    unique = _named_projects(conn, text, identify)
    if not unique:
        raise ClientError(
            404,
            "not_found",
            f"{field}: no project matches {text!r}{_merged_note(conn, _as_id(text))}; give an id,"
            " a path, an identity or a name from `oxitrack projects`",
            field,
        )
    if len(unique) > 1 and besides in unique:
        unique.remove(besides)
    return _the_one(unique, text, field)


def project_named(
    conn: sqlite3.Connection,
    reference: object,
    field: str,
    *,
    identify: FolderIdentity | None = None,
) -> int | None:
    """The project ``reference`` names, as ``find_project`` reads it, or ``None`` when it names
    none; ``InvalidField`` when it names several. Reports keep that project's time (all its
    folders), and match a reference that names no project against folder paths instead."""
    text = _reference_text(reference, field)
    unique = _named_projects(conn, text, identify)
    return _the_one(unique, text, field) if unique else None


def _reference_text(reference: object, field: str) -> str:
    if isinstance(reference, bool) or not isinstance(reference, str | int):
        raise InvalidField(field, "must be a project id, path, identity or name")
    text = check_text(str(reference), field).strip()
    if not text:
        raise InvalidField(field, "must not be empty")
    return text


def _named_projects(
    conn: sqlite3.Connection, text: str, identify: FolderIdentity | None = None
) -> list[int]:
    """The ids of the projects ``text`` names, without repeats: by id, identity or folder (or a
    folder inside one of theirs, or, with ``identify``, of the repository that holds it), else
    by name."""
    candidates: list[int] = []
    project_id = _as_id(text)
    if project_id is not None:
        candidates = _ids(conn, "SELECT id FROM projects WHERE id = ?", (project_id,))
    elif text.startswith((GIT_IDENTITY_PREFIX, PATH_IDENTITY_PREFIX)):
        candidates = _ids(conn, _PROJECT_OF_IDENTITY, (text,))
    elif is_absolute_project_path(text):
        folder = canonical_project_path(text)
        candidates = (
            _ids(conn, _PROJECT_OF_FOLDER, (text,))
            or _repository_project(conn, folder, identify)
            or _enclosing_project(conn, folder)
        )
        if not candidates and is_windows_path(folder):  # typed in another case than it beat
            candidates = _ids(conn, _PROJECT_OF_IDENTITY, (project_identity(folder, None),))
    elif text.startswith(PROJECT_NAME_PREFIX):  # a WakaTime project known only by name
        candidates = _ids(conn, _PROJECT_OF_FOLDER, (text,))
    if not candidates:
        candidates = _ids_named(conn, text)
    return sorted(set(candidates))


def _ids_named(conn: sqlite3.Connection, name: str) -> list[int]:
    """The projects shown as ``name`` (``list_projects``: the given name, else the latest
    folder's), found without adding up their sessions as a listing does. Spelled in either
    Unicode form: a folder made on a Mac is named decomposed ("e" + U+0301), and "é" typed
    for it found nothing."""
    wanted = normalize("NFC", name)
    rows = conn.execute(
        "SELECT named.id, named.name, (SELECT path.project_path FROM project_paths AS path"
        " WHERE path.project_id = named.id ORDER BY path.last_beat DESC, path.project_path"
        " LIMIT 1) FROM projects AS named"
    )
    return [
        project_id
        for project_id, custom_name, latest_path in rows
        if latest_path is not None
        and normalize("NFC", project_name(custom_name, latest_path)) == wanted
    ]


_PROJECT_OF_FOLDER = "SELECT project_id FROM project_paths WHERE project_path = ?"
_PROJECT_OF_IDENTITY = "SELECT project_id FROM project_identities WHERE identity = ?"


def _repository_project(
    conn: sqlite3.Connection, folder: str, identify: FolderIdentity | None
) -> list[int]:
    """The project of the repository holding ``folder``, known by its root commit: a clone or
    a moved repository names its project before its first beat from there (``.`` typed in it).
    Before the folders above it, which may hold the repository (``~/code`` beat once)."""
    identity = identify(folder) if identify is not None and folder.startswith("/") else None
    return _ids(conn, _PROJECT_OF_IDENTITY, (identity,)) if identity else []


def folder_identity(folder: str, identify: Callable[[str], str] | None = None) -> str | None:
    """The git identity (``git:<root commit>``) of the repository holding ``folder`` (canonical)
    on this machine, read as beats read it (``identify``, default ``store.folders.identify``);
    ``None`` when it is in no repository with history here. Reads files and may run git: not
    for inside a write (``folder_identities``)."""
    from oxitrack.store import folders  # it imports this module

    identity = (identify or folders.identify)(folder)
    return identity if identity.startswith(GIT_IDENTITY_PREFIX) else None


def folder_identities(
    *references: object, identify: Callable[[str], str] | None = None
) -> FolderIdentity:
    """The ``identify`` for a write, read now, before it: the ``folder_identity`` of each folder
    among ``references`` (absolute paths on this machine). git may take a while on a large
    history, and a write holds every editor's beats."""
    found: dict[str, str | None] = {}
    for reference in references:
        try:
            text = _reference_text(reference, "project")
        except InvalidField:  # the write refuses it, naming its own field
            continue
        if text.startswith("/"):
            folder = canonical_project_path(text)
            found[folder] = folder_identity(folder, identify)
    return found.get


def _enclosing_project(conn: sqlite3.Connection, folder: str) -> list[int]:
    """The project of ``folder`` (canonical), else, for a folder that exists here, of the
    nearest folder above it that is one of a project's (``.`` typed in a repository's
    ``src/``): a mistyped path must name nothing, not its parent's project (which a merge would
    then take). Never the file system's root: one beat sent for ``/`` would otherwise hold
    every folder that no project has."""
    if not os.path.isdir(folder_on_disk(folder)):
        return _ids(conn, _PROJECT_OF_FOLDER, (folder,))
    for candidate in folder_and_parents(folder):
        found = _ids(conn, _PROJECT_OF_FOLDER, (candidate,))
        if found:
            return found
    return []


def _the_one(unique: list[int], text: str, field: str) -> int:
    if len(unique) > 1:
        ids = ", ".join(str(i) for i in unique)
        raise InvalidField(field, f"{text!r} names several projects ({ids}); give the id")
    return unique[0]


def _as_id(text: str) -> int | None:
    """``text`` as a project id, if it is one SQLite can hold.

    str.isdigit() alone also accepts "²", which int() refuses; SQLite integers stop at
    2**63 - 1, and a larger id names no project rather than overflowing into a 500. The length
    comes first: int() refuses a string of over 4300 digits outright, which was a 500 too.
    """
    fits = len(text) <= len(str(_MAX_SQLITE_INTEGER))
    if fits and text.isascii() and text.isdigit() and int(text) <= _MAX_SQLITE_INTEGER:
        return int(text)
    return None


def merged_note(conn: sqlite3.Connection, reference: str) -> str:
    """`` (project 3 was merged into project 2)`` when ``reference`` is the id of a project
    merged away, else ``""``: every command that refuses a reference says where it went."""
    return _merged_note(conn, _as_id(reference.strip()))


def _merged_note(conn: sqlite3.Connection, project_id: int | None) -> str:
    """`` (project 3 was merged into project 2)`` when ``project_id`` was merged away."""
    if project_id is None:
        return ""
    row = conn.execute("SELECT merged_into FROM retired_projects WHERE id = ?", (project_id,))
    found = row.fetchone()
    return f" (project {project_id} was merged into project {found[0]})" if found else ""


def _ids(conn: sqlite3.Connection, query: str, args: tuple[object, ...]) -> list[int]:
    return [int(row[0]) for row in conn.execute(query, args)]


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
    spans: dict[int, list[tuple[int, int]]] = {}
    for project_id, start_time, last_heartbeat in conn.execute(
        "SELECT p.project_id, s.start_time, s.last_heartbeat FROM sessions AS s"
        " JOIN project_paths AS p ON p.project_path = s.project_path"
        + where.format(column="p.project_id"),
        args,
    ):
        spans.setdefault(project_id, []).append((start_time, last_heartbeat))
    projects = [
        _project(project_id, names[project_id], identities, paths[project_id], spans)
        for project_id in names
        if project_id in paths
    ]
    return sorted(projects, key=lambda p: (-p.last_beat, p.id))


# The latest real folder of the project a name means: one named so, or one that has a folder of
# that last path component (``/`` or ``\`` separated). ``wakatime:<name>`` keys are no folders.
_FOLDER_NAMED_SQL = """
SELECT path.project_path FROM project_paths AS path
WHERE substr(path.project_path, 1, length(:prefix)) <> :prefix
  AND path.project_id IN (
    SELECT id FROM projects WHERE name = :name
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
    ``wakatime:<name>`` its minutes would count twice beside the folder's.
    """
    folders: dict[str, str] = {}
    for name in names:
        row = conn.execute(
            _FOLDER_NAMED_SQL, {"name": name, "prefix": PROJECT_NAME_PREFIX}
        ).fetchone()
        if row is not None:
            folders[name] = row[0]
    return folders


def _project(
    project_id: int,
    custom_name: str | None,
    identities: dict[int, list[str]],
    paths: list[ProjectPath],
    spans: dict[int, list[tuple[int, int]]],
) -> Project:
    own_spans = spans.get(project_id, [])
    return Project(
        id=project_id,
        name=project_name(custom_name, paths[0].project_path),
        custom_name=custom_name,
        identities=tuple(identities.get(project_id, ())),
        paths=tuple(paths),
        total_seconds=union_seconds(own_spans),
        session_count=len(own_spans),
        last_beat=max(path.last_beat for path in paths),
    )


# -- what the API and the CLI call (one function each, so both write the same way) --------------


def merge_by_reference(
    conn: sqlite3.Connection,
    source: object,
    target: object,
    identify: FolderIdentity | None = None,
) -> Project:
    """Merge the project ``source`` names into the one ``target`` names; the merged project.
    ``identify``: what ``folder_identities`` read of them before the write."""
    source_id = find_project(conn, source, "source", identify=identify)
    target_id = find_project(conn, target, "target", besides=source_id, identify=identify)
    merge_projects(conn, source_id=source_id, target_id=target_id)
    return get_project(conn, target_id)


def rename_by_reference(
    conn: sqlite3.Connection,
    project: object,
    name: object,
    identify: FolderIdentity | None = None,
) -> Project:
    """Name the project ``project`` names; a ``None`` name goes back to the folder's name.
    ``identify``: what ``folder_identities`` read of it before the write."""
    project_id = find_project(conn, project, "project", identify=identify)
    rename_project(conn, project_id, None if name is None else check_project_name(name))
    return get_project(conn, project_id)


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
    "coalesce((SELECT latest.project_path FROM project_paths AS own"
    " JOIN project_paths AS latest ON latest.project_id = own.project_id"
    " WHERE own.project_path = sessions.project_path"
    " ORDER BY latest.last_beat DESC, latest.project_path LIMIT 1), sessions.project_path)"
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
