"""The database's files as files: where it may be, its header, private modes, side files.

Nothing here opens a SQLite connection; ``core`` and the commands that write files next to the
database (``backup``, ``export -o``) use these.
"""

from __future__ import annotations

import os
import time

from oxitrack.errors import StoreError

# Modes of the folder and files OxiTrack creates: when someone worked is theirs to know.
PRIVATE_FOLDER_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
# A database is its file plus the ones SQLite keeps beside it, named by these suffixes.
SQLITE_SIDE_SUFFIXES = ("-wal", "-shm", "-journal")
# How long a file must look as if its -wal were lost before it is refused (``check_wal_not_lost``),
# looking again every WAL_LOST_RETRY_SECONDS.
WAL_LOST_GRACE_SECONDS = 1.0
WAL_LOST_RETRY_SECONDS = 0.05


def check_database_path(path: str, *, must_exist: bool) -> None:
    """Refuse, in words a user can act on, a path that cannot be the database: a folder (SQLite
    only says "unable to open database file", which sends users to permissions) or, when the
    file must exist already, nothing there."""
    if os.path.isdir(path):
        raise StoreError(
            f"cannot open the database {path}: it is a folder; give a file path such as "
            f"{os.path.join(path, 'oxitrack.db')}"
        )
    if must_exist and not os.path.exists(path):
        raise StoreError(f"no database at {path} (start `oxitrack serve` once)")


def check_wal_not_lost(path: str) -> None:
    """Refuse a file whose header says its data lives in a WAL that is not beside it.

    A daemon killed before its first checkpoint leaves a file of one page, the header of a WAL
    database, and everything else in its ``-wal``. Should that file be moved alone (a copy, a
    restore missing the ``-wal``), opening it would lay a new, empty schema over it, and the
    ``-wal`` put back later would no longer match: the data would be lost for good. Another
    OxiTrack creating the file this very moment passes through the same state for a few
    milliseconds, so the file must stay in it for ``WAL_LOST_GRACE_SECONDS`` to be refused.
    """
    deadline = time.monotonic() + WAL_LOST_GRACE_SECONDS
    while _wal_looks_lost(path):
        if time.monotonic() >= deadline:
            raise StoreError(
                f"{path} holds no data yet, and its -wal, where a daemon writes first, is not"
                f" beside it: if it came from a copy or a backup, put"
                f" {os.path.basename(path)}-wal back next to it; if it never held data, delete"
                " it to start over"
            )
        time.sleep(WAL_LOST_RETRY_SECONDS)


def _wal_looks_lost(path: str) -> bool:
    """A header of a WAL database, of one page, with no ``-wal`` beside it."""
    if os.path.exists(path + "-wal"):
        return False
    header = _header(path)
    return is_wal_database(path, header) and int.from_bytes(header[28:32], "big") <= 1


def is_wal_database(path: str, header: bytes | None = None) -> bool:
    """Whether the file's header says WAL mode (its read and write versions, bytes 18-19, are
    2): SQLite keeps part of its content in a ``-wal`` beside it, and a ``-shm`` to read it."""
    header = _header(path) if header is None else header
    return header.startswith(b"SQLite format 3\x00") and header[18:20] == b"\x02\x02"


def _header(path: str) -> bytes:
    """The file's 100-byte SQLite header, or what there is of it (nothing when unreadable:
    SQLite says why in its own words when it opens the file)."""
    try:
        with open(path, "rb") as file:
            return file.read(100)
    except OSError:
        return b""


def create_private_file(path: str | os.PathLike[str]) -> None:
    """Create ``path`` empty and readable by its owner only; ``FileExistsError`` if something
    is there already.

    SQLite would create the file with the umask's mode (usually readable by all), and gives its
    ``-wal``, ``-shm`` and ``-journal`` the main file's mode: a file made private before SQLite
    opens it keeps all of them private.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    os.close(os.open(path, flags, PRIVATE_FILE_MODE))


def partial_path(target: str | os.PathLike[str]) -> str:
    """Where a new ``target`` is written before it is renamed into place: in the same folder
    (a rename within one folder replaces the file whole), under a short name of its own.

    Not a name grown from ``target``'s: a valid name near the system's limit (255 bytes) left
    no room for a suffix, and the write failed. The pid keeps two programs apart and lets a
    later run with the same pid remove what a killed one left.
    """
    folder = os.path.dirname(os.path.abspath(target))
    return os.path.join(folder, f".oxitrack-partial-{os.getpid()}")


def file_uri(path: str) -> str:
    """SQLite's ``file:`` URI for an absolute ``path``, as ``Path.as_uri`` would give it but
    without loading ``pathlib``: ``%``, ``?`` and ``#`` are escaped, since they would end or
    alter the path; a Windows drive path ``C:\\x`` becomes ``file:///C:/x``."""
    if os.sep == "\\":
        path = path.replace("\\", "/")
        if path[1:2] == ":":
            path = "/" + path
    return "file://" + path.replace("%", "%25").replace("?", "%3F").replace("#", "%23")
