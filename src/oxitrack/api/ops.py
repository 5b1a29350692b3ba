"""``GET /health``: whether the daemon runs, which version and build, on which database, for how
long."""

from __future__ import annotations

import os

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from oxitrack import __version__
from oxitrack.build import build_id
from oxitrack.fields import utf8_reading


async def get_health(request: Request) -> JSONResponse:
    state = request.app.state
    return JSONResponse(
        {
            "status": "ok",
            "version": __version__,
            # Read from the package's files once, off the event loop: every version says 0.1.0.
            "build": await run_in_threadpool(build_id),
            # As an editor reads the folder's name: JSON has no place for bytes not UTF-8.
            "db_path": utf8_reading(os.path.realpath(state.store.path)),
            "uptime_seconds": int(state.monotonic() - state.started_at),
            "pid": os.getpid(),
        }
    )
