"""WakaTime-compatible endpoints, so every WakaTime editor plugin tracks into OxiTrack.

With ``api_url = http://127.0.0.1:3000/api/v1`` in ``~/.wakatime.cfg``, wakatime-cli posts to
``{api_url}/users/current/heartbeats.bulk`` (and reads ``statusbar/today``, answered by
``api.wakatime_summaries``). Each heartbeat becomes a beat through
``store.beats.record_beat``, the code path of ``POST /beat``.

Status codes follow what the CLI does with them: a bulk request is answered 201 with one
``[body, status]`` pair per heartbeat; a heartbeat that can never be stored gets 400 on its own
line (the CLI drops it), any other failure (401, 503, …) makes the CLI keep the batch and
retry. A body that can never be stored (not JSON, too large, not a heartbeat or an array of
them) is 400 too, with its own error code, in the one error shape. A heartbeat stored before is
201 as well: OxiTrack's own ``new_heartbeats`` beside the lines counts those stored for the first
time (for ``oxitrack import``'s summary).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from functools import partial

from starlette.datastructures import State
from starlette.requests import Request
from starlette.responses import JSONResponse

from oxitrack.api.body import read_json, read_json_array
from oxitrack.api.group_commit import write_from_loop
from oxitrack.errors import ClientError, InvalidField
from oxitrack.repo_root import find_repo_root
from oxitrack.sessions import Session
from oxitrack.store import Store
from oxitrack.store import wakatime as wakatime_store
from oxitrack.wakatime import (
    MAX_BULK_HEARTBEATS,
    MAX_HEARTBEAT_BYTES,
    Heartbeat,
    check_bulk,
    machine_name,
    parse_heartbeat,
    slim_heartbeat,
)
from oxitrack.wakatime_answers import (
    BAD_HEARTBEAT_STATUS,
    CREATED_STATUS,
    accepted_answer,
    bulk_answer,
    refused_answer,
)
from oxitrack.wakatime_projects import folders_given_names, name_to_match, placed_by_name

log = logging.getLogger("oxitrack.wakatime")

#: wakatime-cli sends at most 25 heartbeats a request (its ``SendLimit``), as does the
#: pure-Python client, each under ``MAX_HEARTBEAT_BYTES`` (up to 1.3 MB with 1000 dependency
#: names): about 31 MB at the very most. A body refused whole is sent again forever by the Go
#: client. Read item by item, such a body costs the daemon about its heartbeats' kept fields,
#: not its size (``read_json_array``). ``connection_refusals`` lets requests to this route run
#: that long on the wire.
BULK_MAX_BODY_BYTES = 32 * 1024 * 1024


async def post_heartbeats_bulk(request: Request) -> JSONResponse:
    """``POST …/users/{user}/heartbeats.bulk``: a JSON array in, ``{"responses": [...]}`` out."""
    state = request.app.state
    try:
        body = await read_json_array(
            request,
            max_bytes=BULK_MAX_BODY_BYTES,
            max_item_bytes=MAX_HEARTBEAT_BYTES,
            keep=slim_heartbeat,
            max_items=MAX_BULK_HEARTBEATS,
            items_named="heartbeats",
        )
        items = check_bulk(body)
    except ClientError as refusal:
        return _refused(refusal)
    parse = partial(
        _parse_bulk,
        items,
        now=state.clock(),
        user_agent=request.headers.get("user-agent"),
        machine=machine_name(request.headers.get("x-machine-name")),
    )
    # Off the loop: a batch is up to 1000 looks for a repository (20 ms for a plain one, 3 s
    # for 20 files 1000 folders deep), and every other client waited for them.
    parsed = await state.slow_folders.in_thread_for(parse, map(_entity, items), "entity")
    good = [item for item in parsed if isinstance(item, Heartbeat)]
    recorded, new = await _record(state, good) if good else ([], 0)
    answers = iter(recorded)
    pairs = [
        (accepted_answer(*next(answers)), CREATED_STATUS)
        if isinstance(item, Heartbeat)
        else (refused_answer(item), BAD_HEARTBEAT_STATUS)
        for item in parsed
    ]
    log.info(
        "wakatime bulk: %d stored (%d new), %d refused", len(good), new, len(parsed) - len(good)
    )
    # Nothing stored, nothing to count: the answer stays the bare one WakaTime's API gives.
    return JSONResponse(bulk_answer(pairs, new=new if good else None), status_code=CREATED_STATUS)


async def post_heartbeat(request: Request) -> JSONResponse:
    """``POST …/users/{user}/heartbeats``: one heartbeat object in, ``{"data": ...}`` out."""
    state = request.app.state
    try:
        body = await read_json(request)
        parse = partial(
            parse_heartbeat,
            body,
            now=state.clock(),
            user_agent=request.headers.get("user-agent"),
            find_repo_root=find_repo_root,
            machine=machine_name(request.headers.get("x-machine-name")),
        )
        heartbeat = await state.slow_folders.run_for(parse, [_entity(body)], "entity")
    except ClientError as refusal:
        return _refused(refusal)
    [recorded], _ = await _record(state, [heartbeat])
    return JSONResponse(accepted_answer(*recorded), status_code=CREATED_STATUS)


def _parse_bulk(
    items: list[object], *, now: float, user_agent: str | None, machine: str | None
) -> list[Heartbeat | InvalidField]:
    """Each heartbeat of a bulk request, or the reason it is refused."""
    parsed: list[Heartbeat | InvalidField] = []
    for item in items:
        try:
            parsed.append(
                parse_heartbeat(
                    item,
                    now=now,
                    user_agent=user_agent,
                    find_repo_root=find_repo_root,
                    machine=machine,
                )
            )
        except InvalidField as refusal:
            # wakatime-cli logs only the code of a refused line: the reason goes here.
            log.info("wakatime heartbeat refused: %s", refusal.message)
            parsed.append(refusal)
    return parsed


def _entity(body: object) -> object:
    """The file a heartbeat names, whose folder its parsing looks at on disk."""
    return body.get("entity") if isinstance(body, Mapping) else None


def _refused(refusal: ClientError) -> JSONResponse:
    """A request body refused (not JSON, too large, not a heartbeat): 400 whatever its own
    status (413, 415, 422), in the one error shape with its code. 400 is the status WakaTime
    clients take as final (per bulk line; for a whole request too in the Python client); on
    anything else they queue the heartbeats and send the same body again, forever."""
    return JSONResponse(refused_answer(refusal), status_code=BAD_HEARTBEAT_STATUS)


async def _record(
    state: State, heartbeats: list[Heartbeat]
) -> tuple[list[tuple[Heartbeat, Session]], int]:
    """Record ``heartbeats`` in one transaction; each as recorded, with the session holding it,
    and how many of them were not stored before.

    Before the write: those known only by a project name are moved to the folder of that name,
    one this request's own heartbeats gave it first, else a known one (a read); then the
    folders' identities are found (``api.identities``), so a folder reached by its name is
    identified like any beat's and the write does no file-system work.
    """
    store: Store = state.store
    names = {name for heartbeat in heartbeats if (name := name_to_match(heartbeat)) is not None}
    if names:
        given_here = folders_given_names(heartbeats)
        unknown = names - given_here.keys()
        # In a worker thread: a request may carry many names, and the read may wait for a
        # report holding the reading connection; the event loop goes on answering beats.
        known = (
            await asyncio.to_thread(
                store.read, lambda conn: wakatime_store.folders_meant_by(conn, unknown)
            )
            if unknown
            else {}
        )
        folders = {**known, **given_here}
        heartbeats = [placed_by_name(heartbeat, folders) for heartbeat in heartbeats]
    found = await state.identities.find(heartbeat.beat for heartbeat in heartbeats)
    identify = state.identities.identify_with(found)
    recorded = await write_from_loop(
        store, lambda conn: wakatime_store.record_heartbeats(conn, heartbeats, identify)
    )
    return list(zip(heartbeats, recorded.sessions, strict=True)), recorded.new
