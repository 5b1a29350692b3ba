"""A long report whose client has gone stops being made, on a real daemon and a real database
of 200,000 sessions over ten years (a ten-year report of it takes 2 to 5 s here).

Clients are raw sockets: a ``close()`` sends FIN (what a browser giving up a read, a ``curl``
stopped with Ctrl-C and a killed script send), a close with ``SO_LINGER`` 0 sends RST; and the
dashboard in Chromium, giving up the reads a newer click replaces.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import socket
import sqlite3
import struct
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import Route, request_response
from starlette.testclient import TestClient

from oxitrack.server import create_app
from oxitrack.store import Store
from tests.daemon_process import DaemonProcess
from tests.e2e.browser import Page

pytestmark = pytest.mark.e2e

SESSIONS = 200_000
# Ten-year reports of the whole database: each takes one of the two long-report slots.
LONG_REPORTS = {
    "days": "/api/days?from=2016-01-01&to=2025-12-31&tz=UTC",
    "breakdown": "/api/breakdown?by=language&from=2016-01-01&to=2025-12-31&tz=UTC",
    "summaries": "/api/v1/users/current/summaries?start=2016-01-01&end=2025-12-31&timezone=UTC",
}
# As long a range, with no session in it: answered at once, unless both slots are taken.
EMPTY_LONG_REPORT = "/api/days?from=1990-01-01&to=1999-12-31&tz=UTC"
# What a client waits for a freed slot: a report given up without this fix held its slot for
# the seconds it had left to make.
SLOT_FREED_WITHIN_SECONDS = 1.0


@pytest.fixture(scope="module")
def ten_years(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The database, written straight into the real schema: a session every 26 minutes from
    2016 to 2025, in 50 folders."""
    path = tmp_path_factory.mktemp("ten-years") / "oxitrack.db"
    Store(path).close()
    first = 1451606400  # 2016-01-01 UTC
    step = (1767225600 - first) // SESSIONS
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.executemany(
            "INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES (?, ?, ?)",
            (
                (f"/code/project-{i % 50}", first + i * step, first + i * step + 600)
                for i in range(SESSIONS)
            ),
        )
    return path


@pytest.fixture
def daemon_on(ten_years: Path, tmp_path: Path) -> Iterator[Callable[..., DaemonProcess]]:
    """Starts a daemon on a copy of the database, with extra ``serve`` arguments."""
    started: list[DaemonProcess] = []

    def start(*args: str) -> DaemonProcess:
        copy = tmp_path / f"copy-{len(started)}.db"
        shutil.copyfile(ten_years, copy)
        started.append(DaemonProcess(copy, *args).start())
        return started[-1]

    yield start
    for daemon in started:
        daemon.kill()
        assert not any("Traceback" in line for line in daemon.stderr_lines), daemon.stderr_lines


def _ask(daemon: DaemonProcess, path: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", daemon.port), timeout=30)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{daemon.port}\r\n\r\n".encode())
    return sock


def _give_up(sock: socket.socket, how: str) -> None:
    if how == "reset":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def _answer(sock: socket.socket) -> tuple[bytes, bytes]:
    """The head and body of one answer (``Content-Length``), read to its end."""
    received = bytearray()
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(65536)
        assert chunk, bytes(received)
        received += chunk
    head, _, body = bytes(received).partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    rest = bytearray(body)
    while len(rest) < length:
        chunk = sock.recv(1 << 20)
        assert chunk
        rest += chunk
    return head, bytes(rest)


def _status(daemon: DaemonProcess, path: str) -> int:
    with _ask(daemon, path) as sock:
        head, _ = _answer(sock)
    return int(head.split(b" ", 2)[1])


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def _both_slots_taken(daemon: DaemonProcess) -> bool:
    """Whether a third long report is refused 503. Refused, it is answered at once; given a
    place, it may wait behind the running reports' reads (the store reads one statement at a
    time), up to the seconds they take, and holds its place meanwhile: two clients asking
    together then kept being refused in turn, each time, behind that check. Not answered at
    once, it is given up, which frees its place."""
    with _ask(daemon, EMPTY_LONG_REPORT) as sock:
        answered, _, _ = select.select([sock], [], [], 0.5)
        if not answered:
            return False
        head, _ = _answer(sock)
    return int(head.split(b" ", 2)[1]) == 503


# How long both clients' reports go unanswered before a third is asked: long enough for each to
# hold its slot. Asked at once, the third came before a client just asked (in place of one
# refused) had taken its slot, took that slot itself, and the client was refused in turn: on a
# quick machine the two kept trading the slot until the deadline.
SETTLED_SECONDS = 0.3


def _taking_both_slots(daemon: DaemonProcess, path: str) -> list[socket.socket]:
    """Two clients of ``path``, once both reports hold a slot. A client refused (the check's
    own report took a slot for a moment as that one came) is replaced by a new one."""
    readers = [_ask(daemon, path) for _ in range(2)]
    asked_at = [time.monotonic()] * 2
    deadline = time.monotonic() + 10
    try:
        while True:
            assert time.monotonic() < deadline, "both slots taken by the reports"
            answered, _, _ = select.select(readers, [], [], 0.02)
            for sock in answered:
                sock.close()
                index = readers.index(sock)
                readers[index], asked_at[index] = _ask(daemon, path), time.monotonic()
            settled = time.monotonic() - max(asked_at) >= SETTLED_SECONDS
            if not answered and settled and _both_slots_taken(daemon):
                return readers
    except BaseException:  # the clients of a test that failed must not be left to the next
        for sock in readers:
            sock.close()
        raise


@pytest.mark.parametrize("route", sorted(LONG_REPORTS))
def test_long_reports_given_up_free_their_slots_at_once(daemon_on, route: str):
    """The page gave up its read and asks again: before, both slots stayed taken by reports
    nobody would read, and the new ask was refused 503 reports_busy for seconds."""
    daemon = daemon_on()
    readers = _taking_both_slots(daemon, LONG_REPORTS[route])
    for sock in readers:
        _give_up(sock, "close")
    _wait_until(
        lambda: _status(daemon, EMPTY_LONG_REPORT) == 200,
        SLOT_FREED_WITHIN_SECONDS,
        "a slot freed by a report given up",
    )
    # Not with --verbose: nothing is said.
    assert not any("given up" in line for line in daemon.stderr_lines), daemon.stderr_lines


def test_a_long_report_asked_again_at_once_gets_the_slot_of_the_one_given_up(daemon_on):
    """The page's pick of another field aborts the last one's read and asks at once: the new
    ask came while the report given up still held its slot (it ends within a statement, in its
    own thread), and was refused 503 reports_busy about half of the time."""
    daemon = daemon_on()
    for _ in range(4):
        readers = _taking_both_slots(daemon, LONG_REPORTS["breakdown"])
        _give_up(readers[0], "close")
        assert _status(daemon, EMPTY_LONG_REPORT) == 200
        _give_up(readers[1], "close")
        _wait_until(lambda: _status(daemon, EMPTY_LONG_REPORT) == 200, 5, "both slots free again")
    # Both slots taken by clients that stay: still refused at once, not after a wait.
    readers = _taking_both_slots(daemon, LONG_REPORTS["days"])
    started = time.monotonic()
    assert _status(daemon, EMPTY_LONG_REPORT) == 503
    assert time.monotonic() - started < 0.5
    for sock in readers:
        _give_up(sock, "close")


@pytest.mark.parametrize("how", ["close", "reset"])
def test_a_report_given_up_stops_costing_cpu_and_is_logged_with_verbose(daemon_on, how: str):
    daemon = daemon_on("--verbose")
    assert daemon.process is not None
    pid = daemon.process.pid
    before = _cpu_seconds(pid)
    sock = _ask(daemon, LONG_REPORTS["days"])
    _wait_until(lambda: _cpu_seconds(pid) - before >= 0.3, 10, "the report being made")
    _give_up(sock, how)
    # Before, the report went on for its remaining seconds at a core's full speed.
    samples = [_cpu_seconds(pid)]

    def quiet() -> bool:
        samples.append(_cpu_seconds(pid))
        window = samples[-15:]  # 0.3 s of samples, 0.02 s apart
        return len(window) == 15 and window[-1] - window[0] < 0.05

    _wait_until(quiet, 1.5, "CPU still being spent")
    _wait_until(
        lambda: any("given up by its client" in line for line in daemon.stderr_lines),
        5,
        "the line that says so",
    )
    [line] = [line for line in daemon.stderr_lines if "given up" in line]
    assert "GET /api/days given up by its client after " in line, line


def test_a_client_that_stays_gets_the_same_bytes_as_before(daemon_on):
    """The same answer as the handlers give unwatched (as before this change), byte for byte,
    for a year: a long report, which a client gone would stop."""
    daemon = daemon_on()
    answers = {}
    year = {route: path.replace("2016-01-01", "2024-01-01") for route, path in LONG_REPORTS.items()}
    for route, path in year.items():
        with _ask(daemon, path) as sock:
            head, body = _answer(sock)
        assert head.startswith(b"HTTP/1.1 200 "), head
        answers[route] = body
    daemon.stop()
    with Store(daemon.db_path) as store:
        app = create_app(store)
        served = [route for route in app.router.routes if isinstance(route, Route)]
        apps = [route.app for route in served]  # the module's own routes: put back after
        for route in served:  # each handler as Starlette serves a bare one
            route.app = request_response(getattr(route.endpoint, "handler", route.endpoint))
        try:
            with TestClient(app, base_url="http://127.0.0.1:3000") as client:
                for route, path in year.items():
                    assert client.get(path).content == answers[route], route
        finally:
            for route, app_of_route in zip(served, apps, strict=True):
                route.app = app_of_route


def test_a_half_closed_client_gets_a_short_report_and_is_told_of_a_long_one(daemon_on):
    """``printf 'GET …' | nc -N``: the daemon cannot tell that half-close from a client gone
    until it writes. A short report is answered as ever; a long one is not made, and says why."""
    daemon = daemon_on()
    with _ask(daemon, "/api/days?days=7&tz=UTC") as sock:
        sock.shutdown(socket.SHUT_WR)
        head, _ = _answer(sock)
    assert head.startswith(b"HTTP/1.1 200 "), head
    with _ask(daemon, LONG_REPORTS["days"]) as sock:
        sock.shutdown(socket.SHUT_WR)
        head, body = _answer(sock)
    assert head.startswith(b"HTTP/1.1 400 "), head
    assert b'"client_gone"' in body, body


def test_the_dashboard_leaving_a_long_range_stops_its_report(daemon_on, browser: Any):
    """Ten years asked in the page's address, 7 days pressed before they came: the page gives
    the read up, and the daemon stops making the report and frees its place."""
    daemon = daemon_on("--verbose")
    page = Page(browser)
    shown = page.page
    shown.goto(f"{daemon.url}/?days=3650")  # its reads asked, not answered: seconds here
    page.choose_range(7)
    assert shown.get_attribute(".switch button[data-days='7']", "aria-pressed") == "true"
    assert shown.is_hidden("#offline")
    assert shown.evaluate("() => document.body.dataset.stale") is None
    _wait_until(
        lambda: any("GET /api/days given up by its client" in line for line in daemon.stderr_lines),
        5,
        "the daemon's line for the report it stopped",
    )
    assert _status(daemon, EMPTY_LONG_REPORT) == 200
    assert page.only_given_up(f"{daemon.url}/api/days?days=3650"), page.problems


def test_the_dashboard_picking_again_on_a_long_range_stops_the_last_pick(daemon_on, browser: Any):
    """Ten years shown, categories picked, then editors before the categories came."""
    daemon = daemon_on("--verbose")
    page = Page(browser)
    shown = page.open(f"{daemon.url}/?days=3650")
    categories = f"{daemon.url}/api/breakdown?by=category&days=3650"
    # Editors picked as soon as the categories are asked, not once the pick's quick read beside
    # them (/today) is answered: a loaded machine answered /today after the categories' second
    # of work, and nothing was left to give up. /today, if still asked, is given up too.
    with shown.expect_request(categories):
        shown.click("#breakdown-switch button[data-by='category']")
    with shown.expect_response(lambda answer: "by=editor" in answer.url) as editors:
        shown.click("#breakdown-switch button[data-by='editor']")
    assert editors.value.status == 200
    shown.wait_for_function(
        "() => document.getElementById('breakdown-title').textContent === 'Editors'"
    )
    _wait_until(
        lambda: any("GET /api/breakdown given up by its" in line for line in daemon.stderr_lines),
        5,
        "the daemon's line for the report it stopped",
    )
    assert shown.is_hidden("#offline")
    assert page.only_given_up(categories), page.problems


def test_a_report_given_up_is_logged_on_one_line_whatever_its_address_holds(daemon_on):
    """The address is the client's: a user name of WakaTime's routes holding a newline (and a
    terminal's escape) wrote a second log line, forged, into the daemon's log or journal."""
    daemon = daemon_on("--verbose")
    assert daemon.process is not None
    pid = daemon.process.pid
    forged = "2026-01-01 00:00:00,000 WARNING forged"
    user = "x%0A" + forged.replace(" ", "%20") + "%1B%5B2J"
    before = _cpu_seconds(pid)
    sock = _ask(daemon, LONG_REPORTS["summaries"].replace("/current/", f"/{user}/"))
    _wait_until(lambda: _cpu_seconds(pid) - before >= 0.3, 10, "the report being made")
    _give_up(sock, "close")
    _wait_until(
        lambda: any("given up by its client" in line for line in daemon.stderr_lines),
        5,
        "the line that says so",
    )
    assert not any(line.startswith(forged) for line in daemon.stderr_lines), daemon.stderr_lines
    [line] = [line for line in daemon.stderr_lines if "given up" in line]
    assert f"GET /api/v1/users/x\\n{forged}\\x1b[2J/summaries given up by its client" in line
