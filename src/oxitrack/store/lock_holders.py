"""Which programs hold a WAL database's file: open (a running daemon), in a read that keeps its
WAL from starting over (a SQLite browser, ``export | less``), or holding its write lock (a
``sqlite3`` shell in a ``BEGIN``), so that a refusal, ``check`` and ``service status`` can name
them and how they let go. Read from the system's list of locks, on Linux; ``None`` elsewhere.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

# SQLite's unix VFS locks bytes of the ``-shm`` file: every connection to a WAL database keeps a
# read lock on the "dead man switch" while it is open, and each read transaction one on the read
# mark it reads by. Marks 1-4 read frames of the WAL, which keeps it from starting over; mark 0
# reads the database file alone (https://www.sqlite.org/walformat.html).
_SHM_WRITE_LOCK_OFFSET = 120
_SHM_OPEN_LOCK_OFFSET = 128
_SHM_WAL_READ_MARK_OFFSETS = range(124, 128)


def is_open_elsewhere(db_path: str) -> bool | None:
    """Whether another process has the WAL database ``db_path`` open (a running daemon does,
    all the time); ``None`` where that cannot be told (not Linux, no ``-shm``)."""
    holders = _shm_lock_holders(db_path, [_SHM_OPEN_LOCK_OFFSET])
    return None if holders is None else bool(holders)


def open_elsewhere_by(db_path: str) -> set[int] | None:
    """The processes other than this one that have the WAL database ``db_path`` open (a
    running daemon, a report reading it); ``None`` where that cannot be told."""
    return _shm_lock_holders(db_path, [_SHM_OPEN_LOCK_OFFSET])


def wal_writers(db_path: str) -> set[int] | None:
    """The process other than this one holding the write lock of the WAL database ``db_path``
    (``sqlite3`` in a ``BEGIN`` that has written, a SQLite browser with changes not yet
    written); ``None`` where that cannot be told."""
    return _shm_lock_holders(db_path, [_SHM_WRITE_LOCK_OFFSET])


def wal_readers(db_path: str) -> set[int] | None:
    """The processes other than this one in a read of the WAL database ``db_path`` that holds
    the WAL back (a SQLite browser, ``sqlite3`` in an open ``BEGIN``, ``export | less``); ``None``
    where that cannot be told. Of several on the same read mark, the system names one. A
    writer reads too, but its transaction ends by itself: the one holding the write lock is
    left out."""
    readers = _shm_lock_holders(db_path, _SHM_WAL_READ_MARK_OFFSETS)
    if not readers:
        return readers
    return readers - (_shm_lock_holders(db_path, [_SHM_WRITE_LOCK_OFFSET]) or set())


def _shm_lock_holders(db_path: str, offsets: Iterable[int]) -> set[int] | None:
    """The processes other than this one holding a lock on any of these bytes of ``db_path``'s
    ``-shm`` file (0 for one the system does not number, in another container); ``None`` where
    that cannot be told (not Linux, no ``-shm``). Where the system lists only the locks of its
    own container's programs, one in another container is not named.

    Read from the system's list of locks (``/proc/locks``), taking none and opening nothing:
    asked through a descriptor of the ``-shm`` (``F_GETLK``), closing it let go of every lock
    this process held on the file, SQLite's own (POSIX locks are the process's), so the
    daemon, asking while its connections were open, was then seen by no other program; and
    that question names one holder of a byte that several read."""
    if sys.platform != "linux":
        return None
    try:
        shm = os.stat(os.path.realpath(db_path) + "-shm")
        with open("/proc/locks", encoding="ascii", errors="replace") as listed:
            lines = listed.read().splitlines()
    except OSError:
        return None
    file_id = f"{os.major(shm.st_dev):02x}:{os.minor(shm.st_dev):02x}:{shm.st_ino}"
    wanted = set(offsets)
    holders: set[int] = set()
    for line in lines:
        # "1: POSIX  ADVISORY  READ 1234 fd:01:5678 128 128"; a "->" line waits for a lock.
        fields = line.split()
        if len(fields) != 8 or fields[1] != "POSIX" or fields[5] != file_id:
            continue
        first, last = int(fields[6]), fields[7]
        end = sys.maxsize if last == "EOF" else int(last)
        pid = max(int(fields[4]), 0)
        if pid != os.getpid() and any(first <= offset <= end for offset in wanted):
            holders.add(pid)
    return holders


def process_names(pids: Iterable[int]) -> str:
    """``pid 1234 (sqlite3)`` for each, as a user can find and close them (Linux's
    ``/proc/PID/comm``; the number alone where it cannot be read)."""
    named = []
    for pid in sorted(pids):
        if pid <= 0:
            named.append("a program in another container")
            continue
        try:
            with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as comm:
                named.append(f"pid {pid} ({comm.read().strip()})")
        except OSError:
            named.append(f"pid {pid}")
    return ", ".join(named)
