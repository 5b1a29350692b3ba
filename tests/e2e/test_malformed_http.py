"""Broken HTTP on a raw socket: the real daemon answers 4xx or hangs up, never 500, and lives on."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess
from tests.sessions_model import stored_sessions

pytestmark = pytest.mark.e2e

BODY = b'{"project_path": "/code/x"}'
GOOD_HEAD = b"POST /beat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"

MALFORMED = {
    "garbage": b"GARBAGE\r\n\r\n",
    "binary": bytes(range(256)) * 4,
    "nul-in-request-line": b"POST /be\x00at HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "header-without-colon": b"POST /beat HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n",
    "negative-content-length": GOOD_HEAD + b"Content-Length: -5\r\n\r\n" + BODY,
    "two-content-lengths": GOOD_HEAD + b"Content-Length: 5\r\nContent-Length: 27\r\n\r\n" + BODY,
    "content-length-and-chunked": GOOD_HEAD
    + b"Content-Length: 27\r\nTransfer-Encoding: chunked\r\n\r\n"
    + BODY,
    "bad-chunk-size": GOOD_HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n" + BODY,
    "body-shorter-than-declared": GOOD_HEAD + b"Content-Length: 500\r\n\r\n" + BODY,
    "huge-header": b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n",
    "http2-preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    "http-0.9": b"GET /\r\n",
    "unknown-version": b"GET / HTTP/7.1\r\nHost: 127.0.0.1\r\n\r\n",
    "absolute-uri": b"GET http://evil.example/beat HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "non-ascii-header-value": GOOD_HEAD + b"X-Name: \xff\xfe\r\nContent-Length: 27\r\n\r\n" + BODY,
    "truncated-request-line": b"POST /be",
}


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaemonProcess]:
    """One daemon for the whole module: each test also checks it survived the ones before."""
    process = DaemonProcess(tmp_path_factory.mktemp("malformed") / "daemon.db").start()
    try:
        yield process
    finally:
        process.kill()


def _exchange(port: int, payload: bytes, timeout: float = 5.0) -> bytes:
    """Send ``payload``, close our side, and read whatever comes back until the daemon hangs up."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            return b""  # the daemon hung up before reading it all: a refusal, not a crash
        received = bytearray()
        for _ in range(1000):  # bounded: a reply is a few hundred bytes
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            received += chunk
        return bytes(received)


@pytest.mark.parametrize("payload", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_http_is_refused_and_the_daemon_keeps_serving(
    daemon: DaemonProcess, payload: bytes
):
    reply = _exchange(daemon.port, payload)
    for line in reply.split(b"\r\n"):
        if line.startswith(b"HTTP/1."):
            status = int(line.split()[1])
            assert status < 500, reply[:300]
    assert daemon.process is not None and daemon.process.poll() is None
    answer = httpx.post(
        f"{daemon.url}/beat", content=BODY, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 200
    assert not any("Traceback" in line for line in daemon.stderr_lines), daemon.stderr_lines


UNPARSABLE = [
    "garbage",
    "binary",
    "header-without-colon",
    "two-content-lengths",
    "bad-chunk-size",
    "http2-preface",
    "unknown-version",
]


@pytest.mark.parametrize("name", UNPARSABLE)
def test_bytes_that_are_not_http_get_the_json_error_shape(daemon: DaemonProcess, name: str):
    head, _, body = _exchange(daemon.port, MALFORMED[name]).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").lower().split("\r\n")
    assert lines[0] == "http/1.1 400 bad request"
    assert "content-type: application/json" in lines
    assert f"content-length: {len(body)}" in lines
    error = json.loads(body)
    assert error["error"] == "bad_request"
    assert "not a valid HTTP/1.1 request" in error["message"]


def test_all_malformed_requests_at_once_leave_the_daemon_serving(daemon: DaemonProcess):
    """Many broken connections open together (some never finished) do not wedge the loop."""
    held = [socket.create_connection(("127.0.0.1", daemon.port), timeout=5) for _ in range(50)]
    try:
        for sock, payload in zip(held, list(MALFORMED.values()) * 4, strict=False):
            sock.sendall(payload[:40])  # half a request each, left hanging
        answer = httpx.post(
            f"{daemon.url}/beat", content=BODY, headers={"content-type": "application/json"}
        )
        assert answer.status_code == 200
    finally:
        for sock in held:
            sock.close()


def test_a_flood_of_bytes_that_are_not_http_is_one_log_line_not_one_per_request(tmp_path: Path):
    """A port scanner must not fill the journal; asking to upgrade is no fault at all."""
    process = DaemonProcess(tmp_path / "daemon.db").start()
    try:
        for _ in range(20):
            assert _exchange(process.port, MALFORMED["garbage"]).startswith(b"HTTP/1.1 400 ")
        upgrade = (
            b"GET /today HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n"
            b"Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        )
        for payload in (upgrade, upgrade.replace(b"websocket", b"h2c")):
            with socket.create_connection(("127.0.0.1", process.port), timeout=5) as sock:
                sock.sendall(payload)  # and keep the connection open for the answer
                assert sock.recv(65536).startswith(b"HTTP/1.1 200 OK\r\n")
    finally:
        assert process.stop() == 0
    logged = [line.split(" ", 2)[2] for line in process.stderr_lines]
    # The first refusal at once; the other 19 fall in the same minute, summed up when it ends,
    # or, as here, when the daemon stops before it does.
    assert logged == [
        "WARNING refused 1 request as not HTTP (400), the latest from 127.0.0.1\n",
        "WARNING refused 19 requests as not HTTP (400), the latest from 127.0.0.1\n",
    ]


def _beat_request(project_path: str) -> bytes:
    body = json.dumps({"project_path": project_path}).encode()
    return GOOD_HEAD + b"Content-Length: %d\r\n\r\n" % len(body) + body


@pytest.mark.parametrize(
    "broken",
    [
        MALFORMED["garbage"],
        MALFORMED["bad-chunk-size"],
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n",
    ],
    ids=["garbage", "bad-chunk", "head-too-large"],
)
# One before it: being answered, none waiting; two: one being answered, one waiting its turn.
@pytest.mark.parametrize("before", [1, 2])
def test_a_broken_request_after_good_ones_is_answered_after_them(
    daemon: DaemonProcess, broken: bytes, before: int
):
    """Pipelined requests are answered in order, so the refusal of the third comes third. It
    came first and alone: the client read it as the answer to its first beat (a 400, which
    editors drop), and the two good beats were neither stored nor answered."""
    paths = [f"/code/before-{len(broken)}-{before}-{i}" for i in range(before)]
    reply = _exchange(daemon.port, b"".join(map(_beat_request, paths)) + broken)
    statuses = [int(status) for status in re.findall(rb"HTTP/1\.1 (\d{3}) ", reply)]
    assert statuses[:before] == [200] * before, reply
    assert statuses[before:] in ([400], [431]), reply
    assert reply.lower().count(b"connection: close") == 1
    assert {span[0] for span in stored_sessions(daemon.db_path)} >= set(paths)


@pytest.mark.parametrize("coding", [b"gzip, chunked", b"deflate,chunked", b"x-custom, CHUNKED"])
def test_a_transfer_coding_other_than_chunked_is_refused_by_name(
    daemon: DaemonProcess, coding: bytes
):
    """The body of ``gzip, chunked`` reached the app still coded: stored as if plain when it
    was not really compressed, else answered "the body is not UTF-8 text". The daemon decodes
    chunked only (RFC 9112 6.1: refuse a coding it does not know)."""
    body = json.dumps({"project_path": f"/code/coded-{coding.decode()}"}).encode()
    chunk = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    payload = GOOD_HEAD + b"Transfer-Encoding: " + coding + b"\r\n\r\n" + chunk
    head, _, answer = _exchange(daemon.port, payload).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 "), head
    assert b"connection: close" in head.lower()
    error = json.loads(answer)
    assert error["error"] == "bad_request"
    assert "Transfer-Encoding" in error["message"]
    assert not [span for span in stored_sessions(daemon.db_path) if "coded" in span[0]]


def test_a_head_refused_by_name_is_not_also_refused_as_not_http(tmp_path: Path):
    """A head too large (431) or with a transfer coding not decoded (400) gets its own answer
    alone: not a second one for bytes that are not HTTP, nor a line in the log counting it so."""
    process = DaemonProcess(tmp_path / "daemon.db").start()
    try:
        large = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n"
        coded = GOOD_HEAD + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"
        for payload, status in ((large, b"431"), (coded, b"400")):
            answer = _exchange(process.port, payload)
            assert answer.startswith(b"HTTP/1.1 " + status + b" "), answer[:200]
            assert answer.count(b"HTTP/1.1 ") == 1, answer
            assert b"not a valid HTTP/1.1 request" not in answer
    finally:
        assert process.stop() == 0
    assert not [line for line in process.stderr_lines if "not HTTP" in line], process.stderr_lines


def test_a_refusal_after_a_pipelined_request_closes_without_the_client_closing_first(
    daemon: DaemonProcess,
):
    """The refusal waits for the answer to the request before it, then the connection is
    closed at once: a client that keeps its side open is not left waiting on it until uvicorn's
    keep-alive timeout (5 s), which a connection kept open after the refusal would get."""
    path = "/code/before-a-refusal-kept-open"
    with socket.create_connection(("127.0.0.1", daemon.port), timeout=4) as sock:
        sock.sendall(_beat_request(path) + MALFORMED["garbage"])
        received = bytearray()
        while chunk := sock.recv(65536):  # TimeoutError: the daemon did not close it
            received += chunk
    statuses = re.findall(rb"HTTP/1\.1 (\d{3}) ", bytes(received))
    assert statuses == [b"200", b"400"], bytes(received)
