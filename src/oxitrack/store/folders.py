"""Which project each folder belongs to, kept up to date as beats arrive.

``note_beat`` runs inside every beat's write transaction (``store.beats.record_beat`` calls it).
A known folder costs one indexed ``UPDATE`` (its beat count, which counts only the beats that
changed its sessions) and no file-system access; a new folder is identified once, by reading its
``.git``; a folder known only by its path is looked at again at most every ``RECHECK_SECONDS`` of
beat time, so a folder that becomes a repository joins the repository's project. The daemon
finds those identities before the transaction, in a worker thread (``api/identities.py``), and
hands them in as ``identify``. The tables are described in ``store/projects.py``, which holds
what users do with projects (list, merge, rename).
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable

from oxitrack.projects import folder_on_disk, is_final_identity, project_identity
from oxitrack.records import TYPE_CHECKING
from oxitrack.store.projects import merge_projects, rename_project

if TYPE_CHECKING:
    from oxitrack.sessions import Beat

RECHECK_SECONDS = 600

Identify = Callable[[str], str]


def identify(project_path: str) -> str:
    """The identity of the folder at ``project_path`` on this machine (reads its ``.git``)."""
    from oxitrack import repo_identity  # git and pathlib: only for a folder not seen before

    # Only a POSIX path can be a folder here: not a remote Windows one, nor a WakaTime project
    # known only by its name (``wakatime:<name>``, which is no path at all).
    on_this_disk = project_path.startswith("/")
    root = repo_identity.root_commit(folder_on_disk(project_path)) if on_this_disk else None
    return project_identity(project_path, root)


def identity_checked_until(conn: sqlite3.Connection, project_path: str) -> float:
    """The beat time from which ``note_beat`` looks at this folder again: ``-inf`` for a folder
    never seen, ``inf`` once it is a repository's, else ``RECHECK_SECONDS`` after the last look."""
    row = conn.execute(
        "SELECT identity, checked_at FROM project_paths WHERE project_path = ?", (project_path,)
    ).fetchone()
    return -math.inf if row is None else checked_until(*row)


def checked_until(identity: str, checked_at: int) -> float:
    """The beat time from which a folder found to be ``identity`` at ``checked_at`` needs a new
    look: never for a repository's, ``RECHECK_SECONDS`` later for one known by its path."""
    return math.inf if is_final_identity(identity) else float(checked_at + RECHECK_SECONDS)


def note_beat(
    conn: sqlite3.Connection,
    beat: Beat,
    identify: Identify = identify,
    *,
    is_counted: bool = True,
) -> None:
    """Count the beat on its path (unless ``is_counted`` is false); register the path with its
    project if it is new.

    ``record_beat`` counts only a beat that changed the stored sessions: editors re-send beats
    (an outbox replayed after the daemon was down, a retry after a timeout), and counting every
    copy made the count grow with the retries instead of the work. Without each beat stored,
    a beat inside a stored session is the only repeat that can be told apart, and it adds
    nothing to the time either; the count costs no query beyond the ``UPDATE`` it already was.
    """
    row = conn.execute(
        "UPDATE project_paths SET beat_count = beat_count + ?, last_beat = max(last_beat, ?)"
        " WHERE project_path = ? RETURNING project_id, identity, checked_at",
        (int(is_counted), beat.timestamp, beat.project_path),
    ).fetchone()
    if row is None:
        register_path(
            conn,
            beat.project_path,
            identify(beat.project_path),
            checked_at=beat.timestamp,
            beat_count=int(is_counted),
            last_beat=beat.timestamp,
        )
        return
    project_id, identity, checked_at = row
    if beat.timestamp < checked_until(identity, checked_at):
        return
    found = identify(beat.project_path)
    conn.execute(
        "UPDATE project_paths SET checked_at = ?, identity = ? WHERE project_path = ?",
        (beat.timestamp, found, beat.project_path),
    )
    if found != identity:
        _adopt_identity(conn, project_id, found, beat.project_path)


def register_path(
    conn: sqlite3.Connection,
    project_path: str,
    identity: str,
    *,
    checked_at: int,
    beat_count: int,
    last_beat: int,
) -> int:
    """Add a new path to the project with ``identity`` (made if none has it); its project id."""
    project_id = _project_with_identity(conn, identity)
    if project_id is None:
        (project_id,) = conn.execute(_NEW_PROJECT_SQL).fetchone()
        conn.execute(
            "INSERT INTO project_identities (identity, project_id) VALUES (?, ?)",
            (identity, project_id),
        )
    conn.execute(
        "INSERT INTO project_paths (project_path, project_id, identity, checked_at, beat_count,"
        " last_beat) VALUES (?, ?, ?, ?, ?, ?)",
        (project_path, project_id, identity, checked_at, beat_count, last_beat),
    )
    return int(project_id)


def register_session_paths(conn: sqlite3.Connection, identify: Identify = identify) -> int:
    """Register every session path without a project (the upgrade to step 2); how many."""
    rows = conn.execute(
        "SELECT project_path, max(last_heartbeat) FROM sessions"
        " WHERE project_path NOT IN (SELECT project_path FROM project_paths)"
        " GROUP BY project_path ORDER BY project_path"
    ).fetchall()
    for project_path, last_heartbeat in rows:
        register_path(
            conn,
            project_path,
            identify(project_path),
            checked_at=last_heartbeat,
            beat_count=0,
            last_beat=last_heartbeat,
        )
    return len(rows)


def _project_with_identity(conn: sqlite3.Connection, identity: str) -> int | None:
    row = conn.execute(
        "SELECT project_id FROM project_identities WHERE identity = ?", (identity,)
    ).fetchone()
    return None if row is None else int(row[0])


def _adopt_identity(
    conn: sqlite3.Connection, project_id: int, identity: str, project_path: str
) -> None:
    """The folder ``project_path`` of ``project_id`` turned out to be ``identity``.

    Nobody has that identity yet (``git init`` in a tracked folder): the project answers to it
    too. Another project has it (the folder is now a clone of a repository tracked elsewhere):
    a project that is only this folder becomes one with that project; a project with other
    folders too (merged into it by hand) keeps them, and only this folder goes, so that one
    folder replaced by a clone does not pull a whole unrelated project along.
    """
    owner = _project_with_identity(conn, identity)
    if owner is None:
        conn.execute(
            "INSERT INTO project_identities (identity, project_id) VALUES (?, ?)",
            (identity, project_id),
        )
        return
    if owner == project_id:
        return
    others = conn.execute(
        "SELECT count(*) FROM project_paths WHERE project_id = ? AND project_path != ?",
        (project_id, project_path),
    ).fetchone()[0]
    if others == 0:
        # Nobody asked for this merge, so it names nothing: the repository's project keeps the
        # name it was given, else takes the one given to this folder's (all there was to lose
        # of it), else goes on following its latest folder, as when a clone is found at once.
        # A merge by hand would keep the name the target was shown with instead.
        given = _given_name(conn, owner) or _given_name(conn, project_id)
        merge_projects(conn, source_id=project_id, target_id=owner)
        rename_project(conn, owner, given)
    else:
        conn.execute(
            "UPDATE project_paths SET project_id = ? WHERE project_path = ?", (owner, project_path)
        )


def _given_name(conn: sqlite3.Connection, project_id: int) -> str | None:
    row = conn.execute("SELECT name FROM projects WHERE id = ?", (project_id,)).fetchone()
    return None if row is None else row[0]


# A new project's id: past every id in use and every id merged away, so an id names one project
# for good and a repeated `merge 3 2` finds nothing instead of a newer, unrelated project 3.
_NEW_PROJECT_SQL = (
    "INSERT INTO projects (id, name) VALUES (1 + max("
    " (SELECT ifnull(max(id), 0) FROM projects),"
    " (SELECT ifnull(max(id), 0) FROM retired_projects)), NULL) RETURNING id"
)
