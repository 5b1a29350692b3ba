"""Reading a database file without changing any of its files (``check``, ``backup``'s source,
``service status``'s counts): SQLite's own ways of opening a file for reading may fold the
``-wal`` into it, delete it, or rebuild the ``-shm``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from oxitrack.errors import StoreError
from oxitrack.store.connections import BUSY_TIMEOUT_MS
from oxitrack.store.files import SQLITE_SIDE_SUFFIXES, check_database_path, is_wal_database
from oxitrack.store.sqlite_errors import explain


@contextlib.contextmanager
def reading_as_is(
    path: Path, *, upgraded_by: Callable[[str], None] | None = None
) -> Iterator[sqlite3.Connection]:
    """A connection that only reads, to an existing file (never creates one), and leaves the
    database's files exactly as they were, side files included.

    With ``upgraded_by``, a private copy is always read, once ``upgraded_by(copy_path)`` has
    brought it up to date (a file an older OxiTrack wrote, in a folder this user cannot write).

    A read/write connection (or a plain ``mode=ro`` one) is not enough: the last connection to
    close folds the ``-wal`` into the file and deletes it, and after a crash the first one to
    open rebuilds the ``-shm``. After a damaged WAL frame, that fold dropped every later commit
    for good. So:

    - with its ``-wal`` and ``-shm`` both there (a daemon running, or killed), the file is read
      through a read-only ``-shm`` (``readonly_shm``): SQLite then writes none of the three, and
      when no daemon keeps the ``-shm`` up to date it reads the ``-wal`` itself, as far as its
      checksums hold, exactly as a recovering writer would;
    - when SQLite would have to create or replay something (a ``-wal`` without its ``-shm``,
      a WAL-mode file with no ``-wal``, a rollback ``-journal`` left by a crash), the files are
      copied to a private folder and the copy is read;
    - otherwise (a rollback-mode file alone: a backup, the seed's file), read-only as it is.
    """
    check_database_path(str(path), must_exist=True)
    real = os.path.realpath(path)
    beside = {suffix: os.path.exists(real + suffix) for suffix in SQLITE_SIDE_SUFFIXES}
    if upgraded_by is not None:
        with _private_copy(real, path) as copy:
            upgraded_by(copy)
            with _connected(copy, path) as conn:
                yield conn
    elif beside["-wal"] and beside["-shm"]:
        with _connected(f"{Path(real).as_uri()}?mode=ro&readonly_shm=1", path) as conn:
            yield conn
    elif beside["-wal"] or beside["-journal"] or is_wal_database(real):
        with _private_copy(real, path) as copy, _connected(copy, path) as conn:
            yield conn
    else:
        with _connected(f"{Path(real).as_uri()}?mode=ro", path) as conn:
            yield conn


@contextlib.contextmanager
def _connected(target: str, path: Path) -> Iterator[sqlite3.Connection]:
    """A reading connection to ``target`` (a ``file:`` URI, or a private copy's path)."""
    try:
        conn = sqlite3.connect(
            target, uri=target.startswith("file:"), isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the database {path}: {explain(exc)}") from None
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA query_only = ON")
        yield conn
    finally:
        conn.close()


_COPY_ATTEMPTS = 3


@contextlib.contextmanager
def _private_copy(real_path: str, path: Path) -> Iterator[str]:
    """A copy of the database and its ``-wal`` or ``-journal``, in a folder only its owner can
    read, removed afterwards: SQLite may replay and rewrite the copy as it likes.

    No program has the files open the SQLite way here (it would have made a ``-shm``, or it
    writes in rollback mode), so they hold still while copied; a copy during which any of them
    changed (a daemon starting) is taken again.
    """
    try:
        folder = tempfile.mkdtemp(prefix="oxitrack-check-")  # mode 0700
    except OSError as exc:
        raise StoreError(f"cannot copy {path} to read it: {exc.strerror}") from None
    copy = os.path.join(folder, "copy.db")
    try:
        for _ in range(_COPY_ATTEMPTS):
            before = _file_states(real_path)
            try:
                for suffix in ("", *SQLITE_SIDE_SUFFIXES):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(copy + suffix)
                    if suffix != "-shm" and before[suffix] is not None:
                        shutil.copyfile(real_path + suffix, copy + suffix)
            except FileNotFoundError:
                continue  # a file went away meanwhile (a daemon stopping)
            except OSError as exc:  # the file's permissions, or a full temporary folder
                raise StoreError(f"cannot copy {path} to read it: {exc.strerror}") from None
            if _file_states(real_path) == before:
                break
        else:
            raise StoreError(
                f"cannot read the database {path}: it kept changing while it was read"
                " (another program is writing it); try again"
            )
        yield copy
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _file_states(real_path: str) -> dict[str, tuple[int, int, int] | None]:
    """Each of the database's files: (inode, size, modification time), or None when absent."""
    states: dict[str, tuple[int, int, int] | None] = {}
    for suffix in ("", *SQLITE_SIDE_SUFFIXES):
        try:
            info = os.stat(real_path + suffix)
        except FileNotFoundError:
            states[suffix] = None
        else:
            states[suffix] = (info.st_ino, info.st_size, info.st_mtime_ns)
    return states
