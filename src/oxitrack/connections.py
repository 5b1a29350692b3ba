"""Each HTTP connection, bounded: uvicorn's httptools protocol plus a deadline and a cap.

uvicorn arms its keep-alive timer only once an answer has gone out, so a client that connects
and sends nothing, or sends its request a byte at a time, held a socket (a file handle) for
ever; about a thousand of them left none for the next beat. ``BoundedHttpProtocol``, given to
``uvicorn.Config(http=...)`` by ``daemon.serve``, adds:

* a deadline: a connection that keeps the daemon waiting on it (for a request's headers and
  body, or to read an answer it stopped reading) is closed after at most
  ``REQUEST_TIMEOUT_SECONDS``, and never before half of it. Time a handler spends on a request
  does not count;
* a cap: past ``connection_cap()`` open connections, the one that has waited on its client the
  longest is closed to make room (a new one is answered 503 only when every other connection
  has a request being answered). uvicorn's ``limit_concurrency`` is not that: it answers 503 to
  *requests* past the limit but goes on accepting and holding connections, idle ones included,
  so file handles still run out;
* size limits on a request's head and on what follows it (``connection_refusals`` states them
  and holds every answer sent here). The bytes are counted as they arrive, in
  ``data_received``; a head that ends in the chunk that takes it past the limit is measured
  exactly when it is complete.

Bytes that are not HTTP get a 400 in the JSON error shape, and a log line a minute at most
(``refusal_log``) instead of uvicorn's warning per request; a request asking to upgrade to
WebSocket or HTTP/2 is answered over HTTP/1.1 without uvicorn's two warnings. A client that
half-closes its side after sending a request still gets its answer. A request refused before
its ``Expect: 100-continue`` was granted is answered ``connection: close``: its body may never
come, and must not be taken for the next request.

The deadline costs a beat next to nothing: one timer per connection, which fires every half
deadline and compares what the connection is waiting on with what it waited on at the last
firing. No timer is set or cancelled per request; a request only records itself as the one
being answered (``_start_asgi_task``).

It imports uvicorn and httptools, never the app.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import re
from typing import Any

import httptools
from uvicorn._types import ASGI3Application
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from oxitrack.connection_refusals import (
    HEAD_TOO_LARGE,
    MAX_HEAD_BYTES,
    NOT_HTTP,
    TRANSFER_CODING,
    body_limit,
    close_if_answered_unread,
    head_size,
    is_coding_refused,
    not_http_log,
    protocol_log,
    too_many_connections,
)

# Editors send a beat in well under a second; 30 s leaves room for a slow network and still
# frees a stuck connection's handle soon.
REQUEST_TIMEOUT_SECONDS = 30.0
# Each editor window holds at most one or two connections; 512 is far beyond any real use and
# far below the usual 1024 file handles of a process.
MAX_CONNECTIONS = 512
#: The scope's key set once the client of a GET has sent all it will (``eof_received``).
HALF_CLOSED = "oxitrack.half_closed"

_opening_order = itertools.count()
_AUTHORITY_END = re.compile(rb"[/?#]")

# What the timer saw: the request cycle the connection was on, and how much of an answer was
# stuck in its write buffer (-1 when none was).
_Waiting = tuple[RequestResponseCycle | None, int]


# The deadline must know when a handler works on a request; uvicorn says so through this method
# since 0.45. Without it every long request would count as a stall: better to fail at start.
if not hasattr(HttpToolsProtocol, "_start_asgi_task"):  # pragma: no cover - older uvicorn
    raise ImportError("oxitrack needs uvicorn 0.45 or later (HttpToolsProtocol._start_asgi_task)")


class BoundedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, closing connections that stall and refusing too many."""

    _timer: asyncio.TimerHandle | None = None
    _waiting: _Waiting | None = None
    # The request being answered. uvicorn's ``self.cycle`` is the newest request, which is not
    # the same one when a client pipelines.
    _handling: RequestResponseCycle | None = None
    # The request being counted (uvicorn's scope for it), the bytes of the chunks before this one
    # that carried it, and the size of the chunk being parsed.
    _counted_scope: object = None
    _counted_bytes = 0
    _chunk_bytes = 0
    # The answer to a head refused once complete (too large, a transfer coding not decoded),
    # for send_400_response; None when the bytes were not HTTP at all.
    _head_refusal: bytes | None = None
    # A refusal waiting for the answers to the requests pipelined before the refused one.
    _refusal_after_earlier: bytes | None = None

    _last_read = 0.0  # loop time of the last bytes from the client
    _opened = 0  # the order connections came in: uvloop's clock ticks in milliseconds

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.logger = protocol_log

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._last_read = self.loop.time()
        self._opened = next(_opening_order)
        if len(self.connections) > connection_cap() and not self._make_room():
            transport.write(too_many_connections(connection_cap()))
            transport.close()
            return
        self._arm()

    def _make_room(self) -> bool:
        """Past the cap, close the connection that has waited on its client the longest.

        Refusing the newcomer instead let a client that reconnects as fast as it is closed keep
        every slot and every beat out. An editor whose idle connection goes this way opens a new
        one for its next beat. A connection whose request a handler is answering is never the
        one; when all are, the newcomer is refused (``False``).
        """
        waiting = [
            other
            for other in self.connections
            if other is not self
            and isinstance(other, BoundedHttpProtocol)
            and not other.transport.is_closing()
            and other._waiting_on() is not None
        ]
        if not waiting:
            return False
        idlest = min(waiting, key=lambda other: (other._last_read, other._opened))
        idlest._mark_disconnected()
        idlest.transport.abort()
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._mark_disconnected()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refusal_after_earlier is not None:
            return  # the connection ends after that refusal: nothing more is read
        self._last_read = self.loop.time()
        self._chunk_bytes = len(data)
        super().data_received(data)
        scope = self.scope
        if scope is None or self.transport.is_closing():
            return
        if "method" in scope:  # the head is complete; is the rest of the request still coming?
            cycle: RequestResponseCycle | None = self.cycle
            if cycle is None or cycle.scope is not scope or not cycle.more_body:
                return  # no: the usual case, a whole request in one read
            limit, answer = body_limit(scope.get("path", ""))
        else:  # uvicorn has begun this request's scope, not finished its head
            limit, answer = MAX_HEAD_BYTES, HEAD_TOO_LARGE
        if scope is not self._counted_scope:  # a new request began in this chunk
            self._counted_scope, self._counted_bytes = scope, 0
        # All of the chunk counts, though its start may have ended an earlier request: an
        # overcount only for a client that pipelines, and only by that one chunk.
        self._counted_bytes += len(data)
        if self._counted_bytes > limit:
            self._refuse(answer)

    def eof_received(self) -> bool | None:  # type: ignore[override]  # asyncio allows True
        """The client has sent all it will (``shutdown(SHUT_WR)``, ``nc -N``): answer what it
        asked in full, then close.

        uvicorn closed the connection at once, so a beat was stored but its answer was dropped,
        and the client sent it again. ``self.cycle`` is the newest request whose head came: once
        its answer is out, uvicorn closes (no keep-alive). A request cut short by the end of its
        body, or with nothing left to answer, is closed on at once as before.
        """
        if self._refusal_after_earlier is not None:
            return True  # the connection is closed once that refusal is out
        newest: RequestResponseCycle | None = self.cycle
        if newest is None or newest.response_complete or newest.more_body:
            return None
        newest.keep_alive = False
        scope: dict[str, object] = newest.scope  # type: ignore[assignment]  # one key of ours
        if scope.get("method") in ("GET", "HEAD"):
            # Most often the client's close(), which looks the same: a long report the daemon
            # makes for a GET stops (``api/client_gone.py``). Beats, POSTs, are never told.
            scope[HALF_CLOSED] = True
            newest.message_event.set()
        return True  # the connection stays open for writing the answers

    def on_headers_complete(self) -> None:
        before = self._counted_bytes if self.scope is self._counted_scope else 0
        if before + self._chunk_bytes > MAX_HEAD_BYTES and self._head_size() > MAX_HEAD_BYTES:
            self._refuse_head(HEAD_TOO_LARGE)
        has_codings = any(name == b"transfer-encoding" for name, _ in self.headers)
        if has_codings and is_coding_refused(self.headers):
            self._refuse_head(TRANSFER_CODING)
        if not self.url.startswith(b"/"):
            self._take_host_from_target()
        super().on_headers_complete()

    def _refuse_head(self, answer: bytes) -> None:
        self._head_refusal = answer
        # httptools stops parsing and uvicorn answers through send_400_response, below.
        raise httptools.HttpParserError("request head refused")

    def _take_host_from_target(self) -> None:
        """A request target in absolute form (``http://host:port/path``) names the request's
        host, and its ``Host`` header is ignored (RFC 9112 3.2.2): its value becomes the
        target's, so the guard checks the host the request is really for. Each copy is
        replaced, so a repeated Host is still refused."""
        _, is_absolute, rest = self.url.partition(b"://")
        if is_absolute:
            authority = _AUTHORITY_END.split(rest, maxsplit=1)[0]
            self.headers[:] = [  # the list the request's scope holds
                (name, authority if name == b"host" else value) for name, value in self.headers
            ]

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to bytes it cannot parse is plain text; this one has the JSON shape
        of every other error, so a client reads its reason the same way."""
        if self._head_refusal is not None:
            self._refuse(self._head_refusal)
            return
        not_http_log.note(self.client[0] if self.client else "an unknown address")
        self._refuse(NOT_HTTP)

    def _unsupported_upgrade_warning(self) -> None:
        """A client asking to switch to WebSocket or HTTP/2 (``Upgrade: h2c``) is answered over
        HTTP/1.1, which is all the daemon speaks: nothing is wrong. uvicorn would log two warnings
        for each such request, the second advising to install a WebSocket library."""

    def _head_size(self) -> int:
        return head_size(self.parser.get_method(), self.url, self.headers)

    def _refuse(self, answer: bytes) -> None:
        """Send ``answer`` unless this request was answered already, and close the connection.

        Requests pipelined before the refused one are answered first, in order: sent at once,
        the refusal was read as the answer to the first of them, which it ended unanswered.
        """
        cycle: RequestResponseCycle | None = self.cycle
        # The request being refused, once its head made a cycle (not for bytes that are no head).
        refused = cycle if cycle is not None and cycle.scope is self.scope else None
        handling = self._handling
        is_earlier_pending = any(queued is not refused for queued, _ in self.pipeline) or (
            handling is not None and handling is not refused and not handling.response_complete
        )
        if is_earlier_pending:
            self._refusal_after_earlier = answer
            for entry in [entry for entry in self.pipeline if entry[0] is refused]:
                self.pipeline.remove(entry)  # the refused request itself never runs
            return
        is_answered = refused is not None and refused.response_started
        self._mark_disconnected()  # no handler may write after this answer
        if refused is not None:
            refused.disconnected = True
        if not is_answered:
            self.transport.write(answer)
        self.transport.close()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # starts the next pipelined request, if any
        answer = self._refusal_after_earlier
        handling = self._handling
        if answer is None or self.transport.is_closing() or self.pipeline:
            return
        if handling is None or handling.response_complete:
            self.transport.write(answer)
            self.transport.close()

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: ASGI3Application) -> None:
        self._handling = cycle
        if cycle.waiting_for_100_continue:
            app = functools.partial(close_if_answered_unread, cycle, app)
        super()._start_asgi_task(cycle, app)

    def _mark_disconnected(self) -> None:
        """Tell the request being answered that its client is gone.

        uvicorn tells only its newest request (``self.cycle``). With pipelined requests the one
        being answered is an older one, whose next write to the closed transport may raise (an
        earlier uvloop did; the one tested here drops it) and be logged as a crash.
        """
        handling = self._handling
        if handling is not None and not handling.response_complete:
            handling.disconnected = True

    def _arm(self) -> None:
        self._timer = self.loop.call_later(REQUEST_TIMEOUT_SECONDS / 2, self._check_progress)

    def _check_progress(self) -> None:
        """Close the connection if it has kept us waiting, on the same thing, since last time."""
        self._timer = None
        if self.transport.is_closing():
            return
        waiting = self._waiting_on()
        if waiting is not None and waiting == self._waiting:
            # Said before connection_lost runs: a handler woken sooner must not write.
            self._mark_disconnected()
            # abort, not close: close() would first flush an answer the client is not reading,
            # and keep the handle for as long as that takes.
            self.transport.abort()
            return
        self._waiting = waiting
        self._arm()

    def _waiting_on(self) -> _Waiting | None:
        """What the connection waits on the client for, or ``None`` while a handler works.

        A new request (a new cycle) or bytes of an answer taken by the client change the value,
        so equal values half a deadline apart mean the client did nothing in between.
        """
        newest: RequestResponseCycle | None = self.cycle
        if self.flow.write_paused:
            return newest, self.transport.get_write_buffer_size()
        handling = self._handling
        if handling is not None and not handling.more_body and not handling.response_complete:
            return None
        return newest, -1


@functools.cache
def connection_cap() -> int:
    """``MAX_CONNECTIONS``, or half the process's file-handle limit when that is lower (macOS
    starts processes with 256), so the database and the listening socket always get one."""
    try:
        import resource
    except ImportError:  # Windows: no such limit to respect
        return MAX_CONNECTIONS
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(1, min(MAX_CONNECTIONS, soft // 2))
