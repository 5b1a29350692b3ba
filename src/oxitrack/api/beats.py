"""``POST /beat``: the seed's endpoint, one beat in, the session holding it out."""

from __future__ import annotations

import logging

from starlette.datastructures import State
from starlette.requests import Request
from starlette.responses import JSONResponse

from oxitrack.api.body import read_json
from oxitrack.api.group_commit import GroupCommit
from oxitrack.beats import parse_beat
from oxitrack.sessions import Session

log = logging.getLogger("oxitrack.beats")


async def post_beat(request: Request) -> JSONResponse:
    state = request.app.state
    beat = parse_beat(await read_json(request), now=state.clock())
    session = await _group_commit(state).record_beat(beat)
    log.info(
        "beat %s at %d -> session %d (%d s)",
        beat.project_path,
        beat.timestamp,
        session.id,
        session.duration_seconds,
    )
    return JSONResponse(session_json(session))


def _group_commit(state: State) -> GroupCommit:
    """The app's one ``GroupCommit`` on its store, made at the first beat."""
    try:
        writer: GroupCommit = state.group_commit
    except AttributeError:
        writer = state.group_commit = GroupCommit(state.store)
    return writer


def session_json(session: Session) -> dict[str, object]:
    """The seed's response shape."""
    return {
        "session_id": session.id,
        "project_path": session.project_path,
        "duration_seconds": session.duration_seconds,
    }
