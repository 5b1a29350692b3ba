"""How ``connections`` refuses a request: the limits, the answers it sends itself, the log.

A request's head (request line and headers) may be at most ``MAX_HEAD_BYTES``: past it, it is
answered 431 and the connection closed. httptools has no such limit and keeps an unfinished
header in memory, so 305 MB of one header grew the daemon to 342 MB. What a request sends after
its head is bounded too, by ``MAX_REQUEST_BYTES`` (413): trailers of a chunked body are kept
like headers. A WakaTime bulk request, whose body may be 32 MiB (read item by item), has
``MAX_BULK_REQUEST_BYTES`` (``body_limit``).

Each answer is a whole HTTP/1.1 response in the one JSON error shape, ready to be written to the
transport: bytes that are not HTTP (400), a transfer coding not decoded (400), a head or a
request too large (431, 413), a connection past the cap (503). Each ends ``connection: close``,
and so does the app's answer to a request it refused before asking for its body
(``close_if_answered_unread``). Bytes that are not HTTP are logged a line a minute at most
(``refusal_log``), not once per request as uvicorn would.

It imports uvicorn's types, never the app.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from uvicorn._types import ASGI3Application
from uvicorn.protocols.http.httptools_impl import RequestResponseCycle

from oxitrack.errors import error_body
from oxitrack.refusal_log import RefusalLog
from oxitrack.wakatime import BULK_ROUTE

# On every answer, the app's (uvicorn's default headers, ``daemon.serve``) and these: no
# browser may take a report's text or JSON for a script or a page (MIME sniffing), whatever a
# folder's name puts in it.
NO_SNIFF = ("x-content-type-options", "nosniff")
# Browsers and editors send a few hundred bytes of headers; servers commonly stop at 8-64 KiB.
MAX_HEAD_BYTES = 64 * 1024
# No endpoint takes a body over 1 MiB, but for WakaTime batches. This bounds a request on the
# wire, chunk framing and trailers included: httptools keeps a trailer in memory like a header,
# and a body a handler has refused would otherwise be read and dropped for as long as the client
# sends it.
MAX_REQUEST_BYTES = 2 * 1024 * 1024
# wakatime-cli's batches: a body of up to 32 MiB (api.wakatime.BULK_MAX_BODY_BYTES), which the
# handler reads item by item, and room for its framing.
MAX_BULK_REQUEST_BYTES = 33 * 1024 * 1024
_BULK_PATH = re.compile(re.escape(BULK_ROUTE).replace(re.escape("{user}"), "[^/]+"))

# uvicorn warns once per request it cannot parse: bytes from a port scanner or a confused client,
# one log line each. They are counted here instead, one line a minute at most.
_UVICORN_PARSE_ERROR = "Invalid HTTP request received."
not_http_log = RefusalLog("as not HTTP (400)", logging.getLogger("oxitrack.connections"))


class _CountedElsewhere(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg != _UVICORN_PARSE_ERROR


# What uvicorn's protocol logs through (its per-connection trace checks this logger's own level):
# a request's errors, as before, and nothing per request a client can make it log.
protocol_log = logging.getLogger("uvicorn.error.connections")
protocol_log.setLevel(logging.WARNING)
protocol_log.addFilter(_CountedElsewhere())


def head_size(method: bytes, url: bytes, headers: list[tuple[bytes, bytes]]) -> int:
    """The bytes of a parsed head: request line, headers (each with ": " and CRLF) and the
    empty line that ends them; as sent, when the client adds no spaces."""
    request_line = len(method) + 1 + len(url) + len(" HTTP/1.1\r\n")
    return request_line + sum(len(name) + len(value) + 4 for name, value in headers) + 2


def is_coding_refused(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether the transfer codings of ``headers`` are other than ``chunked``: httptools frames
    the body by its last coding and hands it on still coded (``gzip, chunked``), which the app
    would read as plain. RFC 9112 6.1 says 501; a 400 keeps every refusal of a client's bytes a
    4xx."""
    codings = b",".join(value for name, value in headers if name == b"transfer-encoding")
    return [coding.strip().lower() for coding in codings.split(b",")] != [b"chunked"]


def _answer(status: str, code: str, message: str, *extra_headers: str) -> bytes:
    """A whole answer in the one JSON error shape, for the few sent outside the app."""
    body = json.dumps(error_body(code, message)).encode()
    head = "".join(
        [
            f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n",
            f"{NO_SNIFF[0]}: {NO_SNIFF[1]}\r\n",
            f"content-length: {len(body)}\r\n",
            *(f"{header}\r\n" for header in extra_headers),
            "connection: close\r\n\r\n",
        ]
    )
    return head.encode() + body


HEAD_TOO_LARGE = _answer(
    "431 Request Header Fields Too Large",
    "headers_too_large",
    f"the request line and headers are over {MAX_HEAD_BYTES} bytes",
)
NOT_HTTP = _answer(
    "400 Bad Request",
    "bad_request",
    "not a valid HTTP/1.1 request (a malformed request line, header, length or chunk)",
)
TRANSFER_CODING = _answer(
    "400 Bad Request",
    "bad_request",
    "the body is sent with a Transfer-Encoding other than chunked; send it plain or chunked",
)


def _too_large(limit: int) -> bytes:
    return _answer(
        "413 Content Too Large",
        "body_too_large",
        f"the request, with its body's framing and trailers, is over {limit} bytes",
    )


_REQUEST_TOO_LARGE = _too_large(MAX_REQUEST_BYTES)
_BULK_REQUEST_TOO_LARGE = _too_large(MAX_BULK_REQUEST_BYTES)


def body_limit(path: str) -> tuple[int, bytes]:
    """The most a request to ``path`` may send after its head, and the answer past it."""
    if _BULK_PATH.fullmatch(path):
        return MAX_BULK_REQUEST_BYTES, _BULK_REQUEST_TOO_LARGE
    return MAX_REQUEST_BYTES, _REQUEST_TOO_LARGE


def too_many_connections(cap: int) -> bytes:
    """The 503 sent to a connection past the cap of ``cap``, before any request is read."""
    message = f"the daemon already has {cap} connections open; try again"
    return _answer("503 Service Unavailable", "too_many_connections", message, "retry-after: 1")


async def close_if_answered_unread(
    cycle: RequestResponseCycle, app: ASGI3Application, scope: Any, receive: Any, send: Any
) -> None:
    """Run ``app``, closing after its answer if that came before ``100 Continue`` was sent.

    A client told no before it was asked for its body need not send it (RFC 9110 10.1.1), and
    one that waits for ``100 Continue`` usually does not: kept open, the daemon read the client's
    next request as that body. Whether the body will still come is anyone's guess, so the
    answer says ``connection: close`` (uvicorn then closes once it is out).
    """

    async def send_closing(message: Any) -> None:
        if message["type"] == "http.response.start" and cycle.waiting_for_100_continue:
            message = {**message, "headers": [*message.get("headers", ()), _CLOSE]}
        await send(message)

    await app(scope, receive, send_closing)


_CLOSE = (b"connection", b"close")
