"""WakaTime's status bar answer (``GET …/statusbar/today``): today's total as plugins show it.

wakatime-cli prints ``data.grand_total.text`` for ``--today`` and hands it to the editor plugins
(VS Code, JetBrains, Vim, Sublime …) for their status bars, or, once the day has time in two
categories or more, each category's time (``2 hrs Coding, 14 mins Debugging``), as WakaTime's
own server lets it. The other fields are there because the CLI parses the body into its own
summary type, and other programs (status bar widgets) list them. A day of WakaTime's summaries
(``wakatime_summaries``) has the same shape. Pure: the caller reads the day's totals and
breakdowns.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from oxitrack import systems
from oxitrack.breakdown import DEFAULT_CATEGORY
from oxitrack.days import Day, zone_name

#: Seconds with one value of a field (``None``: no heartbeat named one), as ``breakdown`` rows.
Seconds = Sequence[tuple[str | None, int]]

#: WakaTime's name for time in no language it knows, and here for time no heartbeat names one.
UNNAMED = "Other"
# Categories whose name WakaTime does not write as capitalised words.
_CATEGORY_NAMES = {"ai coding": "AI Coding"}


def duration_text(seconds: int) -> str:
    """WakaTime's wording of a duration: ``2 hrs 17 mins``, ``1 hr``, ``5 mins``, ``42 secs``."""
    hours, minutes = seconds // 3600, seconds % 3600 // 60
    parts = []
    if hours:
        parts.append(f"{hours} hr" + ("s" if hours != 1 else ""))
    if minutes:
        parts.append(f"{minutes} min" + ("s" if minutes != 1 else ""))
    if not parts:
        secs = seconds % 60
        parts.append(f"{secs} sec" + ("s" if secs != 1 else ""))
    return " ".join(parts)


def statusbar_today(*, now: float, data: dict[str, Any]) -> dict[str, Any]:
    """The ``statusbar/today`` body around today's ``day_summary``.

    wakatime-cli prints ``grand_total.text`` (``--today``) or returns it as ``{"text": ...}``
    (``--output json``), unless two ``categories`` or more have time today: it then prints each.
    """
    return {
        "cached_at": iso_utc(now),
        "data": data,
        "has_team_features": False,
    }


def day_summary(
    *,
    zone: tzinfo,
    day: Day,
    projects: Sequence[tuple[str, int]],
    total_seconds: int,
    categories: Seconds = (),
    languages: Seconds = (),
    editors: Seconds = (),
    machines: Seconds = (),
    operating_systems: Seconds = (),
    branches: Seconds | None = None,
) -> dict[str, Any]:
    """One day as WakaTime gives it (``data`` of ``statusbar/today``, an item of ``summaries``'
    ``data``): its total in ``grand_total``, and its time per project, category, language,
    editor, machine and operating system.

    ``projects`` are (project name, seconds that day), each project's own time;
    ``total_seconds`` is the day's total as ``GET /today`` gives it (time in two projects at once
    counted once). The other lists are (value, seconds) as ``store.day_splits`` adds them up, to
    that total; every ``percent`` is a share of its own list's sum. ``branches`` are given for
    one project's day, as WakaTime lists them (and its files, which OxiTrack does not keep).
    """
    grand_total = _counter(total_seconds)
    grand_total["digital"] = clock_text(total_seconds)
    one_project = (
        {}
        if branches is None
        else {"branches": _counters(_by_name(branches, _or_unnamed)), "entities": []}
    )
    return {
        "grand_total": grand_total,
        "projects": _counters(projects),
        "categories": _counters(_by_name(categories, category_name)),
        "dependencies": [],
        "editors": _counters(_by_name(editors, _or_unnamed)),
        "languages": _counters(_by_name(languages, _or_unnamed)),
        "machines": _machines(_by_name(machines, _or_unnamed)),
        "operating_systems": _counters(_by_name(operating_systems, system_name)),
        "range": {
            "date": day.date.isoformat(),
            "start": iso_utc(day.start),
            "end": iso_utc(day.end),
            "text": f"{day.date:%a %b} {_ordinal(day.date.day)} {day.date.year}",
            "timezone": zone_name(zone),
        },
        **one_project,
    }


def clock_text(seconds: int) -> str:
    """Hours and minutes as WakaTime's totals write them: ``2:17``."""
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}"


def decimal_hours(seconds: int) -> str:
    """Hours as WakaTime's ``decimal`` writes them, from whole minutes: ``2.28``."""
    return f"{seconds // 3600 + seconds % 3600 // 60 / 60:.2f}"


def iso_utc(seconds: float) -> str:
    """A moment as WakaTime writes one: ``2025-11-25T19:46:40Z``."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def category_name(value: str | None) -> str:
    """A category as WakaTime shows it (``writing tests`` → ``Writing Tests``); time with none
    is ``Coding``."""
    value = value or DEFAULT_CATEGORY
    return _CATEGORY_NAMES.get(value.lower()) or string.capwords(value)


def system_name(value: str | None) -> str:
    """An operating system as WakaTime names it (``systems.system_name``: ``darwin`` →
    ``Mac``); time with none is ``Other``."""
    return UNNAMED if value is None else systems.system_name(value)


def _machines(rows: Iterable[tuple[str, int]]) -> list[dict[str, Any]]:
    """``_counters`` with each machine's ``machine_name_id``, which WakaTime's clients read
    as a string: OxiTrack knows a machine by its name alone, so that is its id."""
    return [{**counter, "machine_name_id": counter["name"]} for counter in _counters(rows)]


def _or_unnamed(value: str | None) -> str:
    return UNNAMED if value is None else value


def _by_name(rows: Seconds, name: Callable[[str | None], str]) -> list[tuple[str, int]]:
    """Seconds per shown name: values shown alike (no category and ``coding``) are one row, a
    name with no time none."""
    seconds: dict[str, int] = {}
    for value, duration in rows:
        shown = name(value)
        seconds[shown] = seconds.get(shown, 0) + duration
    return [(shown, duration) for shown, duration in seconds.items() if duration > 0]


def _counters(rows: Iterable[tuple[str, int]]) -> list[dict[str, Any]]:
    """WakaTime's list entries: most time first, each with its share of the list's sum."""
    rows = list(rows)
    shares = sum(seconds for _, seconds in rows)
    ordered = sorted(rows, key=lambda item: (-item[1], item[0]))
    return [{"name": name, **_counter(seconds, total=shares)} for name, seconds in ordered]


def _counter(seconds: int, *, total: int | None = None) -> dict[str, Any]:
    hours, minutes, secs = seconds // 3600, seconds % 3600 // 60, seconds % 60
    counter: dict[str, Any] = {
        "decimal": decimal_hours(seconds),
        "digital": f"{hours}:{minutes:02d}:{secs:02d}",
        "hours": hours,
        "minutes": minutes,
        "seconds": secs,
        "text": duration_text(seconds),
        "total_seconds": float(seconds),
    }
    if total is not None:
        counter["percent"] = round(100.0 * seconds / total, 2) if total else 0.0
    return counter


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
