"""``POST /api/import/oxitrack``: another machine's OxiTrack history, a batch at a time, for
``oxitrack import OTHER.db`` (``commands/import_database.py`` reads the file and sends it).

One body holds one part: ``projects`` (sent first, so each folder joins its project here),
``sessions`` (``[project_path, start_time, last_heartbeat]``) or ``heartbeats`` (the
``beat_contexts`` columns with the heartbeat's time and ``is_write``). Each body is written in
one transaction off the event loop, and the batches are small, so beats wait no longer than
behind any write. A value that is wrong is a 422 naming it; nothing of that body is written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse

from oxitrack.api.body import read_json
from oxitrack.beats import check_project_path
from oxitrack.errors import InvalidField
from oxitrack.fields import json_type
from oxitrack.store import merging
from oxitrack.wakatime import HeartbeatDetails

T = TypeVar("T")

IMPORT_ROUTE = "/api/import/oxitrack"
#: The most items one body may hold (the command sends fewer): a body is one transaction.
MAX_IMPORT_ITEMS = 5000
MAX_IMPORT_BODY_BYTES = 8 * 1024 * 1024
#: The ``beat_contexts`` columns a heartbeat item names, after its time and ``is_write``.
HEARTBEAT_COLUMNS = (
    "project_path",
    "entity_type",
    "category",
    "language",
    "branch",
    "project_name",
    "editor",
    "plugin",
    "project_source",
    "machine",
    "operating_system",
)
_REQUIRED_TEXT = frozenset({"project_path", "entity_type", "project_source"})
_PARTS = ("projects", "sessions", "heartbeats")


async def post_import(request: Request) -> JSONResponse:
    body = await read_json(request, max_bytes=MAX_IMPORT_BODY_BYTES)
    if not isinstance(body, dict):
        raise InvalidField("body", f"must be an object, not {json_type(body)}")
    parts = [part for part in _PARTS if part in body]
    if len(parts) != 1:
        raise InvalidField("body", f"must hold exactly one of {', '.join(_PARTS)}")
    (part,) = parts
    items = body[part]
    if not isinstance(items, list):
        raise InvalidField(part, f"must be an array, not {json_type(items)}")
    if len(items) > MAX_IMPORT_ITEMS:
        raise InvalidField(part, f"holds {len(items)} items; at most {MAX_IMPORT_ITEMS} allowed")
    state = request.app.state
    if part == "projects":
        projects = [_project(item, f"projects[{n}]") for n, item in enumerate(items)]
        placed = await _write(request, lambda conn: merging.place_projects(conn, projects))
        return JSONResponse(
            {
                "new_projects": placed.new_projects,
                "joined": placed.joined,
                "new_paths": placed.new_paths,
                "names_kept": [{"here": here, "there": there} for here, there in placed.names_kept],
                "names_taken": placed.names_taken,
            }
        )
    if part == "sessions":
        spans = [_span(item, f"sessions[{n}]") for n, item in enumerate(items)]
        identify = state.identities.identify
        merged = await _write(
            request, lambda conn: merging.merge_session_spans(conn, spans, identify)
        )
        return JSONResponse(
            {
                "added": merged.added,
                "already": merged.already,
                "seconds_added": merged.seconds_added,
            }
        )
    heartbeats = [_heartbeat(item, f"heartbeats[{n}]") for n, item in enumerate(items)]
    new = await _write(request, lambda conn: merging.add_heartbeats(conn, heartbeats))
    return JSONResponse({"new": new, "already": len(heartbeats) - new})


async def _write(request: Request, fn: Callable[..., T]) -> T:
    """In a worker thread: a batch of thousands of rows is tens of milliseconds of SQL."""
    return await asyncio.to_thread(request.app.state.store.write, fn)


def _path(value: object, field: str) -> str:
    """A folder as a beat's would be stored: the other machine's paths are taken as they are
    (they need not exist here), only made canonical."""
    return check_project_path(value, field)


def _int(value: object, field: str) -> int:
    if type(value) is not int:
        raise InvalidField(field, f"must be an integer, not {json_type(value)}")
    return value


def _text(value: object, field: str, *, required: bool = False) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise InvalidField(field, f"must be a string, not {json_type(value)}")
    return value


def _span(item: object, field: str) -> tuple[str, int, int]:
    if not isinstance(item, list) or len(item) != 3:
        raise InvalidField(field, "must be [project_path, start_time, last_heartbeat]")
    path = _path(item[0], f"{field}[0]")
    start, last = _int(item[1], f"{field}[1]"), _int(item[2], f"{field}[2]")
    if not 0 <= start <= last:
        raise InvalidField(field, "must start at or after 0 and not end before it starts")
    return path, start, last


def _project(item: object, field: str) -> merging.OtherProject:
    if not isinstance(item, dict):
        raise InvalidField(field, f"must be an object, not {json_type(item)}")
    identities = item.get("identities")
    paths = item.get("paths")
    if not isinstance(identities, list):
        raise InvalidField(f"{field}.identities", "must be an array of strings")
    if not isinstance(paths, list):
        raise InvalidField(f"{field}.paths", "must be an array")
    return merging.OtherProject(
        _text(item.get("name"), f"{field}.name"),
        tuple(
            str(_text(identity, f"{field}.identities[{n}]", required=True))
            for n, identity in enumerate(identities)
        ),
        tuple(_other_path(path, f"{field}.paths[{n}]") for n, path in enumerate(paths)),
    )


def _other_path(item: object, field: str) -> merging.OtherPath:
    if not isinstance(item, dict):
        raise InvalidField(field, f"must be an object, not {json_type(item)}")
    return merging.OtherPath(
        _path(item.get("project_path"), f"{field}.project_path"),
        str(_text(item.get("identity"), f"{field}.identity", required=True)),
        _int(item.get("last_beat"), f"{field}.last_beat"),
    )


def _heartbeat(item: object, field: str) -> tuple[str, HeartbeatDetails]:
    if not isinstance(item, dict):
        raise InvalidField(field, f"must be an object, not {json_type(item)}")
    time = item.get("time")
    if type(time) not in (int, float) or not 0 <= time < 1e11:  # type: ignore[operator]
        raise InvalidField(f"{field}.time", "must be a number of seconds since 1970")
    is_write = item.get("is_write")
    if is_write not in (None, 0, 1) or isinstance(is_write, float):
        raise InvalidField(f"{field}.is_write", "must be 0, 1 or null")
    text = {
        column: _text(item.get(column), f"{field}.{column}", required=column in _REQUIRED_TEXT)
        for column in HEARTBEAT_COLUMNS
    }
    path = _path(text.pop("project_path"), f"{field}.project_path")
    details = HeartbeatDetails(
        time=float(time),  # type: ignore[arg-type]
        entity_type=str(text["entity_type"]),
        category=text["category"],
        language=text["language"],
        branch=text["branch"],
        is_write=None if is_write is None else bool(is_write),
        project_name=text["project_name"],
        editor=text["editor"],
        plugin=text["plugin"],
        project_source=text["project_source"],  # type: ignore[arg-type]
        machine=text["machine"],
        operating_system=text["operating_system"],
    )
    return path, details
