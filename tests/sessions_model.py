"""An independent brute-force statement of the session rule, to check the real store against.

Deliberately shares no code with ``oxitrack.sessions``: two beats of one project are linked when
they are less than 900 s apart, and a session is a connected group of linked beats (union-find over
all pairs). Quadratic, obviously right, and only for tests.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from itertools import combinations, pairwise
from pathlib import Path

GAP_SECONDS = 900  # restated, not imported: the model must not lean on the code it checks

Span = tuple[str, int, int]  # (project_path, start_time, last_heartbeat)


def model_sessions(beats: Iterable[tuple[str, int]]) -> list[Span]:
    """The sessions a set of (project_path, timestamp) beats must form, sorted."""
    unique = sorted(set(beats))
    parent = list(range(len(unique)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in combinations(range(len(unique)), 2):
        (path_i, time_i), (path_j, time_j) = unique[i], unique[j]
        if path_i == path_j and abs(time_i - time_j) < GAP_SECONDS:
            parent[find(i)] = find(j)
    groups: dict[int, list[tuple[str, int]]] = {}
    for i, beat in enumerate(unique):
        groups.setdefault(find(i), []).append(beat)
    return sorted(
        (group[0][0], min(t for _, t in group), max(t for _, t in group))
        for group in groups.values()
    )


def stored_sessions(db_path: Path) -> list[Span]:
    """The sessions table read with plain sqlite3 (not through the Store), sorted."""
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute("SELECT project_path, start_time, last_heartbeat FROM sessions")
        return sorted(rows.fetchall())
    finally:
        conn.close()


def assert_no_overlap(spans: Iterable[Span]) -> None:
    """Every session is well formed and at least the gap away from its project's neighbours."""
    ordered = sorted(spans)
    for path, start, last in ordered:
        assert start <= last, (path, start, last)
    for (path_a, _, last_a), (path_b, start_b, _) in pairwise(ordered):
        if path_a == path_b:
            assert start_b - last_a >= GAP_SECONDS, (path_a, last_a, start_b)
