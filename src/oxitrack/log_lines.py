"""The daemon's log lines: one line each, whatever a client sent.

A log line may quote what a client chose: a request's path (a WakaTime user name is any text), a
folder, a header. A newline in it started what read as a line of its own, forged with a date and
a level, in the log or the journal, and a terminal's escape sequence rewrote the screen of whoever
read the log there. Each message is written as ``fields.printable`` writes a folder: control
characters as escapes (``\\n``, ``\\x1b``). Only the message: a traceback keeps its lines.
"""

from __future__ import annotations

import logging

from oxitrack.fields import printable


class OneLineFormatter(logging.Formatter):
    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = printable(record.message)
        return super().formatMessage(record)


def log_to_stderr(level: int) -> None:
    """Every logger's records at ``level`` or above on stderr, one line each, with the time."""
    handler = logging.StreamHandler()  # stderr
    handler.setFormatter(OneLineFormatter("%(asctime)s %(levelname)s %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
