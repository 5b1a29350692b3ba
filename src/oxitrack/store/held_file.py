"""A side file of the database (its ``-wal``, its ``-shm``) held open while the store's writer
is: opened on first use, by whichever thread, and closed once for good.

Held rather than opened on each use: the daemon's writer reads and syncs after every write, and
each open costs system calls; and closing another descriptor of a file can drop the process's
locks on it.
"""

from __future__ import annotations

import os
import threading


class HeldFile:
    """One side file, opened read-only. Safe to share between threads: use ``_descriptor``
    with ``_lock`` held."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._lock = threading.Lock()  # the handle is opened and closed by whichever thread
        self._fd: int | None = None
        self._closed = False

    def _descriptor(self) -> int | None:
        """The file's descriptor, opened now if need be (``OSError`` when it cannot be: SQLite
        may not have made it yet), or None once closed."""
        if self._closed:
            return None
        if self._fd is None:
            self._fd = os.open(self._path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        return self._fd

    def close(self) -> None:
        """Let go of the file, waiting for a use under way; safe to call twice."""
        with self._lock:
            self._closed = True
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
