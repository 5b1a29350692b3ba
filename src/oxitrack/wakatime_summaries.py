"""WakaTime's summaries answer (``GET …/users/current/summaries``): a range of days as WakaTime's
API gives them, for the programs that read it rather than the status bar (shell prompts such as
oh-my-posh's WakaTime segment, terminal and desktop widgets).

Pure: the caller reads the days (``store.day_splits``) and names today's date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from oxitrack.days import week_of
from oxitrack.errors import InvalidField
from oxitrack.json_bodies import json_object_with_list
from oxitrack.statusbar import clock_text, decimal_hours, duration_text


def named_range(
    name: str, today: date, field: str = "range", *, first_weekday: int = 0
) -> tuple[date, date]:
    """The first and last day of one of WakaTime's named ranges (``Last 7 Days``, also written
    ``last_7_days``), ``today`` included where the name says so; weeks start on
    ``first_weekday`` (``date.weekday()``'s number: Monday unless the user's ``week_start``)."""
    words = " ".join(name.replace("_", " ").lower().split())
    yesterday = today - timedelta(days=1)
    week_start, _ = week_of(today, first_weekday)
    first_of_month = today.replace(day=1)
    ranges = {
        "today": (today, today),
        "yesterday": (yesterday, yesterday),
        "last 7 days": (today - timedelta(days=6), today),
        "last 7 days from yesterday": (yesterday - timedelta(days=6), yesterday),
        "last 14 days": (today - timedelta(days=13), today),
        "last 30 days": (today - timedelta(days=29), today),
        "this week": (week_start, today),
        "last week": (week_start - timedelta(days=7), week_start - timedelta(days=1)),
        "this month": (first_of_month, today),
        "last month": (
            (first_of_month - timedelta(days=1)).replace(day=1),
            first_of_month - timedelta(days=1),
        ),
    }
    found = ranges.get(words)
    if found is None:
        raise InvalidField(field, f"must be one of {', '.join(ranges)}; not {name!r}")
    return found


def summaries_json(days: Iterable[dict[str, Any]]) -> bytes:
    """The ``summaries`` body around each day's ``statusbar.day_summary`` (at least one), as
    the JSON bytes ``JSONResponse`` makes of it.

    Each day is encoded as it comes and let go: a year with 300 folders is 12 MB of JSON,
    and as one dict of Python values it left the daemon 38 MiB bigger (108 MiB, not 70),
    its one encoding call holding the interpreter while beats waited (up to 130 ms)."""
    seen = _DaysSeen()
    data = (seen.noted(day) for day in days)
    return json_object_with_list({}, "data", data, lambda: _summaries_rest(seen))


class _DaysSeen:
    """What ``_summaries_rest`` needs of the days, noted as each goes by to be encoded."""

    def __init__(self) -> None:
        self.totals: list[int] = []
        self.start = self.end = ""  # the first day's start, the last day's end

    def noted(self, day: dict[str, Any]) -> dict[str, Any]:
        self.totals.append(int(day["grand_total"]["total_seconds"]))
        self.start, self.end = self.start or day["range"]["start"], day["range"]["end"]
        return day


def _summaries_rest(seen: _DaysSeen) -> dict[str, Any]:
    """What follows the days: ``cumulative_total`` adds up their totals; ``daily_average``
    divides it by the days with time, as WakaTime does (the others are its "holidays")."""
    totals = seen.totals
    total = sum(totals)
    worked = sum(1 for seconds in totals if seconds)
    average = total // worked if worked else 0
    return {
        "cumulative_total": {
            "seconds": float(total),
            "text": duration_text(total),
            "decimal": decimal_hours(total),
            "digital": clock_text(total),
        },
        "daily_average": {
            "holidays": len(totals) - worked,
            "days_including_holidays": len(totals),
            "days_minus_holidays": worked,
            "seconds": average,
            "text": duration_text(average),
            "seconds_including_other_language": average,
            "text_including_other_language": duration_text(average),
        },
        "start": seen.start,
        "end": seen.end,
    }
