"""How every command waits for a database file another program holds (a ``sqlite3`` shell in a
transaction, another OxiTrack upgrading the file): said once it has lasted a moment, over after
two minutes. Opening a store and a backup's copy both wait so (``core.py``, ``maintenance.py``).
"""

from __future__ import annotations

import time

from oxitrack.errors import warn
from oxitrack.store.sqlite_errors import DatabaseBusy

# How long opening waits for another program to let go of the file (another OxiTrack upgrading
# it, a long transaction), retrying every OPEN_RETRY_SECONDS: a service starting at login must
# not fail, and be given up on by systemd, because a backup or a report held the file a while.
OPEN_WAIT_SECONDS = 120.0
OPEN_RETRY_SECONDS = 0.05
# The wait is said once it has lasted this long: the lock of a commit or a checkpoint, let go
# of within milliseconds, is not worth a warning (the writer waits in Python from its first
# statement, so every such lock met while opening is a failed try).
OPEN_NOTICE_SECONDS = 1.0
# A shorter wait (``oxitrack today``'s, for status bars) is not announced: its end, the error,
# comes soon enough, in one line.
ANNOUNCED_WAIT_SECONDS = 10.0


class LockWait:
    """A wait for a file another program holds, as every command waits for it: said once it
    has lasted ``OPEN_NOTICE_SECONDS``, over after ``OPEN_WAIT_SECONDS`` (opening a store, a
    backup's copy)."""

    def __init__(self, seconds: float | None = None) -> None:
        """``seconds``: how long to wait, if not ``OPEN_WAIT_SECONDS``."""
        self.seconds = OPEN_WAIT_SECONDS if seconds is None else seconds
        self._started = time.monotonic()
        self._said = False

    def pause(self) -> None:
        """Before trying again."""
        time.sleep(OPEN_RETRY_SECONDS)

    def given_up(self, busy: Exception) -> DatabaseBusy:
        """The error to raise once the wait is over: ``busy``'s, saying how long it lasted."""
        return DatabaseBusy(f"{busy}; gave up after {self.seconds:g} s")

    def is_over(self) -> bool:
        return time.monotonic() - self._started >= self.seconds

    def say_once(self, what: object) -> None:
        """Says "``what``; waiting up to 120 s for it", once the wait has lasted long enough
        (a short wait never)."""
        if self.seconds < ANNOUNCED_WAIT_SECONDS:
            return
        if not self._said and time.monotonic() - self._started >= OPEN_NOTICE_SECONDS:
            warn("oxitrack.store", "%s; waiting up to %.0f s for it", what, self.seconds)
            self._said = True
