"""Many clients at once against a real daemon: no duplicate or overlapping session, no lost beat.

Each client has its own keep-alive connection and sends beats for shared projects with shuffled,
out-of-order timestamps. Afterwards the sessions table must be exactly what the brute-force model
makes of every acknowledged beat.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from oxitrack.sessions import Beat
from oxitrack.store import Store
from tests.daemon_process import DaemonProcess
from tests.sessions_model import assert_no_overlap, model_sessions, stored_sessions
from tests.wakatime_recordings import basic

pytestmark = pytest.mark.e2e

PROJECTS = ["/code/shared", "/code/other", "/code/third"]
CLIENTS = 32
BEATS_PER_CLIENT = 40


def _beats_for(client: int, base: int) -> list[tuple[str, int]]:
    """Beats spread over a few hours in 150 s steps, so sessions grow, split and get bridged."""
    rng = random.Random(client)
    return [
        (rng.choice(PROJECTS), base + rng.randrange(0, 120) * 150) for _ in range(BEATS_PER_CLIENT)
    ]


def _beat_from_thread(
    url: str, beats: list[tuple[str, int]], start: threading.Barrier, acked: list, failures: list
) -> None:
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            start.wait(30)
            for project_path, timestamp in beats:
                body = {"project_path": project_path, "timestamp": timestamp}
                answer = client.post("/beat", json=body)
                if answer.status_code != 200:
                    failures.append((answer.status_code, answer.text))
                elif answer.json()["project_path"] != project_path:
                    failures.append((answer.status_code, answer.text))
                else:
                    acked.append((project_path, timestamp))
    except Exception as exc:  # reported by the test, not lost in a thread
        failures.append((0, repr(exc)))


def test_32_threads_beating_the_same_projects_lose_nothing(daemon: DaemonProcess):
    base = int(time.time()) - 3 * 86_400
    acked: list[tuple[str, int]] = []
    failures: list[tuple[int, str]] = []
    start = threading.Barrier(CLIENTS)
    threads = [
        threading.Thread(
            target=_beat_from_thread,
            args=(daemon.url, _beats_for(n, base), start, acked, failures),
        )
        for n in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    assert len(acked) == CLIENTS * BEATS_PER_CLIENT
    stored = stored_sessions(daemon.db_path)
    assert_no_overlap(stored)
    assert stored == model_sessions(acked)


async def _beat_async(client: httpx.AsyncClient, beats: list[tuple[str, int]]) -> list:
    acked = []
    for project_path, timestamp in beats:
        answer = await client.post(
            "/beat", json={"project_path": project_path, "timestamp": timestamp}
        )
        assert answer.status_code == 200, answer.text
        acked.append((project_path, timestamp))
    return acked


def test_64_async_clients_and_a_second_writer_process_agree_with_the_model(
    daemon: DaemonProcess,
):
    """While 64 asyncio clients load the daemon, this process writes to the same file directly
    (as a CLI command would): both writers queue on the database lock and nothing is lost."""
    base = int(time.time()) - 3 * 86_400
    direct = [(PROJECTS[0], base + 75 + 150 * i) for i in range(0, 120, 3)]  # between the others

    def write_directly() -> None:
        with Store(daemon.db_path) as store:
            for project_path, timestamp in direct:
                store.record_beat(Beat(project_path, timestamp))

    async def main() -> list[tuple[str, int]]:
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with httpx.AsyncClient(base_url=daemon.url, timeout=30, limits=limits) as client:
            batches = await asyncio.gather(
                *(_beat_async(client, _beats_for(100 + n, base)) for n in range(64))
            )
        return [beat for batch in batches for beat in batch]

    writer = threading.Thread(target=write_directly)
    writer.start()
    acked = asyncio.run(main())
    writer.join(60)
    assert not writer.is_alive()
    stored = stored_sessions(daemon.db_path)
    assert_no_overlap(stored)
    assert stored == model_sessions(acked + direct)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "oxitrack", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_two_daemons_on_one_file_and_cli_commands_meanwhile_lose_nothing(
    daemon: DaemonProcess, tmp_path: Path
):
    """Two `oxitrack serve` on one database (a service plus one started by hand on another
    port), each under load, while projects are renamed and merged, and the file is backed up,
    exported and checked: every write takes the file's lock and reads what it changes inside
    its transaction, so the two are redundant but the sessions stay exactly the model's."""
    second = DaemonProcess(daemon.db_path).start()
    try:
        base = int(time.time()) - 3 * 86_400
        # Every project exists before the commands that name them run.
        acked = [(project_path, base) for project_path in PROJECTS]
        for project_path, timestamp in acked:
            body = {"project_path": project_path, "timestamp": timestamp}
            assert httpx.post(f"{second.url}/beat", json=body).status_code == 200
        failures: list[tuple[int, str]] = []
        start = threading.Barrier(2 * 8)
        threads = [
            threading.Thread(
                target=_beat_from_thread,
                args=(url, _beats_for(200 + n, base), start, acked, failures),
            )
            for n, url in enumerate([daemon.url, second.url] * 8)
        ]
        db = ["--db", str(daemon.db_path)]
        commands = [
            ["projects", "rename", "--via", "file", PROJECTS[1], "Renamed", *db],
            ["backup", "--force", str(tmp_path / "copy.db"), *db],
            ["export", "--force", "-o", str(tmp_path / "sessions.csv"), *db],
            ["check", *db],
            ["projects", "merge", "--via", "file", PROJECTS[2], PROJECTS[0], *db],
        ]
        refused: list[tuple[list[str], int, str]] = []
        rounds = 0
        for thread in threads:
            thread.start()
        while rounds == 0 or any(thread.is_alive() for thread in threads):
            rounds += 1
            for command in commands:
                done = _cli(*command)
                # Merging twice finds the two folders in one project already: that is all.
                if done.returncode != 0 and "same project" not in done.stderr:
                    refused.append((command, done.returncode, done.stderr))
        for thread in threads:
            thread.join(120)
        assert refused == []
        assert failures == []
        assert len(acked) == len(PROJECTS) + 2 * 8 * BEATS_PER_CLIENT
        for process in (daemon, second):
            assert process.stop() == 0, process.stderr_lines
        stored = stored_sessions(daemon.db_path)
        assert_no_overlap(stored)
        assert stored == model_sessions(acked)
        assert _cli("check", *db).returncode == 0
    finally:
        second.kill()


def test_a_batch_of_heartbeats_for_files_nowhere_here_holds_up_no_other_client(
    daemon: DaemonProcess,
):
    """A heartbeat's repository is looked for, on the event loop, in the folders above its
    file. A batch of 1000 heartbeats, each for a file 2000 made-up folders deep, took 30 s of
    looks at folders that do not exist, and nobody else was answered meanwhile."""
    deep = "/made-up" * 500
    batch = [
        {"entity": f"{deep}/{number}.py", "type": "file", "time": time.time()}
        for number in range(1000)
    ]
    answer, waits = _health_waits_while_sending(daemon, batch)
    assert answer.status_code == 201
    assert max(waits) < 1, waits


def test_a_batch_for_files_in_a_deep_folder_holds_up_no_other_client(
    daemon: DaemonProcess, tmp_path: Path
):
    """Looking for a heartbeat's repository in a folder 1000 levels deep takes about 0.15 s
    here (every step resolves the whole path again), and a batch's heartbeats were all looked
    at on the event loop: a batch of 20 held every other client for 3 s. Batches are read in
    a thread of their own."""
    with _deep_folder(tmp_path, 700) as folder:
        batch = [
            {"entity": f"{folder}/{number}.py", "type": "file", "time": time.time() - number}
            for number in range(40)
        ]
        answer, waits = _health_waits_while_sending(daemon, batch)
    assert answer.status_code == 201
    assert [status for _, status in answer.json()["responses"]] == [201] * 40
    assert len(waits) > 1 and max(waits) < 1, waits


def _health_waits_while_sending(
    daemon: DaemonProcess, batch: list[dict[str, object]]
) -> tuple[httpx.Response, list[float]]:
    """The answer to ``batch`` sent as a WakaTime batch, and how long each ``/health`` asked
    all along its upload and reading waited for its own answer."""
    answers: list[httpx.Response] = []
    waits: list[float] = []
    with httpx.Client(base_url=daemon.url, timeout=60) as client:
        sending = threading.Thread(
            target=lambda: answers.append(
                client.post(
                    "/api/v1/users/current/heartbeats.bulk",
                    json=batch,
                    headers={"Authorization": basic()},
                )
            )
        )
        sending.start()
        try:
            with httpx.Client(base_url=daemon.url, timeout=10) as other:
                while sending.is_alive():
                    waits.append(other.get("/health").elapsed.total_seconds())
        finally:
            sending.join()
    [answer] = answers
    return answer, waits


@contextlib.contextmanager
def _deep_folder(base: Path, depth: int) -> Iterator[str]:
    """``base/a/a/…`` ``depth`` levels down, made and removed one level at a time:
    ``os.makedirs`` and ``shutil.rmtree`` (pytest's own clean-up of old runs) recurse once
    per level, and a folder left this deep would stop the next run's clean-up."""
    levels = [f"{base}{'/a' * level}" for level in range(1, depth + 1)]
    made: list[str] = []
    try:
        for level in levels:
            os.mkdir(level)
            made.append(level)
        yield levels[-1]
    finally:
        for level in reversed(made):
            os.rmdir(level)
