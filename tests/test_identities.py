"""New folders are identified in a worker thread, before the write: a slow ``git`` never stalls
the event loop or the other clients' beats, and a settled folder is never looked at again."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

from starlette.testclient import TestClient

from oxitrack.api.group_commit import GroupCommit
from oxitrack.api.identities import FolderIdentities
from oxitrack.config import Settings
from oxitrack.server import create_app
from oxitrack.sessions import Beat
from oxitrack.store import Store
from oxitrack.store.projects import RECHECK_SECONDS
from tests.conftest import NOW, FakeClock

T = 1_764_100_000
REPOSITORY = "git:" + "1" * 40
WAIT_SECONDS = 10  # a guard against hanging, never a wait for state


class Looks:
    """An ``identify`` that counts its calls, notes where it ran, and can be held up."""

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
        if path == self.slow:
            self.started.set()
            assert self.release.wait(WAIT_SECONDS)
        return REPOSITORY if "repo" in path else f"path:{path}"


def identities_of(db_path: Path) -> dict[str, str]:
    with sqlite3.connect(db_path) as conn:
        return dict(conn.execute("SELECT project_path, identity FROM project_paths"))


def test_a_slow_look_at_a_new_folder_does_not_hold_up_other_beats(store: Store, db_path: Path):
    looks = Looks(store, slow="/code/big-repo")
    writer = GroupCommit(store, FolderIdentities(store, looks))

    async def main() -> None:
        slow = asyncio.ensure_future(writer.record_beat(Beat("/code/big-repo", T)))
        await asyncio.wait_for(asyncio.to_thread(looks.started.wait, WAIT_SECONDS), WAIT_SECONDS)
        # The look at big-repo is under way in its thread: another folder's beat goes through.
        fast = await asyncio.wait_for(writer.record_beat(Beat("/code/small", T)), WAIT_SECONDS)
        assert fast.project_path == "/code/small"
        assert not slow.done()
        looks.release.set()
        assert (await asyncio.wait_for(slow, WAIT_SECONDS)).project_path == "/code/big-repo"

    asyncio.run(main())
    assert identities_of(db_path) == {
        "/code/big-repo": REPOSITORY,
        "/code/small": "path:/code/small",
    }
    # Every look ran in a worker thread, none inside a write transaction.
    assert looks.on_loop_thread == [False, False] and looks.writing == [False, False]


def test_a_repository_is_looked_at_once_and_a_plain_folder_every_recheck(store: Store):
    looks = Looks(store)
    writer = GroupCommit(store, FolderIdentities(store, looks))

    async def main() -> None:
        for i in range(20):
            await writer.record_beat(Beat("/code/repo", T + 60 * i))
            await writer.record_beat(Beat("/code/plain", T + 60 * i))
        await writer.record_beat(Beat("/code/plain", T + RECHECK_SECONDS + 60 * 20))

    asyncio.run(main())
    assert looks.calls.count("/code/repo") == 1
    # At T, once at T + 600 (beat 10) and once at the last beat: never inside the write.
    assert looks.calls.count("/code/plain") == 3
    assert not any(looks.writing)


def test_beats_of_one_new_folder_arriving_together_share_one_look(store: Store, db_path: Path):
    looks = Looks(store)
    writer = GroupCommit(store, FolderIdentities(store, looks))

    async def main() -> None:
        await asyncio.gather(*(writer.record_beat(Beat("/code/repo", T + i)) for i in range(10)))

    asyncio.run(main())
    assert looks.calls == ["/code/repo"]
    assert identities_of(db_path) == {"/code/repo": REPOSITORY}


def test_a_folder_known_from_an_earlier_run_is_not_looked_at_again(db_path: Path):
    with Store(db_path) as store:
        store.record_beats([Beat("/code/repo", T)], identify=Looks(store))
    with Store(db_path) as store:  # a restarted daemon: nothing remembered in memory
        looks = Looks(store)
        writer = GroupCommit(store, FolderIdentities(store, looks))
        asyncio.run(writer.record_beat(Beat("/code/repo", T + 60)))
    assert looks.calls == []


def test_wakatime_heartbeats_of_a_new_folder_are_identified_off_the_write(
    store: Store, db_path: Path
):
    looks = Looks(store)
    app = create_app(store, settings=Settings(db=str(db_path)), clock=FakeClock(), identify=looks)
    heartbeat = {"entity": "/code/repo/main.py", "type": "file", "time": NOW - 5}
    heartbeat["project_root_count"] = 3  # the folder is /code/repo
    with TestClient(app, base_url="http://127.0.0.1:3000") as client:
        answer = client.post("/api/v1/users/current/heartbeats.bulk", json=[heartbeat])
    assert answer.status_code == 201, answer.text
    assert identities_of(db_path) == {"/code/repo": REPOSITORY}
    assert looks.on_loop_thread == [False] and looks.writing == [False]
