"""How much of the WAL is not yet copied back, as SQLite's wal-index (the ``-shm`` file) counts it.

The WAL file's own size tells nothing once the file is rewritten in place after each rewind (see
the WAL sizes in ``connections``): it stays the largest it has been. The wal-index header counts the
frames written (``mxFrame``) and the checkpoint information those already copied back
(``nBackfill``), in the machine's byte order (https://www.sqlite.org/walformat.html).

The daemon's writer asks after every write, so the file is opened once and read with one system
call (``pread``); opening and reading it each time was four calls per beat. It stays open only
while the store's own connection keeps the wal-index alive, and is never mapped into memory:
SQLite may cut the file back once the last connection closes, and a mapping read past its end
kills the process.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from oxitrack.store.held_file import HeldFile

# Offsets in the header: the page size (1 meaning 65536) and mxFrame in its first copy,
# nBackfill in the checkpoint information after the header's two copies.
_PAGE_SIZE = slice(14, 16)
_MX_FRAME = slice(16, 20)
_BACKFILLED = slice(96, 100)
_FRAME_HEADER_BYTES = 24


class WalIndex(HeldFile):
    """Reads the pending WAL bytes of the database at ``real_path`` (symlinks resolved: SQLite
    keeps its side files beside the file a link leads to). Safe to share between threads;
    once closed, reads answer 0."""

    def __init__(self, real_path: str) -> None:
        super().__init__(f"{real_path}-shm")

    def pending_bytes(self) -> int:
        """The bytes of WAL frames not yet copied back; 0 when no WAL is in use."""
        with self._lock:
            header = self._read_header()
        if len(header) < _BACKFILLED.stop:
            return 0  # no WAL yet, or a wal-index SQLite has not filled in
        page_size = int.from_bytes(header[_PAGE_SIZE], sys.byteorder)
        frames = int.from_bytes(header[_MX_FRAME], sys.byteorder)
        backfilled = int.from_bytes(header[_BACKFILLED], sys.byteorder)
        frame_bytes = (65536 if page_size == 1 else page_size) + _FRAME_HEADER_BYTES
        return max(0, frames - backfilled) * frame_bytes

    def _read_header(self) -> bytes:
        try:
            fd = self._descriptor()  # the file appears with the first write in WAL mode
            if fd is None:
                return b""
            if _pread is not None:
                return _pread(fd, _BACKFILLED.stop, 0)
            os.lseek(fd, 0, os.SEEK_SET)  # Windows: no pread
            return os.read(fd, _BACKFILLED.stop)
        except OSError:
            return b""


_pread: Callable[[int, int, int], bytes] | None = getattr(os, "pread", None)
