"""Fixtures of the end-to-end ring: the real WakaTime client, installed by the project's script;
a browser; daemons with work to show, or whose clock shows a chosen day."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import chromium, send_beats, worked_lately

REPO_ROOT = Path(__file__).resolve().parents[2]
WAKATIME_CLIENT = REPO_ROOT / ".venv-wakatime" / "bin" / "wakatime"


@pytest.fixture(scope="session")
def wakatime_client() -> Path:
    """The ``wakatime`` 13.1.0 command (pure Python, Python 3.9), installed if missing.

    ``scripts/test`` runs ``scripts/setup-wakatime-client`` first; running it again here lets
    this test work under a bare ``pytest`` too. Skipped only when no Python 3.9 exists.
    """
    if not WAKATIME_CLIENT.exists():
        setup = subprocess.run(
            [str(REPO_ROOT / "scripts" / "setup-wakatime-client")],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if setup.returncode != 0:
            pytest.fail(f"scripts/setup-wakatime-client failed:\n{setup.stdout}{setup.stderr}")
        if not WAKATIME_CLIENT.exists():
            message = f"WakaTime client not installed: {setup.stdout.strip()}"
            if os.environ.get("CI"):  # CI machines have Python 3.9: never pass by skipping
                pytest.fail(message)
            pytest.skip(message)
    return WAKATIME_CLIENT


def _clock_prelude(epoch_seconds: float) -> str:
    """Python for ``DaemonProcess(prelude=...)``: the daemon's wall clock (``time.time``, which
    its app reads for "today") reads ``epoch_seconds`` now and then runs on at the real pace."""
    return (
        "import time\n"
        "_real_time = time.time\n"
        f"_shift = {epoch_seconds!r} - _real_time()\n"
        "time.time = lambda: _real_time() + _shift\n"
    )


@pytest.fixture
def daemon_at(tmp_path: Path) -> Iterator[Callable[[datetime], DaemonProcess]]:
    """Starts real daemons whose clock reads ``moment`` as they start, in ``moment``'s zone:
    for days the real clock does not show, such as a month across February."""
    started: list[DaemonProcess] = []

    def start(moment: datetime) -> DaemonProcess:
        daemon = DaemonProcess(
            tmp_path / f"daemon-{len(started)}.db",
            env={"TZ": str(moment.tzinfo)},
            prelude=_clock_prelude(moment.timestamp()),
        )
        started.append(daemon.start())
        return daemon

    yield start
    for daemon in started:
        daemon.kill()


@pytest.fixture
def browser() -> Iterator[Any]:
    """Chromium, launched for one test and closed after it."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def worked_daemon(midday_daemon: DaemonProcess) -> DaemonProcess:
    """The ``midday_daemon`` with a session of ``/code/alpha`` over the last 20 minutes: today's,
    at whatever hour the tests run."""
    worked_lately(midday_daemon, "/code/alpha", 1200)
    return midday_daemon


@pytest.fixture
def two_projects(worked_daemon: DaemonProcess) -> DaemonProcess:
    """``alpha`` (20 minutes) and ``beta`` (10 minutes), both worked on today."""
    now = int(time.time())
    send_beats(worked_daemon, "/code/beta", range(now - 3000, now - 2399, 60))
    return worked_daemon
