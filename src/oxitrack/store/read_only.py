"""The connection of a ``Store`` opened read-only: to the file where it lies or, where SQLite
would have to write a side file it cannot, a reader that changes none of its files
(``reading.py``, as ``check`` reads); for a file an older OxiTrack wrote, one of it upgraded.

SQLite's own read-only connection rebuilds a ``-shm`` it may write: in a folder this user may
not change, nothing is, whatever the side files' modes.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable

from oxitrack.errors import StoreError, warn
from oxitrack.store.connections import BUSY_TIMEOUT_MS, CannotReadInPlace, connect
from oxitrack.store.schema import SCHEMA_VERSION, check_file
from oxitrack.store.sqlite_errors import DatabaseBusy


def open_read_only(
    path: str,
    real_path: str,
    held: contextlib.ExitStack,
    *,
    wait_seconds: float | None,
    upgrade: Callable[[str], None],
) -> sqlite3.Connection:
    """The reader of a ``Store`` opened read-only (``open_reader``), checked to be OxiTrack's;
    for a file an older OxiTrack wrote, one of it upgraded by ``upgrade``
    (``open_upgraded_reader``). SQLite's own wait, within each of the store's tries to open, is
    no longer than ``wait_seconds``, the whole wait, when given."""
    busy_timeout_ms = BUSY_TIMEOUT_MS
    if wait_seconds is not None:
        busy_timeout_ms = min(busy_timeout_ms, int(wait_seconds * 1000))
    reader = open_reader(path, real_path, held, busy_timeout_ms=busy_timeout_ms)
    try:
        version, _ = check_file(path, reader)
    except BaseException:
        reader.close()
        raise
    if version >= SCHEMA_VERSION:
        return reader
    reader.close()
    return open_upgraded_reader(path, real_path, held, upgrade=upgrade)


def open_reader(
    path: str,
    real_path: str,
    held: contextlib.ExitStack,
    *,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
) -> sqlite3.Connection:
    """A reader of the file at ``path`` (``real_path`` once symlinks are followed): where it
    lies, or, in a folder this user cannot write (a snapshot, a read-only mount, another
    account's data), as ``check`` reads it: changing none of its files, and never from a
    ``-shm`` or ``-wal`` that is out of date. What such a reader needs is kept in ``held``;
    ``busy_timeout_ms`` is how long SQLite waits for another program's lock, at each read."""
    if _may_write(os.path.dirname(real_path)):
        try:
            return connect(path, read_only=True, busy_timeout_ms=busy_timeout_ms)
        except CannotReadInPlace:
            pass  # the folder looked writable, but SQLite could not make its side files
    return _read_as_is(path, held)


def open_upgraded_reader(
    path: str, real_path: str, held: contextlib.ExitStack, upgrade: Callable[[str], None]
) -> sqlite3.Connection:
    """A reader of the file once upgraded, for a file an older OxiTrack wrote: upgraded in
    place by ``upgrade(path)``, exactly as ``oxitrack serve`` would, or, when this user cannot
    write it, a private copy upgraded and read instead (said once), leaving the file as it
    was. What the reader before held is let go of first."""
    held.close()
    try:
        upgrade(path)
    except DatabaseBusy:
        raise
    except StoreError:
        if _may_write(real_path, os.path.dirname(real_path)):
            raise
        warn(
            "oxitrack.store",
            "%s is from an older OxiTrack and cannot be written here to upgrade it:"
            " reading an upgraded private copy (any command run by its owner upgrades it)",
            path,
        )
        return _read_as_is(path, held, upgraded_by=upgrade)
    return open_reader(path, real_path, held)


def _read_as_is(
    path: str, held: contextlib.ExitStack, upgraded_by: Callable[[str], None] | None = None
) -> sqlite3.Connection:
    """A connection of ``store/reading.reading_as_is``, held until ``held`` is closed."""
    from pathlib import Path  # loaded only here: `oxitrack today` starts in ~40 ms

    from oxitrack.store.reading import reading_as_is

    return held.enter_context(reading_as_is(Path(path), upgraded_by=upgraded_by))


def _may_write(*paths: str) -> bool:
    """Whether this user may write every one of ``paths`` (a file, a folder for the -wal and
    -shm), as far as the system says (modes, ACLs, a read-only mount), changing none."""
    effective = os.access in os.supports_effective_ids
    return all(os.access(path, os.W_OK, effective_ids=effective) for path in paths)
