"""Which folders are on mounts that may hang: the mount table read, and followed as it changes."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from oxitrack.mounts import (
    MountWatch,
    is_under_any,
    may_hang_type,
    mount_points_that_may_hang,
    reaches_any,
)
from tests.hung_mount import hung_mount

MOUNTINFO = "\n".join(
    [
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
        "40 22 0:35 / /home/me/share rw,relatime shared:20 - nfs4 srv:/export rw,vers=4.2",
        "41 22 0:36 / /mnt/box rw,nosuid,nodev - fuse.sshfs me@box: rw,user_id=1000",
        r"42 22 0:37 / /mnt/win\040drive rw master:3 propagate_from:2 - cifs //srv/c rw",
        "43 22 0:38 / /tmp rw - tmpfs tmpfs rw",
        "44 22 0:39 / /mnt/usb rw - fuseblk /dev/sdb1 rw",
        "45 22 0:40 / /media/smb rw - smb3 //srv/d rw",
        "not a mount line",
        "",
    ]
)


def test_network_and_fuse_mounts_are_the_ones_that_may_hang():
    assert mount_points_that_may_hang(MOUNTINFO) == (
        "/home/me/share",
        "/mnt/box",
        "/mnt/win drive",  # the octal escape of a space, read back
        "/media/smb",
    )


@pytest.mark.parametrize(
    ("fs_type", "may_hang"),
    [
        ("nfs", True),
        ("nfs4", True),
        ("cifs", True),
        ("fuse.sshfs", True),
        ("fuse", True),
        ("9p", True),
        ("autofs", True),
        *((name, True) for name in ("afs", "ceph", "coda", "glusterfs", "gpfs", "lustre")),
        *((name, True) for name in ("ncpfs", "smb3", "smbfs", "vboxsf", "virtiofs")),
        ("ext4", False),
        ("btrfs", False),
        ("tmpfs", False),
        ("overlay", False),
        ("fusectl", False),  # the kernel's own control file system, not a FUSE mount
    ],
)
def test_may_hang_type(fs_type: str, may_hang: bool):
    assert may_hang_type(fs_type) is may_hang


def test_a_folder_is_under_a_mount_point_only_past_a_whole_name():
    points = ("/mnt/box",)
    assert is_under_any("/mnt/box", points)
    assert is_under_any("/mnt/box/code/app", points)
    assert not is_under_any("/mnt/boxes/app", points)
    assert not is_under_any("/mnt", points)
    assert is_under_any("/anything", ("/",))  # the root itself on NFS: every folder


def test_a_symlink_that_leads_into_a_mount_reaches_it(tmp_path: Path):
    """Resolving the link would look into the mount: as much a risk as a path on it."""
    share = str(tmp_path / "share")
    (tmp_path / "work").symlink_to(tmp_path / "share" / "app")
    (tmp_path / "relative").symlink_to("share")
    (tmp_path / "chain").symlink_to(tmp_path / "work")
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "up").symlink_to("..")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    assert reaches_any(str(tmp_path / "work"), [share])
    assert reaches_any(str(tmp_path / "work" / "src"), [share])
    assert reaches_any(str(tmp_path / "relative" / "app"), [share])
    assert reaches_any(str(tmp_path / "chain"), [share])
    assert reaches_any(f"{tmp_path}/local/up/share", [share])
    assert reaches_any(f"{tmp_path}/local/../share/x", [share])
    assert not reaches_any(str(tmp_path / "local"), [share])
    assert not reaches_any(str(tmp_path / "missing" / "app"), [share])
    assert reaches_any(f"{tmp_path}/missing/../share", [share])  # back up from nothing
    assert not reaches_any(str(tmp_path / "loop"), [share])  # resolving it ends, never waits
    # A name no file can have (a NUL, a lone surrogate) is judged by the path alone.
    assert reaches_any(f"{tmp_path}/\x00/../share", [share])
    assert reaches_any(f"{tmp_path}/\ud800/../share/app", [share])
    assert not reaches_any(f"{tmp_path}/local/\x00", [share])
    assert reaches_any(f"{tmp_path}/local/../share" + "/a" * 3000, [share])  # too long a name


def test_mount_points_with_tabs_newlines_backslashes_and_quotes_are_read_back():
    """The kernel writes a tab, a newline and a backslash in a mount point as octal escapes
    (``\\011``, ``\\012``, ``\\134``); any such escape is read back."""
    mountinfo = "\n".join(
        [
            r"50 22 0:41 / /mnt/a\011b rw - nfs srv:/a rw",
            r"51 22 0:42 / /mnt/c\012d rw - nfs srv:/c rw",
            r"52 22 0:43 / /mnt/e\134f rw - nfs srv:/e rw",
            r"53 22 0:44 / /mnt/it\047s rw - nfs srv:/g rw",
        ]
    )
    assert mount_points_that_may_hang(mountinfo) == (
        "/mnt/a\tb",
        "/mnt/c\nd",
        "/mnt/e\\f",
        "/mnt/it's",
    )


def test_a_chain_of_forty_symlinks_into_a_mount_reaches_it(tmp_path: Path):
    """Linux follows 40 symlinks in one lookup (ELOOP past them): so many still lead there."""
    share = tmp_path / "share"
    (tmp_path / "link40").symlink_to(share)
    for number in range(39, 0, -1):
        (tmp_path / f"link{number}").symlink_to(tmp_path / f"link{number + 1}")
    assert reaches_any(str(tmp_path / "link1"), [str(share)])


def test_a_path_of_exactly_the_longest_length_is_walked(tmp_path: Path):
    """4096 bytes (Linux's PATH_MAX) may still name a file: its symlinks are followed."""
    share = tmp_path / "share"
    (tmp_path / "a").symlink_to(share)
    start = f"{tmp_path}/a"
    end = "/x" if (4096 - len(start) - 2) % 2 == 0 else "/xy"
    path = start + "/." * ((4096 - len(start) - len(end)) // 2) + end
    assert len(path.encode()) == 4096
    assert reaches_any(path, [str(share)])


def test_a_path_too_long_to_name_a_file_is_not_walked(tmp_path: Path):
    """A request's path is looked at before its length is checked: one part after another of
    "/a" * 30000 is 30,000 looks at the disk on the event loop."""
    (tmp_path / "a").symlink_to(tmp_path / "share")
    assert reaches_any(f"{tmp_path}/a", [str(tmp_path / "share")])
    assert not reaches_any(f"{tmp_path}/a" + "/b" * 3000, [str(tmp_path / "share")])


def test_a_watch_reads_the_table_it_is_given(tmp_path: Path):
    table = tmp_path / "mountinfo"
    table.write_text(MOUNTINFO)
    watch = MountWatch(str(table))
    assert watch.may_hang("/mnt/box/code/app")
    assert watch.may_hang("/mnt/win drive/code")
    assert watch.may_hang("/srv/../mnt/box/app")  # as the path will resolve
    assert not watch.may_hang("/home/me/code/app")
    assert not watch.may_hang("/mnt/usbstick/app")


def test_without_a_mount_table_nothing_may_hang(tmp_path: Path):
    watch = MountWatch(str(tmp_path / "missing"))
    assert not watch.may_hang("/mnt/box/app")


@pytest.mark.skipif(sys.platform != "linux", reason="the mount table is Linux's /proc")
def test_a_mount_made_after_the_watch_started_is_seen(tmp_path: Path):
    watch = MountWatch()
    folder = tmp_path / "share" / "app"
    assert not watch.may_hang(str(folder))
    with hung_mount(tmp_path / "share"):
        assert watch.may_hang(str(folder))
    assert not watch.may_hang(str(folder))  # and gone once unmounted


def test_a_table_that_cannot_be_read_is_no_reason_to_fail(tmp_path: Path):
    watch = MountWatch(str(tmp_path))  # a folder: opened, but every read fails
    assert not watch.may_hang("/mnt/box/app")


def test_many_threads_may_ask_at_once():
    """One watch serves the process: a poll object asked by two threads at once refuses."""
    watch = MountWatch()
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            for _ in range(2000):
                watch.may_hang("/home/me/code/app")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
