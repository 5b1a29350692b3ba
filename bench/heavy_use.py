"""Three years of heavy use: every report route and command on a database of ~1M sessions.

    .venv/bin/python bench/heavy_use.py                       # this checkout
    .venv/bin/python bench/heavy_use.py --source OTHER/src    # another checkout, same database

Makes (once a day, cached) the database of ``heavy_db.py``: 300 projects, some with very long
folders, ~0.9M sessions over three years, WakaTime heartbeats. Then, through a real daemon:

* each report route at its widest (a year, the 3,660 days ``/api/days`` allows, all time for
  ``/api/sessions``): status, seconds, bytes, and the daemon's RSS before and after;
* beats (``POST /beat``, one every 0.1 s) and ``GET /today`` while one ten-year report runs,
  and while eight are asked for at once: their median and worst latency, the reports' statuses;
* the commands on the same file: wall seconds and peak RSS (``/usr/bin/time``).

``--source`` runs the daemon and the commands from another checkout's ``src`` (``PYTHONPATH``),
so a change can be compared with the code before it in one run, on one database. Figures move
with the machine's load: compare within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from bench_daemon import Server
from heavy_db import generate

ROUTES = (
    "/today?format=json",
    "/api/v1/users/current/statusbar/today",
    "/api/v1/users/current/summaries?range=last_30_days",
    "/api/breakdown?by=language&days=30",
    "/api/days",
    "/api/days?days=365",
    "/api/days?days=3660",
    "/api/days?days=3660&project=nosuchproject",
    "/api/sessions?limit=1000",
    "/api/sessions?from=1970-01-01&limit=1000",
    "/api/sessions?from=1970-01-01&limit=1000&project=nosuchproject",
    "/api/projects",
)
COMMANDS = (
    ("today",),
    ("report", "--days", "365"),
    ("report", "--days", "3660", "--json"),
    ("sessions", "--limit", "1000"),
    ("projects",),
    ("check",),
    ("export", "-o", "{out}.csv"),
    ("backup", "{out}.db"),
)
LONG = "/api/days?days=3660"


def get(base: str, path: str) -> tuple[int, float, int]:
    """Status, seconds and body bytes of one GET."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(base + path, timeout=900) as answer:
            status, size = answer.status, len(answer.read())
    except urllib.error.HTTPError as refused:
        status, size = refused.code, len(refused.read())
    return status, time.perf_counter() - started, size


def beat(base: str) -> float:
    body = json.dumps({"project_path": tempfile.gettempdir()}).encode()
    request = urllib.request.Request(
        base + "/beat", data=body, headers={"Content-Type": "application/json"}
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as answer:
        answer.read()
    return time.perf_counter() - started


def while_reports_run(base: str, count: int) -> str:
    """Beats and /today, one every 0.1 s each, while ``count`` long reports are asked at once."""
    statuses: list[int] = []
    reports = [
        threading.Thread(target=lambda: statuses.append(get(base, LONG)[0])) for _ in range(count)
    ]
    beats: list[float] = []
    todays: list[float] = []

    def keep(measure: Callable[[], float], into: list[float]) -> None:
        while any(report.is_alive() for report in reports):
            into.append(measure())
            time.sleep(0.1)

    started = time.perf_counter()
    for report in reports:
        report.start()
    side = [
        threading.Thread(target=keep, args=(lambda: beat(base), beats)),
        threading.Thread(target=keep, args=(lambda: get(base, "/today")[1], todays)),
    ]
    for thread in side:
        thread.start()
    for thread in [*reports, *side]:
        thread.join()
    counted = {status: statuses.count(status) for status in sorted(set(statuses))}
    return (
        f"{count} x {LONG}: {counted} in {time.perf_counter() - started:.1f} s;"
        f" beat ms median {_ms(statistics.median(beats))} max {_ms(max(beats))};"
        f" /today ms median {_ms(statistics.median(todays))} max {_ms(max(todays))}"
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def command_figures(command: list[str], db: Path, env: dict[str, str], out: str) -> str:
    """Wall seconds and peak RSS of one command, as ``/usr/bin/time`` measures them."""
    args = [part.format(out=out) for part in command]
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%e %M", *_oxitrack(), *args, "--db", str(db)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    seconds, kib = done.stderr.strip().splitlines()[-1].split()
    shown = " ".join(args)
    return f"{shown:32} exit {done.returncode}  {float(seconds):6.2f} s  {int(kib) / 1024:6.0f} MiB"


def _oxitrack() -> list[str]:
    return [sys.executable, "-m", "oxitrack"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1_100_000)
    parser.add_argument("--source", type=Path, help="a checkout's src folder to run instead")
    parser.add_argument("--at-once", type=int, nargs="+", default=[1, 8], help="long reports")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "oxitrack-bench")
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    cached = args.data / f"heavy-{args.sessions}-{time.strftime('%Y-%m-%d')}.db"
    if not cached.exists():
        for stale in args.data.glob(f"heavy-{args.sessions}-*.db*"):
            stale.unlink()
        print(f"generating {cached} ...", flush=True)
        generate(cached, args.sessions, int(time.time()))
    env = {k: v for k, v in os.environ.items() if not k.startswith("OXITRACK_")}
    env["OXITRACK_CONFIG"] = os.devnull
    if args.source:
        env["PYTHONPATH"] = str(args.source.resolve())
        os.environ["PYTHONPATH"] = env["PYTHONPATH"]  # for the daemon, started below
    with tempfile.TemporaryDirectory() as work:
        db = Path(work) / "heavy.db"
        subprocess.run(["cp", str(cached), str(db)], check=True)
        server = Server([*_oxitrack(), "serve"], db)
        server.start()
        base = f"http://127.0.0.1:{server.port}"
        try:
            print(f"idle RSS {server.rss_mib():.0f} MiB")
            for route in ROUTES:
                before = server.rss_mib()
                status, seconds, size = get(base, route)
                print(
                    f"{route:62} {status}  {seconds:6.2f} s  {size / 1024:7.0f} KiB"
                    f"  RSS {before:4.0f} -> {server.rss_mib():4.0f} MiB"
                )
            idle = [beat(base) for _ in range(50)]
            print(f"idle beats ms median {_ms(statistics.median(idle))} max {_ms(max(idle))}")
            for count in args.at_once:
                print(while_reports_run(base, count), f" RSS {server.rss_mib():.0f} MiB")
        finally:
            server.stop()
        for command in COMMANDS:
            print(command_figures(list(command), db, env, str(Path(work) / "out")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
