"""A command stopped by a signal at a chosen moment, as `kill`, `timeout` or a closed terminal
stop it: the command runs in a process of its own, which writes a note file once it has reached
that moment and then waits on its standard input."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

WAIT_SECONDS = 60  # a guard against hanging, never a wait for state


def stopped_while_held(
    command: Sequence[str],
    note: Path,
    signal_name: str,
    *,
    when_held: Callable[[], None] = lambda: None,
    env: Mapping[str, str] | None = None,
) -> tuple[int, str]:
    """Run ``command`` until it writes ``note``, call ``when_held`` (to look at what it left
    meanwhile), send it ``signal_name``; its exit code and its standard error.

    The signal is at its default in the process, as a shell starts a command (not ignored, as
    under `nohup` or in a background job)."""
    stop_signal = getattr(signal, signal_name)
    with subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=lambda: signal.signal(stop_signal, signal.SIG_DFL),
    ) as held:
        try:
            deadline = time.monotonic() + WAIT_SECONDS
            while not note.exists() and held.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)  # polls the process, which writes the note once it holds
            assert note.exists(), "the command never reached the moment it is stopped at"
            when_held()
            held.send_signal(stop_signal)
            code = held.wait(WAIT_SECONDS)
        finally:
            held.kill()
            held.wait()
        assert held.stderr is not None
        return code, held.stderr.read()
