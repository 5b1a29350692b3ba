"""WakaTime's status bar answer (``GET …/statusbar/today``): today's total as plugins show it.

wakatime-cli prints ``data.grand_total.text`` for ``--today`` and hands it to the editor plugins
(VS Code, JetBrains, Vim, Sublime …) for their status bars; the other fields are there because
the CLI parses the body into its own summary type. Pure: the caller reads today's totals.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from oxitrack.days import Day, zone_name


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


def statusbar_today(
    *, now: float, zone: tzinfo, day: Day, projects: Sequence[tuple[str, int]], total_seconds: int
) -> dict[str, Any]:
    """The ``statusbar/today`` body: today's total in ``data.grand_total`` and per project.

    ``projects`` are (project name, seconds today); ``total_seconds`` is the day's total as
    ``GET /today`` gives it (time in two projects at once counted once), each project's
    ``percent`` its share of the projects' sum. wakatime-cli prints ``grand_total.text``
    (``--today``) or returns it as ``{"text": ...}`` (``--output json``); with fewer than two
    ``categories`` it never breaks the text down, and OxiTrack keeps no time per category.
    """
    total = total_seconds
    shares = sum(seconds for _, seconds in projects)
    ordered = sorted(projects, key=lambda item: (-item[1], item[0]))
    grand_total = _counter(total)
    grand_total["digital"] = f"{total // 3600}:{total % 3600 // 60:02d}"
    data = {
        "grand_total": grand_total,
        "projects": [
            {"name": name, **_counter(seconds, total=shares)} for name, seconds in ordered
        ],
        "categories": [],
        "dependencies": [],
        "editors": [],
        "languages": [],
        "machines": [],
        "operating_systems": [],
        "range": {
            "date": day.date.isoformat(),
            "start": _iso_utc(datetime.fromtimestamp(day.start, UTC)),
            "end": _iso_utc(datetime.fromtimestamp(day.end, UTC)),
            "text": f"{day.date:%a %b} {_ordinal(day.date.day)} {day.date.year}",
            "timezone": zone_name(zone),
        },
    }
    return {
        "cached_at": _iso_utc(datetime.fromtimestamp(now, UTC)),
        "data": data,
        "has_team_features": False,
    }


def _counter(seconds: int, *, total: int | None = None) -> dict[str, Any]:
    hours, minutes, secs = seconds // 3600, seconds % 3600 // 60, seconds % 60
    counter: dict[str, Any] = {
        "decimal": f"{hours + minutes / 60:.2f}",
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


def _iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
