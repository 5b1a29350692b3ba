"""``POST /beat``: the seed's endpoint, one beat in, the session holding it out."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import partial

from starlette.requests import Request
from starlette.responses import JSONResponse

from oxitrack.api.body import read_json
from oxitrack.beats import parse_beat
from oxitrack.fields import printable
from oxitrack.sessions import Session

log = logging.getLogger("oxitrack.beats")


async def post_beat(request: Request) -> JSONResponse:
    state = request.app.state
    body = await read_json(request)
    path = body.get("project_path") if isinstance(body, Mapping) else None
    parse = partial(parse_beat, body, now=state.clock())
    posted = await state.slow_folders.run_for(parse, [path], "project_path")
    session = await state.group_commit.record_beat(posted)
    log.info(
        "beat %s at %d -> session %d (%d s)",
        printable(posted.beat.project_path),  # one line, whatever the folder is named
        posted.beat.timestamp,
        session.id,
        session.duration_seconds,
    )
    return JSONResponse(session_json(session))


def session_json(session: Session) -> dict[str, object]:
    """The seed's response shape."""
    return {
        "session_id": session.id,
        "project_path": session.project_path,
        "duration_seconds": session.duration_seconds,
    }
