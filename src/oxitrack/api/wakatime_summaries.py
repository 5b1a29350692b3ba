"""WakaTime's reading endpoints: ``GET …/users/{user}/statusbar/today`` (what wakatime-cli's
``--today`` and so every plugin's status bar shows), ``GET …/users/{user}/summaries`` (days of
a range, for prompts and widgets that read WakaTime's API) and ``POST …/users/{user}/file_experts``
(who worked on a file, which OxiTrack does not know).

Each day is read as ``GET /today`` reads it and split by category, language, editor, machine
and operating system as ``GET /api/breakdown`` splits it (``store.day_splits``). Plain ``def``
handlers, like the report handlers: Starlette runs them in its thread pool, so the SQLite reads
(every plugin asks every minute or so) never hold up beats on the event loop.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta, tzinfo
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from oxitrack import days as days_
from oxitrack import zones
from oxitrack.api.reports import project_param, query_zone, read_project_filter, report_slot
from oxitrack.errors import InvalidField
from oxitrack.statusbar import day_summary, statusbar_today
from oxitrack.store.day_splits import DaySplit, day_splits_by_part, read_day_splits
from oxitrack.wakatime_summaries import named_range, summaries_json

log = logging.getLogger("oxitrack.wakatime")

#: The lists OxiTrack fills from its breakdown, in this order.
SPLIT_FIELDS = ("category", "language", "editor", "machine", "operating_system")


def get_statusbar_today(request: Request) -> JSONResponse:
    """Today in the client's ``Timezone`` header (wakatime-cli sends the user's zone), else in
    the daemon's local zone."""
    state = request.app.state
    now = state.clock()
    zone = _header_zone(request)
    today = days_.day_of(int(now), zone)
    [split] = read_day_splits(state.store, SPLIT_FIELDS, [today], None, now)
    return JSONResponse(statusbar_today(now=now, data=_day_summary(split, zone)))


def get_summaries(request: Request) -> Response:
    """The days from ``start`` to ``end`` (dates, ``today`` or ``yesterday``), or of a named
    ``range`` (``Last 7 Days``), in the ``timezone`` parameter's zone, else the ``Timezone``
    header's, else the daemon's; only ``project``'s time when it names one."""
    state = request.app.state
    now = state.clock()
    params = request.query_params
    name = params.get("timezone")
    zone = _header_zone(request) if name is None else query_zone(name, "timezone")
    first, last = _range(params, days_.local_date(now, zone), state.settings.week_start)
    span = days_.days_between(first, last, zone)
    reference = project_param(request)
    store = state.store
    with report_slot(request, len(span)) as gone:
        project = read_project_filter(store, reference, gone)
        fields = SPLIT_FIELDS if project is None else (*SPLIT_FIELDS, "branch")
        parts = day_splits_by_part(store, fields, span, project, now, abandoned=gone)
        body = summaries_json(_day_summary(split, zone) for part in parts for split in part)
    return Response(body, media_type="application/json")


async def post_file_experts(request: Request) -> JSONResponse:
    """No one: OxiTrack keeps no time per file. wakatime-cli's ``--file-experts`` prints
    nothing for an empty list, where a 404 would be an API error in the editor (exit 102)."""
    return JSONResponse({"data": []})


def _day_summary(split: DaySplit, zone: tzinfo) -> dict[str, Any]:
    totals = split.totals
    categories, languages, editors, machines, systems = (
        [(row.name, row.duration_seconds) for row in split.rows[field]] for field in SPLIT_FIELDS
    )
    branches = split.rows.get("branch")
    return day_summary(
        zone=zone,
        day=totals.day,
        projects=[(p.project_name, p.duration_seconds) for p in totals.projects],
        total_seconds=totals.total_seconds,
        categories=categories,
        languages=languages,
        editors=editors,
        machines=machines,
        operating_systems=systems,
        branches=None if branches is None else [(r.name, r.duration_seconds) for r in branches],
    )


def _range(params: QueryParams, today: date, first_weekday: int) -> tuple[date, date]:
    """``range``, or ``start`` and ``end``: one or the other, as WakaTime takes them."""
    start, end, name = params.get("start"), params.get("end"), params.get("range")
    if name is not None:
        if start is not None or end is not None:
            raise InvalidField("range", "give either range or start and end, not both")
        return named_range(name, today, first_weekday=first_weekday)
    first, last = _day(start, "start", today), _day(end, "end", today)
    days_.check_range(first, last, field="start")
    return first, last


def _day(text: str | None, field: str, today: date) -> date:
    if text is None:
        raise InvalidField(
            field, "is required (a date like 2025-01-31, today or yesterday), or give range"
        )
    words = text.strip().lower()
    if words == "today":
        return today
    if words == "yesterday":
        return today - timedelta(days=1)
    return days_.parse_date(text, field=field)


def _header_zone(request: Request) -> tzinfo:
    """The client's ``Timezone`` header when it names a real zone; a bad header is no reason
    to refuse."""
    requested = request.headers.get("timezone")
    if requested:
        try:
            return zones.zone_named(requested, field="Timezone")
        except InvalidField:
            log.info("ignoring unknown Timezone header %r", requested)
    return zones.system_zone()
