"""Group commit: concurrent beats share a transaction, and an answer still means committed."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from oxitrack.api.group_commit import GroupCommit, write_from_loop
from oxitrack.errors import StoreError
from oxitrack.sessions import Beat
from oxitrack.store import Store
from tests.sessions_model import model_sessions, stored_sessions

T = 1_764_100_000


class CountingStore:
    """The real store, counting the transactions that record beats."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.batches: list[int] = []

    def record_beats(self, beats, identify=None, **options):
        self.batches.append(len(beats))
        return self.store.record_beats(beats, identify, **options)

    def read(self, fn, *, wait=True):
        return self.store.read(fn, wait=wait)


def test_beats_arriving_in_one_loop_turn_share_one_transaction(store: Store, db_path: Path):
    # Folders that are repositories: once known, their beats need no look at the disk.
    store.record_beats([Beat(f"/code/p{i}", T - 10_000) for i in range(3)], identify=_repository)
    counting = CountingStore(store)
    writer = GroupCommit(counting)  # type: ignore[arg-type]
    beats = [Beat(f"/code/p{i % 3}", T + 97 * i) for i in range(30)]

    async def main():
        return await asyncio.gather(*(writer.record_beat(beat) for beat in beats))

    sessions = asyncio.run(main())
    assert counting.batches == [30]
    for beat, session in zip(beats, sessions, strict=True):
        assert session.project_path == beat.project_path
        assert session.start_time <= beat.timestamp <= session.last_heartbeat
    known = [(f"/code/p{i}", T - 10_000) for i in range(3)]
    assert stored_sessions(db_path) == model_sessions(
        [*known, *((b.project_path, b.timestamp) for b in beats)]
    )


def _repository(path: str) -> str:
    return "git:" + "0" * 40


def test_answer_comes_only_after_the_commit(store: Store, db_path: Path):
    writer = GroupCommit(store)

    async def main():
        await writer.record_beat(Beat("/code/x", T))
        return stored_sessions(db_path)  # another connection: sees only committed data

    assert asyncio.run(main()) == [("/code/x", T, T)]


def test_beats_in_later_turns_get_their_own_transactions(store: Store):
    counting = CountingStore(store)
    writer = GroupCommit(counting)  # type: ignore[arg-type]

    async def main():
        for i in range(3):
            await writer.record_beat(Beat("/code/x", T + i))

    asyncio.run(main())
    assert counting.batches == [1, 1, 1]


class FailingStore(CountingStore):
    """The real store, whose transaction fails after writing every beat of the batch."""

    def record_beats(self, beats, identify=None, **options):
        poison = Beat("/code/x", "not a time")  # type: ignore[arg-type]
        return super().record_beats([*beats, poison], identify, **options)


def test_a_failing_batch_fails_every_waiter_and_stores_nothing(store: Store, db_path: Path):
    # Folders already known: their beats need no look at the disk and form one batch.
    store.record_beats([Beat("/code/x", T - 10_000), Beat("/code/y", T - 10_000)])
    before = stored_sessions(db_path)
    failing = FailingStore(store)
    writer = GroupCommit(failing)  # type: ignore[arg-type]
    beats = [Beat("/code/x", T + i) for i in range(3)] + [Beat("/code/y", T)]

    async def main():
        return await asyncio.gather(
            *(writer.record_beat(beat) for beat in beats), return_exceptions=True
        )

    results = asyncio.run(main())
    assert failing.batches == [len(beats) + 1]  # one transaction (and the poison), rolled back
    assert all(isinstance(result, TypeError) for result in results)
    assert stored_sessions(db_path) == before


def test_a_failing_batch_with_a_waiter_gone_fails_the_others_and_logs_no_crash(
    store: Store, db_path: Path, caplog: pytest.LogCaptureFixture
):
    """The daemon answers each client of a failed batch with the error; the loop itself has
    nothing to report (a traceback per failed batch on the daemon's log was the crash path)."""
    store.record_beats([Beat("/code/gone", T - 10_000), Beat("/code/kept", T - 10_000)])
    writer = GroupCommit(FailingStore(store))  # type: ignore[arg-type]

    async def main():
        gone = asyncio.ensure_future(writer.record_beat(Beat("/code/gone", T)))
        kept = asyncio.ensure_future(writer.record_beat(Beat("/code/kept", T)))
        await asyncio.sleep(0)  # both queued: the flush is scheduled behind them
        gone.cancel()
        return await asyncio.gather(kept, return_exceptions=True)

    with caplog.at_level("ERROR", logger="asyncio"):
        [result] = asyncio.run(main())
    assert isinstance(result, TypeError)
    assert caplog.records == []


def test_a_closed_store_fails_the_waiters_with_a_store_error(db_path: Path):
    store = Store(db_path)
    writer = GroupCommit(store)
    store.close()

    async def main():
        return await asyncio.gather(writer.record_beat(Beat("/code/x", T)), return_exceptions=True)

    [result] = asyncio.run(main())
    assert isinstance(result, StoreError)
    assert stored_sessions(db_path) == []


def test_a_cancelled_waiter_does_not_stop_the_others(store: Store, db_path: Path):
    store.record_beats(
        [Beat("/code/gone", T - 10_000), Beat("/code/kept", T - 10_000)], _repository
    )
    writer = GroupCommit(store)

    async def main():
        gone = asyncio.ensure_future(writer.record_beat(Beat("/code/gone", T)))
        kept = asyncio.ensure_future(writer.record_beat(Beat("/code/kept", T)))
        await asyncio.sleep(0)  # both queued: the flush is scheduled behind them
        gone.cancel()
        return await kept

    session = asyncio.run(main())
    assert session.project_path == "/code/kept"
    # The cancelled client's beat was already queued: it is stored all the same.
    assert ("/code/gone", T, T) in stored_sessions(db_path)


@pytest.mark.parametrize("clients", [1, 16])
def test_http_answers_match_the_table_under_concurrency(app, db_path: Path, clients: int):
    """Through the real app: concurrent requests, each answered with its committed session."""
    import httpx2 as httpx

    async def main():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:3000") as c:
            bodies = [{"project_path": "/code/x", "timestamp": T - 60 * i} for i in range(clients)]
            return await asyncio.gather(*(c.post("/beat", json=body) for body in bodies))

    answers = asyncio.run(main())
    assert {answer.status_code for answer in answers} == {200}
    assert stored_sessions(db_path) == [("/code/x", T - 60 * (clients - 1), T)]


class ThreadNoting(CountingStore):
    """The real store, noting the thread each batch is recorded in."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.threads: list[str] = []

    def record_beats(self, beats, identify=None, **options):
        self.threads.append(threading.current_thread().name)
        return super().record_beats(beats, identify, **options)


def test_a_batch_finding_the_lock_held_waits_for_it_then_the_loop_writes_again(
    store: Store, db_path: Path
):
    """Another program's transaction (a ``sqlite3`` shell): the batch waits for the lock in the
    group commit's own thread and is committed once it is let go, not refused; the next batch,
    the lock free and nothing waiting, is written at once on the loop's thread again."""
    store.record_beats([Beat("/code/x", T - 10_000)], identify=_repository)
    noting = ThreadNoting(store)
    writer = GroupCommit(noting)  # type: ignore[arg-type]
    other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    letting_go = threading.Timer(0.3, lambda: other.execute("ROLLBACK"))

    async def main():
        letting_go.start()
        first = await writer.record_beat(Beat("/code/x", T))
        return first, await writer.record_beat(Beat("/code/x", T + 60))

    try:
        first, second = asyncio.run(main())
    finally:
        letting_go.join()
        other.close()
    assert (first.start_time, first.last_heartbeat) == (T, T)
    assert (second.start_time, second.last_heartbeat) == (T, T + 60)
    assert stored_sessions(db_path) == [("/code/x", T - 10_000, T - 10_000), ("/code/x", T, T + 60)]
    loop = threading.current_thread().name  # asyncio.run's loop runs in this thread
    assert len(noting.threads) == 3
    assert noting.threads[0] == noting.threads[2] == loop
    assert noting.threads[1].startswith("oxitrack-write")


def test_a_write_from_the_loop_waits_for_a_held_lock_off_the_loop(store: Store, db_path: Path):
    """A project's rename or merge while another program holds the write lock: the write waits
    in a worker thread and its result comes back; the loop goes on answering meanwhile."""
    other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    letting_go = threading.Timer(0.3, lambda: other.execute("ROLLBACK"))

    async def main():
        ticks = 0

        async def tick():
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        ticker = asyncio.ensure_future(tick())
        await asyncio.sleep(0)
        letting_go.start()
        result = await write_from_loop(store, lambda conn: _count_sessions(conn) + 41)
        ticker.cancel()
        return result, ticks

    try:
        result, ticks = asyncio.run(main())
    finally:
        letting_go.join()
        other.close()
    assert result == 41
    assert ticks >= 5  # about 30 in the 0.3 s the write waited; none if it waited on the loop


def _count_sessions(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM sessions").fetchone()[0])
