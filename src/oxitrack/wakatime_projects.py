"""Which project a WakaTime heartbeat belongs to: its folder, found from its path, else its name.

A heartbeat's project key is the folder wakatime-cli counted, else the enclosing repository of
its file, else ``wakatime:<project name>`` (``resolve_project_path``). Heartbeats known only by
a name are then led to the folder that name means (``folders_given_names``, ``placed_by_name``,
and ``store.wakatime`` for the folders already known), so they join its sessions.

Pure: the one look at the file system is a function passed in (``oxitrack.repo_root`` gives the
real one). Imports no sqlite3, starlette or asyncio.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Literal

from oxitrack.beats import MAX_PROJECT_PATH_BYTES, check_project_path
from oxitrack.projects import (
    PROJECT_NAME_PREFIX,
    is_absolute_project_path,
    is_inside,
    is_windows_path,
)
from oxitrack.sessions import Beat

if TYPE_CHECKING:
    from oxitrack.wakatime import Heartbeat

#: The project name of a heartbeat that gives neither a folder nor a name (WakaTime's desktop
#: app tracking Slack, a browser's domain, an unsaved buffer outside any folder): WakaTime files
#: them under this name too. Refusing them would lose their time, since the CLI drops a 400.
UNKNOWN_PROJECT = "Unknown Project"

#: How a heartbeat's project key was found: the CLI's count, a repository here, the project
#: name (``UNKNOWN_PROJECT`` when none was sent) as ``wakatime:<name>``, or the known folder
#: project of that name (``project_name_match``); ``beat`` for the details of a ``POST /beat``
#: that named its language or editor (the editor sent the folder itself).
ProjectSource = Literal[
    "project_root_count", "repository", "project_name", "project_name_match", "beat"
]
#: The sources that found a heartbeat's folder from its own path: only such a heartbeat says
#: which folder its project name means (``folders_given_names``, ``store.wakatime``).
PLACED_BY_PATH: tuple[ProjectSource, ...] = ("project_root_count", "repository")
RepoRootFinder = Callable[[str], str | None]


def resolve_project_path(
    *,
    entity: str,
    entity_type: str,
    project_root_count: int | None,
    project_name: str | None,
    find_repo_root: RepoRootFinder,
) -> tuple[str, ProjectSource]:
    """The project key of a heartbeat and how it was found.

    In order: the first ``project_root_count`` parts of the file path (what wakatime-cli found as
    the project folder), else the enclosing repository of the file on this machine, else
    ``wakatime:<project name>``, else ``wakatime:Unknown Project``. The name keys are looked up
    among known folder projects before the beat is recorded (``placed_by_name``).
    """
    # A file path past a project path's bound (Linux's PATH_MAX, in bytes: a folder of
    # two-byte letters passes it in fewer characters) is not read as one: its time goes by its
    # project name rather than being refused (OxiTrack keeps no entity). Characters first: the
    # entity may run to megabytes, and never has fewer bytes than characters.
    is_file_path = (
        entity_type == "file"
        and len(entity) <= MAX_PROJECT_PATH_BYTES
        and len(entity.encode("utf-8")) <= MAX_PROJECT_PATH_BYTES
        and is_absolute_project_path(entity)
    )
    if is_file_path and project_root_count is not None:
        root = project_root_from_count(entity, project_root_count)
        if root is not None:
            folder = check_project_path(root, field="entity")
            if not is_windows_path(folder):
                inner = _repository_below(entity, folder, find_repo_root)
                if inner is not None:
                    return inner, "repository"
            return folder, "project_root_count"
    if is_file_path and not is_windows_path(entity):
        root = find_repo_root(entity)
        if root is not None:
            return check_project_path(root, field="entity"), "repository"
    return project_key_from_name(project_name or UNKNOWN_PROJECT), "project_name"


def _repository_below(entity: str, folder: str, find_repo_root: RepoRootFinder) -> str | None:
    """The repository holding ``entity`` here when it lies below ``folder``, the one counted,
    and ``folder`` itself is no project's (no repository, no ``.wakatime-project``).

    wakatime-cli counts a worktree's heartbeats by its main checkout's folder (where the shared
    ``.git`` is): cut at that depth, a worktree kept elsewhere (``~/worktrees/app/feature`` of
    ``~/code/app``) gave the plain folder ``~/worktrees/app``, a project of its own holding
    none of the repository's time. A counted folder that is a repository (a submodule's files
    counted for the outer one, ``[git] submodules_disabled``) stays as counted."""
    found = find_repo_root(entity)
    if found is None or not is_inside(found, folder) or find_repo_root(folder) == folder:
        return None
    return check_project_path(found, field="entity")


def project_root_from_count(entity: str, count: int) -> str | None:
    """The folder made of the first ``count`` slash-separated parts of ``entity``, if it is one.

    wakatime-cli counts the slashes of the project folder with a trailing slash:
    ``/home/me/code/app/`` is 5, so ``/home/me/code/app/src/main.py`` gives ``/home/me/code/app``.
    Its search starts at the entity itself, so for an entity that is the folder (a directory
    buffer) the count is the entity's own part count and the entity is the root. Windows paths
    are counted with forward slashes, as the CLI does. ``None`` when the count goes past the
    entity or leaves no folder (the file system root, a bare drive).

    The CLI writes a share's path as ``\\\\server/share/code/app`` and counts only its ``/``
    (4 for that folder): the leading pair of backslashes belongs to the first part. Read as
    two more separators, a share's count fell two folders short, and every project of
    ``\\\\wsl.localhost/Ubuntu/home/me/code`` was the one folder ``…\\home\\me``. A share
    written with backslashes only (a plugin that counts its own separators) is counted as it is.
    """
    windows = is_windows_path(entity)
    if windows and entity.startswith("\\\\") and "\\" not in entity[2:]:
        parts = entity.rstrip("/").split("/")  # as wakatime-cli writes a share
    else:
        parts = (entity.replace("\\", "/") if windows else entity).rstrip("/").split("/")
    if count > len(parts):
        return None
    root = "/".join(parts[:count])
    if windows:
        root = root.replace("/", "\\")
        return root if is_windows_path(root) else None  # not a bare drive or server
    return root or None


def project_key_from_name(name: str) -> str:
    """``wakatime:<name>``: the stable key of a project known only by its name."""
    return PROJECT_NAME_PREFIX + name.strip()


def name_to_match(heartbeat: Heartbeat) -> str | None:
    """The project name to look a known folder up by: set when only the name placed the beat."""
    key = heartbeat.beat.project_path
    return key[len(PROJECT_NAME_PREFIX) :] if key.startswith(PROJECT_NAME_PREFIX) else None


def folders_given_names(heartbeats: Sequence[Heartbeat]) -> dict[str, str]:
    """name → folder, from those of ``heartbeats`` placed by their own path that name a project.

    One request can bring a new folder and heartbeats known only by its name together (the
    offline queue's batch, a plugin's buffer of saved and unsaved files): these lead them there
    before the store knows the folder. Per name, the folder of the latest such heartbeat (ties:
    the first path, as the store orders them). ``UNKNOWN_PROJECT`` stands for no name.
    """
    latest: dict[str, tuple[int, str]] = {}
    for heartbeat in heartbeats:
        if heartbeat.details.project_source not in PLACED_BY_PATH:
            continue
        name = (heartbeat.details.project_name or "").strip()
        if not name or name == UNKNOWN_PROJECT:
            continue
        candidate = (-heartbeat.beat.timestamp, heartbeat.beat.project_path)
        if name not in latest or candidate < latest[name]:
            latest[name] = candidate
    return {name: folder for name, (_, folder) in latest.items()}


def placed_by_name(heartbeat: Heartbeat, folders: Mapping[str, str]) -> Heartbeat:
    """``heartbeat`` moved into the folder its project name means (``folders``: name → folder).

    An unsaved buffer or an AI agent's ``app`` heartbeat names its project but no folder; as a
    beat of that folder it joins the folder's sessions under the one session rule instead of
    counting the same minutes again under ``wakatime:<name>``.
    """
    name = name_to_match(heartbeat)
    folder = folders.get(name) if name is not None else None
    if folder is None:
        return heartbeat
    return heartbeat._replace(
        beat=Beat(folder, heartbeat.beat.timestamp),
        details=heartbeat.details._replace(project_source="project_name_match"),
    )
