"""``oxitrack report --by language|category|editor|branch|machine|operating_system``: time split
by heartbeat details.

The same range, ``--project`` and ``--tz`` as every ``report``, read through the same
``store.breakdown`` and ``breakdown`` functions as ``GET /api/breakdown``, so ``--json`` prints
exactly what the API answers. Nothing is imported until the command runs.
"""

from __future__ import annotations

import argparse

# ``oxitrack.breakdown.FIELDS``, named here so building the parser loads none of it.
FIELDS = ("language", "category", "editor", "branch", "machine", "operating_system")


def run_breakdown(args: argparse.Namespace) -> int:
    from oxitrack import days
    from oxitrack.breakdown import breakdown_json
    from oxitrack.commands import reports
    from oxitrack.commands._output import print_json, text_style
    from oxitrack.commands._report_database import note_other_database, open_read_only
    from oxitrack.commands._report_flags import (
        check_project_exists,
        days_from,
        project_from,
        project_title,
        range_title,
        zone_from,
    )
    from oxitrack.report_text import breakdown_rows, render_table
    from oxitrack.reports import range_total_seconds
    from oxitrack.store.breakdown import read_breakdown

    zone, now = zone_from(args), reports.clock()
    first, last = days_from(args, zone, now, per_day=True)
    assert first is not None and last is not None
    span = days.days_between(first, last, zone)
    worked: int | None = None
    named = ""
    with open_read_only(args) as store:
        project = project_from(store, args)
        rows = read_breakdown(store, args.by, span, project).rows()
        if not rows:
            check_project_exists(store, args, project)
        elif not args.json:
            # The range's total as ``report --by project`` gives it, time in two projects at
            # once counted once: the rows, like the project rows they add up to, hold such time
            # in each, and a total line of their sum said more was worked than passed. (The
            # JSON keeps the sum.)
            worked = range_total_seconds(reports.read_range(store, span, project, now)[0])
        if not args.json:
            named = project_title(store, project)
    if not rows and project is None:
        note_other_database(args, store.path)
    if args.json:
        return print_json(breakdown_json(args.by, rows, span, zone))
    title = range_title(first, last, zone, args.by) + named
    table = render_table(breakdown_rows(rows), text_style(), total_seconds=worked)
    print(title + "\n" + table, end="")
    return 0
