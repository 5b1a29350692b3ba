"""The watch on a report's client (``api.client_gone``), driven as an ASGI server drives it,
messages in hand: what it logs of a client that gave up, and that a client leaving once it has
its answer did not give up. The e2e tests (``e2e/test_report_client_gone.py``) show the same
on a real daemon, where the timing of a disconnect cannot be chosen."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from types import SimpleNamespace

import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Message

from oxitrack.api.client_gone import stops_when_given_up, watched
from oxitrack.store import Store

# Longer than any of these tests: a report that waits it out was not stopped.
REPORT_SECONDS = 30.0


class Client:
    """The ASGI server's side of one GET: ``receive`` gives ``http.disconnect`` once
    ``leave()`` is called; ``send`` keeps what the app sends."""

    def __init__(self, *, leaves_on: str | None = None) -> None:
        self.left = asyncio.Event()
        self.sent: list[Message] = []
        self.leaves_on = leaves_on

    def leave(self) -> None:
        self.left.set()

    async def receive(self) -> Message:
        await self.left.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        self.sent.append(message)
        if message["type"] == self.leaves_on and not message.get("more_body", False):
            # A client that closes as soon as it has the answer, while the server's write of
            # its last bytes still waits (flow control): the watch runs meanwhile.
            self.leave()
            for _ in range(5):
                await asyncio.sleep(0)


def scope_for(store: Store) -> dict[str, object]:
    return {
        "type": "http",
        "method": "GET",
        "path": "/api/days",
        "raw_path": b"/api/days",
        "query_string": b"",
        "headers": [],
        "app": SimpleNamespace(state=SimpleNamespace(store=store)),
    }


def long_report(started: threading.Event, stopped: list[bool]):
    def handler(request: Request) -> Response:
        gone = stops_when_given_up(request)
        assert gone is not None
        started.set()
        stopped.append(gone.wait(REPORT_SECONDS))
        return PlainTextResponse("report")

    return handler


def test_a_report_given_up_is_logged_with_how_long_it_ran_and_took_to_stop(
    store: Store, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO, logger="oxitrack.server")
    started, stopped = threading.Event(), []
    route = watched(long_report(started, stopped))
    client = Client()

    async def ask_then_leave() -> None:
        answering = asyncio.ensure_future(route(scope_for(store), client.receive, client.send))
        deadline = time.monotonic() + 10
        while not started.is_set():
            assert time.monotonic() < deadline, "the report started"
            await asyncio.sleep(0.01)
        client.leave()
        await answering

    asked = time.monotonic()
    asyncio.run(ask_then_leave())
    elapsed = time.monotonic() - asked
    assert stopped == [True]
    [line] = [r.getMessage() for r in caplog.records if "given up" in r.getMessage()]
    found = re.fullmatch(
        r"GET /api/days given up by its client after ([0-9.]+) s; ended ([0-9.]+) s later", line
    )
    assert found is not None, line
    ran, ending = float(found[1]), float(found[2])
    # Both within the ask (as rounded: to 0.1 s and 0.01 s), not the report's whole length:
    # the handler's wait ended as its client went.
    assert elapsed < REPORT_SECONDS
    assert ran <= elapsed + 0.05, line
    assert ending <= elapsed + 0.005, line


def test_a_client_leaving_once_it_has_its_answer_did_not_give_it_up(
    store: Store, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO, logger="oxitrack.server")
    seen: list[threading.Event] = []

    def short_report(request: Request) -> Response:
        gone = stops_when_given_up(request)
        assert gone is not None
        seen.append(gone)
        return PlainTextResponse("report")

    client = Client(leaves_on="http.response.body")
    asyncio.run(watched(short_report)(scope_for(store), client.receive, client.send))
    assert [m["type"] for m in client.sent] == ["http.response.start", "http.response.body"]
    assert client.left.is_set()
    assert not seen[0].is_set()
    assert not any("given up" in r.getMessage() for r in caplog.records)
