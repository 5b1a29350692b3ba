"""New folders are identified in a worker thread, before the write: a slow ``git`` never stalls
the event loop or the other clients' beats, and a settled folder is never looked at again."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from oxitrack.api.group_commit import GroupCommit
from oxitrack.api.identities import FolderIdentities
from oxitrack.api.slow_folders import SlowFolders
from oxitrack.config import Settings
from oxitrack.errors import FolderNotAnswering
from oxitrack.mounts import MountWatch
from oxitrack.server import create_app
from oxitrack.sessions import Beat
from oxitrack.store import Store
from oxitrack.store.folders import RECHECK_SECONDS
from tests.conftest import NOW, FakeClock

T = 1_764_100_000
REPOSITORY = "git:" + "1" * 40
WAIT_SECONDS = 10  # a guard against hanging, never a wait for state


class Looks:
    """An ``identify`` that counts its calls, notes where it ran, and can be held up. Folders
    named ``*repo*`` are repositories."""

    def __init__(self, store: Store, slow: str | None = None) -> None:
        self.store = store
        self.slow = slow
        self.release = threading.Event()
        self.started = threading.Event()
        self.calls: list[str] = []
        self.on_loop_thread: list[bool] = []
        self.writing: list[bool] = []

    def __call__(self, path: str) -> str:
        self.calls.append(path)
        self.on_loop_thread.append(threading.current_thread() is threading.main_thread())
        self.writing.append(self.store._write_lock.locked())
        if path.endswith(str(self.slow)):
            self.started.set()
            assert self.release.wait(WAIT_SECONDS)
        return REPOSITORY if "repo" in Path(path).name else f"path:{path}"


def identities_of(db_path: Path) -> dict[str, str]:
    with sqlite3.connect(db_path) as conn:
        return dict(conn.execute("SELECT project_path, identity FROM project_paths"))


def folder(tmp_path: Path, name: str) -> str:
    """A folder that exists on this disk (only those are looked at in a thread)."""
    path = tmp_path / "code" / name
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


def test_a_slow_look_at_a_new_folder_does_not_hold_up_other_beats(
    store: Store, db_path: Path, tmp_path: Path
):
    big, small = folder(tmp_path, "big-repo"), folder(tmp_path, "small")
    looks = Looks(store, slow=big)
    writer = GroupCommit(store, FolderIdentities(store, looks))

    async def main() -> None:
        slow = asyncio.ensure_future(writer.record_beat(Beat(big, T)))
        await asyncio.wait_for(asyncio.to_thread(looks.started.wait, WAIT_SECONDS), WAIT_SECONDS)
        # The look at big-repo is under way in its thread: another folder's beat goes through.
        fast = await asyncio.wait_for(writer.record_beat(Beat(small, T)), WAIT_SECONDS)
        assert fast.project_path == small
        assert not slow.done()
        looks.release.set()
        assert (await asyncio.wait_for(slow, WAIT_SECONDS)).project_path == big

    asyncio.run(main())
    assert identities_of(db_path) == {big: REPOSITORY, small: f"path:{small}"}
    # Every look ran in a worker thread, none inside a write transaction.
    assert looks.on_loop_thread == [False, False] and looks.writing == [False, False]


def test_a_repository_is_looked_at_once_and_a_plain_folder_every_recheck(
    store: Store, tmp_path: Path
):
    repo, plain = folder(tmp_path, "repo"), folder(tmp_path, "plain")
    looks = Looks(store)
    writer = GroupCommit(store, FolderIdentities(store, looks))

    async def main() -> None:
        for i in range(20):
            await writer.record_beat(Beat(repo, T + 60 * i))
            await writer.record_beat(Beat(plain, T + 60 * i))
        await writer.record_beat(Beat(plain, T + RECHECK_SECONDS + 60 * 20))

    asyncio.run(main())
    assert looks.calls.count(repo) == 1
    # At T, once at T + 600 (beat 10) and once at the last beat: never inside the write.
    assert looks.calls.count(plain) == 3
    assert not any(looks.writing) and not any(looks.on_loop_thread)


def test_beats_of_one_new_folder_arriving_together_share_one_look(
    store: Store, db_path: Path, tmp_path: Path
):
    repo = folder(tmp_path, "repo")
    looks = Looks(store)
    writer = GroupCommit(store, FolderIdentities(store, looks))

    async def main() -> None:
        await asyncio.gather(*(writer.record_beat(Beat(repo, T + i)) for i in range(10)))

    asyncio.run(main())
    assert looks.calls == [repo]
    assert identities_of(db_path) == {repo: REPOSITORY}


def test_a_bulk_of_one_folder_spanning_a_recheck_is_looked_at_once(
    store: Store, db_path: Path, tmp_path: Path
):
    """A WakaTime bulk carries hours of one folder's heartbeats: one look serves them all."""
    plain = folder(tmp_path, "plain")
    looks = Looks(store)
    identities = FolderIdentities(store, looks)
    beats = [Beat(plain, T + RECHECK_SECONDS * i) for i in range(3)]

    async def main() -> None:
        found = await identities.find(beats)
        store.record_beats(beats, identify=identities.identify_with(found))

    asyncio.run(main())
    assert looks.calls == [plain]
    assert identities_of(db_path) == {plain: f"path:{plain}"}


def test_a_folder_missing_from_this_disk_is_answered_on_the_spot(store: Store, db_path: Path):
    """A remote workspace's path: nothing to read here, so no thread, and still not in the write."""
    looks = Looks(store)
    writer = GroupCommit(store, FolderIdentities(store, looks))
    asyncio.run(writer.record_beat(Beat("/remote/host/project", T)))
    assert looks.calls == ["/remote/host/project"]
    assert looks.on_loop_thread == [True] and looks.writing == [False]
    assert identities_of(db_path) == {"/remote/host/project": "path:/remote/host/project"}


def test_a_folder_known_from_an_earlier_run_is_not_looked_at_again(db_path: Path, tmp_path: Path):
    repo = folder(tmp_path, "repo")
    with Store(db_path) as store:
        store.record_beats([Beat(repo, T)], identify=Looks(store))
    with Store(db_path) as store:  # a restarted daemon: nothing remembered in memory
        looks = Looks(store)
        writer = GroupCommit(store, FolderIdentities(store, looks))
        asyncio.run(writer.record_beat(Beat(repo, T + 60)))
    assert looks.calls == []


def test_wakatime_heartbeats_of_a_new_folder_are_identified_off_the_write(
    store: Store, db_path: Path, tmp_path: Path
):
    repo = folder(tmp_path, "repo")
    looks = Looks(store)
    app = create_app(store, settings=Settings(db=str(db_path)), clock=FakeClock(), identify=looks)
    heartbeat = {"entity": f"{repo}/main.py", "type": "file", "time": NOW - 5}
    heartbeat["project_root_count"] = len(Path(repo).parts)  # the folder is repo
    with TestClient(app, base_url="http://127.0.0.1:3000") as client:
        answer = client.post("/api/v1/users/current/heartbeats.bulk", json=[heartbeat])
    assert answer.status_code == 201, answer.text
    assert identities_of(db_path) == {repo: REPOSITORY}
    assert looks.on_loop_thread == [False] and looks.writing == [False]


def test_a_folder_reached_by_a_wakatime_project_name_is_looked_at_off_the_write(
    store: Store, db_path: Path, tmp_path: Path
):
    plain = folder(tmp_path, "plain")
    looks = Looks(store)
    app = create_app(store, settings=Settings(db=str(db_path)), clock=FakeClock(), identify=looks)
    in_folder = {"entity": f"{plain}/a.py", "time": NOW - RECHECK_SECONDS - 100}
    in_folder["project_root_count"] = len(Path(plain).parts)
    by_name = {"entity": "Untitled-1", "time": NOW, "project": "plain"}  # due for a new look
    with TestClient(app, base_url="http://127.0.0.1:3000") as client:
        for heartbeat in (in_folder, by_name):
            answer = client.post("/api/v1/users/current/heartbeats.bulk", json=[heartbeat])
            assert answer.json()["responses"][0][1] == 201, answer.text
    assert looks.calls == [plain, plain]
    assert looks.on_loop_thread == [False, False] and looks.writing == [False, False]


def test_a_folder_known_from_an_earlier_run_is_not_held_up_by_a_long_report(
    db_path: Path, tmp_path: Path
):
    """A long report holds the reading connection: the first beat from a folder after a restart
    needs a read, and waited for it (on the event loop at first, holding up every client; then
    in a thread, for as long as the reports queued before it: 6 s behind six project listings
    of a heavy database). It is looked at instead, and the database keeps what it knew."""
    known, other = folder(tmp_path, "known-repo"), folder(tmp_path, "other")
    with Store(db_path) as store:
        store.record_beats([Beat(known, T)], identify=Looks(store))
    reading, report_done = threading.Event(), threading.Event()

    def long_report(store: Store) -> None:
        with store._read_lock:
            reading.set()
            report_done.wait(WAIT_SECONDS)

    with Store(db_path) as store:  # a restarted daemon
        looks = Looks(store)
        writer = GroupCommit(store, FolderIdentities(store, looks))

        async def main() -> None:
            await writer.record_beat(Beat(other, T))  # from now on known in memory
            report = threading.Thread(target=long_report, args=(store,))
            report.start()
            assert reading.wait(WAIT_SECONDS)
            try:
                for beat in (Beat(known, T + 60), Beat(other, T + 60)):
                    answered = await asyncio.wait_for(writer.record_beat(beat), 5)
                    assert answered.project_path == beat.project_path
                assert not report_done.is_set()  # answered while the report still reads
            finally:
                report_done.set()
            report.join(WAIT_SECONDS)

        asyncio.run(main())
        assert looks.on_loop_thread.count(True) == 0
    assert identities_of(db_path) == {known: REPOSITORY, other: f"path:{other}"}


def test_a_folder_on_a_mount_that_may_hang_is_looked_at_in_time(store: Store, tmp_path: Path):
    """Not even ``isdir`` on the loop: on a hung share it would have stopped every client."""
    table = tmp_path / "mountinfo"
    table.write_text("40 22 0:35 / /mnt/share rw,relatime - nfs4 srv:/export rw\n")
    slow = SlowFolders(MountWatch(str(table)), timeout=0.05)
    looks = Looks(store, slow="app")
    identities = FolderIdentities(store, looks, slow)

    async def main() -> None:
        await identities.find([Beat("/mnt/share/app", T)])

    try:
        with pytest.raises(FolderNotAnswering):
            asyncio.run(main())
    finally:
        looks.release.set()
    assert looks.on_loop_thread == [False]


def test_a_deleted_projects_folder_is_looked_at_again_off_the_write(
    store: Store, db_path: Path, tmp_path: Path
):
    """The daemon remembered the folder as a repository's for good; after its project was
    deleted, its next beat was identified inside the write, on the event loop."""
    repo = folder(tmp_path, "repo")
    looks = Looks(store)
    app = create_app(store, settings=Settings(db=str(db_path)), clock=FakeClock(), identify=looks)
    with TestClient(app, base_url="http://127.0.0.1:3000") as client:
        for timestamp in (NOW - 60, NOW - 30):
            assert client.post("/beat", json={"project_path": repo, "timestamp": timestamp})
        deleted = client.post("/api/projects/delete", json={"project": repo})
        assert deleted.status_code == 200, deleted.text
        answer = client.post("/beat", json={"project_path": repo, "timestamp": NOW})
        assert answer.status_code == 200, answer.text
        [project] = client.get("/api/projects").json()["projects"]
    assert (project["id"], project["session_count"], project["total_seconds"]) == (2, 1, 0)
    # The first beat, the delete reading what `repo` names, the beat after the delete.
    assert looks.calls == [repo, repo, repo]
    assert not any(looks.on_loop_thread) and not any(looks.writing)
