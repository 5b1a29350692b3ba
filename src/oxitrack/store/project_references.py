"""Which project a reference names: what users type for a project (``--project``, ``projects
merge``/``rename``/``delete``, ``?project=``) read the same way everywhere.

A reference is an id, an identity (``git:…``, ``path:…``), a folder (or a folder inside one of
a project's, or of a repository a project is known by), or a name. ``find_project`` refuses one
that names none or several, saying where a merged-away id went (or that it was deleted);
``project_named`` lets reports match a reference that names no project against folders instead.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from unicodedata import normalize

from oxitrack.errors import ClientError, InvalidField
from oxitrack.fields import check_text
from oxitrack.projects import (
    GIT_IDENTITY_PREFIX,
    PATH_IDENTITY_PREFIX,
    PROJECT_NAME_PREFIX,
    canonical_project_path,
    distinct_names,
    folder_and_parents,
    folder_on_disk,
    is_absolute_project_path,
    is_distinct_name_of,
    is_windows_path,
    project_identity,
    project_name,
)
from oxitrack.store.shown_folder import shown_folder_sql

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
    """The id of the project ``reference`` names: an id, one of its paths or identities, its
    name, else the last parts of one of its folders; a ``ClientError`` naming ``field`` when it
    names none or several. A name shared with the project ``besides`` means the other one
    (``merge /old/api api``: both folders are called "api", and the target cannot be the
    source). With ``identify``, a folder no project has yet names the project of its repository
    (``_named_projects``)."""
    text = _reference_text(reference, field)
    unique = _named_projects(conn, text, identify) or _projects_of_folders_ending(conn, text)
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
    return _the_one(conn, unique, text, field)


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
    return _the_one(conn, unique, text, field) if unique else None


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
    by name; the id of a project merged away or deleted names none."""
    candidates: list[int] = []
    project_id = _as_id(text)
    if project_id is not None:
        candidates = _ids(conn, "SELECT id FROM projects WHERE id = ?", (project_id,))
        if not candidates and _retired_into(conn, project_id) is not None:
            # The id of a project merged away or deleted names nothing, not one whose folder
            # is called by that number (``~/aoc/3``): a retried `delete 3`, or a yes to the
            # project 3 shown while it was merged away, deleted that other project instead.
            return []
    elif text.startswith((GIT_IDENTITY_PREFIX, PATH_IDENTITY_PREFIX)):
        candidates = _ids(conn, _PROJECT_OF_IDENTITY, (text,))
    elif is_absolute_project_path(text):
        folder = canonical_project_path(text)
        candidates = (
            _ids(conn, _PROJECT_OF_FOLDER, (text,))
            or _enclosing_project(conn, folder, within_repository=True)
            or _repository_project(conn, folder, identify)
            or _enclosing_project(conn, folder)
        )
        if not candidates and is_windows_path(folder):  # typed in another case than it beat
            candidates = _ids(conn, _PROJECT_OF_IDENTITY, (project_identity(folder, None),))
    elif text.startswith(PROJECT_NAME_PREFIX):  # a WakaTime project known only by name
        candidates = _ids(conn, _PROJECT_OF_FOLDER, (text,))
    if not candidates:
        candidates = projects_named(conn, text)
    return sorted(set(candidates))


def projects_named(conn: sqlite3.Connection, name: str) -> list[int]:
    """The projects shown as ``name`` (``list_projects``: the given name, else the latest
    folder's), found without adding up their sessions as a listing does. Spelled in either
    Unicode form: a folder made on a Mac is named decomposed ("e" + U+0301), and "é" typed
    for it found nothing."""
    wanted = normalize("NFC", name)
    rows = _shown_projects(conn)
    found = [project_id for project_id, shown, _ in rows if shown == wanted]
    if found or not wanted.endswith(")"):
        return found
    # ``api (client-one)``, as reports tell apart projects of one name (``distinct_names``):
    # as all of that name are told apart, else as a report of some of them may have.
    fitting = [row for row in rows if is_distinct_name_of(wanted, row[1], row[2])]
    if len(fitting) > 1:  # ``api (x)`` fits /x/api and /y/x/api, told apart as that and y/x
        name = fitting[0][1]
        told_apart = distinct_names((shown, path) for _, shown, path in rows if shown == name)
        exact = [project_id for project_id, _, path in fitting if told_apart[path] == wanted]
        if exact:
            return exact
    return [project_id for project_id, _, _ in fitting]


def _shown_projects(
    conn: sqlite3.Connection, ids: list[int] | None = None
) -> list[tuple[int, str, str]]:
    """Each project (of ``ids``, else all) as (id, the name shown, NFC, its latest folder)."""
    rows = conn.execute(
        f"SELECT named.id, named.name, {shown_folder_sql('named.id')}"
        " FROM projects AS named ORDER BY named.id"
    )
    return [
        (project_id, normalize("NFC", project_name(custom_name, latest_path)), latest_path)
        for project_id, custom_name, latest_path in rows
        if latest_path is not None and (ids is None or project_id in ids)
    ]


def _projects_of_folders_ending(conn: sqlite3.Connection, text: str) -> list[int]:
    """The projects with a folder whose last parts are ``text`` (``notes`` for
    ``/home/you/notes``, ``code/app``), as ``--project`` matches folders: a project renamed
    from "notes" to "Notes" was still ``--project notes`` but no longer ``projects merge
    notes …``. Only for words that are no id, identity or path, which name what they name or
    nothing (a mistyped path must not name another project)."""
    if _as_id(text) is not None or is_absolute_project_path(text):
        return []
    if text.startswith((GIT_IDENTITY_PREFIX, PATH_IDENTITY_PREFIX, PROJECT_NAME_PREFIX)):
        return []
    ending = ends_with_parts_sql("project_path", "text")
    found = _ids(conn, f"SELECT project_id FROM project_paths WHERE {ending}", {"text": text})
    return sorted(set(found))


def ends_with_parts_sql(column: str, parameter: str) -> str:
    """SQL: ``column``'s last components are the named ``parameter`` (``oxitrack`` or
    ``code/oxitrack`` for ``/home/you/code/oxitrack``, and for ``C:\\code\\oxitrack``)."""
    return (
        f"substr({column}, -length(:{parameter}) - 1)"
        f" IN ('/' || :{parameter}, '\\' || :{parameter})"
    )


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


def _enclosing_project(
    conn: sqlite3.Connection, folder: str, *, within_repository: bool = False
) -> list[int]:
    """The project of ``folder`` (canonical), else, for a folder that exists here, of the
    nearest folder above it that is one of a project's (``.`` typed in a repository's
    ``src/``): a mistyped path must name nothing, not its parent's project (which a merge would
    then take). Never the file system's root: one beat sent for ``/`` would otherwise hold
    every folder that no project has.

    ``within_repository``: a folder here only, and no further up than the top of the
    repository holding it (the folder with its ``.git``). That answers a tracked repository's
    ``src/`` by looking at folders, before running git for the repository's identity: that
    takes 0.4 s on 100k commits, and a prompt showing the project's time asks on every line. A
    tracked folder above the top (``~/code`` beat once) is left to that identity."""
    if not os.path.isdir(folder_on_disk(folder)):
        return [] if within_repository else _ids(conn, _PROJECT_OF_FOLDER, (folder,))
    for candidate in folder_and_parents(folder):
        found = _ids(conn, _PROJECT_OF_FOLDER, (candidate,))
        if found:
            return found
        if within_repository and os.path.lexists(os.path.join(folder_on_disk(candidate), ".git")):
            return []  # the repository's top, and no folder inside it tracked
    return []


def _the_one(conn: sqlite3.Connection, unique: list[int], text: str, field: str) -> int:
    if len(unique) > 1:
        ids = ", ".join(str(i) for i in unique)
        shown = _shown_projects(conn, unique)
        names = distinct_names((name, path) for _, name, path in shown)
        listed = ", ".join(f"{project_id} {names[path]!r}" for project_id, _, path in shown)
        raise InvalidField(
            field, f"{text!r} names several projects ({ids}); give the id, or the name: {listed}"
        )
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
    merged away, `` (project 3 was deleted)`` when deleted, else ``""``: every command that
    refuses a reference says where it went."""
    return _merged_note(conn, _as_id(reference.strip()))


def _merged_note(conn: sqlite3.Connection, project_id: int | None) -> str:
    """What became of ``project_id``, if it was retired. A deleted project's row is merged into
    itself (``store.projects.delete_project``); ids merged into it before still point to it."""
    if project_id is None:
        return ""
    into = _retired_into(conn, project_id)
    if into is None:
        return ""
    if into == project_id:
        return f" (project {project_id} was deleted)"
    deleted = ", which was deleted" if _retired_into(conn, into) == into else ""
    return f" (project {project_id} was merged into project {into}{deleted})"


def _retired_into(conn: sqlite3.Connection, project_id: int) -> int | None:
    row = conn.execute("SELECT merged_into FROM retired_projects WHERE id = ?", (project_id,))
    found = row.fetchone()
    return None if found is None else int(found[0])


def _ids(
    conn: sqlite3.Connection, query: str, args: tuple[object, ...] | dict[str, object]
) -> list[int]:
    return [int(row[0]) for row in conn.execute(query, args)]
