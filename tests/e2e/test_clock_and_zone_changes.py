"""A daemon running for weeks while the machine's zone and clock change under it.

The zone: the daemon runs in a private mount namespace (Linux, root) where ``/etc`` is a folder
of the test's, so the test changes ``/etc/localtime`` and ``/etc/timezone`` as the system's own
tools do, from outside, while the daemon runs; the real ``/etc`` is never touched. The clock:
the daemon's ``time.time`` adds a shift read from a file the test writes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.daemon_process import DaemonProcess
from tests.zones import midday_zone

ZONES = Path("/usr/share/zoneinfo")

# Python for ``DaemonProcess(prelude=...)``: a mount namespace of its own, in which the folder
# ETC (formatted in) is bind-mounted over /etc. Run before any thread exists, as unshare needs.
_PRIVATE_ETC = """
import ctypes
_libc = ctypes.CDLL(None, use_errno=True)
_CLONE_NEWNS, _MS_BIND, _MS_REC, _MS_PRIVATE = 0x20000, 0x1000, 0x4000, 0x40000
if _libc.unshare(_CLONE_NEWNS) != 0:
    raise OSError(ctypes.get_errno(), "unshare")
if _libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
    raise OSError(ctypes.get_errno(), "mount --make-rprivate /")
if _libc.mount({etc!r}, b"/etc", None, _MS_BIND, None) != 0:
    raise OSError(ctypes.get_errno(), "mount --bind")
"""


def _private_etc_works(etc: Path) -> bool:
    probe = _PRIVATE_ETC.format(etc=bytes(etc)) + "import os; print(os.listdir('/etc'))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    return done.returncode == 0 and done.stdout.strip() == "[]"


@pytest.fixture
def etc(tmp_path: Path) -> Path:
    """An empty folder that the daemon sees as its /etc: nothing names a zone yet."""
    folder = tmp_path / "etc"
    folder.mkdir()
    if sys.platform != "linux" or not ZONES.is_dir() or not _private_etc_works(folder):
        pytest.skip("needs Linux, root (a private mount namespace) and /usr/share/zoneinfo")
    return folder


@pytest.fixture
def daemon_in(etc: Path, tmp_path: Path) -> Iterator[DaemonProcess]:
    process = DaemonProcess(
        tmp_path / "zone.db", env={"TZ": ""}, prelude=_PRIVATE_ETC.format(etc=bytes(etc))
    ).start()
    try:
        yield process
    finally:
        process.kill()


def _zones_seen(daemon: DaemonProcess) -> tuple[str, str]:
    """The zone of ``GET /today`` and of the WakaTime status bar route."""
    today = httpx2.get(f"{daemon.url}/today", params={"format": "json"}).json()
    statusbar = httpx2.get(f"{daemon.url}/api/v1/users/current/statusbar/today").json()
    return today["timezone"], statusbar["data"]["range"]["timezone"]


def _link(etc: Path, zone: str) -> None:
    """What ``timedatectl set-timezone`` does: /etc/localtime replaced by a link."""
    (etc / "localtime.new").symlink_to(ZONES / zone)
    (etc / "localtime.new").replace(etc / "localtime")


def _copy(etc: Path, zone: str) -> None:
    """What ``cp /usr/share/zoneinfo/ZONE /etc/localtime`` does (container images, old systems)."""
    (etc / "localtime").unlink(missing_ok=True)
    shutil.copyfile(ZONES / zone, etc / "localtime")


def test_a_running_daemon_follows_every_way_the_system_zone_changes(
    etc: Path, daemon_in: DaemonProcess
):
    assert _zones_seen(daemon_in) == ("UTC", "UTC")
    (etc / "timezone").write_text("Asia/Kathmandu\n")  # only /etc/timezone names it
    assert _zones_seen(daemon_in) == ("Asia/Kathmandu", "Asia/Kathmandu")
    (etc / "timezone").write_text("Pacific/Chatham\n")
    assert _zones_seen(daemon_in) == ("Pacific/Chatham", "Pacific/Chatham")
    _copy(etc, "Pacific/Kiritimati")  # /etc/timezone left behind naming the old zone
    assert _zones_seen(daemon_in) == ("Pacific/Kiritimati", "Pacific/Kiritimati")
    _link(etc, "America/St_Johns")
    assert _zones_seen(daemon_in) == ("America/St_Johns", "America/St_Johns")


# Python for ``DaemonProcess(prelude=...)``: the daemon's wall clock is the real one plus the
# seconds in the file SHIFT (formatted in), read at every look, so the test can set it back.
_SHIFTED_CLOCK = """
import time
_real_time = time.time
def _shifted():
    with open({shift!r}) as file:
        return _real_time() + float(file.read())
time.time = _shifted
"""


def test_beats_from_before_the_clock_was_put_back_do_not_keep_a_project_active(tmp_path: Path):
    """The clock ran an hour fast while beats came in (stamped by the daemon), then was fixed."""
    zone = midday_zone(time.time())  # the fast hour and the hour now are one day there
    shift = tmp_path / "shift"
    shift.write_text("3600")
    daemon = DaemonProcess(tmp_path / "clock.db", prelude=_SHIFTED_CLOCK.format(shift=str(shift)))
    daemon.start()
    try:

        def beat() -> None:
            answer = httpx2.post(
                f"{daemon.url}/beat",
                content=json.dumps({"project_path": str(tmp_path)}),
                headers={"content-type": "application/json"},
            )
            assert answer.status_code == 200, answer.text

        def active() -> list[bool]:
            params = {"format": "json", "tz": zone}
            body = httpx2.get(f"{daemon.url}/today", params=params).json()
            return [project["is_active"] for project in body["projects"]]

        beat()
        assert active() == [True]
        shift.write_text("0")
        assert active() == [False]
        beat()
        assert active() == [True]
    finally:
        daemon.kill()
