"""connection_refusals: the limits a connection's request is held to, and the log it writes.

How a real daemon sends these answers is in ``e2e/test_connections.py`` and
``e2e/test_malformed_http.py``; this pins what they cannot see from outside: the exact limits
``docs/api.md`` gives, and which of uvicorn's log lines are kept.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from uvicorn.logging import TRACE_LOG_LEVEL

from oxitrack.connection_refusals import body_limit, protocol_log


def _answer(raw: bytes) -> tuple[str, dict[str, str]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    return head.decode().split("\r\n")[0], json.loads(body)


@pytest.mark.parametrize(
    ("path", "limit"),
    [
        ("/beat", 2 * 1024 * 1024),
        ("/api/v1/users/current/heartbeats", 2 * 1024 * 1024),
        ("/api/v1/users/current/heartbeats.bulk", 33 * 1024 * 1024),
        ("/api/v1/users/someone/heartbeats.bulk", 33 * 1024 * 1024),
        ("/api/v1/users/a/b/heartbeats.bulk", 2 * 1024 * 1024),  # no such route
    ],
)
def test_a_request_may_send_2_mib_after_its_head_and_a_wakatime_batch_33(path: str, limit: int):
    """As ``docs/api.md`` says, and the 413 past it says so too."""
    found, answer = body_limit(path)
    assert found == limit
    status, body = _answer(answer)
    assert status == "HTTP/1.1 413 Content Too Large"
    assert body["error"] == "body_too_large"
    assert f"over {limit} bytes" in body["message"]


@pytest.fixture
def protocol_records() -> Iterator[list[logging.LogRecord]]:
    """What uvicorn's protocol logs through ``protocol_log`` and lets out."""

    class Kept(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    records: list[logging.LogRecord] = []
    handler = Kept()
    protocol_log.addHandler(handler)
    try:
        yield records
    finally:
        protocol_log.removeHandler(handler)


def test_a_requests_errors_are_logged_and_only_the_parse_warning_is_counted_elsewhere(
    protocol_records: list[logging.LogRecord],
):
    """uvicorn's warning per request it cannot parse is left to ``not_http_log`` (a line a
    minute); an exception in the app or an answer never finished is still logged."""
    protocol_log.warning("Invalid HTTP request received.")
    protocol_log.error("Exception in ASGI application\n")
    protocol_log.error("ASGI callable returned without completing response.")
    assert [record.getMessage() for record in protocol_records] == [
        "Exception in ASGI application\n",
        "ASGI callable returned without completing response.",
    ]


def test_uvicorns_trace_per_connection_is_off_whatever_its_own_level(
    protocol_records: list[logging.LogRecord],
):
    """uvicorn writes a trace line per connection when its protocol's logger's own level
    allows it (``logger.level <= TRACE``): a client could fill the log by connecting."""
    parent = logging.getLogger("uvicorn.error")
    was = parent.level
    parent.setLevel(TRACE_LOG_LEVEL)
    try:
        assert protocol_log.level > TRACE_LOG_LEVEL
        protocol_log.log(TRACE_LOG_LEVEL, "127.0.0.1:5000 - HTTP connection made")
    finally:
        parent.setLevel(was)
    assert protocol_records == []
