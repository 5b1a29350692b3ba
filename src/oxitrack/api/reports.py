"""Reading time back: ``GET /today`` (text or JSON), ``/api/days``, ``/api/sessions``.

Handlers parse the query (a bad value is a 422 naming the parameter), read sessions through
``store.reports`` in one snapshot, and render with ``reports``/``report_text``: the same
functions as the CLI, so both always show the same numbers. They are plain ``def`` functions,
which Starlette runs in its thread pool, so a long report never holds up a beat.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, tzinfo
from functools import partial

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from oxitrack import days as days_
from oxitrack import zones
from oxitrack.api.client_gone import stops_when_given_up
from oxitrack.api.report_slots import ReportSlots
from oxitrack.api.slow_folders import SlowFolders
from oxitrack.errors import ClientError, InvalidField
from oxitrack.fields import whole_number
from oxitrack.report_text import today_text
from oxitrack.reports import (
    DayTotals,
    SessionRow,
    daily_totals,
    days_json_bytes,
    range_report,
    sessions_json,
    today_json,
)
from oxitrack.store import Store
from oxitrack.store import reports as queries
from oxitrack.store.project_references import folder_identities
from oxitrack.store.reports import PART_DAYS

DEFAULT_DAYS = 7
DEFAULT_SESSION_LIMIT = 50
MAX_SESSION_LIMIT = 1000
# A longer /api/days range is a long report: at most this many are made at once.
LONG_RANGE_DAYS = 92
LONG_REPORTS_AT_ONCE = 2


def get_today(request: Request) -> Response:
    """Today's per-project totals: text for people (curl), JSON for programs; ``project`` keeps
    one (a status bar showing the time of the folder open), named as in ``/api/days``."""
    zone = zone_param(request)
    wants_json = _wants_json(request)
    project = project_param(request)
    today = read_today(request.app.state.store, zone, request.app.state.clock(), project)
    if wants_json:
        return JSONResponse(today_json(today, zone))
    return PlainTextResponse(today_text(today))


def read_today(store: Store, zone: tzinfo, now: float, project: str | None = None) -> DayTotals:
    """Today's totals in ``zone`` for every endpoint (``days.day_of`` says what today is), of
    the one ``project`` when named (``queries.project_filter``)."""
    day = days_.day_of(int(now), zone)
    rows = store.read(
        lambda conn: queries.sessions_between(
            conn, day.start, day.end, queries.project_filter(conn, project, "project")
        )
    )
    [today] = daily_totals(rows, [day], now)
    return today


def get_days(request: Request) -> Response:
    """Totals per day and per project between two local dates (default: the last 7 days)."""
    zone = zone_param(request)
    now = request.app.state.clock()
    first, last = range_params(request, zone, now)
    project = project_param(request)
    span = days_.days_between(first, last, zone)
    with report_slot(request, len(span)) as given_up:
        rows = _sessions_in_parts(request.app.state.store, span, project, given_up)
        per_day, projects = range_report(rows, span, now)
    return Response(days_json_bytes(per_day, projects, zone), media_type="application/json")


@contextmanager
def report_slot(request: Request, day_count: int) -> Iterator[threading.Event | None]:
    """A place among the ``LONG_REPORTS_AT_ONCE`` long reports the daemon makes at once, or a
    503 ``reports_busy`` to ask again later; a shorter report needs none. A long report's reads
    are made with the event it gives (``Store.read(..., abandoned=)``): it is set once the
    client has gone (``client_gone.watched``), and the report stops, freeing its place.

    A ten-year report of a million sessions is seconds of CPU: eight at once took a minute
    and a half, and meanwhile ``/today`` took seconds and beats up to one. Refused at once,
    not queued: a queued request still holds one of the threads every report needs; but a
    report given up leaves its place to the next at once (``ReportSlots``)."""
    if day_count <= LONG_RANGE_DAYS:
        yield None
        return
    slots: ReportSlots = request.app.state.long_report_slots
    gone = stops_when_given_up(request)
    if not slots.take(gone):
        raise ClientError(
            503,
            "reports_busy",
            f"{LONG_REPORTS_AT_ONCE} reports of more than {LONG_RANGE_DAYS} days are being"
            " made; ask again in a few seconds, or for a shorter range",
            headers={"Retry-After": "5"},
        )
    try:
        yield gone
    finally:
        slots.give_back(gone)


def _sessions_in_parts(
    store: Store,
    span: Sequence[days_.Day],
    reference: str | None,
    abandoned: threading.Event | None,
) -> Iterator[SessionRow]:
    """The sessions of ``span`` in start order, read ``PART_DAYS`` days at a time, each part in
    a snapshot of its own, and added up as they come (``range_report``), never all in memory.

    The store has one reading connection: ten years of a heavy user's sessions (a million)
    held it for ten seconds, and ``/today`` and the status bars, which read through it too,
    waited that long. Now they wait for one part at most. Each session is in exactly one part
    (the one it started in); one changed while the parts are read (a late beat, a merge of
    two) counts as it was when its part was read, as it would had the report come a moment
    earlier. Each read is made ``abandoned`` (``Store.read``): a client gone stops it."""
    start, end = span[0].start, span[-1].end
    project = read_project_filter(store, reference, abandoned)
    bounds: list[int | None] = [day.start for day in span[PART_DAYS::PART_DAYS]]
    for part in zip([None, *bounds], [*bounds, None], strict=True):
        yield from store.read(
            partial(queries.sessions_between, start=start, end=end, project=project, started=part),
            abandoned=abandoned,
        )


def read_project_filter(
    store: Store, reference: str | None, abandoned: threading.Event | None
) -> queries.ProjectFilter:
    """The project the ``project`` parameter names, for a report's queries
    (``queries.project_filter``), read ``abandoned`` as the report's other reads are."""
    return store.read(
        lambda conn: queries.project_filter(conn, reference, "project"), abandoned=abandoned
    )


def get_sessions(request: Request) -> JSONResponse:
    """The latest sessions, newest first, optionally within dates and for one project."""
    zone = zone_param(request)
    now = request.app.state.clock()
    params = request.query_params
    first, last = _month(params, days_.local_date(now, zone)) or (None, None)
    if first is None:
        first, last = _date(params.get("from"), "from"), _date(params.get("to"), "to")
    count = _days_count(params, first)
    if count is not None:  # the days up to `to` or today, as in /api/days and `sessions --days`
        first, last = days_.last_days(last or days_.local_date(now, zone), count)
    if first is not None and last is None:
        last = days_.local_date(now, zone)  # `from` alone runs to today, as in /api/days
    if first is not None and last is not None:
        days_.check_range(first, last, max_days=None)  # a list, not a row per day: any span
    start, end = days_.date_bounds(first, last, zone)
    limit = _limit(params.get("limit"))
    project = project_param(request)
    rows = request.app.state.store.read(
        lambda conn: queries.latest_sessions(
            conn, start, end, queries.project_filter(conn, project, "project"), limit
        )
    )
    return JSONResponse(sessions_json(rows, zone, now, first, last))


# -- query parameters --------------------------------------------------------------------------


def zone_param(request: Request) -> tzinfo:
    name = request.query_params.get("tz")
    if name is None:
        return zones.system_zone()
    return query_zone(name, "tz")


def query_zone(name: str, field: str) -> tzinfo:
    """The zone a query parameter names. A "+" typed in a query string arrives as a space (form
    encoding), and no zone name has a space: ``?tz=Etc/GMT+5`` means Etc/GMT+5, as the one
    typing it meant."""
    return zones.zone_named(name.strip().replace(" ", "+"), field=field)


def _wants_json(request: Request) -> bool:
    chosen = request.query_params.get("format")
    if chosen is not None:
        if chosen not in {"json", "text"}:
            raise InvalidField("format", f"must be json or text, not {chosen!r}")
        return chosen == "json"
    return "application/json" in request.headers.get("accept", "")


def _date(text: str | None, field: str) -> date | None:
    return None if text is None else days_.parse_date(text, field=field)


def range_params(request: Request, zone: tzinfo, now: float) -> tuple[date, date]:
    """``from``/``to`` dates; a missing ``from`` means ``days`` (default 7) days up to ``to``,
    a missing ``to`` means today."""
    params = request.query_params
    today = days_.local_date(now, zone)
    month = _month(params, today)
    if month is not None:
        return month
    first, last = _date(params.get("from"), "from"), _date(params.get("to"), "to")
    count = _days_count(params, first)
    if first is None:
        first, last = days_.last_days(last or today, count or DEFAULT_DAYS)
    elif last is None:
        last = today
    days_.check_range(first, last)
    return first, last


def _month(params: QueryParams, today: date) -> tuple[date, date] | None:
    """``month``: a calendar month, ``2025-10`` or ``last`` (``days.named_month``), as the
    commands' ``--month``; the dashboard's months ask for it."""
    text = params.get("month")
    if text is None:
        return None
    for other in ("from", "to", "days"):
        if other in params:  # the range would ignore one of them (the CLI refuses it too)
            raise InvalidField("month", f"give either month or {other}, not both")
    return days_.named_month(text, today, field="month")


def _days_count(params: QueryParams, first: date | None) -> int | None:
    """``days``: how many days up to ``to`` (or today), when given."""
    text = params.get("days")
    if text is None:
        return None
    count = whole_number(text, "days", lowest=1, highest=days_.MAX_RANGE_DAYS)
    if first is not None:  # the range would ignore one of them (the CLI refuses it too)
        raise InvalidField("days", "give either from or days, not both")
    return count


def _limit(text: str | None) -> int:
    if text is None:
        return DEFAULT_SESSION_LIMIT
    return whole_number(text, "limit", lowest=1, highest=MAX_SESSION_LIMIT)


def project_param(request: Request) -> str | None:
    project = request.query_params.get("project")
    if project is None:
        return None
    reference = project.strip()
    if not reference:
        raise InvalidField("project", "must not be empty")
    if reference.startswith("/"):
        _look_at_folder_first(request, reference)
    return project


def _look_at_folder_first(request: Request, reference: str) -> None:
    """A ``project`` naming a folder is looked at first as a beat's folder is
    (``api/slow_folders.py``): in a thread of its own, and on a mount that may hang, with a
    503 ``folder_not_answering`` past its time limit. The report reads that folder (its
    symlinks, its repository, which may lie on a share) while it holds the store's one
    reading connection, which ``/today``, the status bars and every other report wait for: on
    a hung share, for as long as it hung. Looked at once here, the folder is read again in
    the report at once, its repository's root commit remembered. For handlers Starlette runs
    in its thread pool, as every report's is."""
    # Here, not at the top: its modules are 0.4 MiB of the daemon's idle memory, for reports
    # that name a folder.
    import anyio.from_thread

    slow_folders: SlowFolders = request.app.state.slow_folders
    look = partial(folder_identities, reference)
    anyio.from_thread.run(slow_folders.in_thread_for, look, [reference], "project")
