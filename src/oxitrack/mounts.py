"""Which folders lie on a file system that may stop answering: a network share or a FUSE mount.

On a local disk, resolving a folder's symlinks or reading its ``.git`` takes microseconds. On an
NFS or SMB share whose server went away, or an sshfs whose connection died, each such call waits
until the server answers, possibly for good. The daemon does that work on its event loop for
local folders and in a thread of its own, with a time limit, for folders under these mounts
(``api.slow_folders``): knowing which they are costs one ``poll`` a beat, since the mount table
is read again only when the kernel says it changed, and, while such a mount exists, one
``readlink`` per part of the folder's path, for symlinks that lead into it (11 µs for five).

Linux only (``/proc/self/mountinfo``); elsewhere no folder is known to be on such a mount.
"""

from __future__ import annotations

import os
import posixpath
import select
import threading
from collections.abc import Iterable

MOUNTINFO = "/proc/self/mountinfo"

#: File systems whose calls wait on another machine or another process. autofs: the first look
#: into one mounts the share behind it, and waits for its server.
_MAY_HANG_TYPES = frozenset(
    {
        "9p",
        "afs",
        "autofs",
        "ceph",
        "cifs",
        "coda",
        "glusterfs",
        "gpfs",
        "lustre",
        "ncpfs",
        "nfs",
        "nfs4",
        "smb3",
        "smbfs",
        "vboxsf",
        "virtiofs",
    }
)


def may_hang_type(fs_type: str) -> bool:
    """Whether a file system of this type may keep a call waiting on something else: a network
    file system, or FUSE (``fuse``, ``fuseblk``, ``fuse.sshfs``, …), served by a process."""
    return fs_type in _MAY_HANG_TYPES or fs_type == "fuse" or fs_type.startswith("fuse.")


def mount_points_that_may_hang(mountinfo: str) -> tuple[str, ...]:
    """The mount points in a ``/proc/self/mountinfo`` text whose file system may hang.

    Each line is ``ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL…] - TYPE SOURCE …``, the
    mount point with space, tab, newline and backslash written as octal escapes."""
    points = []
    for line in mountinfo.splitlines():
        fields = line.split(" ")
        try:
            fs_type = fields[fields.index("-", 6) + 1]
        except (ValueError, IndexError):
            continue  # not a mount line
        if may_hang_type(fs_type):
            points.append(_unescaped(fields[4]))
    return tuple(points)


def is_under_any(path: str, mount_points: Iterable[str]) -> bool:
    """Whether the absolute, normalized ``path`` is one of ``mount_points`` or inside one."""
    for point in mount_points:
        if point == "/" or path == point or path.startswith(point + "/"):
            return True
    return False


# Symlinks followed at most to resolve one path, as Linux's own lookup (ELOOP past it).
_MAX_SYMLINKS = 40
# Linux's PATH_MAX: a longer path names no file, and a request's path is checked here before
# its length is (30,000 parts took 0.1 s of the event loop).
_MAX_PATH_BYTES = 4096


def reaches_any(path: str, mount_points: Iterable[str]) -> bool:
    """Whether resolving the absolute POSIX ``path`` (``os.path.realpath``) touches one of
    ``mount_points``: it is under one, or a symlink on the way leads under one (``~/work`` to
    ``/mnt/share/work``). A local path so linked was resolved on the event loop, which then
    waited on the share with every client. Each step is checked before it is looked at, so
    only folders outside the mount points are read (one ``readlink`` each): this never waits."""
    points = tuple(mount_points)
    try:
        if len(path.encode("utf-8", "surrogateescape")) <= _MAX_PATH_BYTES:
            return _reaches_any(path, points)
    except (UnicodeEncodeError, ValueError):  # a lone surrogate or a NUL: no file has that name
        pass
    return is_under_any(posixpath.normpath(path), points)


def _reaches_any(path: str, points: tuple[str, ...]) -> bool:
    resolved = ""  # the real path of the parts taken so far; "" is the root
    pending = path.split("/")[::-1]  # the parts still to take, the next one last
    links = 0
    while pending:
        part = pending.pop()
        if part in ("", "."):
            continue
        if part == "..":
            resolved = resolved.rpartition("/")[0]
            continue
        step = f"{resolved}/{part}"
        if is_under_any(step, points):
            return True
        try:
            target = _link_target(step)
        except FileNotFoundError:
            if ".." not in pending:
                return False  # what is below a missing folder is missing too, mounts included
            target = None
        if target is None:
            resolved = step
            continue
        links += 1
        if links > _MAX_SYMLINKS:
            return False  # a loop: resolving it ends there, without waiting
        if target.startswith("/"):
            resolved = ""
        pending += target.split("/")[::-1]
    return False


def _link_target(path: str) -> str | None:
    """Where the symlink ``path`` leads, ``None`` when it is something else (or cannot be
    read); ``FileNotFoundError`` when it is nothing at all (or under a file)."""
    try:
        target = os.readlink(path.encode("utf-8", "surrogateescape"))
    except (FileNotFoundError, NotADirectoryError) as missing:
        raise FileNotFoundError(missing.errno, missing.strerror, path) from None
    except OSError:
        return None
    return target.decode("utf-8", "surrogateescape")


def _unescaped(field: str) -> str:
    if "\\" not in field:
        return field
    raw = field.encode("utf-8", "surrogateescape")
    out = bytearray()
    i = 0
    while i < len(raw):
        octal = raw[i + 1 : i + 4]
        if raw[i] == ord("\\") and len(octal) == 3 and all(48 <= b <= 55 for b in octal):
            out.append(int(octal, 8))
            i += 4
        else:
            out.append(raw[i])
            i += 1
    return out.decode("utf-8", "surrogateescape")


class MountWatch:
    """The mount points that may hang, kept up to date: the kernel marks the mount table's file
    readable with ``POLLPRI`` when a mount comes or goes, and only then is it read again."""

    def __init__(self, mountinfo_path: str = MOUNTINFO) -> None:
        self._lock = threading.Lock()  # one thread at a time polls and reads (tests run many apps)
        self._points: tuple[str, ...] = ()
        self._poll: select.poll | None = None
        try:
            self._fd: int | None = os.open(mountinfo_path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:  # not Linux, or no /proc: nothing is known to hang
            self._fd = None
            return
        self._poll = select.poll()
        self._poll.register(self._fd, select.POLLPRI | select.POLLERR)
        self._read()

    def may_hang(self, path: str) -> bool:
        """Whether looking at the absolute POSIX ``path`` may wait on a mount that may hang: it
        is on one, or a symlink on the way leads into one (``reaches_any``)."""
        if self._poll is not None:
            with self._lock:  # a poll object refuses two threads at once
                if self._poll.poll(0):
                    self._read()
        points = self._points
        return bool(points) and reaches_any(path, points)

    def _read(self) -> None:
        """Read the table again; called with ``_lock`` held, or before anyone else has the watch."""
        assert self._fd is not None
        chunks = []
        try:
            os.lseek(self._fd, 0, os.SEEK_SET)
            while chunk := os.read(self._fd, 65536):
                chunks.append(chunk)
        except OSError:  # never seen; the table as last read is the best guess
            return
        text = b"".join(chunks).decode("utf-8", "surrogateescape")
        self._points = mount_points_that_may_hang(text)


_watch: MountWatch | None = None
_watch_lock = threading.Lock()


def mount_watch() -> MountWatch:
    """The process's one ``MountWatch``: the mount table is the process's, and its file stays
    open for the process's life."""
    global _watch
    with _watch_lock:
        if _watch is None:
            _watch = MountWatch()
        return _watch
