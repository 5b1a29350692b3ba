"""``oxitrack report --by language|category|editor|branch``: time split by heartbeat details.

The same range, ``--project`` and ``--tz`` as every ``report``, read through the same
``store.breakdown`` and ``breakdown`` functions as ``GET /api/breakdown``, so ``--json`` prints
exactly what the API answers. Nothing is imported until the command runs.
"""

from __future__ import annotations

import argparse

# ``oxitrack.breakdown.FIELDS``, named here so building the parser loads none of it.
FIELDS = ("language", "category", "editor", "branch")


def run_breakdown(args: argparse.Namespace) -> int:
    from oxitrack import days
    from oxitrack.breakdown import breakdown_json
    from oxitrack.commands import reports as shared
    from oxitrack.commands._output import print_json
    from oxitrack.report_text import breakdown_rows, render_table
    from oxitrack.store.breakdown import read_breakdown

    zone, now = shared._zone(args), shared.clock()
    first, last = shared._range(args, zone, now, per_day=True)
    assert first is not None and last is not None
    span = days.days_between(first, last, zone)
    with shared._open(args) as store:
        project = shared._project_in(store, args)
        rows = read_breakdown(store, args.by, span, project).rows()
        if not rows:
            shared._check_project_exists(store, args, project)
    if not rows and project is None:
        shared._note_other_database(args, store.path)
    if args.json:
        return print_json(breakdown_json(args.by, rows, span, zone))
    title = f"{first.isoformat()} to {last.isoformat()} ({shared._zone_label(zone)}), by {args.by}"
    print(title + "\n" + render_table(breakdown_rows(rows), shared._style()), end="")
    return 0
