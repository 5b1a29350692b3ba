"""How big the database grows in a year of heavy use, through the real record path.

    .venv/bin/python bench/db_size.py                 # 365 days x 8 h, native beats (POST /beat)
    .venv/bin/python bench/db_size.py --wakatime      # the same work sent as WakaTime heartbeats
    .venv/bin/python bench/db_size.py --labels        # native beats naming language and editor
    .venv/bin/python bench/db_size.py --days 30 --keep /tmp/month.db

The working day: 8 h of activity between 08:00 and 19:00 in 4 to 6 blocks, split by breaks of
5 to 60 minutes (so some breaks end a session, some don't), in 2 to 4 of 8 projects a day, each
project a real git repository (one is moved to another folder in the middle of the year). An
editor sends at most one beat per 30 s per project, at once on a project switch; a WakaTime
plugin sends a heartbeat at most every 2 min per file, and at once on save, which happens
every ~5 minutes. With ``--labels``, each native beat names the language of its file (one per
stint of work) and the editor, as the VS Code extension's beats do, which stores a heartbeat
row beside the session for each. Beats go through ``Store.record_beats`` (one transaction per
day, as a busy daemon's requests would), heartbeats through ``store.wakatime.record_heartbeats``:
the same functions the daemon calls, project identity included.

Prints the file size after the year (WAL checkpointed), after VACUUM, and per row.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from oxitrack.beats import BeatLabels, PostedBeat
from oxitrack.sessions import Beat
from oxitrack.store import Store
from oxitrack.store import wakatime as wakatime_store
from oxitrack.wakatime import Heartbeat, HeartbeatDetails

DAY_SECONDS = 86_400
START = 1_735_689_600  # 2025-01-01T00:00:00Z
BEAT_EVERY_SECONDS = 30
HEARTBEAT_EVERY_SECONDS = 120
PROJECTS = 8
LANGUAGES = ("Python", "TypeScript", "Rust", "Markdown", "SQL", "YAML")


def make_repos(folder: Path) -> list[Path]:
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.invalid"}
    env.update(GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@example.invalid")
    repos = []
    for number in range(PROJECTS):
        repo = folder / f"project-{number}"
        repo.mkdir(parents=True)
        subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)
        (repo / "README").write_text(f"project {number}\n")
        subprocess.run(["git", "add", "README"], cwd=repo, check=True, env=env)
        subprocess.run(["git", "commit", "-qm", f"p{number}"], cwd=repo, check=True, env=env)
        repos.append(repo)
    return repos


def working_day(rng: random.Random, day_start: int, hours: float) -> list[tuple[int, int, int]]:
    """(project index, start, stop) stints: ``hours`` of work in blocks with breaks between."""
    projects = rng.sample(range(PROJECTS), rng.randint(2, 4))
    blocks = rng.randint(4, 6)
    work = int(hours * 3600)
    lengths = [work // blocks] * blocks
    moment = day_start + 8 * 3600 + rng.randint(0, 3600)
    activity = []
    for length in lengths:
        end = moment + length
        while moment < end:  # switch projects every 20 to 90 minutes within a block
            stint = min(end - moment, rng.randint(20 * 60, 90 * 60))
            project = rng.choice(projects)
            activity.append((project, moment, moment + stint))
            moment += stint
        moment += rng.randint(5 * 60, 60 * 60)
    return activity


def beats_of(rng: random.Random, day_start: int, hours: float) -> list[tuple[int, int]]:
    """Editor beats: one per 30 s while active, one at once on a switch; sometimes a pause."""
    return [(project, moment) for project, moment, _ in stints_of(rng, day_start, hours)]


def stints_of(rng: random.Random, day_start: int, hours: float) -> list[tuple[int, int, int]]:
    """Editor beats as ``beats_of`` gives them, each with the start of its stint: the file
    being worked on changes with the stint."""
    beats = []
    for project, start, stop in working_day(rng, day_start, hours):
        moment = start
        while moment <= stop:
            beats.append((project, moment, start))
            moment += BEAT_EVERY_SECONDS
    return beats


def heartbeats_of(rng: random.Random, day_start: int, hours: float) -> list[tuple[int, int, bool]]:
    """WakaTime heartbeats: every 2 min while typing in a file, and at once on each save."""
    sent = []
    last_sent: dict[int, int] = {}
    for project, moment in beats_of(rng, day_start, hours):
        if moment - last_sent.get(project, 0) >= HEARTBEAT_EVERY_SECONDS:
            sent.append((project, moment, False))
            last_sent[project] = moment
        if rng.random() < BEAT_EVERY_SECONDS / 300:  # a save every ~5 minutes
            sent.append((project, moment + 1, True))
    return sent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--hours", type=float, default=8.0)
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--wakatime", action="store_true", help="send WakaTime heartbeats")
    kind.add_argument("--labels", action="store_true", help="native beats naming their language")
    parser.add_argument("--keep", type=Path, help="write the database here and keep it")
    args = parser.parse_args()
    rng = random.Random(6)
    work = Path(tempfile.mkdtemp(prefix="oxitrack-bench-"))
    try:
        repos = make_repos(work / "code")
        db = args.keep or work / "year.db"
        started = time.perf_counter()
        count = 0
        with Store(db) as store:
            for day in range(args.days):
                if day == args.days // 2:  # a project moves to another folder mid-year
                    moved = work / "moved" / repos[0].name
                    moved.parent.mkdir()
                    shutil.move(repos[0], moved)
                    repos[0] = moved
                day_start = START + day * DAY_SECONDS
                if args.wakatime:
                    heartbeats = [
                        _heartbeat(rng, str(repos[p]), t, saved)
                        for p, t, saved in heartbeats_of(rng, day_start, args.hours)
                    ]
                    store.write(lambda c, h=heartbeats: wakatime_store.record_heartbeats(c, h))
                    count += len(heartbeats)
                elif args.labels:
                    posted = [
                        _labelled_beat(str(repos[p]), t, stint)
                        for p, t, stint in stints_of(rng, day_start, args.hours)
                    ]
                    store.record_beats(posted)
                    count += len(posted)
                else:
                    beats = [
                        Beat(str(repos[p]), t) for p, t in beats_of(rng, day_start, args.hours)
                    ]
                    store.record_beats(beats)
                    count += len(beats)
            store.checkpoint()
            sessions = len(store.sessions())
        elapsed = time.perf_counter() - started
        size = db.stat().st_size
        vacuumed = work / "vacuumed.db"
        conn = sqlite3.connect(db)
        conn.execute("VACUUM INTO ?", (str(vacuumed),))
        projects = conn.execute("SELECT count(*) FROM projects").fetchone()[0]
        conn.close()
        unit = "heartbeat" if args.wakatime else "beat"
        kind = "WakaTime heartbeats" if args.wakatime else "beats"
        kind += " naming a language and editor" if args.labels else ""
        print(f"{args.days} days x {args.hours:g} h: {count} {kind}, {sessions} sessions,")
        print(f"  {projects} projects, recorded in {elapsed:.1f} s ({count / elapsed:.0f}/s)")
        print(f"  database file: {size} bytes ({size / 1024:.0f} KiB)")
        print(f"  after VACUUM:  {vacuumed.stat().st_size} bytes")
        print(f"  per year:      {size * 365 / args.days / 1024 / 1024:.2f} MiB")
        print(f"  per {unit}: {size / count:.1f} bytes; per session: {size / sessions:.0f} bytes")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _labelled_beat(project_path: str, timestamp: int, stint: int) -> PostedBeat:
    """A beat as the VS Code extension sends it: the language of the stint's file, the editor."""
    language = LANGUAGES[stint % len(LANGUAGES)]  # from the stint, not ``rng``: the same beats
    return PostedBeat(Beat(project_path, timestamp), BeatLabels(language, "vscode"))


def _heartbeat(rng: random.Random, project_path: str, timestamp: int, is_write: bool) -> Heartbeat:
    details = HeartbeatDetails(
        time=timestamp + rng.random(),
        entity_type="file",
        category="coding",
        language=rng.choice(LANGUAGES),
        branch=rng.choice(("main", "main", "feature/x", "fix/y")),
        is_write=is_write,
        project_name=Path(project_path).name,
        editor="vscode",
        plugin="vscode-wakatime/24.0.0",
        project_source="project_root_count",
    )
    return Heartbeat(beat=Beat(project_path, timestamp), details=details, entity="src/x.py")


if __name__ == "__main__":
    sys.exit(main())
