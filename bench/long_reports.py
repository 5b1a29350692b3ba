"""Long-range reports on labelled heartbeats: WakaTime's summaries for a year, and the others.

    .venv/bin/python bench/long_reports.py                       # this checkout
    .venv/bin/python bench/long_reports.py --source OTHER/src    # another checkout, same database
    .venv/bin/python bench/long_reports.py --folders 300         # each day in ~220 projects

Makes (once a day, cached) a database of ~200k WakaTime heartbeats over the 300 days ending
now, each naming a language, category, editor and branch, in 8 folders, recorded through
``store.wakatime.record_heartbeats`` (the daemon's own write, 1,000 heartbeats a transaction). Then,
through a real daemon (``oxitrack serve``): each long route's wall seconds and the daemon's peak
RSS while it ran (``VmHWM``, reset before each route through ``/proc/PID/clear_refs``), and
``POST /beat`` latency (one every 0.1 s) while a year's summaries run; then the matching
``oxitrack report`` commands under ``/usr/bin/time``. Compare within one run.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

from bench_daemon import Server
from heavy_use import beat, command_figures, get

from oxitrack.sessions import Beat
from oxitrack.store import Store
from oxitrack.store import wakatime as wakatime_store
from oxitrack.wakatime import Heartbeat, HeartbeatDetails

DAY_SECONDS = 86_400
FOLDERS = 8
LANGUAGES = ("Python", "TypeScript", "Rust", "Markdown", "SQL", "YAML", None)
CATEGORIES = (None, None, None, "debugging", "building", "writing tests")
EDITORS = ("vscode", "vim", "intellij")
BRANCHES = ("main", "main", "feature/x", "fix/y", None)


def generate(db: Path, heartbeats: int, days: int, now: int, folders: int = FOLDERS) -> None:
    """``heartbeats`` spread evenly over the ``days`` ending now, round the clock, each in one of
    ``folders`` folders at random: each folder's heartbeats lie minutes apart, some more than
    the session gap, so there are many sessions (~90k for 200k heartbeats), some over midnight."""
    rng = random.Random(7)
    start = now - days * DAY_SECONDS
    step = days * DAY_SECONDS / heartbeats
    root = Path(tempfile.gettempdir()) / "oxitrack-long-reports"
    with Store(db) as store:
        for first in range(0, heartbeats, 1000):
            sent = [
                _heartbeat(rng, str(root / f"project-{rng.randrange(folders)}"), moment)
                for moment in (int(start + n * step) for n in range(first, first + 1000))
            ]
            store.write(lambda conn, h=sent: wakatime_store.record_heartbeats(conn, h))
        store.checkpoint()


def _heartbeat(rng: random.Random, folder: str, moment: int) -> Heartbeat:
    details = HeartbeatDetails(
        time=moment + rng.random(),
        entity_type="file",
        category=rng.choice(CATEGORIES),
        language=rng.choice(LANGUAGES),
        branch=rng.choice(BRANCHES),
        is_write=rng.random() < 0.1,
        project_name=Path(folder).name,
        editor=rng.choice(EDITORS),
        plugin="vscode-wakatime/24.0.0",
        project_source="project_root_count",
    )
    return Heartbeat(beat=Beat(folder, moment), details=details, entity="src/x.py")


def routes(today: date) -> list[str]:
    year_ago = (today - timedelta(days=364)).isoformat()
    summaries = f"/api/v1/users/current/summaries?start={year_ago}&end={today.isoformat()}"
    return [
        "/api/v1/users/current/statusbar/today",
        "/api/v1/users/current/summaries?range=last_30_days",
        summaries,
        summaries + "&project=project-3",
        "/api/days?days=365",
        "/api/breakdown?by=language&days=365",
        "/api/breakdown?by=branch&days=365",
    ]


def peak_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def reset_peak(pid: int) -> None:
    """Start ``VmHWM`` again from the current RSS (Linux: ``5`` to ``clear_refs``)."""
    with open(f"/proc/{pid}/clear_refs", "w") as refs:
        refs.write("5")


def beats_while(base: str, path: str) -> str:
    """``POST /beat`` once every 0.1 s while ``path`` is answered: median and worst. Beats
    are answered on the event loop, which waits for the interpreter while a report adds up
    in its thread: what it costs them is in this figure."""
    done = threading.Event()
    took: list[float] = []

    def keep() -> None:
        while not done.is_set():
            took.append(beat(base))
            time.sleep(0.1)

    side = threading.Thread(target=keep)
    side.start()
    try:
        status, seconds, _ = get(base, path)
    finally:
        done.set()
        side.join()
    return (
        f"beats while {path.split('?')[0]} ran ({status}, {seconds:.2f} s): {len(took)} beats,"
        f" median {statistics.median(took) * 1000:.1f} ms, worst {max(took) * 1000:.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heartbeats", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=300)
    parser.add_argument("--folders", type=int, default=FOLDERS)
    parser.add_argument("--source", type=Path, help="a checkout's src folder to run instead")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "oxitrack-bench")
    parser.add_argument("--no-commands", action="store_true", help="skip oxitrack report")
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%d")
    shape = f"{args.heartbeats}-{args.days}-{args.folders}"
    cached = args.data / f"labelled-{shape}-{stamp}.db"
    if not cached.exists():
        for stale in args.data.glob(f"labelled-{shape}-*.db*"):
            stale.unlink()
        print(f"generating {cached} ...", flush=True)
        started = time.perf_counter()
        generate(cached, args.heartbeats, args.days, int(time.time()), args.folders)
        print(f"  {time.perf_counter() - started:.0f} s", flush=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OXITRACK_")}
    env["OXITRACK_CONFIG"] = os.devnull
    env["TZ"] = "UTC"
    os.environ["TZ"] = "UTC"  # the daemon's zone: days end at the generated days' midnights
    if args.source:
        env["PYTHONPATH"] = str(args.source.resolve())
        os.environ["PYTHONPATH"] = env["PYTHONPATH"]  # for the daemon, started below
    today = date.fromtimestamp(time.time())
    with tempfile.TemporaryDirectory() as work:
        db = Path(work) / "labelled.db"
        subprocess.run(["cp", str(cached), str(db)], check=True)
        server = Server([sys.executable, "-m", "oxitrack", "serve"], db)
        server.start()
        assert server.process is not None
        pid = server.process.pid
        base = f"http://127.0.0.1:{server.port}"
        try:
            print(f"idle RSS {server.rss_mib():.1f} MiB")
            for route in routes(today):
                before = server.rss_mib()
                reset_peak(pid)
                status, seconds, size = get(base, route)
                print(
                    f"{route:92} {status} {seconds:7.2f} s {size / 1024:6.0f} KiB"
                    f"  RSS {before:5.1f} peak {peak_mib(pid):5.1f} MiB"
                )
            print(beats_while(base, routes(today)[2]))
            print(beats_while(base, routes(today)[5]))
            print(f"daemon RSS after all: {server.rss_mib():.1f} MiB")
        finally:
            server.stop()
        if not args.no_commands:
            for command in (
                ("report", "--days", "365", "--json"),
                ("report", "--days", "365", "--by", "language", "--json"),
            ):
                print(command_figures(list(command), db, env, str(Path(work) / "out")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
