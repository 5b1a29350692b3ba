"""A database as three years of heavy use leave it, for ``bench/heavy_use.py`` and by hand.

    .venv/bin/python bench/heavy_db.py /tmp/heavy.db                # ~1M sessions, 300 projects
    .venv/bin/python bench/heavy_db.py /tmp/small.db --sessions 100000

300 projects, a few with very long folders (deep monorepo paths of 300 to 900 characters), over
about three years ending now: uneven days (weekends and holidays light or empty, some crunch
days three times the usual), 2 to 40 projects touched a day with most time in a few favourites,
sessions of 1 to 90 minutes that follow the session rule within each project (15 minutes or
more apart) and overlap freely between projects, as several editors open at once leave them.
Some projects were moved (two folders, one project) and some renamed. WakaTime heartbeats from
three editors on two machines fill ``heartbeats`` for a tenth of the sessions.

Rows are written straight into the real schema (made by ``Store``), not through the beat path:
a million sessions through ``record_beat`` would take an hour. ``oxitrack check`` on the result
says it is consistent.
"""

from __future__ import annotations

import argparse
import functools
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from oxitrack.store import Store

DAY_SECONDS = 86_400
PROJECTS = 300
EDITORS = (
    ("vscode", "vscode-wakatime/24.0.0"),
    ("neovim", "vim-wakatime/11.1"),
    ("zed", "zed/0.1"),
)
# The machine (X-Machine-Name) and system each editor's heartbeats came from: two computers,
# so that WakaTime's summaries split time by them as for someone who works on both.
MACHINES = {"vscode": ("workstation", "linux"), "neovim": ("laptop", "darwin")}
Heartbeat = tuple[str, tuple[str, str], int]  # folder, (editor, plugin), time
LANGUAGES = ("Python", "TypeScript", "Rust", "Go", "Markdown", "SQL")


def project_folders(rng: random.Random) -> list[str]:
    """Project folders: most short, every 25th a deep path of 300 to 900 characters."""
    folders = []
    for number in range(PROJECTS):
        if number % 25 == 7:
            depth = rng.randint(12, 40)
            parts = [f"package-{rng.randrange(10**6):06d}-module-tree" for _ in range(depth)]
            folders.append(f"/home/dev/work/monorepo-{number}/" + "/".join(parts)[:900])
        else:
            folders.append(f"/home/dev/code/{['oss', 'work', 'play'][number % 3]}/project-{number}")
    return folders


def day_plan(rng: random.Random, day: int, mean: float) -> int:
    """How many sessions a day holds: weekends light, holidays empty, crunch days heavy."""
    weekday = day % 7
    roll = rng.random()
    if roll < 0.04:  # holiday, ill
        return 0
    if weekday >= 5:
        return int(rng.expovariate(1 / (mean * 0.2)))
    if roll > 0.95:  # crunch
        return int(mean * rng.uniform(2.0, 3.0))
    return int(mean * rng.uniform(0.5, 1.3))


def sessions_of_day(
    rng: random.Random, day_start: int, count: int, weights: list[float], free_from: dict[int, int]
) -> Iterator[tuple[int, int, int]]:
    """``count`` (project, start, last beat) sessions in one day, 15+ minutes apart per project
    (``free_from``: when each project's last session allows the next to start)."""
    touched = rng.choices(range(PROJECTS), weights=weights, k=rng.randint(2, 40))
    per_project: dict[int, int] = {}
    for _ in range(count):
        project = rng.choice(touched)
        per_project[project] = per_project.get(project, 0) + 1
    for project, many in per_project.items():
        moment = max(day_start + rng.randrange(6 * 3600), free_from.get(project, 0))
        room = max((DAY_SECONDS - 2 * 3600) // many, 960)
        for _ in range(many):
            length = rng.randrange(min(90 * 60, room - 900) + 1)
            yield project, moment, moment + length
            free_from[project] = moment + length + 900
            moment += length + 900 + rng.randrange(max(room - length - 900, 1))


def generate(path: Path, sessions: int, now: int, *, seed: int = 3) -> int:
    """Write the database; returns how many sessions it holds."""
    rng = random.Random(seed)
    folders = project_folders(rng)
    weights = [1 / (1 + rank) ** 1.1 for rank in range(PROJECTS)]
    rng.shuffle(weights)
    days = 3 * 365
    mean = sessions / days / 0.79  # days that have none, light weekends
    today_start = now - now % DAY_SECONDS
    first_day = today_start - (days - 1) * DAY_SECONDS
    moved = {number: f"{folders[number]}-old" for number in range(0, PROJECTS, 40)}
    written = 0
    free_from: dict[int, int] = {}
    with Store(path) as store:

        def write_projects(conn: sqlite3.Connection) -> None:
            for number, folder in enumerate(folders):
                name = f"renamed {number}" if number % 50 == 3 else None
                identity = f"git:{number:040x}"
                conn.execute("INSERT INTO projects (id, name) VALUES (?, ?)", (number + 1, name))
                conn.execute(
                    "INSERT INTO project_identities (identity, project_id) VALUES (?, ?)",
                    (identity, number + 1),
                )
                for path_, last in ((folder, now), (moved.get(number), first_day)):
                    if path_ is not None:
                        conn.execute(
                            "INSERT INTO project_paths (project_path, project_id, identity,"
                            " checked_at, beat_count, last_beat) VALUES (?, ?, ?, ?, ?, ?)",
                            (path_, number + 1, identity, last, 1000, last),
                        )

        store.write(write_projects)
        for day in range(days):
            day_start = first_day + day * DAY_SECONDS
            rows = []
            heartbeats: list[Heartbeat] = []
            for project, start, last in sessions_of_day(
                rng, day_start, day_plan(rng, day, mean), weights, free_from
            ):
                if start >= now:
                    continue
                last = min(last, now)
                folder = folders[project]
                if project in moved and day < days // 2:
                    folder = moved[project]
                rows.append((folder, start, last))
                if rng.random() < 0.1:
                    editor = rng.choice(EDITORS)
                    heartbeats.extend(
                        (folder, editor, moment) for moment in range(start, last + 1, 120)
                    )
            store.write(functools.partial(_insert, rows=rows, beats=heartbeats, rng=rng))
            written += len(rows)
        store.checkpoint()
    return written


def _insert(
    conn: sqlite3.Connection,
    rows: list[tuple[str, int, int]],
    beats: list[Heartbeat],
    rng: random.Random,
) -> None:
    conn.executemany(
        "INSERT OR IGNORE INTO sessions (project_path, start_time, last_heartbeat)"
        " VALUES (?, ?, ?)",
        rows,
    )
    contexts: dict[tuple[str, str], int] = {}
    for folder, (editor, plugin), _ in beats:
        if (folder, editor) not in contexts:
            conn.execute(
                "INSERT OR IGNORE INTO beat_contexts (project_path, entity_type, category,"
                " language, branch, project_name, editor, plugin, project_source, machine,"
                " operating_system)"
                " VALUES (?, 'file', 'coding', ?, 'main', NULL, ?, ?, 'project_root_count', ?, ?)",
                (
                    folder,
                    LANGUAGES[len(folder) % len(LANGUAGES)],
                    editor,
                    plugin,
                    *MACHINES.get(editor, ("workstation", "linux")),
                ),
            )
            contexts[(folder, editor)] = conn.execute(
                "SELECT id FROM beat_contexts WHERE project_path = ? AND editor = ?",
                (folder, editor),
            ).fetchone()[0]
    conn.executemany(
        "INSERT OR IGNORE INTO heartbeats (time, context_id, is_write) VALUES (?, ?, ?)",
        [
            (moment + rng.random(), contexts[(folder, editor)], int(rng.random() < 0.2))
            for folder, (editor, _), moment in beats
        ],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--sessions", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.path.exists():
        parser.error(f"{args.path} exists")
    started = time.perf_counter()
    written = generate(args.path, args.sessions, int(time.time()))
    size = args.path.stat().st_size / 2**20
    print(f"{written} sessions, {size:.0f} MiB, in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
