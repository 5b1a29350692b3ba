"""A daemon whose disk fills up: beats get a 503 that editors keep, never a 500 nor a 200 for a
beat that is not on disk, and once space is back everything is recorded, file undamaged.

The disk is "full" for the daemon alone: its file size limit (``RLIMIT_FSIZE``, set from outside
with ``prlimit``) makes every write past it fail with ``EFBIG``, as a full disk fails with
``ENOSPC``; Python ignores the ``SIGXFSZ`` that comes with it.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess
from tests.sessions_model import model_sessions, stored_sessions

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(sys.platform != "linux", reason="prlimit on another process is Linux's"),
]

BASE = 1_764_100_000


def _limit_file_size(pid: int, limit: int) -> None:
    import resource

    _, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (limit, hard))


@pytest.mark.parametrize("ending", ["stopped", "killed"])
def test_a_full_disk_refuses_beats_with_503_and_loses_none(tmp_path: Path, ending: str) -> None:
    db = tmp_path / "x.db"
    daemon = DaemonProcess(db).start()
    assert daemon.process is not None
    acked: list[tuple[str, int]] = []
    refused: list[tuple[str, int]] = []

    def beat(client: httpx.Client, project: str, timestamp: int) -> int:
        answer = client.post("/beat", json={"project_path": project, "timestamp": timestamp})
        assert answer.status_code in (200, 503), answer.text
        if answer.status_code == 200:
            assert answer.json()["project_path"] == project
            acked.append((project, timestamp))
        else:
            assert answer.json()["error"] == "store_unavailable", answer.text
            assert answer.headers["Retry-After"]
            refused.append((project, timestamp))
        return answer.status_code

    try:
        with httpx.Client(base_url=daemon.url, timeout=30) as client:
            for n in range(50):  # sessions for several projects: pages of their own
                beat(client, f"/code/p{n % 5}", BASE + n * 1000)
            assert len(acked) == 50
            _limit_file_size(daemon.process.pid, 1024)  # nothing may be written past 1 KiB
            for n in range(30):
                beat(client, f"/code/p{n % 5}", BASE + 60 + n * 1000)
                beat(client, "/code/new", BASE + 100_000 + n * 2000)
            assert len(refused) == 60
            # Said at once, but not 60 times: every editor retries, and the log would fill too.
            failed = [line for line in daemon.stderr_lines if "the database failed" in line]
            assert len(failed) == 1, failed
            assert f"cannot write to {db}" in failed[0], failed
            assert client.get("/health").status_code == 200  # reading goes on
            assert client.get("/today").status_code == 200
            _limit_file_size(daemon.process.pid, -1)  # space again: RLIM_INFINITY
            for project, timestamp in list(refused):  # as an editor's outbox replays them
                assert beat(client, project, timestamp) == 200
        assert daemon.process.poll() is None, "".join(daemon.stderr_lines)
    finally:
        if ending == "stopped":
            assert daemon.stop() == 0, "".join(daemon.stderr_lines)
        else:
            daemon.kill()
    said = "".join(daemon.stderr_lines)
    assert "Traceback" not in said and "internal_error" not in said, said
    assert stored_sessions(db) == model_sessions(acked)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
