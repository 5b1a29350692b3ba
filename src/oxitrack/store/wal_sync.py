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

from oxitrack.store.held_file import HeldFile


class WalSync(HeldFile):
    """The ``-wal`` of one writer's file (``real_path`` with symlinks resolved), held to sync
    it; closed with the writer."""

    def __init__(self, real_path: str) -> None:
        super().__init__(f"{real_path}-wal")

    def sync(self) -> None:
        """Flush the ``-wal`` to the disk now; nothing once closed."""
        with self._lock:
            try:
                fd = self._descriptor()
                if fd is not None:
                    os.fsync(fd)
            except OSError:
                pass  # no WAL yet, or a file system without fsync: the next checkpoint syncs
