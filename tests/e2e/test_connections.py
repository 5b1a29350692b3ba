"""Clients that connect and stall, on raw sockets, against a real daemon whose limits are shrunk
(``DaemonProcess(prelude=...)``) so a test waits a second, not half a minute.

Each wait is a read on a socket with a timeout: the daemon closing the connection is the event.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess
from tests.sessions_model import stored_sessions

pytestmark = pytest.mark.e2e

DEADLINE_SECONDS = 1.0
SHORT_DEADLINE = f"import oxitrack.connections as c\nc.REQUEST_TIMEOUT_SECONDS = {DEADLINE_SECONDS}"
BODY = b'{"project_path": "/code/x"}'
HEAD = (
    b"POST /beat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"Content-Length: %d\r\n\r\n"
)


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaemonProcess]:
    """A daemon that gives a stalled connection ``DEADLINE_SECONDS``."""
    db = tmp_path_factory.mktemp("quick") / "daemon.db"
    process = DaemonProcess(db, prelude=SHORT_DEADLINE).start()
    try:
        yield process
    finally:
        process.kill()
    assert not any("Traceback" in line for line in process.stderr_lines), process.stderr_lines


def _connect(port: int, timeout: float = 10.0) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def _wait_closed(sock: socket.socket) -> bytes:
    """All the daemon sends until it closes the connection; TimeoutError if it never does."""
    received = bytearray()
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            received += chunk
    return bytes(received)


def _read_answer(sock: socket.socket) -> bytes:
    """One whole answer (head and ``Content-Length`` body) from a keep-alive connection."""
    received = bytearray()
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(65536)
        assert chunk, "closed mid-answer"
        received += chunk
    head, _, body = bytes(received).partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "closed mid-answer"
        body += chunk
    return head + b"\r\n\r\n" + body


def _beat(url: str) -> int:
    return httpx.post(
        f"{url}/beat", content=BODY, headers={"content-type": "application/json"}
    ).status_code


def test_a_connection_that_sends_nothing_is_closed_within_the_deadline(quick: DaemonProcess):
    with _connect(quick.port) as idle:
        started = time.monotonic()
        assert _wait_closed(idle) == b""
        waited = time.monotonic() - started
    # Never before half the deadline, and within it (with room for a busy machine): the
    # socket's own 10 s timeout must not be what ends the wait.
    assert DEADLINE_SECONDS / 2 - 0.05 <= waited <= DEADLINE_SECONDS + 1.0


def test_a_connection_left_idle_after_its_answer_is_closed_within_the_deadline(
    quick: DaemonProcess,
):
    """The deadline, not uvicorn's keep-alive timer (5 s), bounds the wait for a next request."""
    with _connect(quick.port) as sock:
        sock.sendall(HEAD % len(BODY) + BODY)
        assert _read_answer(sock).startswith(b"HTTP/1.1 200 ")
        started = time.monotonic()
        assert _wait_closed(sock) == b""
        assert time.monotonic() - started <= DEADLINE_SECONDS + 1.0


def test_a_request_trickled_a_byte_at_a_time_is_closed(quick: DaemonProcess):
    """Slowloris: every byte arrives well within any per-read timeout, the request never ends."""
    head = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Pad: a\r\n" * 1000
    with _connect(quick.port) as sock:
        sock.settimeout(0.05)  # the pace: one byte, then a read that waits this long
        started = time.monotonic()
        closed = False
        for byte in head:
            if time.monotonic() - started > 10 * DEADLINE_SECONDS:
                break  # long past the deadline: it was never going to close
            try:
                sock.send(bytes([byte]))
                if sock.recv(1) == b"":
                    closed = True
                    break
            except TimeoutError:
                continue  # still open: send the next byte
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
        waited = time.monotonic() - started
    assert closed, "the daemon kept a trickling request open"
    assert waited < 5 * DEADLINE_SECONDS


def test_a_body_that_stops_coming_is_closed_and_stores_nothing(quick: DaemonProcess):
    with _connect(quick.port) as sock:
        sock.sendall(HEAD % len(BODY) + BODY[:10])
        assert _wait_closed(sock) == b""  # no answer: nobody is waiting for one
    assert _beat(quick.url) == 200
    assert [row[0] for row in stored_sessions(quick.db_path)] == ["/code/x"]


def test_a_client_that_stops_reading_its_answers_is_cut_off(quick: DaemonProcess):
    """It asks for far more than socket buffers hold and reads none of it: the answer stalls
    in the daemon, so it is dropped, not flushed for ever."""
    request = b"GET /static/vendor/chart-4.6.1.min.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    one_answer = len(httpx.get(quick.url + "/static/vendor/chart-4.6.1.min.js").content)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(10)
    with sock:
        sock.connect(("127.0.0.1", quick.port))
        sock.sendall(request * 100)
        # Two idle connections closed one after the other: two deadlines have passed since the
        # stall began, so it has been seen twice unchanged.
        for _ in range(2):
            with _connect(quick.port) as clock:
                assert _wait_closed(clock) == b""
        received = _wait_closed(sock)
    assert len(received) < 100 * one_answer / 2


def test_a_client_beating_steadily_on_one_connection_is_never_cut(quick: DaemonProcess):
    """The deadline is for stalls: a connection busy with request after request keeps going,
    well past the deadline."""
    with _connect(quick.port) as sock:
        started = time.monotonic()
        count = 0
        while time.monotonic() - started < 3 * DEADLINE_SECONDS:
            sock.sendall(HEAD % len(BODY) + BODY)
            reply = _read_answer(sock)
            assert reply.startswith(b"HTTP/1.1 200 "), reply
            count += 1
            sock.settimeout(DEADLINE_SECONDS / 4)  # the pace: a read that waits, then a beat
            with contextlib.suppress(TimeoutError):
                assert sock.recv(1) != b"", "closed between beats"
            sock.settimeout(10)
    assert count >= 6


def _held_reports(reading: Path, release: Path) -> str:
    """A prelude that keeps the daemon's handlers at work on reports: each read in a worker
    thread notes itself in ``reading``, then waits for ``release`` to exist."""
    return (
        "import os, threading, time\n"
        "import oxitrack.store.core as core\n"
        "read = core.Store.read\n"
        "def held_read(self, fn, *, wait=True):\n"
        "    if threading.current_thread() is not threading.main_thread():\n"
        f"        open(os.path.join({str(reading)!r}, str(threading.get_ident())), 'w').close()\n"
        f"        while not os.path.exists({str(release)!r}):\n"
        "            time.sleep(0.01)\n"
        "    return read(self, fn, wait=wait)\n"
        "core.Store.read = held_read\n"
    )


def _wait_for_reports(reading: Path, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(list(reading.iterdir())) < count and time.monotonic() < deadline:
        time.sleep(0.01)  # polls the daemon's handlers, which note themselves as they begin
    assert len(list(reading.iterdir())) == count


def test_time_a_handler_spends_on_a_request_is_not_a_stall(tmp_path: Path):
    """A report taking two deadlines is answered: only the client keeping the daemon waiting
    counts."""
    reading, release = tmp_path / "reading", tmp_path / "release"
    reading.mkdir()
    prelude = SHORT_DEADLINE + "\n" + _held_reports(reading, release)
    process = DaemonProcess(tmp_path / "slow.db", prelude=prelude).start()
    try:
        with _connect(process.port) as sock:
            sock.sendall(b"GET /today HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            _wait_for_reports(reading, 1)
            for _ in range(2):  # two idle connections closed in turn: two deadlines have passed
                with _connect(process.port) as clock:
                    assert _wait_closed(clock) == b""
            release.touch()
            assert _read_answer(sock).startswith(b"HTTP/1.1 200 ")
    finally:
        release.touch()
        process.kill()


# -- too many connections ---------------------------------------------------------------------


def test_past_the_cap_the_longest_idle_connection_makes_room(tmp_path: Path):
    """Four idle sockets fill a cap of four: a beat on a fifth connection is answered, and the
    socket idle the longest is the one closed."""
    prelude = "import oxitrack.connections as c\nc.MAX_CONNECTIONS = 4"
    process = DaemonProcess(tmp_path / "capped.db", prelude=prelude).start()
    try:
        held = [_connect(process.port) for _ in range(4)]  # accepted in this order
        try:
            with _connect(process.port) as newcomer:
                newcomer.sendall(HEAD % len(BODY) + BODY)
                assert _read_answer(newcomer).startswith(b"HTTP/1.1 200 ")
            assert _wait_closed(held[0]) == b""
            for still_open in held[1:]:
                still_open.settimeout(0.2)
                with pytest.raises(TimeoutError):
                    still_open.recv(1)
        finally:
            for sock in held:
                sock.close()
    finally:
        process.kill()


@pytest.mark.parametrize("sender", ["first", "second"])
def test_the_connection_idle_the_longest_is_the_one_whose_client_last_sent_longest_ago(
    tmp_path: Path, sender: str
):
    """Two connections fill a cap of two, and the newcomer's room is made by closing the one
    whose client has kept it waiting the longest: counted from its last bytes, or from its
    opening when it sent none. "first": both open, then the first sends part of a request, so
    the second is closed, though it opened later. "second": the first opens and sends, then the
    second opens, so the first is closed, though the second sent nothing at all."""
    prelude = "import oxitrack.connections as c\nc.MAX_CONNECTIONS = 2"
    process = DaemonProcess(tmp_path / "capped.db", prelude=prelude).start()
    try:
        first = _connect(process.port)
        if sender == "second":  # the first opens, sends, and then the second opens
            first.sendall(b"GET /health HTTP/1.1\r\n")
            _wait_read_by_daemon(first)
            _wait_for_the_daemons_clock_to_tick()
        second = _connect(process.port)
        _wait_accepted(process.port)
        if sender == "first":  # both open, and then the first sends
            _wait_for_the_daemons_clock_to_tick()
            first.sendall(b"GET /health HTTP/1.1\r\n")
            _wait_read_by_daemon(first)
        idlest, kept = (second, first) if sender == "first" else (first, second)
        try:
            with _connect(process.port) as newcomer:
                newcomer.sendall(HEAD % len(BODY) + BODY)
                assert _read_answer(newcomer).startswith(b"HTTP/1.1 200 ")
            assert _wait_closed(idlest) == b""
            kept.settimeout(0.2)
            with pytest.raises(TimeoutError):
                kept.recv(1)
        finally:
            first.close()
            second.close()
    finally:
        process.kill()


def _wait_accepted(port: int) -> None:
    """Poll Linux's ``/proc/net/tcp`` until the daemon has taken every connection waiting on
    its listening socket (whose receive queue counts them)."""
    _poll_proc_net_tcp(
        lambda local, remote, state, queues: (
            state == "0A" and local.endswith(f":{port:04X}") and queues.endswith(":00000000")
        )
    )


def _wait_for_the_daemons_clock_to_tick() -> None:
    """uvloop's clock counts whole milliseconds: what the daemon sees next is seen later than
    what it saw before, not at the same tick."""
    start = time.monotonic()
    while time.monotonic() < start + 0.002:
        pass


def test_a_client_reconnecting_as_fast_as_it_can_does_not_keep_beats_out(tmp_path: Path):
    """The cap once refused newcomers: a client that reopened each closed socket kept every
    slot, and every beat got 503."""
    import threading

    prelude = "import oxitrack.connections as c\nc.MAX_CONNECTIONS = 4"
    process = DaemonProcess(tmp_path / "flooded.db", prelude=prelude).start()
    stop = threading.Event()

    def flood() -> None:
        """Hold two sockets; as soon as the daemon answers or closes one, open another."""
        sockets: list[socket.socket] = []
        while not stop.is_set():
            while len(sockets) < 2:
                with contextlib.suppress(OSError):
                    sockets.append(_connect(process.port, timeout=1))
            answered, _, _ = select.select(sockets, [], [], 0.01)
            for sock in answered:
                sockets.remove(sock)
                sock.close()
        for sock in sockets:
            sock.close()

    flooders = [threading.Thread(target=flood) for _ in range(4)]
    for thread in flooders:
        thread.start()
    try:
        statuses = [_beat_until_stored(process.url, seconds=5) for _ in range(5)]
        assert statuses == [200] * 5
    finally:
        stop.set()
        for thread in flooders:
            thread.join()
        process.kill()


def _beat_until_stored(url: str, seconds: float = 10) -> int:
    """Send beats until one is answered 200 or ``seconds`` pass; the last status."""
    deadline = time.monotonic() + seconds
    status = 0
    while status != 200 and time.monotonic() < deadline:
        with contextlib.suppress(httpx.TransportError):
            status = _beat(url)
    return status


def test_idle_sockets_past_the_file_handle_limit_do_not_starve_beats(tmp_path: Path):
    """The reported attack: idle connections until the daemon has no file handle left. Here
    with a 128-handle limit and 300 idle sockets; beats get through once the deadline passes."""
    prelude = (
        "import resource\n"
        "hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (128, hard))\n" + SHORT_DEADLINE
    )
    process = DaemonProcess(tmp_path / "flooded.db", prelude=prelude).start()
    held: list[socket.socket] = []
    try:
        for _ in range(300):
            with contextlib.suppress(OSError):
                held.append(_connect(process.port, timeout=2))
        assert _beat_until_stored(process.url) == 200
        assert stored_sessions(process.db_path)
    finally:
        for sock in held:
            sock.close()
        process.kill()


def test_past_the_cap_with_every_connection_being_answered_a_newcomer_gets_503(tmp_path: Path):
    """No connection is waiting on its client, so none is closed to make room: the newcomer is
    told to come back, and the requests being answered are answered."""
    reading, release = tmp_path / "reading", tmp_path / "release"
    reading.mkdir()
    prelude = "import oxitrack.connections as c\nc.MAX_CONNECTIONS = 4\n"
    process = DaemonProcess(tmp_path / "busy.db", prelude=prelude + _held_reports(reading, release))
    process.start()
    held = [_connect(process.port) for _ in range(4)]
    try:
        for sock in held:
            sock.sendall(b"GET /today HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        _wait_for_reports(reading, 4)
        with _connect(process.port) as newcomer:
            head, _, body = _wait_closed(newcomer).partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 503 "), head
        assert b"\r\nretry-after: 1\r\n" in head
        assert json.loads(body)["error"] == "too_many_connections"
        release.touch()
        for sock in held:
            assert _read_answer(sock).startswith(b"HTTP/1.1 200 ")
    finally:
        release.touch()
        for sock in held:
            sock.close()
        process.kill()
    # The newcomer's connection, closed before its deadline was ever set, ends cleanly too.
    assert not any("Traceback" in line for line in process.stderr_lines), process.stderr_lines


def test_the_cap_is_half_the_file_handle_limit(tmp_path: Path):
    """With 128 file handles the cap is 64: the 65th connection makes room."""
    prelude = (
        "import resource\n"
        "hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (128, hard))\n"
    )
    process = DaemonProcess(tmp_path / "limited.db", prelude=prelude).start()
    try:
        held = [_connect(process.port, timeout=5) for _ in range(64)]  # accepted in this order
        try:
            with _connect(process.port) as newcomer:
                newcomer.sendall(HEAD % len(BODY) + BODY)
                assert _read_answer(newcomer).startswith(b"HTTP/1.1 200 ")
            assert _wait_closed(held[0]) == b""
            held[1].settimeout(0.2)
            with pytest.raises(TimeoutError):
                held[1].recv(1)
        finally:
            for sock in held:
                sock.close()
    finally:
        process.kill()


# -- the size of a request's head -------------------------------------------------------------

MAX_HEAD_BYTES = 64 * 1024


def _head_of(size: int) -> bytes:
    """A GET whose request line and headers take ``size`` bytes in all."""
    start = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: "
    return start + b"a" * (size - len(start) - 4) + b"\r\n\r\n"


def _send_then_read(port: int, payload: bytes, piece: int) -> tuple[int, bytes]:
    """Send ``payload`` in pieces until done or refused; how much went out, and the answer."""
    with _connect(port) as sock:
        sent = 0
        with contextlib.suppress(OSError):  # broken pipe, reset, or no longer connected
            for start in range(0, len(payload), piece):
                sock.sendall(payload[start : start + piece])
                sent = start + piece
            sock.shutdown(socket.SHUT_WR)
        return sent, _wait_closed(sock)


@pytest.mark.parametrize("piece", [1 << 30, 8192], ids=["at-once", "in-8-KiB-pieces"])
@pytest.mark.parametrize("size", [MAX_HEAD_BYTES + 1, 70_000, 1_000_000])
def test_a_head_over_64_kib_is_refused_431_and_closed(quick: DaemonProcess, size: int, piece: int):
    _, answer = _send_then_read(quick.port, _head_of(size), piece)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert b"connection: close" in head
    assert json.loads(body)["error"] == "headers_too_large"


def test_a_head_one_byte_over_64_kib_ending_in_a_later_read_is_refused(quick: DaemonProcess):
    """The head's first 64 KiB are read, and its last byte comes in a read of its own: the
    head is complete there, and measured with the bytes read before it, not that read alone."""
    head = _head_of(MAX_HEAD_BYTES + 1)
    with _connect(quick.port) as sock:
        sock.sendall(head[:MAX_HEAD_BYTES])
        _wait_read_by_daemon(sock)
        sock.sendall(head[MAX_HEAD_BYTES:])
        answer = _wait_closed(sock)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]


def _wait_read_by_daemon(sock: socket.socket) -> None:
    """Poll Linux's ``/proc/net/tcp`` until the daemon's end of ``sock`` has read all that was
    sent to it (its receive queue is empty), so what is sent next comes in another read."""
    ours, theirs = f":{sock.getsockname()[1]:04X}", f":{sock.getpeername()[1]:04X}"
    _poll_proc_net_tcp(lambda local, remote, state, queues: (
        local.endswith(theirs) and remote.endswith(ours) and queues.endswith(":00000000")
    ))  # fmt: skip


def _poll_proc_net_tcp(found: Callable[[str, str, str, str], bool]) -> None:
    """Until a row of ``/proc/net/tcp`` is ``found`` (local and remote address, state, queues;
    every address here is 127.0.0.1)."""
    if not Path("/proc/net/tcp").exists():
        pytest.skip("the daemon's sockets are read from Linux's /proc/net/tcp")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            if found(fields[1], fields[2], fields[3], fields[4]):
                return
        time.sleep(0.01)  # polls the kernel's counts of what the daemon has not taken yet
    raise AssertionError("the daemon did not take what was sent")


@pytest.mark.parametrize("piece", [1 << 30, 8192], ids=["at-once", "in-8-KiB-pieces"])
def test_a_head_of_exactly_64_kib_is_answered(quick: DaemonProcess, piece: int):
    _, answer = _send_then_read(quick.port, _head_of(MAX_HEAD_BYTES), piece)
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]


def test_a_head_of_exactly_64_kib_without_spaces_after_its_colons_is_answered(
    quick: DaemonProcess,
):
    """Arriving in one read of no more than 64 KiB, the head is not measured again: measured,
    it would count the ": " each header line is usually written with."""
    start = b"GET /health HTTP/1.1\r\nHost:127.0.0.1\r\nX-Pad:"
    head = start + b"a" * (MAX_HEAD_BYTES - len(start) - 4) + b"\r\n\r\n"
    assert len(head) == MAX_HEAD_BYTES
    _, answer = _send_then_read(quick.port, head, 1 << 30)
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]


def test_a_head_of_exactly_64_kib_with_its_body_in_the_same_read_is_answered(
    quick: DaemonProcess,
):
    """The bytes read past the head (its body) are not the head's: only the head is measured."""
    body = json.dumps({"project_path": "/code/x"}).encode()
    start = (HEAD % len(body)).removesuffix(b"\r\n") + b"X-Pad: "
    head = start + b"a" * (MAX_HEAD_BYTES - len(start) - 4) + b"\r\n\r\n"
    assert len(head) == MAX_HEAD_BYTES
    _, answer = _send_then_read(quick.port, head + body, 1 << 30)
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]


def test_an_endless_header_is_cut_off_near_64_kib_not_kept_in_memory(quick: DaemonProcess):
    """305 MB of one header grew the daemon to 342 MB: the head is refused as it arrives."""
    endless = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + b"a" * (64 << 20)
    sent, answer = _send_then_read(quick.port, endless, 65536)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert sent < 8 << 20  # what socket buffers hold, at most; not the 64 MiB offered


def test_a_large_body_after_a_small_head_is_not_taken_for_a_large_head(quick: DaemonProcess):
    """Head and body come in one read: only the head counts, so this is the body's 413."""
    body = json.dumps({"project_path": "/code/x", "pad": "a" * 300_000}).encode()
    _, answer = _send_then_read(quick.port, HEAD % len(body) + body, 1 << 30)
    head, _, error = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert json.loads(error)["error"] == "body_too_large"


CHUNKED_HEAD = (
    b"POST /beat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n"
)


def test_an_endless_trailer_is_cut_off_not_kept_in_memory(quick: DaemonProcess):
    """A chunked body's trailer is a header after the body, kept whole in memory like one."""
    chunk = b"%x\r\n%s\r\n" % (len(BODY), BODY)
    endless = CHUNKED_HEAD + chunk + b"0\r\nX-Trailer: " + b"a" * (64 << 20)
    sent, answer = _send_then_read(quick.port, endless, 65536)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert json.loads(body)["error"] == "body_too_large"
    assert sent < 16 << 20
    assert _beat(quick.url) == 200  # and the daemon serves on


def test_an_endless_body_after_its_answer_is_cut_off(quick: DaemonProcess):
    """The handler answers 413 from Content-Length alone; the rest is not read for ever."""
    declared = 1 << 40
    endless = HEAD % declared + b"a" * (64 << 20)
    sent, answer = _send_then_read(quick.port, endless, 65536)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert answer.count(b"HTTP/1.1") == 1  # the handler's answer, and no second one
    assert sent < 16 << 20


BULK_HEAD = (
    b"POST /api/v1/users/current/heartbeats.bulk HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
)


def test_a_wakatime_batch_past_2_mib_is_read_and_answered(quick: DaemonProcess):
    """wakatime-cli's 25 heartbeats with 1000 dependency names each are 5 MB: cut off at the
    2 MiB of other requests, the Go client kept the batch and sent it again forever."""
    names = [f"{n:04d}" + "m" * 196 for n in range(1000)]
    now = time.time()
    batch = [
        {"entity": "/code/waka/a.py", "type": "file", "time": now - n, "project_root_count": 3}
        | {"dependencies": names}
        for n in range(25)
    ]
    body = json.dumps(batch).encode()
    assert len(body) > 5_000_000
    _, answer = _send_then_read(quick.port, BULK_HEAD % len(body) + body, 65536)
    head, _, content = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 201 "), answer[:300]
    assert [status for _, status in json.loads(content)["responses"]] == [201] * 25


def test_an_endless_wakatime_batch_is_cut_off(quick: DaemonProcess):
    """Its own limit is larger, not absent."""
    endless = BULK_HEAD % (1 << 40) + b"[" + b'"dependency", ' * (4 << 20)
    sent, answer = _send_then_read(quick.port, endless, 65536)
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["error"] == "body_too_large"
    assert sent < 48 << 20


def _send_and_half_close(port: int, payload: bytes) -> bytes:
    with _connect(port) as sock:
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)  # what `nc -N` and some scripts do once the request is out
        return _wait_closed(sock)


def test_a_client_that_half_closes_after_its_request_still_gets_the_answer(
    quick: DaemonProcess,
):
    """The beat used to be stored while its answer was dropped, so the client sent it again."""
    body = json.dumps({"project_path": "/code/half-closed"}).encode()
    received = _send_and_half_close(quick.port, HEAD % len(body) + body)
    head, _, answer = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 "), received
    # No "connection: close" to check: it is there only when the end of the request came before
    # the answer went out, which depends on how the two reads fall. _wait_closed returning says
    # the connection was closed after the answer either way.
    session = json.loads(answer)
    assert session["project_path"] == "/code/half-closed"
    assert session["session_id"] in _session_ids(quick.db_path, "/code/half-closed")


def test_pipelined_requests_then_a_half_close_are_all_answered_in_order(quick: DaemonProcess):
    bodies = [json.dumps({"project_path": f"/code/pipelined-{i}"}).encode() for i in range(3)]
    received = _send_and_half_close(quick.port, b"".join(HEAD % len(b) + b for b in bodies))
    answers = received.split(b"HTTP/1.1 ")[1:]
    assert [a.split(b" ", 1)[0] for a in answers] == [b"200"] * 3, received
    paths = [json.loads(a.partition(b"\r\n\r\n")[2])["project_path"] for a in answers]
    assert paths == [f"/code/pipelined-{i}" for i in range(3)]


def test_a_half_close_in_the_middle_of_a_body_stores_nothing(quick: DaemonProcess):
    body = json.dumps({"project_path": "/code/cut-short"}).encode()
    received = _send_and_half_close(quick.port, HEAD % len(body) + body[:10])
    assert b" 200 " not in received
    assert _session_ids(quick.db_path, "/code/cut-short") == []


@pytest.mark.parametrize(
    "sent",
    [b"", b"\r\n", HEAD % len(BODY) + BODY[:10]],
    ids=["nothing", "a-blank-line", "half-a-body"],
)
def test_a_half_close_with_nothing_to_answer_is_closed_at_once(daemon: DaemonProcess, sent: bytes):
    """Under the usual deadline: nothing is left to answer, so nothing is waited for."""
    with _connect(daemon.port, timeout=5) as sock:
        sock.sendall(sent)
        sock.shutdown(socket.SHUT_WR)
        assert b" 200 " not in _wait_closed(sock)
    assert not any("Traceback" in line for line in daemon.stderr_lines), daemon.stderr_lines


def test_a_half_close_after_an_answer_was_read_closes_at_once(daemon: DaemonProcess):
    with _connect(daemon.port, timeout=5) as sock:
        sock.sendall(HEAD % len(BODY) + BODY)
        assert _read_answer(sock).startswith(b"HTTP/1.1 200 ")
        sock.shutdown(socket.SHUT_WR)
        assert _wait_closed(sock) == b""


def test_a_half_close_before_the_answer_closes_once_the_answer_is_out(daemon: DaemonProcess):
    """Under the usual deadline: the answer goes out, then the connection is closed at once, not
    kept for uvicorn's keep-alive (5 s, past this read's timeout) as if more could come."""
    body = json.dumps({"project_path": "/code/half-closed-usual"}).encode()
    with _connect(daemon.port, timeout=4) as sock:
        sock.sendall(HEAD % len(body) + body)
        sock.shutdown(socket.SHUT_WR)
        received = _wait_closed(sock)  # TimeoutError: kept open after its answer
    assert received.startswith(b"HTTP/1.1 200 "), received


def _session_ids(db_path: Path, project_path: str) -> list[int]:
    conn = sqlite3.connect(db_path)
    try:
        query = "SELECT id FROM sessions WHERE project_path = ?"
        return [row[0] for row in conn.execute(query, (project_path,))]
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("content_type", "length", "status"),
    [(b"text/plain", 20, b"415"), (b"application/json", 70_000, b"413")],
    ids=["refused-type", "refused-size"],
)
def test_a_refusal_before_100_continue_closes_so_the_unsent_body_is_not_read_as_a_request(
    quick: DaemonProcess, content_type: bytes, length: int, status: bytes
):
    """RFC 9110 10.1.1: a client told no before ``100 Continue`` need not send its body. Kept
    open, the daemon took the client's next request for that body: it waited for the bytes of
    a 70 kB body that would never come, or answered the next request 400."""
    head = (
        b"POST /beat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\n"
        b"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n" % (content_type, length)
    )
    with _connect(quick.port, timeout=5) as sock:
        sock.sendall(head)
        answer = _read_answer(sock)
        assert answer.startswith(b"HTTP/1.1 " + status + b" "), answer
        assert b"100 Continue" not in answer
        assert b"\r\nconnection: close\r\n" in answer.lower()
        assert _wait_closed(sock) == b""


def test_a_request_with_100_continue_is_answered_on_a_connection_kept_open(
    quick: DaemonProcess,
):
    """The body was asked for and read: the connection stays usable for the next beat."""
    head = HEAD.replace(b"\r\n\r\n", b"\r\nExpect: 100-continue\r\n\r\n") % len(BODY)
    with _connect(quick.port, timeout=5) as sock:
        sock.sendall(head)
        assert sock.recv(65536) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(BODY)
        assert _read_answer(sock).startswith(b"HTTP/1.1 200 ")
        sock.sendall(HEAD % len(BODY) + BODY)
        assert _read_answer(sock).startswith(b"HTTP/1.1 200 ")
