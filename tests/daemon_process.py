"""A real ``oxitrack serve`` process on a free loopback port, for end-to-end tests and benches.

The daemon is started with ``--port 0`` and announces the port it got on its first stdout line,
so there is no race between picking a free port and binding it.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

_READY = re.compile(r"listening on (http://\S+)")


class DaemonProcess:
    def __init__(
        self,
        db_path: Path | None,
        *extra_args: str,
        env: dict[str, str] | None = None,
        prelude: str = "",
    ) -> None:
        """``prelude`` is Python run in the daemon's process before the CLI, to shrink a limit
        such as ``oxitrack.connections.REQUEST_TIMEOUT_SECONDS`` so a test needs no long wait."""
        self.db_path = db_path
        self.extra_args = extra_args
        self.env = env
        self.prelude = prelude
        self.process: subprocess.Popen[str] | None = None
        self.url = ""
        self.port = 0
        self.stderr_lines: list[str] = []
        self._stderr_reader: threading.Thread | None = None

    def start(self, *, port: int = 0, timeout: float = 15.0) -> DaemonProcess:
        if self.prelude:
            code = f"{self.prelude}\nfrom oxitrack.cli import main\nraise SystemExit(main())"
            args = [sys.executable, "-c", code]
        else:
            args = [sys.executable, "-m", "oxitrack"]
        args += ["serve", "--port", str(port or self.port)]
        if self.db_path is not None:
            args += ["--db", str(self.db_path)]
        args += self.extra_args
        env = {k: v for k, v in os.environ.items() if not k.startswith("OXITRACK_")}
        env.update(self.env or {})
        self.process = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            encoding="utf-8",
            errors="surrogateescape",  # a folder name that is not UTF-8 is written as its bytes
        )
        self.stderr_lines = []
        self._stderr_reader = threading.Thread(
            target=self._drain_stderr, args=(self.process,), daemon=True
        )
        self._stderr_reader.start()
        ready: list[str] = []
        reader = threading.Thread(target=self._read_ready, args=(self.process, ready), daemon=True)
        reader.start()
        reader.join(timeout)
        if not ready:
            self.kill()
            raise RuntimeError(
                f"daemon not ready within {timeout}s; stderr:\n" + "".join(self.stderr_lines)
            )
        self.url = ready[0]
        self.port = int(self.url.rsplit(":", 1)[1])
        return self

    @staticmethod
    def _read_ready(process: subprocess.Popen[str], ready: list[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            match = _READY.search(line)
            if match:
                ready.append(match.group(1))
                return

    def _drain_stderr(self, process: subprocess.Popen[str]) -> None:
        assert process.stderr is not None
        for line in process.stderr:
            self.stderr_lines.append(line)

    def report(self, *argv: str) -> str:
        """What ``oxitrack report ARGV`` prints on this daemon's database (it must succeed)."""
        command = [sys.executable, "-m", "oxitrack", "report", *argv, "--db", str(self.db_path)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def stop(self, timeout: float = 10.0, sig: int = signal.SIGTERM) -> int:
        """``sig`` (SIGTERM) and wait: the graceful path. ``stderr_lines`` is then all the daemon
        wrote."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(sig)
        code = self.process.wait(timeout)
        if self._stderr_reader is not None:
            self._stderr_reader.join(timeout)  # the pipe is at its end: the reader stops there
        self._close_pipes()
        return code

    def kill(self) -> None:
        """SIGKILL: the crash path."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self._close_pipes()

    def _close_pipes(self) -> None:
        if self.process is not None:
            for pipe in (self.process.stdout, self.process.stderr):
                if pipe is not None:
                    pipe.close()

    def wait_exit(self, timeout: float) -> int:
        """Wait for a daemon that stops by itself; ``stderr_lines`` is then all it wrote."""
        assert self.process is not None
        code = self.process.wait(timeout)
        if self._stderr_reader is not None:
            self._stderr_reader.join(timeout)
        self._close_pipes()
        return code
