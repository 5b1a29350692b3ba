"""A real mount that never answers, as an NFS share whose server went away or a dead sshfs.

A FUSE mount whose server process never reads its requests: every call into it (``stat``,
``open``, ``realpath``) waits, until the connection is closed. Closing it makes the waiting calls
fail with ``ENOTCONN`` at once, so a test that ends never leaves a hung folder behind. Needs Linux,
``/dev/fuse`` and the right to mount (root): skipped elsewhere.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


class HungMount:
    """A mount point whose file system never answers, until ``end_connection``."""

    def __init__(self, path: Path, fuse: int) -> None:
        self.path = path
        self._fuse = fuse

    def end_connection(self) -> None:
        """As a server that finally answers with an error: the waiting calls and every later
        one fail with ``ENOTCONN`` at once. The folder stays mounted."""
        if self._fuse >= 0:
            os.close(self._fuse)
            self._fuse = -1


@contextmanager
def hung_mount(mount_point: Path) -> Iterator[HungMount]:
    """``mount_point``, with a FUSE file system that never answers mounted on it."""
    try:
        fuse = os.open("/dev/fuse", os.O_RDWR | os.O_CLOEXEC)
    except OSError as exc:
        pytest.skip(f"no FUSE here: {exc}")
    try:
        mount_point.mkdir(parents=True, exist_ok=True)
        try:
            mounted = _mount(fuse, mount_point)
        except OSError as exc:  # no mount command
            pytest.skip(f"cannot mount FUSE here: {exc}")
        if mounted.returncode != 0:
            pytest.skip(f"cannot mount FUSE here: {mounted.stderr.strip()}")
        mount = HungMount(mount_point, fuse)
        fuse = -1  # the mount's to close now
        try:
            yield mount
        finally:
            mount.end_connection()  # every call still waiting fails at once
            subprocess.run(["umount", "-l", str(mount_point)], check=False, capture_output=True)
    finally:
        if fuse >= 0:
            os.close(fuse)


def _mount(fuse: int, mount_point: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "mount",
            "-t",
            "fuse.oxitrack-test",
            "-o",
            f"fd={fuse},rootmode=40000,user_id={os.getuid()},group_id={os.getgid()}",
            "oxitrack-test",
            str(mount_point),
        ],
        pass_fds=(fuse,),
        capture_output=True,
        text=True,
        check=False,
    )
