"""``oxitrack`` run as a person runs it: its output on a terminal (a pseudo-terminal here)."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios


def on_terminal(
    *args: str, env: dict[str, str], columns: int = 80, stdout_too: bool = False
) -> tuple[int, bytes, str]:
    """``oxitrack ARGS`` with its stderr on a terminal ``columns`` wide, and its stdout too
    when ``stdout_too`` (else captured): the exit code, the captured stdout, and what the
    terminal showed."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    try:
        with subprocess.Popen(
            [sys.executable, "-m", "oxitrack", *args],
            stdout=terminal if stdout_too else subprocess.PIPE,
            stderr=terminal,
            stdin=subprocess.DEVNULL,
            env=env,
        ) as process:
            os.close(terminal)
            terminal = -1
            shown = b""
            while True:
                try:
                    chunk = os.read(controller, 4096)
                except OSError:  # EIO: the process closed the terminal's last descriptor
                    break
                if not chunk:
                    break
                shown += chunk
            out = process.stdout.read() if process.stdout is not None else b""
            code = process.wait(timeout=60)
    finally:
        os.close(controller)
        if terminal != -1:
            os.close(terminal)
    return code, out, shown.decode().replace("\r\n", "\n")
