"""Group commit: beats that arrive in the same event-loop turn share one write transaction.

Under load, many requests are parsed in one turn of the loop; writing each in its own
transaction spends most of the SQL time on ``BEGIN``/``COMMIT`` and on appending the same few
pages to the WAL again and again. Each request instead queues its beat and waits; the first one
in a turn schedules a flush at the end of that turn, which records the whole queue with
``Store.record_beats`` (one transaction, with the labels of beats that name a language or
editor) and only then wakes the waiters. A 2xx still means the
beat is committed. A lone request pays one ``call_soon`` and one future, nothing else.

A beat from a folder whose identity is not settled first waits for ``FolderIdentities`` to look
at the folder in a worker thread; it then joins whichever batch is forming.

The event loop never waits for the file's write lock: while another program holds it (a
``sqlite3`` shell in a transaction, a backup), batches wait for it in one thread of their own,
in the order they came, each at most as long as any write would wait from its arrival (then a
503), and the loop goes on answering reads and queuing beats. Every write made on the loop goes
through ``GroupCommit`` or ``write_from_loop``.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from oxitrack.api.identities import FolderIdentities
from oxitrack.beats import PostedBeat
from oxitrack.sessions import Beat, Session
from oxitrack.store import Store
from oxitrack.store.connections import BUSY_TIMEOUT_MS
from oxitrack.store.transactions import WriterBusy

T = TypeVar("T")


async def write_from_loop(store: Store, fn: Callable[[sqlite3.Connection], T]) -> T:
    """``store.write(fn)`` at once when the write lock is free, else in a worker thread, which
    waits for it as any write does."""
    try:
        return store.write(fn, wait=False)
    except WriterBusy:
        return await asyncio.to_thread(store.write, fn)


class GroupCommit:
    """Queues beats from handlers on one event loop and records them together."""

    def __init__(self, store: Store, identities: FolderIdentities | None = None) -> None:
        self.store = store
        self.identities = identities or FolderIdentities(store)
        self._queue: list[tuple[Beat | PostedBeat, asyncio.Future[Session]]] = []
        self._found: dict[str, str] = {}  # identities the queued beats' folders need
        # Batches that found the write lock held wait for it here, one after another, so they
        # commit in the order they came and take no thread the identity lookups need.
        self._waiting = ThreadPoolExecutor(max_workers=1, thread_name_prefix="oxitrack-write")
        self._waiting_batches = 0

    async def record_beat(self, beat: Beat | PostedBeat) -> Session:
        """The session holding ``beat``, once the transaction that recorded it has committed
        (with its labels, if it came with any)."""
        found = await self.identities.find([beat if isinstance(beat, Beat) else beat.beat])
        self._found.update(found)  # after the await: a flush meanwhile starts a new dict
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Session] = loop.create_future()
        self._queue.append((beat, future))
        if len(self._queue) == 1:
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        batch, self._queue = self._queue, []
        found, self._found = self._found, {}
        # The same order as the requests arrived: each answer is what a serial run would have
        # answered, and a failure fails the whole batch (nothing of it is stored).
        record = partial(
            self.store.record_beats,
            [beat for beat, _ in batch],
            identify=self.identities.identify_with(found),
        )
        if not self._waiting_batches:
            try:
                sessions = record(wait=False)
            except WriterBusy:
                pass  # the lock is held: wait for it below
            except BaseException as exc:
                self._fail(batch, exc)
                return
            else:
                self._answer(batch, sessions)
                return
        # Behind the batches already waiting, if any: this one would otherwise commit first.
        self._waiting_batches += 1
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        waiting = asyncio.get_running_loop().run_in_executor(
            self._waiting, partial(record, deadline=deadline)
        )
        waiting.add_done_callback(partial(self._settle, batch))

    def _settle(
        self,
        batch: list[tuple[Beat | PostedBeat, asyncio.Future[Session]]],
        done: asyncio.Future[list[Session]],
    ) -> None:
        """The end of a batch that waited for the write lock in a worker thread."""
        self._waiting_batches -= 1
        if done.cancelled():
            self._fail(batch, asyncio.CancelledError())
        elif (exc := done.exception()) is not None:
            self._fail(batch, exc)
        else:
            self._answer(batch, done.result())

    @staticmethod
    def _answer(
        batch: list[tuple[Beat | PostedBeat, asyncio.Future[Session]]], sessions: list[Session]
    ) -> None:
        for (_, future), session in zip(batch, sessions, strict=True):
            if not future.done():  # the client may have gone: its beat is stored all the same
                future.set_result(session)

    @staticmethod
    def _fail(
        batch: list[tuple[Beat | PostedBeat, asyncio.Future[Session]]], exc: BaseException
    ) -> None:
        for _, future in batch:
            if not future.done():
                future.set_exception(exc)
        if not isinstance(exc, Exception):
            raise exc
