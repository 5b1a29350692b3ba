"""``RefusalLog``: requests a client keeps getting refused, logged as one line a minute at most.

A flood of refusals (someone guessing the API key, a port scanner's bytes that are not HTTP) must
not become a flood of log lines, nor go unseen: the first refusal is logged at once, the ones
after it within ``every_seconds`` are counted and summed up in one line when that period ends.
The period's end is a timer on the event loop (``schedule``), set once per period; the
daemon's stop says what is still counted (``say_all_counted``), which no timer will. A refusal may
come with a ``detail`` (the database's error): the line says the latest one.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import weakref
from collections.abc import Callable

NOTE_EVERY_SECONDS = 60.0


class RefusalLog:
    """Counts one kind of refusal, ``what`` ("without the right API key (401)"), for ``log``."""

    def __init__(
        self,
        what: str,
        log: logging.Logger,
        every_seconds: float = NOTE_EVERY_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
        schedule: Callable[[float, Callable[[], None]], object] | None = None,
        level: int = logging.WARNING,
    ) -> None:
        self.what = what
        self.log = log
        self.level = level
        self.every_seconds = every_seconds
        self.clock = clock
        self.schedule = schedule or _call_later
        self.count = 0
        self.latest_client = ""
        self.latest_detail = ""
        self.quiet_until = -math.inf
        self.is_summary_due = False
        _EVERY_LOG.add(self)

    def note(self, client: str, detail: str = "") -> None:
        self.count += 1
        self.latest_client = client
        self.latest_detail = detail
        now = self.clock()
        if now >= self.quiet_until:
            self._log(now)
        elif not self.is_summary_due:
            self.is_summary_due = True
            self.schedule(self.quiet_until - now, self.say_counted)

    def say_counted(self) -> None:
        """Log the refusals counted since the last line, if any (the period's summary)."""
        self.is_summary_due = False
        if self.count:
            self._log(self.clock())

    def _log(self, now: float) -> None:
        self.log.log(
            self.level,
            "refused %d request%s %s, the latest from %s%s",
            self.count,
            "" if self.count == 1 else "s",
            self.what,
            self.latest_client,
            f": {self.latest_detail}" if self.latest_detail else "",
        )
        self.count = 0
        self.quiet_until = now + self.every_seconds


_EVERY_LOG: weakref.WeakSet[RefusalLog] = weakref.WeakSet()


def say_all_counted() -> None:
    """Log the refusals every ``RefusalLog`` has counted since its last line: at the daemon's
    stop, where the timer that would have said them runs no more. A flood of guessed keys
    stopped by a restart was said as its first guess alone."""
    for refusals in list(_EVERY_LOG):
        refusals.say_counted()


def _call_later(delay_seconds: float, then: Callable[[], None]) -> object:
    return asyncio.get_running_loop().call_later(delay_seconds, then)
