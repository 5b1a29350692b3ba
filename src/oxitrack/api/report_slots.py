"""The daemon's places for long reports, of which a report given up frees its own at once.

A long report (more than ``LONG_RANGE_DAYS`` days) takes a place or is refused 503
``reports_busy``: refused at once, not queued, as a queued request still holds one of the
threads every report needs. But a client that gives up a report and asks another at once (the
dashboard's field picked again, which aborts the last pick's read) found its own abandoned
report still in its place: it stops within a statement (``client_gone``), in a thread of its
own, while the new ask was already being refused, about half of the time. So a report that
finds every place taken by a report still being made waits, for a moment, if one of them is for
a client that has gone (its event set): that place is about to be free.
"""

from __future__ import annotations

import threading
import time

# How long a report waits for the place of one given up. A report given up stops within the
# statement it is running, a fraction of a second even over ten years.
GIVEN_UP_WAIT_SECONDS = 2.0


class ReportSlots:
    """``count`` places, each held by a report with the event set once its client has gone
    (``client_gone.stops_when_given_up``), or ``None`` for one that cannot be given up."""

    def __init__(self, count: int) -> None:
        self._free = count
        self._holders: list[threading.Event | None] = []
        self._changed = threading.Condition()

    def take(self, gone: threading.Event | None) -> bool:
        """A place for the report ``gone`` is for: at once, after a report given up has left
        its own, or ``False`` when every place is held by a report still wanted."""
        deadline = time.monotonic() + GIVEN_UP_WAIT_SECONDS
        with self._changed:
            while self._free == 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._one_given_up():
                    return False
                self._changed.wait(remaining)
            self._free -= 1
            self._holders.append(gone)
            return True

    def give_back(self, gone: threading.Event | None) -> None:
        """The place ``take(gone)`` gave, free again."""
        with self._changed:
            self._holders.remove(gone)
            self._free += 1
            self._changed.notify()

    def _one_given_up(self) -> bool:
        return any(gone is not None and gone.is_set() for gone in self._holders)
