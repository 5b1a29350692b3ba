"""Merging another machine's sessions (``store.merging``) against the brute-force model: the
stored sessions must be those the union of both machines' beats forms, whatever the beats;
importing the same file again, or a later copy of it, adds nothing more than its new beats."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oxitrack.sessions import Beat
from oxitrack.store import Store
from oxitrack.store.merging import merge_session_spans
from tests.sessions_model import assert_no_overlap, model_sessions, stored_sessions

ROOT = "/oxitrack-merge-model-nowhere"  # no such folder: identities are path identities
FOLDERS = (f"{ROOT}/alpha", f"{ROOT}/beta")
BASE = 1_743_206_400
# Times on a grid of 300 s over a few hours: beats land exactly 900 s apart, 899 s, 901 s
# apart (the offsets), inside and beside each other's sessions.
times = st.builds(
    lambda step, offset: BASE + 300 * step + offset,
    st.integers(0, 40),
    st.sampled_from((0, 0, 0, 1, -1, 599, 600)),
)
beats = st.lists(st.tuples(st.sampled_from(FOLDERS), times), max_size=14)


def _filled(path: Path, beats: list[tuple[str, int]]) -> Path:
    with Store(path) as store:
        for folder, timestamp in beats:
            store.record_beat(Beat(folder, timestamp))
    return path


def _merge(desktop: Path, laptop: Path) -> tuple[int, int, int]:
    """The laptop's sessions merged into the desktop's file: (added, already, seconds)."""
    conn = sqlite3.connect(laptop)
    try:
        spans = conn.execute(
            "SELECT project_path, start_time, last_heartbeat FROM sessions ORDER BY id"
        ).fetchall()
    finally:
        conn.close()
    with Store(desktop) as store:
        merged = store.write(lambda conn: merge_session_spans(conn, spans))
    return merged.added, merged.already, merged.seconds_added


def _total(spans: list[tuple[str, int, int]]) -> int:
    return sum(last - start for _, start, last in spans)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(desktop_beats=beats, laptop_beats=beats, later_beats=beats)
def test_merged_sessions_are_those_of_both_machines_beats(
    desktop_beats: list[tuple[str, int]],
    laptop_beats: list[tuple[str, int]],
    later_beats: list[tuple[str, int]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        desktop = _filled(Path(folder) / "desktop.db", desktop_beats)
        laptop = _filled(Path(folder) / "laptop.db", laptop_beats)
        before = stored_sessions(desktop)

        added, already, seconds = _merge(desktop, laptop)
        merged = stored_sessions(desktop)
        assert merged == model_sessions(desktop_beats + laptop_beats)
        assert_no_overlap(merged)
        assert seconds == _total(merged) - _total(before)
        assert added + already == len(stored_sessions(laptop))

        # The same file again: nothing more, every session already here.
        assert _merge(desktop, laptop) == (0, len(stored_sessions(laptop)), 0)
        assert stored_sessions(desktop) == merged

        # A later copy of the same laptop holds the earlier one: only its new beats count.
        _filled(laptop, later_beats)
        _merge(desktop, laptop)
        assert stored_sessions(desktop) == model_sessions(
            desktop_beats + laptop_beats + later_beats
        )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(desktop_beats=beats, laptop_beats=beats)
def test_merging_either_way_gives_the_same_sessions(
    desktop_beats: list[tuple[str, int]], laptop_beats: list[tuple[str, int]]
) -> None:
    """The laptop into the desktop and the desktop into the laptop: one history."""
    with tempfile.TemporaryDirectory() as folder:
        desktop = _filled(Path(folder) / "desktop.db", desktop_beats)
        laptop = _filled(Path(folder) / "laptop.db", laptop_beats)
        desktop_copy = _filled(Path(folder) / "desktop-copy.db", desktop_beats)
        _merge(desktop, laptop)
        _merge(laptop, desktop_copy)
        assert stored_sessions(desktop) == stored_sessions(laptop)


def test_a_hand_made_row_holding_the_merged_start_gives_way(tmp_path: Path) -> None:
    """A row typed by hand that ends before it starts holds no time, but its start is unique:
    a merged session moving its start there took the write down (IntegrityError)."""
    desktop = _filled(tmp_path / "desktop.db", [(FOLDERS[0], BASE + 600)])
    conn = sqlite3.connect(desktop)
    with conn:
        conn.execute(
            "INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES (?, ?, ?)",
            (FOLDERS[0], BASE, BASE - 100),
        )
    conn.close()
    laptop = _filled(tmp_path / "laptop.db", [(FOLDERS[0], BASE)])
    assert _merge(desktop, laptop) == (1, 0, 600)
    assert stored_sessions(desktop) == [(FOLDERS[0], BASE, BASE + 600)]
