"""Files the commands write (``backup FILE``, ``export -o FILE``): checked first, then written
beside the target and renamed into place.

A target is refused, as a usage error, when it is empty, when it is the database itself or one
of the files SQLite keeps beside it (writing a CSV header over the database, or replacing the
``-wal`` file under a running daemon, destroys the data), when it is a folder, when SQLite's
``-wal``, ``-shm`` or ``-journal`` file lies beside it (even with ``--force``), when it ends with
a separator but names no folder, when its folder does not exist, or when it exists and
``--force`` was not given. A write that fails halfway leaves the old file (or none), never half
a new one.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from oxitrack.commands._options import UsageError
from oxitrack.errors import OxitrackError
from oxitrack.records import TYPE_CHECKING
from oxitrack.store.files import (
    SQLITE_SIDE_SUFFIXES,
    create_private_file,
    partial_path,
    remove_abandoned_partials,
)

if TYPE_CHECKING:
    from typing import TextIO

_BESIDE_THE_DATABASE = ("", *SQLITE_SIDE_SUFFIXES)
_SEPARATORS = os.sep + (os.altsep or "")


def check_target(
    path: str, db: str, *, force: bool, label: str = "", stdout_instead: bool = False
) -> str:
    """``path`` with ``~`` expanded, or ``UsageError`` saying why it must not be written.

    ``label`` starts each message (``"-o: "``) so the user sees which argument was refused.
    The checks run in the order that gives the useful answer first: the database before
    anything else, a folder or a database in use before "exists; pass --force" (which --force
    would not cure). ``stdout_instead``: the command can write to the standard output instead
    (``export``, not ``backup``), which a refusal of a device or pipe suggests.
    """
    if not path:  # `oxitrack backup "$FILE"` with FILE unset
        raise UsageError(f"{label}FILE must not be empty; give a file name")
    target = os.path.expanduser(path)
    if is_database_file(target, db):
        raise UsageError(f"{label}{target} is the database itself; choose another file")
    if os.path.isdir(target):
        raise UsageError(f"{label}{target} is a folder; give a file name")
    if target.endswith(_SEPARATORS):
        # The path would lose its separator on the way (`os.path`, `Path`) and a file named
        # like the folder would be made: `backup ~/backups/` wrote a file `backups`.
        folder = target.rstrip(_SEPARATORS) or target
        problem = f"{folder} is not a folder"
        if not os.path.lexists(folder):
            problem = f"the folder {folder} does not exist"
        raise UsageError(f"{label}{target} ends with {target[-1]}, but {problem}")
    side_file = _sqlite_side_file(target)
    if side_file is not None:
        raise UsageError(
            f"{label}{target} is a database in use, or one whose program stopped abruptly"
            f" ({side_file} is beside it); to restore a backup, stop the daemon and follow"
            " the restore steps in docs/operations.md"
        )
    if os.path.exists(target) and not os.path.isfile(target):
        instead = ", or leave out the file to write to the standard output"
        raise UsageError(
            f"{label}{target} is not a regular file (a device or a pipe); give a file name"
            + (instead if stdout_instead else "")
        )
    if os.path.lexists(target) and not force:
        raise UsageError(f"{label}{target} exists; pass --force to replace it")
    # A symlink stays a symlink: the file it leads to is the one replaced.
    target = os.path.realpath(target) if os.path.islink(target) else target
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise UsageError(f"{label}cannot write {target}: the folder {folder} does not exist")
    return target


def is_database_file(target: str, db: str) -> bool:
    """Whether ``target`` is the database file or one SQLite keeps beside it, by any name
    (a symlink, a hard link, ``./`` or ``..`` in the path)."""
    real_target = os.path.realpath(target)
    real_db = os.path.realpath(os.path.expanduser(db))
    for suffix in _BESIDE_THE_DATABASE:
        candidate = real_db + suffix
        if real_target == candidate:
            return True
        with contextlib.suppress(OSError):  # either file may not exist: then names decide
            if os.path.samefile(target, candidate):
                return True
    return False


def _sqlite_side_file(target: str) -> str | None:
    """A ``-wal``, ``-shm`` or ``-journal`` file beside ``target`` (by its name or the file a
    symlink leads to), if there is one.

    SQLite keeps them while a program has the database open, and leaves them when it stops
    abruptly. A file renamed over such a database loses the data either way: a daemon that has
    it open goes on writing into the old, unlinked file, and the next program to open the new
    file replays the old WAL or journal into it.
    """
    for name in dict.fromkeys((target, os.path.realpath(target))):
        for suffix in SQLITE_SIDE_SUFFIXES:
            if os.path.lexists(name + suffix):
                return name + suffix
    return None


@contextlib.contextmanager
def replacing(target: str, *, label: str = "") -> Iterator[TextIO]:
    """A text file to write ``target``'s new content to; renamed onto ``target`` only when the
    block ends without an error, and removed when it does not (also when stopped by SIGTERM or
    SIGHUP: ``cli`` makes them a Ctrl-C)."""
    partial = partial_path(target)
    _remove(partial)  # left by an export that was killed and had our pid
    remove_abandoned_partials(target)  # and by killed ones of other pids
    try:
        # Made private before anything is written: an export lists when its owner worked.
        create_private_file(partial)
        out = open(partial, "w", encoding="utf-8", newline="")
    except OSError as exc:  # a folder that takes no files: like a full disk, not a usage error
        raise OxitrackError(f"{label}cannot write {target}: {exc.strerror}") from None
    try:
        with out:
            yield out
            out.flush()
            # On the disk before the rename: after a power cut, a file system that kept the
            # rename but not the data would show a cut or empty export under the final name,
            # and a CSV cut at a line's end passes for a whole one.
            os.fsync(out.fileno())
        os.replace(partial, target)
    except OSError as exc:
        _remove(partial)
        raise OxitrackError(f"{label}cannot write {target}: {exc.strerror}") from None
    except BaseException:
        _remove(partial)
        raise


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
