"""Group commit: beats that arrive in the same event-loop turn share one write transaction.

Under load, many requests are parsed in one turn of the loop; writing each in its own
transaction spends most of the SQL time on ``BEGIN``/``COMMIT`` and on appending the same few
pages to the WAL again and again. Each request instead queues its beat and waits; the first one
in a turn schedules a flush at the end of that turn, which records the whole queue with
``Store.record_beats`` (one transaction) and only then wakes the waiters. A 2xx still means the
beat is committed. A lone request pays one ``call_soon`` and one future, nothing else.

A beat from a folder whose identity is not settled first waits for ``FolderIdentities`` to look
at the folder in a worker thread; it then joins whichever batch is forming.
"""

from __future__ import annotations

import asyncio

from oxitrack.api.identities import FolderIdentities
from oxitrack.sessions import Beat, Session
from oxitrack.store import Store


class GroupCommit:
    """Queues beats from handlers on one event loop and records them together."""

    def __init__(self, store: Store, identities: FolderIdentities | None = None) -> None:
        self.store = store
        self.identities = identities or FolderIdentities(store)
        self._queue: list[tuple[Beat, asyncio.Future[Session]]] = []
        self._found: dict[str, str] = {}  # identities the queued beats' folders need

    async def record_beat(self, beat: Beat) -> Session:
        """The session holding ``beat``, once the transaction that recorded it has committed."""
        found = await self.identities.find([beat])
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
        try:
            # The same order as the requests arrived: each answer is what a serial run would
            # have answered, and a failure fails the whole batch (nothing of it is stored).
            sessions = self.store.record_beats(
                [beat for beat, _ in batch], identify=self.identities.identify_with(found)
            )
        except BaseException as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for (_, future), session in zip(batch, sessions, strict=True):
            if not future.done():  # the client may have gone: its beat is stored all the same
                future.set_result(session)
