"""Another program holding the database: the daemon waits for it without freezing, starts once
it lets go, and two OxiTracks opening one file at once both succeed (from an operations audit)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2 as httpx
import pytest

from oxitrack.store import Store
from tests.daemon_process import DaemonProcess
from tests.sessions_model import stored_sessions

pytestmark = pytest.mark.e2e


@contextmanager
def write_lock_held(db: Path) -> Iterator[None]:
    """Another program's write transaction on ``db`` (a ``sqlite3`` shell in ``BEGIN``)."""
    other = sqlite3.connect(db, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_while_another_program_holds_the_write_lock_the_daemon_keeps_answering(
    daemon: DaemonProcess,
):
    """The write used to wait for the lock on the event loop: /health and /today stalled 5 s
    for each queued batch. The beat now waits in a worker thread and is stored once the lock
    goes; everything else is answered meanwhile."""
    answers: list[httpx.Response] = []
    with write_lock_held(daemon.db_path):
        sending = threading.Thread(
            target=lambda: answers.append(
                httpx.post(
                    f"{daemon.url}/beat",
                    json={"project_path": "/code/x", "timestamp": 1_764_100_000},
                    timeout=30,
                )
            )
        )
        sending.start()
        # Well under the 5 s the write may wait: the loop must answer while the beat waits.
        assert httpx.get(f"{daemon.url}/health", timeout=2).status_code == 200
        assert httpx.get(f"{daemon.url}/today", timeout=2).status_code == 200
        assert answers == []  # the beat is still waiting for the lock
    sending.join(30)
    assert [answer.status_code for answer in answers] == [200]
    assert stored_sessions(daemon.db_path) == [("/code/x", 1_764_100_000, 1_764_100_000)]


def test_beats_waiting_for_a_held_lock_each_wait_no_longer_than_a_write_may(
    daemon: DaemonProcess,
):
    """Each waiting batch used to wait its 5 s after those before it: the third beat's 503 came
    after 11 s, and some beats were answered after 20 s. Each is now answered within a write's
    wait of its own arrival."""
    started = time.monotonic()
    answers: dict[int, tuple[int, float]] = {}

    def send(second: int) -> None:
        beat = {"project_path": "/code/x", "timestamp": 1_764_100_000 + second}
        answer = httpx.post(f"{daemon.url}/beat", json=beat, timeout=30)
        answers[second] = (answer.status_code, time.monotonic() - started)

    with write_lock_held(daemon.db_path):
        sending = [threading.Thread(target=send, args=(second,)) for second in range(3)]
        for thread in sending:
            thread.start()
        for thread in sending:
            thread.join(30)
    assert sorted(status for status, _ in answers.values()) == [503, 503, 503]
    # All three came within one wait (5 s) of their arrival: none waited behind another.
    assert max(seconds for _, seconds in answers.values()) < 9
    send(60)
    assert answers[60][0] == 200


def test_a_daemon_stopped_while_a_beat_waits_for_the_lock_answers_it_503(
    daemon: DaemonProcess,
):
    """Waiting beats got plain-text 500s and the stop took 55 s: the server cancelled their
    requests before their writes had given up, one after another. A stop now lets a waiting
    beat's write give up first, and answers it as any refused write."""
    answers: list[httpx.Response] = []
    beat = {"project_path": "/code/x", "timestamp": 1_764_100_000}
    assert httpx.post(f"{daemon.url}/beat", json=beat).status_code == 200  # folder now known
    assert daemon.process is not None
    threads = _thread_count(daemon.process.pid)
    with write_lock_held(daemon.db_path):
        sending = threading.Thread(
            target=lambda: answers.append(
                httpx.post(f"{daemon.url}/beat", json={"project_path": "/code/x"}, timeout=30)
            )
        )
        sending.start()
        while _thread_count(daemon.process.pid) == threads:
            pass  # until the daemon starts the thread where the beat waits for the lock
        assert daemon.stop(timeout=20) == 0
        sending.join(30)
    [answer] = answers
    assert (answer.status_code, answer.json()["error"]) == (503, "store_unavailable")
    assert "Traceback" not in "".join(daemon.stderr_lines)


def test_a_held_database_in_a_folder_not_utf8_is_answered_503_not_500(tmp_path: Path):
    """The refusal names the database, and JSON cannot carry a folder name's bytes that are not
    UTF-8: the 503 became a 500, so a client took the daemon for broken, not busy. The name is
    given as /health gives it."""
    folder = Path(os.fsdecode(os.fsencode(tmp_path) + b"/\xff"))
    folder.mkdir()
    process = DaemonProcess(folder / "held.db").start()
    try:
        beat = {"project_path": "/code/x", "timestamp": 1_764_100_000}
        assert httpx.post(f"{process.url}/beat", json=beat).status_code == 200
        with write_lock_held(folder / "held.db"):
            answer = httpx.post(f"{process.url}/beat", json=beat, timeout=30)
        assert (answer.status_code, answer.json()["error"]) == (503, "store_unavailable")
    finally:
        process.stop()
    # As an editor reads the name, each byte not UTF-8 as U+FFFD.
    assert f"{tmp_path}/\ufffd/held.db" in answer.json()["message"]
    assert "Traceback" not in "".join(process.stderr_lines)


def _thread_count(pid: int) -> int:
    """How many threads the process has (Linux)."""
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


def test_the_daemon_starting_on_a_held_database_waits_for_it(tmp_path: Path):
    """It exited 1 after 5 s, and systemd gave up after five such starts: a backup or a report
    holding the file at login left the service failed."""
    db = tmp_path / "oxitrack.db"
    Store(db).close()
    with write_lock_held(db):
        process = subprocess.Popen(
            [sys.executable, "-m", "oxitrack", "serve", "--db", str(db), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stderr is not None and process.stdout is not None
            waiting = process.stderr.readline()
            assert "database is locked (another program holds the database)" in waiting
            assert "waiting up to 120 s" in waiting
        except BaseException:
            process.kill()
            raise
    try:
        assert process.stdout.readline().startswith("oxitrack listening on http://127.0.0.1:")
    finally:
        process.terminate()
        process.wait(10)
        process.stdout.close()
        process.stderr.close()


# Imports first, then waits for a go on stdin: the two opens start as close together as can be.
OPEN_ONE = (
    "import sys; from oxitrack.store import Store; print('ready', flush=True);"
    " sys.stdin.read(1); Store(sys.argv[1]).close()"
)


@pytest.mark.parametrize("content", ["new", "seed"])
def test_two_processes_opening_one_file_at_once_both_succeed(tmp_path: Path, content: str):
    """Switching a file to WAL takes a lock SQLite does not wait for: one of two processes
    opening a new or seed file together failed "database is locked" (6 runs in 60)."""
    seed = Path(__file__).parents[1] / "fixtures" / "seed-v0.db"
    for run in range(20):
        db = tmp_path / f"{run}.db"
        if content == "seed":
            db.write_bytes(seed.read_bytes())
        both = [
            subprocess.Popen(
                [sys.executable, "-c", OPEN_ONE, str(db)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        for process in both:
            assert process.stdout is not None and process.stdout.readline() == "ready\n"
        for process in both:
            assert process.stdin is not None
            process.stdin.write("go")
            process.stdin.close()
        outcomes = [(process.wait(60), process.stderr.read()) for process in both]
        for process in both:
            process.stdout.close()
            process.stderr.close()
        # The one that found the file held may say it waits; neither may fail.
        assert [code for code, _ in outcomes] == [0, 0], (run, outcomes)
