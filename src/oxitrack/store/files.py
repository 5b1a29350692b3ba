"""The database's files as files: where it may be, its header, private modes, side files, and
whether another program has it open.

Nothing here opens a SQLite connection; ``core`` and the commands that write files next to the
database (``backup``, ``export -o``) use these.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
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
    only says "unable to open database file", which sends users to permissions), a FIFO, device
    or socket (SQLite waited for ever on a FIFO, and said "disk I/O error" of ``/dev/null``) or,
    when the file must exist already, nothing there or an empty file (which only ``serve``
    makes a database: a report that read it wrote a schema into it)."""
    try:
        found = os.stat(path)
    except (OSError, ValueError):  # nothing there, or a name no file can have: SQLite says
        mode = size = None
    else:
        mode, size = found.st_mode, found.st_size
    if mode is not None and stat.S_ISDIR(mode):
        raise StoreError(
            f"cannot open the database {path}: it is a folder; give a file path such as "
            f"{os.path.join(path, 'oxitrack.db')}"
        )
    if mode is not None and not stat.S_ISREG(mode):
        kind = (
            "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
        )
        raise StoreError(
            f"cannot open the database {path}: it is {kind}, not a file; give a file path"
        )
    if must_exist and mode is None:
        raise StoreError(f"no database at {path} (start `oxitrack serve` once)")
    if must_exist and size == 0:
        raise StoreError(
            f"no database at {path} yet: the file is empty (start `oxitrack serve` once)"
        )


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


def is_sqlite_file(path: str, header: bytes | None = None) -> bool:
    """Whether the file starts with SQLite's header (a WakaTime export is JSON, maybe gzipped)."""
    header = _header(path) if header is None else header
    return header.startswith(b"SQLite format 3\x00")


def is_wal_database(path: str, header: bytes | None = None) -> bool:
    """Whether the file's header says WAL mode (its read and write versions, bytes 18-19, are
    2): SQLite keeps part of its content in a ``-wal`` beside it, and a ``-shm`` to read it."""
    header = _header(path) if header is None else header
    return is_sqlite_file(path, header) and header[18:20] == b"\x02\x02"


def _header(path: str) -> bytes:
    """The file's 100-byte SQLite header, or what there is of it (nothing when unreadable:
    SQLite says why in its own words when it opens the file)."""
    try:
        with open(path, "rb") as file:
            return file.read(100)
    except OSError:
        return b""


class OpenedFiles:
    """Whether ``path`` still leads to the database file, and its ``-wal`` and ``-shm``, that
    were there when a connection opened them.

    SQLite writes through the descriptors it opened. Should the file be removed (its folder
    deleted to start over, moved away) or replaced (a backup moved over it) while it is open,
    every later commit lands in a file that no one will ever read again, and still succeeds. A
    removed ``-shm`` (taken for a leftover) is as bad: the next program makes a new one, and two
    programs then keep two different indexes of one WAL. A writer that asks ``moved`` after each
    commit can say so instead of acknowledging it.
    """

    def __init__(self, path: str, real_path: str) -> None:
        self._path = path  # as given: a symlink pointed elsewhere is a replacement too
        # SQLite keeps them beside the file the symlink leads to, and creates them on first use.
        self._side_files = [real_path + suffix for suffix in ("-wal", "-shm")]
        try:
            self._opened = _identity(path)
            self._opened_sides = [_identity(side) for side in self._side_files]
        except OSError:  # the folder unreadable to stat: nothing to compare with later
            self._can_tell = False
        else:
            self._can_tell = self._opened is not None

    def moved(self) -> bool:
        """True once the path no longer leads to those files; False when it cannot be told (a
        folder made unreadable): that alone must not stop a writer."""
        if not self._can_tell:
            return False
        try:
            sides = [_identity(side) for side in self._side_files]
            path_now = _identity(self._path)
        except OSError:
            return False
        # A side file missing at the open is the one SQLite made since: from now on, that one.
        self._opened_sides = [
            opened if opened is not None else now
            for opened, now in zip(self._opened_sides, sides, strict=True)
        ]
        return path_now != self._opened or sides != self._opened_sides

    def own_side_files(self) -> list[str]:
        """The ``-wal`` and ``-shm`` at the path that are still those this connection has open.

        Once the file was moved or replaced, they belong to a file no path leads to: left
        beside whatever is at the path now (a backup moved over it), the next program would
        read that file through them, the old WAL's pages in place of its own."""
        if not self._can_tell:
            return []
        own = []
        for side, opened in zip(self._side_files, self._opened_sides, strict=True):
            with contextlib.suppress(OSError):
                if opened is not None and _identity(side) == opened:
                    own.append(side)
        return own


def _identity(path: str) -> tuple[int, int] | None:
    """The file ``path`` leads to, as (device, inode); ``None`` when nothing is there."""
    try:
        found = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return (found.st_dev, found.st_ino)


def make_private_database_file(path: str) -> None:
    """The database's folder and, when missing, its file, made for their owner only.

    The file tells when its owner worked: the data folder, and any made on the way to it, when
    made here, is theirs only (whatever the umask says); one that exists keeps the mode the user
    gave it. A new file is made private; an existing one keeps its mode. Other errors (a folder
    that takes no files) SQLite reports once it opens the file, in words the user can act on."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        make_private_folders(folder)
    except OSError as exc:
        raise StoreError(f"cannot create the folder {folder}: {exc.strerror}") from None
    with contextlib.suppress(OSError):
        create_private_file(path)


def make_private_folders(folder: str) -> None:
    """Make ``folder`` and each missing folder above it for their owner only (``os.makedirs``
    gives its mode to the last one alone): a new account's ``~/.local/share`` is made 0700, as
    the XDG rules ask, not readable by all. Folders that exist keep their mode."""
    parent = os.path.dirname(folder)
    if parent != folder and not os.path.isdir(parent):
        make_private_folders(parent)
    try:
        os.mkdir(folder, PRIVATE_FOLDER_MODE)
    except FileExistsError:
        if not os.path.isdir(folder):  # a file by that name: as os.makedirs says it
            raise


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
    no room for a suffix, and the write failed. The machine's name and the pid keep two programs
    apart (also two machines writing to one shared folder), and let a later run tell what a
    killed one left (``remove_abandoned_partials``).
    """
    folder = os.path.dirname(os.path.abspath(target))
    return os.path.join(folder, f"{_PARTIAL_PREFIX}{_host_name()}-{os.getpid()}")


_PARTIAL_PREFIX = ".oxitrack-partial-"
ABANDONED_AFTER_SECONDS = 3600


def _host_name() -> str:
    """This machine's name, as far as it is safe in a file name (at most 64 bytes)."""
    name = os.uname().nodename if hasattr(os, "uname") else os.environ.get("COMPUTERNAME", "")
    return re.sub(r"[^A-Za-z0-9.-]", "", name)[:64] or "host"


def remove_abandoned_partials(target: str | os.PathLike[str]) -> None:
    """Remove, in ``target``'s folder, what programs killed while writing there left: partial
    files (``partial_path``) and the files SQLite keeps beside them.

    A partial can be as big as the database, and only a later run with the same pid would have
    removed it. Only names this machine's ``partial_path`` gives are considered (and the older
    ones without the machine's name), and of those only regular files of our own user whose
    program is gone: no process has the pid in the name. A live process with that pid (maybe an
    unrelated one that took the pid since) keeps the file until a later run; so does one of
    another user (``PermissionError``). Nothing is removed on Windows, where ``os.kill`` ends
    the process instead of asking whether it lives. Never raises: a folder that cannot be
    listed, or a file that cannot be removed, is left as it is.

    A pid is this machine's only, while a folder may be shared with machines that name
    themselves alike (cloned VMs, containers on the host's network) or that wrote the older
    names: a file written to in the last ``ABANDONED_AFTER_SECONDS`` may be a backup at work
    there, and is left for a later run.
    """
    if os.name == "nt":
        return
    folder = os.path.dirname(os.path.abspath(target))
    pattern = re.compile(
        re.escape(_PARTIAL_PREFIX)
        + f"(?:{re.escape(_host_name())}-)?([1-9][0-9]{{0,9}})"
        + f"(?:{'|'.join(map(re.escape, SQLITE_SIDE_SUFFIXES))})?"
    )
    gone: dict[int, bool] = {}
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                match = pattern.fullmatch(entry.name)
                if match is None:
                    continue
                pid = int(match.group(1))
                if pid not in gone:
                    gone[pid] = _is_gone(pid)
                if gone[pid]:
                    _remove_if_ours(entry.path)
    except OSError:
        pass


def _is_gone(pid: int) -> bool:
    """Whether no process has this pid. Only "no such process" says so: one of another user
    (``PermissionError``) lives, and any other answer proves nothing."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (OSError, OverflowError):
        return False
    return False


def _remove_if_ours(path: str) -> None:
    """Remove ``path`` if it is a regular file (not a link, not a folder) of our own user that
    nothing has written to for ``ABANDONED_AFTER_SECONDS``."""
    try:
        found = os.lstat(path)
        if (
            stat.S_ISREG(found.st_mode)
            and found.st_uid == os.geteuid()
            and time.time() - found.st_mtime >= ABANDONED_AFTER_SECONDS
        ):
            os.unlink(path)
    except OSError:
        pass


def file_uri(path: str) -> str:
    """SQLite's ``file:`` URI for an absolute ``path``, as ``Path.as_uri`` would give it but
    without loading ``pathlib``: ``%``, ``?`` and ``#`` are escaped, since they would end or
    alter the path; a Windows drive path ``C:\\x`` becomes ``file:///C:/x``."""
    if os.sep == "\\":
        path = path.replace("\\", "/")
        if path[1:2] == ":":
            path = "/" + path
    return "file://" + path.replace("%", "%25").replace("?", "%3F").replace("#", "%23")
