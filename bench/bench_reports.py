"""How fast are the reports on big databases? ``oxitrack today`` wall time and the month query.

Generates (once a day, cached) databases of 100k and 1M sessions: 20 projects, 100 sessions a day
(ten times a heavy user) going back from now, 0 to 90 minutes each, so that today has its share.
Then measures:

* ``oxitrack today --db FILE`` as a user runs it (the installed console script): a new process
  each time, wall clock, next to a bare ``python -c pass`` so the interpreter's own start-up is
  visible (target <= 40 ms);
* the month report's query (``sessions_between`` for this month) and the query plus the per-day
  totals, in-process on a read-only store (target <= 50 ms for the query).

Run: ``.venv/bin/python bench/bench_reports.py [--sizes 100000 1000000] [--runs 15]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from oxitrack.days import Day, days_between, local_date, month_of, system_zone
from oxitrack.reports import SessionRow, daily_totals
from oxitrack.store import Store
from oxitrack.store.reports import sessions_between

SESSIONS_PER_DAY = 100
PROJECTS = [f"/home/dev/code/project-{i:02d}" for i in range(20)]


def generate(path: Path, count: int, now: int) -> None:
    """A database of ``count`` sessions ending now, through the real schema (and its indexes)."""
    rng = random.Random(count)
    first_day = now - count // SESSIONS_PER_DAY * 86400  # the last sessions end about now

    def rows() -> Iterator[tuple[str, int, int]]:
        for i in range(count):
            start = first_day + i * 86400 // SESSIONS_PER_DAY + rng.randrange(600)
            start = min(start, now - 60)
            yield rng.choice(PROJECTS), start, min(start + rng.randrange(90 * 60), now)

    with Store(path) as store:
        store.write(
            lambda conn: conn.executemany(
                "INSERT OR IGNORE INTO sessions (project_path, start_time, last_heartbeat)"
                " VALUES (?, ?, ?)",
                rows(),
            )
        )
        store.checkpoint()


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    """Wall times in milliseconds of ``runs`` calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def summary(times: list[float]) -> str:
    return f"median {statistics.median(times):6.1f} ms  min {min(times):6.1f} ms"


def run_process(*args: str) -> Callable[[], object]:
    """A new process running ``args`` each time it is called."""

    def run() -> object:
        return subprocess.run(args, check=True, capture_output=True)

    return run


def oxitrack_command() -> list[str]:
    """``oxitrack`` as a user types it: the installed console script, else ``python -m``."""
    script = Path(sys.executable).with_name("oxitrack")
    return [str(script)] if script.exists() else [sys.executable, "-m", "oxitrack"]


def measure_month(
    path: Path, span: list[Day], now: int, runs: int
) -> tuple[list[float], list[float], int]:
    """Times of the month query alone and with the per-day totals; and how many rows it read."""
    with Store(path, read_only=True) as store:

        def query() -> list[SessionRow]:
            return store.read(lambda conn: sessions_between(conn, span[0].start, span[-1].end))

        rows = len(query())
        return timed(query, runs), timed(lambda: daily_totals(query(), span, now), runs), rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "oxitrack-bench")
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    now = int(time.time())
    zone = system_zone()
    baseline = timed(run_process(sys.executable, "-c", "pass"), args.runs)
    print(f"python -c pass (interpreter start-up)       {summary(baseline)}")
    cli_start = timed(
        run_process(sys.executable, "-c", "import oxitrack.cli; oxitrack.cli.build_parser()"),
        args.runs,
    )
    print(f"oxitrack.cli + every parser (as for --help) {summary(cli_start)}")
    for size in args.sizes:
        # Named by day: a database made yesterday would have nothing today to report.
        path = args.data / f"sessions-{size}-{time.strftime('%Y-%m-%d')}.db"
        if not path.exists():
            for stale in args.data.glob(f"sessions-{size}*.db*"):
                stale.unlink()
            started = time.perf_counter()
            generate(path, size, now)
            print(f"generated {path} in {time.perf_counter() - started:.1f} s")
        today = timed(run_process(*oxitrack_command(), "today", "--db", str(path)), args.runs)
        print(f"{size:>9,} sessions: oxitrack today            {summary(today)}")
        first, last = month_of(local_date(time.time(), zone))
        span = days_between(first, last, zone)
        month_query, month_report, rows = measure_month(path, span, now, args.runs)
        print(
            f"{size:>9,} sessions: month query ({rows} rows) {summary(month_query)}\n"
            f"{size:>9,} sessions: month query + totals       {summary(month_report)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
