"""File-system work for folders on mounts that may hang: in a thread, in time, and bounded."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from oxitrack.api.slow_folders import DEEP_FOLDER_PARTS, LOOKS_AT_ONCE, SlowFolders
from oxitrack.errors import FolderNotAnswering
from oxitrack.mounts import MountWatch


@pytest.fixture
def mounts(tmp_path: Path) -> MountWatch:
    table = tmp_path / "mountinfo"
    table.write_text("40 22 0:35 / /mnt/share rw,relatime - nfs4 srv:/export rw\n")
    return MountWatch(str(table))


def test_work_for_a_local_folder_runs_on_the_loop(mounts: MountWatch):
    slow = SlowFolders(mounts)

    async def main() -> str:
        return await slow.run_for(lambda: threading.current_thread().name, ["/home/me/app"])

    assert asyncio.run(main()) == "MainThread"


def test_work_for_a_folder_on_a_share_runs_in_a_thread(mounts: MountWatch):
    slow = SlowFolders(mounts)

    async def main() -> str:
        return await slow.run_for(lambda: threading.current_thread().name, [None, "/mnt/share/a"])

    assert asyncio.run(main()) == "oxitrack-slow-folder"


def test_a_deep_local_folder_is_resolved_in_a_thread_not_on_the_loop(mounts: MountWatch):
    """Resolving a folder 1500 levels deep took tens of milliseconds of the event loop."""
    slow = SlowFolders(mounts)

    async def where(path: str) -> str:
        return await slow.run_for(lambda: threading.current_thread().name, [path])

    deep = "/a" * DEEP_FOLDER_PARTS  # at the limit: on the loop
    assert asyncio.run(where(deep)) == "MainThread"
    assert asyncio.run(where(deep + "/a")) == "oxitrack-folder"
    assert asyncio.run(where("/home/me" + "/a" * 1500)) == "oxitrack-folder"


def test_its_errors_come_back_to_the_caller(mounts: MountWatch):
    slow = SlowFolders(mounts)

    def fails() -> None:
        raise ValueError("from the thread")

    with pytest.raises(ValueError, match="from the thread"):
        asyncio.run(slow.run_for(fails, ["/mnt/share/a"]))


def test_work_that_does_not_end_in_time_is_a_folder_not_answering(mounts: MountWatch):
    slow = SlowFolders(mounts, timeout=0.05)
    release = threading.Event()

    async def main() -> None:
        await slow.run_for(release.wait, ["/mnt/share/app"], "project_path")

    try:
        with pytest.raises(FolderNotAnswering) as refusal:
            asyncio.run(main())
    finally:
        release.set()
    assert refusal.value.field == "project_path"
    assert refusal.value.message == (
        "project_path: /mnt/share/app is on a network or FUSE mount that did not answer "
        "within 0.05 s; try again later"
    )


def test_once_enough_threads_wait_the_next_is_refused_at_once(mounts: MountWatch):
    slow = SlowFolders(mounts, timeout=0.05, max_waiting=2)
    release = threading.Event()
    ran = []

    async def main() -> list[object]:
        stuck = [slow.run(release.wait, "/mnt/share/app") for _ in range(2)]
        outcomes = await asyncio.gather(*stuck, return_exceptions=True)
        try:
            await slow.run(lambda: ran.append(1), "/mnt/share/other")
        except FolderNotAnswering as refusal:
            outcomes.append(refusal.message)
        return outcomes

    try:
        outcomes = asyncio.run(main())
    finally:
        release.set()
    assert [type(outcome) for outcome in outcomes[:2]] == [FolderNotAnswering] * 2
    assert outcomes[2] == (
        "/mnt/share/other is on a network or FUSE mount, and 2 earlier looks at such folders "
        "are still waiting for theirs; try again later"
    )
    assert ran == []  # not even started


def test_threads_that_come_back_make_room_again(mounts: MountWatch):
    slow = SlowFolders(mounts, timeout=0.05, max_waiting=1)
    release = threading.Event()
    back = threading.Event()

    def waits() -> None:
        release.wait()
        back.set()

    async def main() -> str:
        with pytest.raises(FolderNotAnswering):
            await slow.run(waits, "/mnt/share/app")
        release.set()
        assert await asyncio.to_thread(back.wait, 10)
        for _ in range(1000):  # the thread counts itself out just after ``back``
            try:
                return await slow.run(lambda: "answered", "/mnt/share/app")
            except FolderNotAnswering:
                await asyncio.sleep(0.01)
        raise AssertionError("the thread that came back still counts as waiting")

    assert asyncio.run(main()) == "answered"


def test_looks_at_local_folders_run_in_daemon_threads_a_few_at_a_time(mounts: MountWatch):
    """Daemon threads: one waiting on a share for good must not keep the process from ending.
    A few at a time, as asyncio's workers were: a burst of new folders is not a burst of git."""
    slow = SlowFolders(mounts)
    running = 0
    most = 0
    lock = threading.Lock()
    release = threading.Event()

    def look() -> bool:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        release.wait(5)
        with lock:
            running -= 1
        return threading.current_thread().daemon

    def started() -> int:
        return sum(thread.name == "oxitrack-folder" for thread in threading.enumerate())

    async def main() -> tuple[int, list[bool]]:
        looks = [
            asyncio.ensure_future(slow.in_thread_for(look, ["/home/me/app"]))
            for _ in range(LOOKS_AT_ONCE + 5)
        ]
        deadline = asyncio.get_running_loop().time() + 5
        while most < LOOKS_AT_ONCE and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)  # by then every look that could start has its thread
        threads = started()
        release.set()
        return threads, await asyncio.gather(*looks)

    threads, daemons = asyncio.run(main())
    assert threads == LOOKS_AT_ONCE
    assert daemons == [True] * (LOOKS_AT_ONCE + 5)
    assert most == LOOKS_AT_ONCE
