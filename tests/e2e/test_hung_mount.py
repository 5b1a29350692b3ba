"""A folder on a mount that stopped answering, against a real daemon: everyone else is answered.

An NFS or SMB share whose server went away, or an sshfs whose connection died, keeps every call
into it waiting. One beat from such a folder used to stop the daemon's event loop: no client was
answered (the other projects' beats, ``/today``, the dashboard), and SIGTERM did not stop it, until
the server came back. Now that beat gets a 503 in a few seconds, which editors keep and send again.
"""

from __future__ import annotations

import concurrent.futures
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from oxitrack.api.slow_folders import FOLDER_TIMEOUT_SECONDS, MAX_WAITING_THREADS
from tests.daemon_process import DaemonProcess
from tests.hung_mount import hung_mount
from tests.sessions_model import stored_sessions
from tests.wakatime_recordings import basic

pytestmark = pytest.mark.e2e


def test_a_hung_mount_delays_only_its_own_beats(daemon: DaemonProcess, tmp_path: Path):
    local = tmp_path / "local"
    local.mkdir()
    now = int(time.time())
    with (
        hung_mount(tmp_path / "share") as mount,  # mounted after the daemon started
        concurrent.futures.ThreadPoolExecutor() as pool,
        httpx.Client(base_url=daemon.url, timeout=30) as client,
    ):
        share = mount.path
        stuck = pool.submit(
            client.post, "/beat", json={"project_path": str(share / "app"), "timestamp": now}
        )
        while not stuck.running():
            time.sleep(0.01)
        started = time.monotonic()
        with httpx.Client(base_url=daemon.url, timeout=2) as other:  # its own connection
            answered = other.post("/beat", json={"project_path": str(local), "timestamp": now})
            today = other.get("/today", headers={"Accept": "application/json"})
            assert answered.status_code == 200, answered.text
            assert today.status_code == 200, today.text
        assert not stuck.done()  # the others were answered while it waited
        refused = stuck.result(timeout=FOLDER_TIMEOUT_SECONDS + 10)
        waited = time.monotonic() - started
        renamed = client.post(
            "/api/projects/rename", json={"project": str(share / "app"), "name": "on the share"}
        )
        heartbeat = client.post(
            "/api/v1/users/current/heartbeats.bulk",
            headers={"Authorization": basic()},
            json=[
                {"entity": str(share / "app" / "main.py"), "type": "file", "time": now},
                {"entity": str(local / "notes.md"), "type": "file", "time": now + 1},
            ],
        )
    assert refused.status_code == 503, refused.text
    assert refused.headers["retry-after"] == "30"
    assert refused.json() == {
        "error": "folder_not_answering",
        "message": f"project_path: {share / 'app'} is on a network or FUSE mount that did not "
        f"answer within {FOLDER_TIMEOUT_SECONDS:g} s; try again later",
        "field": "project_path",
    }
    assert waited < FOLDER_TIMEOUT_SECONDS + 5
    assert renamed.status_code == 503, renamed.text
    assert renamed.json()["error"] == "folder_not_answering"
    # Not a 400, which wakatime-cli takes as final: the whole batch is kept and sent again.
    assert heartbeat.status_code == 503, heartbeat.text
    assert heartbeat.json()["field"] == "entity"
    assert stored_sessions(daemon.db_path) == [(str(local), now, now)]
    assert daemon.stop() == 0  # the threads still waiting on the mount do not hold it


def test_once_the_mount_answers_its_beats_are_recorded(daemon: DaemonProcess, tmp_path: Path):
    """The threads left waiting come back when the mount answers (here with an error: a folder
    that cannot be read is recorded by its path, like a remote workspace's)."""
    now = int(time.time())
    beat = {"project_path": str(tmp_path / "share" / "app"), "timestamp": now}
    with (
        httpx.Client(base_url=daemon.url, timeout=30) as client,
        concurrent.futures.ThreadPoolExecutor(MAX_WAITING_THREADS) as pool,
        hung_mount(tmp_path / "share") as mount,
    ):
        posts = [pool.submit(client.post, "/beat", json=beat) for _ in range(MAX_WAITING_THREADS)]
        refused = [post.result() for post in posts]
        full = client.post("/beat", json=beat)
        mount.end_connection()
        deadline = time.monotonic() + 30
        while (recorded := client.post("/beat", json=beat)).status_code == 503:
            assert time.monotonic() < deadline, recorded.text
            time.sleep(0.05)  # until the threads that waited are back
    assert [answer.status_code for answer in refused] == [503] * MAX_WAITING_THREADS
    assert "still waiting" in full.json()["message"]
    assert full.elapsed.total_seconds() < FOLDER_TIMEOUT_SECONDS  # refused at once
    assert recorded.status_code == 200, recorded.text
    assert stored_sessions(daemon.db_path) == [(beat["project_path"], now, now)]


def test_a_local_symlink_into_a_hung_mount_delays_only_its_own_beats(
    daemon: DaemonProcess, tmp_path: Path
):
    """``~/work`` linked to a folder on a share: the folder's path is local, where it leads is
    not. Its symlink was followed on the event loop, which then waited on the mount, and no
    client was answered, not even ``/health``."""
    link = tmp_path / "work"
    link.symlink_to(tmp_path / "share" / "app")
    now = int(time.time())
    with (
        hung_mount(tmp_path / "share"),
        concurrent.futures.ThreadPoolExecutor() as pool,
        httpx.Client(base_url=daemon.url, timeout=30) as client,
    ):
        beat = {"project_path": str(link), "timestamp": now}
        stuck = pool.submit(client.post, "/beat", json=beat)
        while not stuck.running():
            time.sleep(0.01)
        with httpx.Client(base_url=daemon.url, timeout=2) as other:
            health = other.get("/health")
            answered = other.post("/beat", json={"project_path": str(tmp_path), "timestamp": now})
        assert not stuck.done()
        refused = stuck.result(timeout=FOLDER_TIMEOUT_SECONDS + 10)
    assert health.status_code == 200, health.text
    assert answered.status_code == 200, answered.text
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"] == "folder_not_answering"
    assert refused.json()["field"] == "project_path"
    assert stored_sessions(daemon.db_path) == [(str(tmp_path), now, now)]
    assert daemon.stop() == 0


REPORTS = {  # each with the parameters it needs besides ``project``
    "/api/days": {},
    "/api/sessions": {},
    "/api/breakdown": {"by": "language"},
    "/api/v1/users/current/summaries": {"range": "today"},
}


def test_reports_for_a_folder_on_a_hung_mount_hold_up_no_other(
    daemon: DaemonProcess, tmp_path: Path
):
    """A report's ``project`` naming a folder is resolved (and its repository read) while the
    report holds the store's one reading connection: on a hung share, ``/today``, the status
    bars and every other report waited with it, for as long as the share hung."""
    folder = str(tmp_path / "share" / "app")
    with (
        hung_mount(tmp_path / "share"),
        concurrent.futures.ThreadPoolExecutor() as pool,
        httpx.Client(base_url=daemon.url, timeout=30) as client,
    ):
        stuck = [
            pool.submit(client.get, report, params={**params, "project": folder})
            for report, params in REPORTS.items()
        ]
        while not all(report.running() for report in stuck):
            time.sleep(0.01)
        with httpx.Client(base_url=daemon.url, timeout=2) as other:
            today = other.get("/today")
            projects = other.get("/api/projects")
        refused = [report.result(timeout=FOLDER_TIMEOUT_SECONDS + 10) for report in stuck]
    assert today.status_code == 200, today.text
    assert projects.status_code == 200, projects.text
    assert [answer.status_code for answer in refused] == [503] * len(REPORTS)
    assert {answer.json()["error"] for answer in refused} == {"folder_not_answering"}
    assert {answer.json()["field"] for answer in refused} == {"project"}
    assert daemon.stop() == 0


def test_a_local_repository_whose_git_folder_is_on_a_hung_mount_holds_up_no_other(
    daemon: DaemonProcess, tmp_path: Path
):
    """The repository of a heartbeat's file is found by looking for ``.git`` in the folders
    above it, on the event loop; a ``.git`` linked to a folder on a share was followed there,
    and once the share hung no client was answered, not even ``/health``."""
    repository = tmp_path / "repo"
    repository.mkdir()
    (repository / ".git").symlink_to(tmp_path / "share" / "repo.git")
    heartbeat = {"entity": str(repository / "main.py"), "type": "file", "time": time.time()}
    with (
        concurrent.futures.ThreadPoolExecutor() as pool,
        httpx.Client(base_url=daemon.url, timeout=30) as client,
    ):
        with hung_mount(tmp_path / "share"):
            sent = pool.submit(
                client.post,
                "/api/v1/users/current/heartbeats",
                headers={"Authorization": basic()},
                json=heartbeat,
            )
            while not sent.running():
                time.sleep(0.01)
            with httpx.Client(base_url=daemon.url, timeout=2) as other:
                health = other.get("/health")
                today = other.get("/today")
        # Answered once the mount answers (here with an error), on the client still open:
        # closed first, it broke the answer under way.
        sent.result(timeout=10)
    assert health.status_code == 200, health.text
    assert today.status_code == 200, today.text


# uvicorn's wait for requests still being answered when the daemon stops, 10 s, down to 1 s.
_SHORT_GRACE = """
import uvicorn
_Config = uvicorn.Config
class _ShortGrace(_Config):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**kwargs, "timeout_graceful_shutdown": 1})
uvicorn.Config = _ShortGrace
"""


def test_a_repository_look_waiting_on_a_hung_mount_does_not_keep_the_daemon_from_stopping(
    tmp_path: Path,
):
    """A local folder's repository may lie on a share (its ``.git`` linked there): the look at
    it waits with the share, in a worker thread asyncio waited for at the end, so SIGTERM
    (and Ctrl-C) left the daemon running until the share came back."""
    repository = tmp_path / "repo"
    repository.mkdir()
    (repository / ".git").symlink_to(tmp_path / "share" / "repo.git")
    daemon = DaemonProcess(tmp_path / "daemon.db", prelude=_SHORT_GRACE).start()
    try:
        with hung_mount(tmp_path / "share"), httpx.Client(base_url=daemon.url) as client:
            with pytest.raises(httpx.ReadTimeout):  # the look waits on the share
                client.post("/beat", json={"project_path": str(repository)}, timeout=0.5)
            assert daemon.stop(timeout=10) == 0
    finally:
        daemon.kill()


def test_a_report_for_a_local_repository_kept_on_a_hung_mount_holds_up_no_other(
    daemon: DaemonProcess, tmp_path: Path
):
    """A local folder no beat named yet, whose ``.git`` is linked to a share: a report for
    it looked for its repository while holding the store's one reading connection, and
    ``/today`` waited with it for as long as the share hung."""
    repository = tmp_path / "repo"
    repository.mkdir()
    (repository / ".git").symlink_to(tmp_path / "share" / "repo.git")
    with (
        concurrent.futures.ThreadPoolExecutor() as pool,
        httpx.Client(base_url=daemon.url, timeout=30) as client,
    ):
        with hung_mount(tmp_path / "share"):
            report = pool.submit(client.get, "/api/days", params={"project": str(repository)})
            while not report.running():
                time.sleep(0.01)
            with httpx.Client(base_url=daemon.url, timeout=2) as other:
                today = other.get("/today")
                projects = other.get("/api/projects")
        answered = report.result(timeout=10)  # once the share answers (an error)
    assert today.status_code == 200, today.text
    assert projects.status_code == 200, projects.text
    assert answered.status_code == 200, answered.text
