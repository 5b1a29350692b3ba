"""Flushing the WAL's committed frames to the disk, as a checkpoint does first, between
checkpoints.

With ``synchronous=NORMAL`` a commit reaches the operating system, not the disk, so a power cut
loses what was committed since the last sync (killing the daemon loses nothing). The daemon
syncs from its background thread each second after writes: that window is then about a second,
not the 30 s between checkpoints, and no request waits for the disk as it would with a sync per
commit (``synchronous=FULL``).
"""

from __future__ import annotations

import os
import threading


class WalSync:
    """The ``-wal`` of one writer's file, kept open to sync it; closed with the writer."""

    def __init__(self, wal_path: str) -> None:
        self._wal_path = wal_path
        self._fd: int | None = None
        self._lock = threading.Lock()
        self._closed = False

    def sync(self) -> None:
        """Flush the ``-wal`` to the disk now; nothing once closed."""
        with self._lock:
            if self._closed:
                return
            try:
                if self._fd is None:  # kept open: closing another descriptor of a file can
                    # drop the process's locks on it, and opening costs a path lookup
                    self._fd = os.open(self._wal_path, os.O_RDONLY)
                os.fsync(self._fd)
            except OSError:
                pass  # no WAL yet, or a file system without fsync: the next checkpoint syncs

    def close(self) -> None:
        """Let go of the ``-wal``, waiting for a sync under way; safe to call twice."""
        with self._lock:
            self._closed = True
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
