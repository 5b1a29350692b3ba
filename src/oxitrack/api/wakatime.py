"""WakaTime-compatible endpoints, so every WakaTime editor plugin tracks into OxiTrack.

With ``api_url = http://127.0.0.1:3000/api/v1`` in ``~/.wakatime.cfg``, wakatime-cli posts to
``{api_url}/users/current/heartbeats.bulk`` and reads ``{api_url}/users/current/statusbar/today``.
Each heartbeat becomes a beat through ``store.beats.record_beat``, the code path of ``POST /beat``.

Status codes follow what the CLI does with them: a bulk request is answered 201 with one
``[body, status]`` pair per heartbeat; a heartbeat that can never be stored gets 400 on its own
line (the CLI drops it), any other failure (401, 413, 503, …) makes the CLI keep the batch and
retry. A body that is not a heartbeat (or an array of them) is 400 too, in the one error shape.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.requests import Request
from starlette.responses import JSONResponse

from oxitrack.api.body import read_json
from oxitrack.errors import InvalidField
from oxitrack.repo_root import find_repo_root
from oxitrack.store import wakatime as wakatime_store
from oxitrack.wakatime import (
    BAD_HEARTBEAT_STATUS,
    CREATED_STATUS,
    Heartbeat,
    accepted_answer,
    bulk_answer,
    check_bulk,
    local_day,
    parse_heartbeat,
    refused_answer,
    statusbar_today,
)

log = logging.getLogger("oxitrack.wakatime")

#: A batch from a client's offline queue (25 heartbeats, each with its dependency list) can pass
#: the 64 KiB of other bodies; refusing it would leave it stuck in that queue for good.
BULK_MAX_BODY_BYTES = 1024 * 1024


async def post_heartbeats_bulk(request: Request) -> JSONResponse:
    """``POST …/users/{user}/heartbeats.bulk``: a JSON array in, ``{"responses": [...]}`` out."""
    state = request.app.state
    try:
        items = check_bulk(await read_json(request, max_bytes=BULK_MAX_BODY_BYTES))
    except InvalidField as refusal:
        return JSONResponse(refused_answer(refusal), status_code=BAD_HEARTBEAT_STATUS)
    now = state.clock()
    user_agent = request.headers.get("user-agent")
    parsed: list[Heartbeat | InvalidField] = []
    for item in items:
        try:
            parsed.append(
                parse_heartbeat(item, now=now, user_agent=user_agent, find_repo_root=find_repo_root)
            )
        except InvalidField as refusal:
            parsed.append(refusal)
    good = [item for item in parsed if isinstance(item, Heartbeat)]
    sessions = iter(
        state.store.write(lambda conn: wakatime_store.record_heartbeats(conn, good)) if good else []
    )
    pairs = [
        (accepted_answer(item, next(sessions)), CREATED_STATUS)
        if isinstance(item, Heartbeat)
        else (refused_answer(item), BAD_HEARTBEAT_STATUS)
        for item in parsed
    ]
    log.info("wakatime bulk: %d stored, %d refused", len(good), len(parsed) - len(good))
    return JSONResponse(bulk_answer(pairs), status_code=CREATED_STATUS)


async def post_heartbeat(request: Request) -> JSONResponse:
    """``POST …/users/{user}/heartbeats``: one heartbeat object in, ``{"data": ...}`` out."""
    state = request.app.state
    body = await read_json(request)
    try:
        heartbeat = parse_heartbeat(
            body,
            now=state.clock(),
            user_agent=request.headers.get("user-agent"),
            find_repo_root=find_repo_root,
        )
    except InvalidField as refusal:
        return JSONResponse(refused_answer(refusal), status_code=BAD_HEARTBEAT_STATUS)
    [session] = state.store.write(lambda conn: wakatime_store.record_heartbeats(conn, [heartbeat]))
    return JSONResponse(accepted_answer(heartbeat, session), status_code=CREATED_STATUS)


async def get_statusbar_today(request: Request) -> JSONResponse:
    """``GET …/users/{user}/statusbar/today``: today's total as WakaTime's status bar reads it.

    "Today" is the day in the client's ``TimeZone`` header (wakatime-cli sends the user's zone),
    else in the daemon's local zone.
    """
    state = request.app.state
    now = state.clock()
    zone_name, zone = _zone(request.headers.get("timezone"))
    day, start, end = local_day(now, zone)
    projects = state.store.read(
        lambda conn: wakatime_store.project_seconds_between(
            conn, int(start.timestamp()), int(end.timestamp())
        )
    )
    body = statusbar_today(
        now=now, zone_name=zone_name, day=day, start=start, end=end, projects=projects
    )
    return JSONResponse(body)


def _zone(requested: str | None) -> tuple[str, tzinfo]:
    """The named zone if it is a valid IANA name, else the daemon's local zone.

    Interim: the reports module's local-day function should replace this, so that ``GET /today``
    and the WakaTime status bar always mean the same day.
    """
    for name in (requested, os.environ.get("TZ", "").lstrip(":"), _system_zone_name()):
        if name:
            try:
                return name, ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return "UTC", UTC


def _system_zone_name() -> str | None:
    """``Europe/Paris`` from the ``/etc/localtime`` link, where the system has one."""
    try:
        target = os.readlink("/etc/localtime")
    except OSError:
        return None
    marker = "zoneinfo/"
    return target.split(marker, 1)[1] if marker in target else None
