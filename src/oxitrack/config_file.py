"""Reading the config file: a file, or a pipe (``OXITRACK_CONFIG=<(command)``), never waited on
for good.

A pipe is read to its end within ``PIPE_WAIT_SECONDS``, once per process; a folder, a terminal
or something that never ends is refused in one line. Paths are strings, as in ``config``.
"""

from __future__ import annotations

import os
import sys

from oxitrack.errors import ConfigError
from oxitrack.records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any


def read_config_file(path: str) -> dict[str, Any]:
    data = _file_bytes(path)
    if not data:
        return {}  # an empty file (`touch config.toml`) says nothing: spare tomllib and typing
    import tomllib  # lazily: ~4 ms of start-up, and most users have no config file

    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"cannot read the config file {path}: it is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"cannot read the config file {path}: {exc}") from None


# A config file has a few lines; more is a device that never ends (/dev/zero) or a mistake.
CONFIG_MAX_BYTES = 1 << 20
# How long a pipe may take to be written and closed: `<(gpg -d config.toml.gpg)` may wait for a
# passphrase; a FIFO that nothing writes must not hold a command (or the service) forever.
PIPE_WAIT_SECONDS = 60.0
# What a pipe gave, by path: it can be read once, and `service install` resolves twice.
_read_pipes: dict[str, bytes] = {}


def _file_bytes(path: str) -> bytes:
    """The config file's bytes; ``b""`` when there is no file.

    A pipe is read to its end, as ``cat`` would: ``OXITRACK_CONFIG=<(pass show oxitrack)``,
    ``OXITRACK_CONFIG=/dev/stdin``. Its size is 0 until written, so it was taken for an empty
    file and its settings were dropped without a word. Opened without blocking (a FIFO nothing
    writes would block ``open`` itself) and waited for up to ``PIPE_WAIT_SECONDS``.
    """
    if path in _read_pipes:
        return _read_pipes[path]
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except IsADirectoryError:  # Windows; elsewhere a folder opens and fstat says what it is
        raise ConfigError(
            f"cannot read the config file {path}: it is a folder, not a file"
        ) from None
    except OSError as exc:
        if not os.path.exists(path):
            # Nothing there (a symlink loop, a file in the folder part, a name too long count
            # too), as ``resolve`` said already for OXITRACK_CONFIG: not a second, other line.
            return b""
        raise ConfigError(f"cannot read the config file {path}: {exc.strerror}") from None
    try:
        return _read_all(fd, path)
    finally:
        os.close(fd)


def _read_all(fd: int, path: str) -> bytes:
    import stat

    mode = os.fstat(fd).st_mode
    if stat.S_ISDIR(mode):
        # Skipping it silently would start the daemon on settings the user did not mean.
        raise ConfigError(f"cannot read the config file {path}: it is a folder, not a file")
    if os.isatty(fd):
        # /dev/stdin in an interactive shell: it would wait for the user to type the settings.
        raise ConfigError(
            f"cannot read the config file {path}: it is a terminal; give a file, or a pipe"
            " (OXITRACK_CONFIG=<(command))"
        )
    is_regular = stat.S_ISREG(mode)
    deadline = 0.0 if is_regular else _monotonic() + PIPE_WAIT_SECONDS
    chunks: list[bytes] = []
    size = 0
    while True:
        if not is_regular and not _wait_readable(fd, deadline):
            raise ConfigError(
                f"cannot read the config file {path}: nothing wrote it to its end within"
                f" {PIPE_WAIT_SECONDS:g} s (a pipe or device that stays open)"
            )
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:  # woken with nothing to read yet
            continue
        except OSError as exc:
            raise ConfigError(f"cannot read the config file {path}: {exc.strerror}") from None
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > CONFIG_MAX_BYTES:
            raise ConfigError(
                f"cannot read the config file {path}: it goes on past {CONFIG_MAX_BYTES >> 20} MiB"
                "; a config file has a few lines"
            )
    data = b"".join(chunks)
    if not is_regular:
        _read_pipes[path] = data
    return data


def _wait_readable(fd: int, deadline: float) -> bool:
    """Whether ``fd`` has bytes or its end before ``deadline``.

    Only a pipe's readiness tells "not written yet" from "written and closed": a FIFO that no
    program has opened for writing reads as its end at once.
    """
    import select

    remaining = deadline - _monotonic()
    if remaining <= 0:
        return False
    try:
        readable, _, _ = select.select([fd], [], [], remaining)
    except (OSError, ValueError):  # Windows: select takes sockets only; read as it comes
        return True
    return bool(readable)


def _monotonic() -> float:
    import time  # lazily: only a pipe is waited for

    return time.monotonic()


def warn_if_others_can_read(path: str) -> None:
    """One line on stderr when the file holding the API key is open to group or others.

    A warning, not a refusal: the key may be shared on purpose, and refusing would stop a
    daemon that ran yesterday. Windows has no such mode bits, so nothing is said there.
    """
    if os.name != "posix":
        return
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if mode & 0o077:
        import shlex  # lazily: only for this rare line

        print(
            f"oxitrack: warning: the config file {path} holds api_key and other users of this"
            f" machine can open it (mode {mode & 0o777:o}); run: chmod 600 {shlex.quote(path)}",
            file=sys.stderr,
        )
