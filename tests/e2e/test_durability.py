"""kill -9 under load loses no acknowledged beat, and the daemon starts cleanly afterwards."""

from __future__ import annotations

import contextlib
import json
import random
import signal
import socket
import sys
import threading
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess
from tests.sessions_model import assert_no_overlap, stored_sessions

pytestmark = pytest.mark.e2e

CLIENTS = 8
MAX_BEATS_PER_CLIENT = 5000  # a bound: the kill normally ends the load long before
ACKS_BEFORE_KILL = 600


class Load:
    """Client threads beating until the daemon dies; they keep what was acknowledged."""

    def __init__(self, url: str, base: int) -> None:
        self.url = url
        self.base = base
        self.lock = threading.Lock()
        self.acked: list[tuple[str, int]] = []
        self.sent: set[tuple[str, int]] = set()
        self.unexpected: list[str] = []
        self.threads = [threading.Thread(target=self._run, args=(n,)) for n in range(CLIENTS)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self, timeout: float) -> None:
        for thread in self.threads:
            thread.join(timeout)

    def ack_count(self) -> int:
        with self.lock:
            return len(self.acked)

    def _run(self, n: int) -> None:
        rng = random.Random(n)
        with httpx.Client(base_url=self.url, timeout=10) as client:
            for _ in range(MAX_BEATS_PER_CLIENT):
                beat = (f"/code/p{rng.randrange(4)}", self.base + rng.randrange(0, 400) * 100)
                with self.lock:
                    self.sent.add(beat)
                try:
                    answer = client.post(
                        "/beat", json={"project_path": beat[0], "timestamp": beat[1]}
                    )
                except httpx.TransportError:
                    return  # the daemon is gone: this beat was never acknowledged
                if 200 <= answer.status_code < 300:
                    with self.lock:
                        self.acked.append(beat)
                else:
                    self.unexpected.append(f"{answer.status_code} {answer.text}")
                    return


def test_sigkill_under_load_loses_no_acknowledged_beat(daemon: DaemonProcess):
    load = Load(daemon.url, base=int(time.time()) - 2 * 86_400)
    load.start()
    deadline = time.monotonic() + 60
    while load.ack_count() < ACKS_BEFORE_KILL and time.monotonic() < deadline:
        time.sleep(0.01)  # polling the count with a deadline, not waiting for a state
    daemon.kill()  # SIGKILL, mid-load: no shutdown code runs
    load.join(30)
    assert load.unexpected == []
    assert load.ack_count() >= ACKS_BEFORE_KILL

    daemon.start()  # same file, same port
    answer = httpx.post(f"{daemon.url}/beat", json={"project_path": "/code/after-crash"})
    assert answer.status_code == 200
    assert not any("Traceback" in line for line in daemon.stderr_lines)
    assert daemon.stop() == 0

    stored = [s for s in stored_sessions(daemon.db_path) if s[0] != "/code/after-crash"]
    assert_no_overlap(stored)
    for project_path, timestamp in load.acked:
        assert any(
            path == project_path and start <= timestamp <= last for path, start, last in stored
        ), f"acknowledged beat {project_path} @ {timestamp} is in no session"
    for path, start, last in stored:  # nothing invented: bounds are beats some client sent
        assert (path, start) in load.sent
        assert (path, last) in load.sent


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["sigterm", "sighup"])
def test_a_stop_signal_stops_gracefully_with_exit_0_and_the_wal_folded_in(
    daemon: DaemonProcess, sig: int
):
    """The shutdown path runs its cleanup: final checkpoint and close (then SQLite drops the
    WAL). SIGHUP is what closing the terminal a daemon runs in sends."""
    answer = httpx.post(f"{daemon.url}/beat", json={"project_path": "/code/x"})
    assert answer.status_code == 200
    assert daemon.db_path.with_name(daemon.db_path.name + "-wal").exists()
    assert daemon.stop(sig=sig) == 0
    assert not daemon.db_path.with_name(daemon.db_path.name + "-wal").exists()
    assert stored_sessions(daemon.db_path)[0][0] == "/code/x"


def _pipelined_beats(port: int, count: int, base: int) -> None:
    """Send ``count`` beats on one keep-alive connection, 50 in flight at a time: a fast load."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        for first in range(0, count, 50):
            requests = []
            for i in range(first, min(first + 50, count)):
                body = json.dumps({"project_path": f"/code/p{i % 4}", "timestamp": base + i})
                requests.append(
                    "POST /beat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n{body}"
                )
            sock.sendall("".join(requests).encode())
            received = b""
            for _ in range(10_000):  # bounded: 50 short answers
                if received.count(b"HTTP/1.1 200") == len(requests) and received.endswith(b"}"):
                    break
                chunk = sock.recv(65536)
                assert chunk, "daemon closed the connection"
                received += chunk
            assert received.count(b"HTTP/1.1 ") == received.count(b"HTTP/1.1 200") == len(requests)


def test_wal_stays_bounded_under_sustained_load(daemon: DaemonProcess):
    """PASSIVE checkpoints alone never rewind a WAL that is written to all the time."""
    wal = daemon.db_path.with_name(daemon.db_path.name + "-wal")
    largest = 0
    done = threading.Event()

    def watch() -> None:
        nonlocal largest
        while not done.wait(0.02):
            with contextlib.suppress(OSError):
                largest = max(largest, wal.stat().st_size)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        _pipelined_beats(daemon.port, 12_000, base=int(time.time()) - 86_400)
    finally:
        done.set()
        watcher.join(10)
    assert largest < 24 * 1024 * 1024, f"WAL reached {largest / 2**20:.0f} MiB"
    assert len(stored_sessions(daemon.db_path)) == 4


# Logs each os.fsync the daemon's Python code makes, with the file it flushes (SQLite's own
# syncs are made in C and not seen): how the WAL sync after writes shows itself.
_LOG_FSYNC = """
import os, sys
_fsync = os.fsync
def _logged_fsync(fd):
    sys.stderr.write(f"fsync {os.readlink(f'/proc/self/fd/{fd}')}\\n")
    sys.stderr.flush()
    return _fsync(fd)
os.fsync = _logged_fsync
"""


@pytest.mark.skipif(sys.platform != "linux", reason="names descriptors through /proc")
def test_answered_beats_reach_the_disk_within_about_a_second(tmp_path: Path):
    """``synchronous=NORMAL`` commits to the operating system only: a power cut loses what no
    sync has flushed. The WAL is synced in the background each second that saw a write, so
    that window is about a second, not the 30 s between checkpoints."""
    daemon = DaemonProcess(tmp_path / "x.db", prelude=_LOG_FSYNC).start()
    wal_synced = f"fsync {daemon.db_path}-wal\n"
    try:
        for beat in range(2):
            before = daemon.stderr_lines.count(wal_synced)
            sent_at = time.monotonic()
            answer = httpx.post(
                f"{daemon.url}/beat",
                json={"project_path": "/code/x", "timestamp": int(time.time()) - 60 + beat},
            )
            assert answer.status_code == 200
            while daemon.stderr_lines.count(wal_synced) == before:
                assert time.monotonic() - sent_at < 5, "".join(daemon.stderr_lines)
                time.sleep(0.02)
            assert time.monotonic() - sent_at < 2.5
    finally:
        daemon.kill()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_a_stop_signal_under_load_keeps_every_answered_beat(daemon: DaemonProcess, sig: int):
    """A graceful stop (systemd's SIGTERM, Ctrl-C) while beats are in flight and checkpoints
    run: every beat answered 2xx is stored, the others were refused or never answered, and the
    daemon exits as the signal asks, without a traceback and with the WAL folded in."""
    load = Load(daemon.url, base=int(time.time()) - 2 * 86_400)
    load.start()
    deadline = time.monotonic() + 60
    while load.ack_count() < ACKS_BEFORE_KILL and time.monotonic() < deadline:
        time.sleep(0.01)  # polling the count with a deadline, not waiting for a state
    code = daemon.stop(sig=sig)
    load.join(30)
    assert code == (130 if sig == signal.SIGINT else 0)
    assert load.ack_count() >= ACKS_BEFORE_KILL
    assert all(answer.startswith("503 ") for answer in load.unexpected), load.unexpected
    assert not any("Traceback" in line for line in daemon.stderr_lines)
    assert not daemon.db_path.with_name(daemon.db_path.name + "-wal").exists()

    stored = stored_sessions(daemon.db_path)
    assert_no_overlap(stored)
    for project_path, timestamp in load.acked:
        assert any(
            path == project_path and start <= timestamp <= last for path, start, last in stored
        ), f"answered beat {project_path} @ {timestamp} is in no session"
