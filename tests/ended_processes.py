"""Pids of processes that have ended, and the partial-file names such a process would leave."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from oxitrack.store.files import partial_path


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
    """The name ``partial_path`` gives the file of a program with this pid, on this machine."""
    ours = Path(partial_path("copy.db")).name
    return ours.removesuffix(str(os.getpid())) + str(pid)
