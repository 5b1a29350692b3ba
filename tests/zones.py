"""Time zones for tests that seed "the last hour" with the real clock and then ask for today."""

from __future__ import annotations

import time


def midday_zone(now: float) -> str:
    """An IANA zone in which ``now`` falls between 12:00 and 13:00.

    In the machine's own zone, the hour before now crosses midnight for part of every day and
    today's total then comes out short (moving the beats after midnight instead would put some
    more than 10 minutes in the future: a 422).
    """
    hours_east = 12 - time.gmtime(now).tm_hour  # -11 .. 12: every one exists as an Etc/GMT zone
    return f"Etc/GMT{-hours_east:+d}"  # POSIX sign: Etc/GMT-5 is five hours east of UTC
