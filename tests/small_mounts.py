"""A command run with a small file system of its own: a tmpfs of a chosen size mounted on a
folder, in a mount namespace that ends with the command, so that a full disk can be met at any
point without touching the machine's own file systems."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest


def in_small_mount(
    size: str,
    folder: Path,
    *command: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 180,
) -> subprocess.CompletedProcess[str]:
    """``command`` run with a tmpfs of ``size`` (``256k``, ``70m``) on ``folder``; skips the
    test where mounting is not allowed."""
    unshare, mount = shutil.which("unshare"), shutil.which("mount")
    if unshare is None or mount is None:
        pytest.skip("needs unshare and mount (util-linux)")
    done = subprocess.run(
        [
            unshare,
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            f'{mount} -t tmpfs -o size={size} tmpfs "$1" && shift && exec "$@"',
            "sh",
            str(folder),
            *command,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )
    if done.returncode != 0 and "mount" in done.stderr and "oxitrack" not in done.stderr:
        pytest.skip(f"cannot mount a file system here: {done.stderr.strip()}")
    return done
