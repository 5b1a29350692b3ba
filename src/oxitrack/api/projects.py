"""``/api/projects``: list projects, merge two into one, rename or delete one. JSON in, JSON out.

Each handler is one call into ``store.projects`` (the same functions ``oxitrack projects`` uses
on the file when the daemon is down) and answers with the ``to_json()`` of the record it returns,
which that command prints too; a reference that names no project is a 404 naming the field, a
bad value a 422 naming it.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Mapping
from functools import partial
from typing import TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse

from oxitrack.api.body import read_json
from oxitrack.api.slow_folders import SlowFolders
from oxitrack.errors import InvalidField
from oxitrack.store import project_references
from oxitrack.store import projects as store_projects

T = TypeVar("T")


def list_projects(request: Request) -> JSONResponse:
    """A plain ``def``: Starlette runs it in a worker thread, so reading every project's totals
    does not hold up the beats on the event loop."""
    projects = request.app.state.store.read(store_projects.list_projects)
    return JSONResponse({"projects": [project.to_json() for project in projects]})


async def merge_projects(request: Request) -> JSONResponse:
    body = await _object(request)
    source, target = _required(body, "source"), _required(body, "target")
    identify = await _folder_identities(request, source, target)
    merged = await _write_in_thread(
        request, lambda conn: store_projects.merge_by_reference(conn, source, target, identify)
    )
    return JSONResponse(merged.to_json())


async def rename_project(request: Request) -> JSONResponse:
    body = await _object(request)
    reference = _required(body, "project")
    if "name" not in body:
        raise InvalidField("name", "is required (a name, or null for the folder's name)")
    name = body["name"]
    identify = await _folder_identities(request, reference)
    renamed = await _write_in_thread(
        request, lambda conn: store_projects.rename_by_reference(conn, reference, name, identify)
    )
    return JSONResponse(renamed.to_json())


async def delete_project(request: Request) -> JSONResponse:
    """What was deleted. The folders' remembered identity checks go with it (``FolderIdentities
    .forget``): their next beat starts a new project, as from a folder never seen."""
    body = await _object(request)
    reference = _required(body, "project")
    identify = await _folder_identities(request, reference)
    deleted = await _write_in_thread(
        request, lambda conn: store_projects.delete_by_reference(conn, reference, identify)
    )
    request.app.state.identities.forget(path.project_path for path in deleted.project.paths)
    # Its rows, as they were before the delete, are still in the WAL's frames.
    await asyncio.to_thread(partial(request.app.state.store.empty_wal, rewrite=True))
    return JSONResponse(deleted.to_json())


async def _write_in_thread(request: Request, fn: Callable[[sqlite3.Connection], T]) -> T:
    """The project's write in a worker thread. Deleting a project of 96k sessions took 1.1 s,
    a merge 0.4 s: on the event loop, every client waited (reports, ``/health``, the
    dashboard); beats still wait for the write lock, as behind any write."""
    return await asyncio.to_thread(request.app.state.store.write, fn)


async def _folder_identities(
    request: Request, *references: object
) -> project_references.FolderIdentity:
    """The repositories of the folders named, read in a worker thread as a new folder's beat
    is (``api/identities.py``): a folder no project has yet, in a moved or cloned repository,
    names that repository's project. git on the loop or in the write held every client. A
    folder on a mount that may hang is read as a beat's is (``api/slow_folders.py``): a 503
    once it takes too long, not a request that never ends."""
    read = partial(
        project_references.folder_identities,
        *references,
        identify=request.app.state.identities.identify,
    )
    slow_folders: SlowFolders = request.app.state.slow_folders
    return await slow_folders.in_thread_for(read, references)


async def _object(request: Request) -> Mapping[str, object]:
    body = await read_json(request)
    if not isinstance(body, Mapping):
        raise InvalidField("body", "must be a JSON object")
    return body


def _required(body: Mapping[str, object], field: str) -> object:
    if body.get(field) is None:
        raise InvalidField(field, "is required")
    return body[field]
