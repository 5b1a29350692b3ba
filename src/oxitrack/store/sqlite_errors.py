"""SQLite's errors in words a user can act on, and which of them only mean "wait"."""

from __future__ import annotations

import sqlite3

from oxitrack.errors import StoreError

# SQLITE_BUSY and SQLITE_LOCKED: another connection holds what this one needs.
_BUSY_CODES = (5, 6)
_READONLY_CODE = 8


class DatabaseBusy(StoreError):
    """Another program held the database for longer than this store would wait."""


def is_busy(exc: sqlite3.Error) -> bool:
    """Whether another connection holds what ``exc``'s statement needed (a lock, a table)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _BUSY_CODES


def store_error(message: str, exc: sqlite3.Error) -> StoreError:
    """``message: reason`` as the error to raise: ``DatabaseBusy`` when another program holds
    the database (that passes), else ``StoreError``."""
    kind = DatabaseBusy if is_busy(exc) else StoreError
    return kind(f"{message}: {explain(exc)}")


def opening_error(path: str, exc: sqlite3.Error) -> StoreError:
    """The error for a file that failed to open for writing: SQLITE_READONLY means it opened
    and reads, and what fails is writing it or the -wal beside it (a read-only file in a
    read-only folder), so it says so rather than "cannot open"."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if code == _READONLY_CODE:
        return store_error(f"cannot write to {path}", exc)
    return store_error(f"cannot open the database {path}", exc)


def explain(exc: sqlite3.Error) -> str:
    """A short reason for a SQLite error, in words a user can act on (every store message)."""
    text = str(exc)
    if "not a database" in text or "malformed" in text:
        return f"{text}: not a valid OxiTrack database (corrupt or another kind of file)"
    if "readonly" in text or "unable to open" in text:
        return f"{text} (check the file and folder permissions)"
    if text.startswith("no such index"):
        # Dropped by hand (a SQLite shell or browser): it held no data, so nothing is lost.
        return (
            f"{text}: an index OxiTrack needs was dropped by hand (nothing is lost); the"
            " daemon makes it again at its next report, or as it starts"
        )
    if "locked" in text or "busy" in text:
        return f"{text} (another program holds the database)"
    return text
