"""The session rule, one behaviour per row, plus properties against the reference statement."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oxitrack.sessions import (
    SESSION_GAP_SECONDS,
    Beat,
    Change,
    Session,
    apply_beat,
    merge_spans,
    sessionize,
    window_for,
)
from tests.sessions_model import model_sessions

P = "/code/x"
T = 1_764_100_000


def _apply_all(timestamps: list[int], project_path: str = P) -> list[tuple[int, int]]:
    """Feed beats one by one through apply_beat, as the store does, and return the spans."""
    stored: dict[int, Session] = {}
    next_id = 1
    for timestamp in timestamps:
        change = apply_beat(stored.values(), Beat(project_path, timestamp))
        if change.is_noop:
            continue
        for absorbed in change.absorbed:
            assert absorbed.id is not None
            del stored[absorbed.id]
        result = change.result
        if result.id is None:
            result = Session(next_id, result.project_path, result.start_time, result.last_heartbeat)
            next_id += 1
        assert result.id is not None
        stored[result.id] = result
    return sorted((s.start_time, s.last_heartbeat) for s in stored.values())


@pytest.mark.parametrize(
    ("timestamps", "expected"),
    [
        ([T], [(T, T)]),
        ([T, T + 60], [(T, T + 60)]),
        ([T, T + SESSION_GAP_SECONDS - 1], [(T, T + 899)]),
        ([T, T + SESSION_GAP_SECONDS], [(T, T), (T + 900, T + 900)]),
        ([T + 60, T], [(T, T + 60)]),
        ([T, T + 600, T + 300], [(T, T + 600)]),
        ([T, T + 1000, T + 500], [(T, T + 1000)]),
        ([T + 2000, T], [(T, T), (T + 2000, T + 2000)]),
        ([T, T, T], [(T, T)]),
        ([T, T + 1800, T + 900], [(T, T), (T + 900, T + 900), (T + 1800, T + 1800)]),
        ([T, T + 1700, T + 850], [(T, T + 1700)]),
    ],
    ids=[
        "single-beat-is-zero-length-session",
        "beat-within-gap-extends",
        "gap-of-899s-joins",
        "gap-of-900s-splits",
        "late-beat-extends-backwards",
        "beat-inside-session-changes-nothing",
        "late-beat-bridges-and-merges-two-sessions",
        "late-beat-creates-past-session",
        "repeated-beat-changes-nothing",
        "beat-exactly-900s-from-both-neighbours-stays-alone",
        "beat-850s-from-both-neighbours-merges-them",
    ],
)
def test_beats_form_expected_sessions(timestamps: list[int], expected: list[tuple[int, int]]):
    assert _apply_all(timestamps) == expected
    assert sessionize(timestamps) == expected


def test_beat_after_900s_gap_starts_new_session():
    first = Session(1, P, T, T + 100)
    change = apply_beat([first], Beat(P, T + 100 + SESSION_GAP_SECONDS))
    assert change.result.id is None
    assert change.absorbed == ()


def test_merge_keeps_the_lowest_id_and_absorbs_the_other():
    later = Session(1, P, T + 1000, T + 1000)
    earlier = Session(2, P, T, T)
    change = apply_beat([later, earlier], Beat(P, T + 500))
    assert change.result == Session(1, P, T, T + 1000)
    assert change.absorbed == (earlier,)


def test_apply_beat_ignores_other_projects_and_does_not_mutate_input():
    other = Session(1, "/code/other", T, T + 10)
    nearby = [other]
    change = apply_beat(nearby, Beat(P, T + 5))
    assert change.result == Session(None, P, T + 5, T + 5)
    assert nearby == [Session(1, "/code/other", T, T + 10)]


@pytest.mark.parametrize(
    "timestamp",
    [T, T + 50, T + 100],
    ids=["at-start", "inside", "at-last-heartbeat"],
)
def test_beat_within_a_session_is_a_noop(timestamp: int):
    """The store counts a beat on its folder only when it changed the sessions."""
    session = Session(1, P, T, T + 100)
    change = apply_beat([session], Beat(P, timestamp))
    assert change == Change(result=session, is_noop=True)


def test_duration_is_last_heartbeat_minus_start_time():
    assert Session(1, P, T, T + 847).duration_seconds == 847


def test_merge_spans_joins_overlapping_and_close_spans_only():
    spans = [(0, 100), (50, 200), (1099, 1200), (2100, 2100)]
    assert merge_spans(spans) == [(0, 1200), (2100, 2100)]


def test_merge_spans_keeps_the_end_of_a_span_that_holds_the_next_one():
    spans = [(0, 0), (5000, 9000), (6000, 7000)]
    assert merge_spans(spans) == [(0, 0), (5000, 9000)]


beat_times = st.lists(st.integers(min_value=T, max_value=T + 6 * 3600), max_size=40)


@settings(max_examples=300)
@given(beat_times, st.randoms(use_true_random=False))
def test_sessions_depend_only_on_the_set_of_beats(timestamps: list[int], random):
    shuffled = list(timestamps)
    random.shuffle(shuffled)
    # The brute-force model shares no code with the rule it checks.
    model = [(start, last) for _, start, last in model_sessions(("p", t) for t in timestamps)]
    assert _apply_all(timestamps) == _apply_all(shuffled) == sessionize(timestamps) == model


@given(beat_times)
def test_sessions_never_overlap_and_total_is_merged_length(timestamps: list[int]):
    spans = _apply_all(timestamps)
    for (_, last), (start, _) in itertools.pairwise(spans):
        assert start - last >= SESSION_GAP_SECONDS
    beats = sorted(set(timestamps))
    expected_total = sum(b - a for a, b in itertools.pairwise(beats) if b - a < SESSION_GAP_SECONDS)
    assert sum(last - start for start, last in spans) == expected_total


@given(st.integers(min_value=T - 3600, max_value=T + 3600))
def test_window_for_holds_every_session_the_beat_is_near(start_time: int):
    """The store fetches only the sessions inside ``window_for``: one it missed would not merge."""
    session = Session(1, P, start_time, start_time + 600)
    low, high = window_for(T)
    is_in_window = session.start_time < high and session.last_heartbeat > low
    assert is_in_window == session.is_near(T)
