"""Folder identities, found in a worker thread before the write transaction that needs them.

A beat from a folder never seen before (or from one known only by its path, every
``RECHECK_SECONDS`` of beat time) needs the folder's project identity: its ``.git`` is read and,
in a repository, ``git rev-list`` runs once (0.4 s on 100k commits). Done inside the write
transaction, on the event loop, that stalled every other client's beats; here it runs in a
thread while the loop goes on serving, and the write is handed the result. A folder whose
identity is settled costs one dict lookup; the first beat from a folder after a start reads what
the database knows of it, or, while a report holds the reading connection, is looked at anyway.

What is remembered here only saves work: when it is out of date (another process changed the
database), ``note_beat`` still looks at the folder itself, inside the transaction.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable, Mapping
from functools import partial

from oxitrack.api.slow_folders import SlowFolders
from oxitrack.projects import folder_on_disk
from oxitrack.sessions import Beat
from oxitrack.store import Store
from oxitrack.store.folders import Identify, checked_until, identify, identity_checked_until
from oxitrack.store.transactions import ReaderBusy


class FolderIdentities:
    """Finds and remembers which folders need a look before their beats are written."""

    def __init__(
        self, store: Store, identify: Identify = identify, slow_folders: SlowFolders | None = None
    ) -> None:
        self.store = store
        self.identify = identify
        self.slow_folders = slow_folders or SlowFolders()
        self._checked_until: dict[str, float] = {}  # beat time from which a folder needs a look
        self._looking: dict[str, asyncio.Future[str]] = {}  # one look per folder at a time

    async def find(self, beats: Iterable[Beat]) -> dict[str, str]:
        """The identities of the folders among ``beats`` that need one now."""
        found: dict[str, str] = {}
        for beat in beats:
            path = beat.project_path
            if path in found:
                continue
            until = self._checked_until_for(path)
            if until is not None and beat.timestamp < until:
                continue
            found[path] = await self._look(path)
            if until is not None:
                # What note_beat will store for this folder in the write: looked at as of this
                # beat. Not when the database was not asked: it may know a later look.
                self._checked_until[path] = checked_until(found[path], beat.timestamp)
        return found

    def identify_with(self, found: Mapping[str, str]) -> Identify:
        """The ``identify`` for the write: what ``find`` found, else a look on the spot."""
        if not found:
            return self.identify
        return lambda path: found[path] if path in found else self.identify(path)

    def forget(self, paths: Iterable[str]) -> None:
        """Drop what is remembered of ``paths``, whose rows were deleted with their project: their
        next beat is a new folder's, looked at in a thread before the write, not inside it."""
        for path in paths:
            self._checked_until.pop(path, None)

    def _checked_until_for(self, path: str) -> float | None:
        """From which beat time ``path`` needs a look, as remembered or as the database says;
        ``None`` while a long report holds the reading connection.

        Then the folder is looked at anyway, in a thread: a look too many only costs that
        (``note_beat`` decides in the write whether to use it), where waiting for the report
        held up the folder's beats for as long as the reports queued before it (seconds on a
        heavy database)."""
        until = self._checked_until.get(path)
        if until is None:
            try:
                until = self.store.read(
                    partial(identity_checked_until, project_path=path), wait=False
                )
            except ReaderBusy:
                return None
            self._checked_until[path] = until
        return until

    async def _look(self, path: str) -> str:
        looking = self._looking.get(path)
        if looking is None:
            looking = self._start_look(path)
            if looking is None:
                return self.identify(path)
            self._looking[path] = looking
            looking.add_done_callback(lambda _: self._looking.pop(path, None))
        # Shielded: a client that goes away must not cancel the look other beats wait for.
        return await asyncio.shield(looking)

    def _start_look(self, path: str) -> asyncio.Future[str] | None:
        """The look at ``path`` in a worker thread; ``None`` when it is better done at once."""
        # Not even isdir on the loop for a folder on a mount that may hang: it would stop every
        # client. Elsewhere, a remote workspace's folder (or a Windows path) has nothing on this
        # disk to read, so the answer is immediate and a thread would only add a hop.
        may_hang = self.slow_folders.first_that_may_hang([path]) is not None
        if not may_hang and not os.path.isdir(folder_on_disk(path)):
            return None
        look = self.slow_folders.in_thread_for(partial(self.identify, path), [path])
        return asyncio.ensure_future(look)
