"""Pids of processes that have ended, and the partial-file names such a process would leave."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

from oxitrack.store.files import ABANDONED_AFTER_SECONDS


def ended_pid() -> int:
    """The pid of a real process that has ended, and been waited for."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return int(done.stdout)


def partial_name(pid: int) -> str:
    """The name a program with this pid gives its partial file on this machine: it holds the
    machine's name (what of it is safe in a file name), so that two machines writing to one
    shared folder neither collide nor take each other's partials for abandoned ones."""
    machine = re.sub(r"[^A-Za-z0-9.-]", "", socket.gethostname())[:64] or "host"
    return f".oxitrack-partial-{machine}-{pid}"


def left_long_ago(*paths: Path) -> None:
    """Date ``paths`` back past ``ABANDONED_AFTER_SECONDS``, as files a killed program left
    yesterday: a file written to lately may be another machine's backup at work."""
    then = time.time() - ABANDONED_AFTER_SECONDS - 60
    for path in paths:
        os.utime(path, (then, then), follow_symlinks=False)
