"""The HTTP app: every route in one list, every error mapped to one JSON shape in one table.

``create_app`` takes its store, settings and clock as arguments (nothing global), so tests build
an app around a temporary database and a fake clock. Handlers live in ``oxitrack.api.*``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from oxitrack.api import beats, reports, wakatime, web_files
from oxitrack.api import ops as ops_api
from oxitrack.api import projects as projects_api
from oxitrack.api.client_gone import watched
from oxitrack.api.group_commit import GroupCommit
from oxitrack.api.identities import FolderIdentities
from oxitrack.api.on_first_use import OnFirstUse
from oxitrack.api.report_slots import ReportSlots
from oxitrack.api.slow_folders import SlowFolders
from oxitrack.config import Settings
from oxitrack.errors import ClientError, FolderNotAnswering, StoreError, error_body
from oxitrack.guard import GuardMiddleware
from oxitrack.refusal_log import RefusalLog
from oxitrack.store import Store
from oxitrack.store.folders import Identify, identify
from oxitrack.store.read_stops import DaemonStopping, ReadAbandoned
from oxitrack.wakatime import BULK_ROUTE, api_url_advice

log = logging.getLogger("oxitrack.server")
# Imported on their first request (``on_first_use``): an idle daemon holds none of their modules.
_SUMMARIES = "oxitrack.api.wakatime_summaries"
_statusbar_today = OnFirstUse(_SUMMARIES, "get_statusbar_today")

routes: list[BaseRoute] = [
    Route("/beat", beats.post_beat, methods=["POST"]),
    # WakaTime-compatible API (docs/wakatime.md); {user} is "current" for wakatime-cli.
    Route(BULK_ROUTE, wakatime.post_heartbeats_bulk, methods=["POST"]),
    Route("/api/v1/users/{user}/heartbeats", wakatime.post_heartbeat, methods=["POST"]),
    # wakatime-cli reads "statusbar"; WakaTime's API documents "status_bar", which widgets read.
    Route("/api/v1/users/{user}/statusbar/today", _statusbar_today, methods=["GET"]),
    Route("/api/v1/users/{user}/status_bar/today", _statusbar_today, methods=["GET"]),
    # watched(): reports that may read for seconds stop once their client is gone.
    Route(
        "/api/v1/users/{user}/summaries",
        OnFirstUse(_SUMMARIES, "get_summaries", watch=True),
        methods=["GET"],
    ),
    Route(
        "/api/v1/users/{user}/file_experts",
        OnFirstUse(_SUMMARIES, "post_file_experts"),
        methods=["POST"],
    ),
    Route("/today", reports.get_today, methods=["GET"]),
    Route("/api/days", watched(reports.get_days), methods=["GET"]),
    Route("/api/sessions", reports.get_sessions, methods=["GET"]),
    Route(
        "/api/breakdown",
        OnFirstUse("oxitrack.api.breakdown", "get_breakdown", watch=True),
        methods=["GET"],
    ),
    Route("/", web_files.get_dashboard, methods=["GET"]),
    Mount("/static", web_files.WebFiles(directory=web_files.WEB_DIR), name="static"),
    Route("/health", ops_api.get_health, methods=["GET"]),
    Route("/api/projects", projects_api.list_projects, methods=["GET"]),
    Route("/api/projects/merge", projects_api.merge_projects, methods=["POST"]),
    Route("/api/projects/rename", projects_api.rename_project, methods=["POST"]),
    Route("/api/projects/delete", projects_api.delete_project, methods=["POST"]),
    # ``oxitrack import OTHER.db``: another machine's history, a batch at a time.
    Route(
        "/api/import/oxitrack", OnFirstUse("oxitrack.api.merging", "post_import"), methods=["POST"]
    ),
]

_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
}


def create_app(
    store: Store,
    *,
    settings: Settings | None = None,
    clock: Callable[[], float] = time.time,
    monotonic: Callable[[], float] = time.monotonic,
    identify: Identify = identify,
) -> Starlette:
    """The daemon's app on ``store``; ``identify`` finds a new folder's project identity.

    ``clock`` is the wall clock (beats, days); ``monotonic`` only measures the uptime, which the
    wall clock gets wrong when it is stepped (NTP after a resume, an RTC kept in local time).
    """
    settings = settings or Settings(db=store.path)
    app = Starlette(
        routes=routes,
        middleware=[Middleware(NoStoreMiddleware), Middleware(GuardMiddleware, settings=settings)],
        exception_handlers={
            ClientError: _client_error,
            HTTPException: _http_exception,
            StoreError: _store_error,
            FolderNotAnswering: _folder_not_answering,
            Exception: _unexpected_error,
        },
    )
    app.state.store = store
    app.state.slow_folders = SlowFolders()  # folders on mounts that may hang: in threads, timed
    app.state.identities = FolderIdentities(store, identify, app.state.slow_folders)
    app.state.group_commit = GroupCommit(store, app.state.identities)  # every POST /beat
    # The long /api/days reports made at once; one more is answered 503 reports_busy.
    app.state.long_report_slots = ReportSlots(reports.LONG_REPORTS_AT_ONCE)
    app.state.store_errors = RefusalLog("as the database failed (503)", log, level=logging.ERROR)
    app.state.settings = settings
    app.state.clock = clock
    app.state.monotonic = monotonic
    app.state.started_at = monotonic()
    return app


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every answer to a GET or HEAD but the dashboard's files.

    Reports and ``/health`` carry project folders and the database path, change with every beat,
    and ``/today`` is text or JSON by ``Accept``: a browser must neither keep them on disk nor
    show an old one (404 and 405 are cacheable by default, RFC 9110 15.1). The dashboard's files
    come with an ``ETag`` (``web_files``), so browsers cache them and ask whether they changed.
    An answer to a POST is never stored without an explicit freshness (RFC 9110 9.3.3), so
    beats, the most frequent requests by far, skip this layer.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _CACHEABLE_METHODS:
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                if not any(name in _CACHING_HEADERS for name, _ in headers):
                    message = {**message, "headers": [*headers, _NO_STORE]}
            await send(message)

        await self.app(scope, receive, send_no_store)


_CACHEABLE_METHODS = frozenset({"GET", "HEAD"})
_NO_STORE = (b"cache-control", b"no-store")
_CACHING_HEADERS = frozenset({b"cache-control", b"etag", b"last-modified"})


async def _client_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ClientError)
    return JSONResponse(exc.to_json(), status_code=exc.status, headers=exc.headers)


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    if exc.status_code == 404:
        address = f"{request.url.scheme}://{request.url.netloc}"
        advice = api_url_advice(request.url.path, address) or "see docs/api.md for the endpoints"
        message = f"no route {request.url.path}; {advice}"
    elif exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    else:
        message = str(exc.detail)
    return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=exc.headers)


async def _store_error(request: Request, exc: Exception) -> Response:
    """The database failed (disk full, file removed), or a read was cut short by the daemon's
    stop: the client should keep its beat and retry (logged as ``RefusalLog`` says: a line a
    minute at most, with a count and the latest error). A report whose client has gone is
    answered to no one (``api/client_gone`` logs it), or to one that half-closed (``nc -N``)."""
    if isinstance(exc, ReadAbandoned):
        message = f"{exc}; keep it open until the answer is in"
        return JSONResponse(error_body("client_gone", message), status_code=400)
    if isinstance(exc, DaemonStopping):
        log.info("%s %s cut short: %s", request.method, request.url.path, exc)
    else:  # a full disk refuses every beat of every editor: a line a minute says it
        client = request.client.host if request.client else "an unknown address"
        request.app.state.store_errors.note(client, str(exc))
    return JSONResponse(
        error_body("store_unavailable", str(exc)),
        status_code=503,
        headers={"Retry-After": "5"},
    )


async def _folder_not_answering(request: Request, exc: Exception) -> Response:
    """A beat's folder is on a mount that hangs: the client keeps the beat and sends it later."""
    assert isinstance(exc, FolderNotAnswering)
    return JSONResponse(
        error_body("folder_not_answering", exc.message, exc.field),
        status_code=503,
        headers={"Retry-After": "30"},
    )


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return JSONResponse(
        error_body("internal_error", "unexpected error; see the daemon's log"),
        status_code=500,
    )
