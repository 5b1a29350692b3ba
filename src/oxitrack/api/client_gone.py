"""Reports whose client went away stop being made: ``watched(handler)`` for a report's route.

A report handler is a plain ``def`` in Starlette's thread pool, which nothing cancels: a
dashboard read given up after 15 s, or a ``curl`` stopped with Ctrl-C, went on reading for as
long as its range took, holding a core and one of the long-report slots (``report_slot``), so
that the page's next ask could be refused 503 ``reports_busy`` because of its own last one.

While the handler works, a task waits on the request's ``receive()``: a GET has no body left
to read, so the next message is ``http.disconnect``, when the connection is lost or once the
answer is out (then it means nothing). The end of the client's side of the connection (its
``close()``, which the daemon cannot tell from a ``shutdown(SHUT_WR)`` until it writes) is marked
in the scope by ``connections.py`` (``HALF_CLOSED``) and wakes the same wait. Either way the
store is told (``Store.abandon``): the read running for the report is interrupted and the
handler's next one refused, so the handler ends within a statement and frees its slot. Only
long reports stop (``stops_when_given_up``, asked for in ``report_slot``), and only these
routes, GETs all, are watched: a beat's request (a POST whose body the handler reads) never
meets this code. The task ends with its request.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time

from starlette.requests import Request
from starlette.routing import request_response
from starlette.types import Message, Receive, Scope, Send

from oxitrack.connections import HALF_CLOSED
from oxitrack.records import TYPE_CHECKING
from oxitrack.store import Store

if TYPE_CHECKING:
    from collections.abc import Callable

    from starlette.responses import Response

log = logging.getLogger("oxitrack.server")

# The scope's keys for the request's ``threading.Event``, set once its client has gone, and
# for a report that stops then (``stops_when_given_up``).
_GONE = "oxitrack.client_gone"
_STOPPABLE = "oxitrack.stops_when_given_up"
# What the handler's own ``receive`` gives: a report reads no body, and the watch owns the
# request's channel (two readers of one channel would each miss the other's messages).
_NO_BODY: Message = {"type": "http.request", "body": b"", "more_body": False}


def stops_when_given_up(request: Request) -> threading.Event | None:
    """The event a long report's reads are made with (``Store.read(..., abandoned=)``), set
    once its client has gone; ``None`` outside a watched route. Asked for by long reports
    only (``report_slot``): a short one ends soon anyway, and answers a client that only
    half-closed (``nc -N``) as it always did."""
    gone: threading.Event | None = request.scope.get(_GONE)
    if gone is not None:
        request.scope[_STOPPABLE] = True
    return gone


def watched(handler: Callable[[Request], Response]) -> WatchedRoute:
    """``handler``'s route app, its client watched: for a report's entry in ``routes``."""
    return WatchedRoute(handler)


class WatchedRoute:
    """A route's ASGI app: Starlette's own for ``handler``, with its client watched."""

    def __init__(self, handler: Callable[[Request], Response]) -> None:
        self.handler = handler
        self._app = request_response(handler)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        gone = threading.Event()
        scope[_GONE] = gone
        answered = False

        async def send_noting_the_end(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                answered = True  # the disconnect that follows the answer means nothing
            await send(message)

        async def no_body() -> Message:
            return dict(_NO_BODY)

        started = time.monotonic()
        noticed: list[float] = []

        async def watch() -> None:
            await _wait_for_the_end(scope, receive)
            if not answered:
                noticed.append(time.monotonic())
                store: Store = scope["app"].state.store
                store.abandon(gone)

        watching = asyncio.ensure_future(watch())
        try:
            await self._app(scope, no_body, send_noting_the_end)
        finally:
            watching.cancel()
            await asyncio.wait([watching])
        if noticed and scope.get(_STOPPABLE):
            log.info(
                "%s %s given up by its client after %.1f s; ended %.2f s later",
                scope["method"],
                scope["path"],
                noticed[0] - started,
                time.monotonic() - noticed[0],
            )


async def _wait_for_the_end(scope: Scope, receive: Receive) -> None:
    """Until the connection is lost, the answer is out, or the client's side has ended."""
    while not scope.get(HALF_CLOSED):
        message = await receive()
        if message["type"] == "http.disconnect":
            return
