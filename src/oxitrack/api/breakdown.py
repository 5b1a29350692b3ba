"""``GET /api/breakdown``: time split by language, category, editor, branch, machine or
operating system over a range.

The range, ``project`` and ``tz`` are read by ``api.reports``' own helpers (same defaults, same
422s as ``/api/days``), and a long range takes one of its long-report slots. Plain ``def``:
Starlette runs it in its thread pool.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from oxitrack import days as days_
from oxitrack.api.reports import (
    project_param,
    range_params,
    read_project_filter,
    report_slot,
    zone_param,
)
from oxitrack.breakdown import breakdown_json, check_field
from oxitrack.store.breakdown import read_breakdown


def get_breakdown(request: Request) -> JSONResponse:
    """One row per value of ``by``, most time first (``oxitrack.breakdown`` states the rule)."""
    field = check_field(request.query_params.get("by"), "by")
    zone = zone_param(request)
    first, last = range_params(request, zone, request.app.state.clock())
    reference = project_param(request)
    span = days_.days_between(first, last, zone)
    store = request.app.state.store
    with report_slot(request, len(span)) as gone:
        project = read_project_filter(store, reference, gone)
        breakdown = read_breakdown(store, field, span, project, abandoned=gone)
    return JSONResponse(breakdown_json(field, breakdown.rows(), span, zone))
