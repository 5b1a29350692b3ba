"""A beat's file-system work, off the event loop and in time, for folders on mounts that may hang.

Reading a beat resolves its folder's symlinks, and a new folder's ``.git`` is read: on a local
disk, microseconds, done on the event loop (the identity lookup in a worker thread). On an NFS
or SMB share whose server went away, or a dead sshfs, each call waits for the server, possibly
for good: one beat from such a folder stopped every client of the daemon, and SIGTERM with it.

For a folder under such a mount (``mounts.MountWatch``) that work runs in a thread of its own,
and the beat gets a 503 if it takes longer than ``FOLDER_TIMEOUT_SECONDS``: editors keep the
beat and send it again, and the loop goes on answering everyone else. A thread still waiting on
the mount is left to it (a daemon thread, so the daemon can still stop); once
``MAX_WAITING_THREADS`` are waiting, beats from such folders get the 503 at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from oxitrack.errors import FolderNotAnswering
from oxitrack.fields import printable
from oxitrack.mounts import MountWatch, mount_watch

T = TypeVar("T")

log = logging.getLogger("oxitrack.folders")

#: Under the VS Code extension's 5 s request timeout: it gets the 503 and keeps the beat.
FOLDER_TIMEOUT_SECONDS = 3.0
MAX_WAITING_THREADS = 8
#: Folders deeper than this are resolved off the event loop (real ones are a dozen deep).
DEEP_FOLDER_PARTS = 64
#: Looks at local folders at once (``in_thread_for``), as many as asyncio's own worker threads:
#: a burst of beats from new folders runs that many ``git`` at a time, the others wait.
LOOKS_AT_ONCE = min(32, (os.cpu_count() or 1) + 4)


class SlowFolders:
    """Runs file-system work for folders on mounts that may hang in threads, with a time limit."""

    def __init__(
        self,
        mounts: MountWatch | None = None,
        *,
        timeout: float = FOLDER_TIMEOUT_SECONDS,
        max_waiting: int = MAX_WAITING_THREADS,
    ) -> None:
        self._mounts = mounts or mount_watch()
        self.timeout = timeout
        self._max_waiting = max_waiting
        self._waiting = 0  # threads started and not back yet, stuck ones included
        self._lock = threading.Lock()
        self._looks = asyncio.Semaphore(LOOKS_AT_ONCE)

    def first_that_may_hang(self, paths: Iterable[object]) -> str | None:
        """The first of ``paths`` (raw values from a request) on a mount that may hang."""
        for path in paths:
            if isinstance(path, str) and path.startswith("/") and self._mounts.may_hang(path):
                return path
        return None

    async def run_for(
        self, work: Callable[[], T], paths: Iterable[object], field: str | None = None
    ) -> T:
        """``work()``: on the loop when none of ``paths`` may hang nor is deep, else as
        ``run`` (a mount that may hang) or ``in_thread_for`` (a deep folder) does."""
        paths = list(paths)
        folder = self.first_that_may_hang(paths)
        if folder is not None:
            return await self.run(work, folder, field)
        if any(_is_deep(path) for path in paths):
            return await self.in_thread_for(work, paths, field)
        return work()

    async def in_thread_for(
        self, work: Callable[[], T], paths: Iterable[object], field: str | None = None
    ) -> T:
        """``work()`` off the loop for work that may be slow anyway (git on a long history): in
        a thread of its own, without a time limit when none of ``paths`` may hang, else as
        ``run`` does.

        Not in asyncio's worker threads: a local folder's repository may still lie on a share
        (a ``.git`` linked there, a worktree's ``gitdir``), and a worker thread waiting on a
        hung share kept the daemon from stopping, since asyncio waits for its workers at the
        end. Only that folder's beats wait for it."""
        folder = self.first_that_may_hang(paths)
        if folder is not None:
            return await self.run(work, folder, field)
        async with self._looks:
            return await _in_thread(work, "oxitrack-folder")

    async def run(self, work: Callable[[], T], folder: str, field: str | None = None) -> T:
        """``work()`` in a thread of its own, or ``FolderNotAnswering`` once ``timeout`` passed
        (the thread goes on waiting for the mount, its result unused)."""
        with self._lock:
            waiting = self._waiting
            if waiting < self._max_waiting:
                self._waiting += 1
        if waiting >= self._max_waiting:
            raise FolderNotAnswering(
                field,
                f"{_named(folder, field)} is on a network or FUSE mount, and {waiting} earlier "
                "looks at such folders are still waiting for theirs; try again later",
            )
        try:
            return await asyncio.wait_for(
                _in_thread(work, "oxitrack-slow-folder", then=self._back), self.timeout
            )
        except TimeoutError:
            log.warning("%s did not answer within %g s", printable(folder), self.timeout)
            raise FolderNotAnswering(
                field,
                f"{_named(folder, field)} is on a network or FUSE mount that did not answer "
                f"within {self.timeout:g} s; try again later",
            ) from None

    def _back(self) -> None:
        with self._lock:
            self._waiting -= 1


def _is_deep(path: object) -> bool:
    """Whether resolving ``path`` is slow enough to keep off the loop: each part's ``lstat``
    walks the path from the root again, so a folder 1500 levels deep (4 KiB of ``a/``) took
    tens of milliseconds, every other client waiting."""
    return isinstance(path, str) and path.count("/") > DEEP_FOLDER_PARTS


def _in_thread(
    work: Callable[[], T], name: str, then: Callable[[], None] = lambda: None
) -> Awaitable[T]:
    """``work()`` in a daemon thread of its own, which the daemon does not wait for when it
    stops, whatever the thread waits on; ``then()`` in that thread once ``work`` is done."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def in_thread() -> None:
        try:
            outcome: tuple[bool, object] = (True, work())
        except Exception as exc:
            outcome = (False, exc)
        finally:
            then()
        try:
            loop.call_soon_threadsafe(_settle, future, outcome)
        except RuntimeError:  # the loop is closed: the daemon stopped meanwhile
            pass

    threading.Thread(target=in_thread, name=name, daemon=True).start()
    return future


def _named(folder: str, field: str | None) -> str:
    prefix = f"{field}: " if field else ""
    return f"{prefix}{printable(folder)}"


def _settle(future: asyncio.Future[T], outcome: tuple[bool, object]) -> None:
    if future.done():  # timed out and cancelled: nobody waits for this any more
        return
    succeeded, value = outcome
    if succeeded:
        future.set_result(value)  # type: ignore[arg-type]
    else:
        assert isinstance(value, BaseException)
        future.set_exception(value)
