"""Time recorded twice, against a per-second model: many heartbeats in one second, three folders,
two senders, several fields at once with some unnamed, projects taken as one, ranges cut into
parts."""

from __future__ import annotations

import itertools
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from oxitrack import breakdown_covering
from oxitrack.breakdown import Breakdown, LabelledBeat
from oxitrack.reports import SessionRow
from oxitrack.sessions import SESSION_GAP_SECONDS, sessionize

T = 1_764_100_000
FOLDERS = {"/a": "/a", "/a-clone": "/a", "/b": "/b"}  # folder -> its project
FIELDS = ("language", "editor")
VALUES = st.sampled_from([None, "x", "y"])
SENDERS = st.sampled_from([None, "vscode"])
# Mostly 0: ties of several heartbeats in one second; some past the gap.
AFTER = st.sampled_from([0, 0, 0, 0, 0, 1, 2, 7, 300, SESSION_GAP_SECONDS - 1, SESSION_GAP_SECONDS])


def model(
    beats: list[LabelledBeat], sessions: list[SessionRow], start: int, end: int, once: bool
) -> list[dict[tuple[str, str | None], int]]:
    """Per field, seconds per (timeline, value): each worked second asks every pair covering it
    for the latest that names the field. Pairs: each heartbeat with its sender's next one in the
    folder in a later second under the gap, else with the folder's next one under the gap."""
    timeline = {folder: "" if once else project for folder, project in FOLDERS.items()}
    ordered = sorted(beats, key=lambda b: b.timestamp)
    pairs = []

    def next_under_gap(first: LabelledBeat, later: list[LabelledBeat]) -> int | None:
        after = min((b.timestamp for b in later if b.timestamp > first.timestamp), default=None)
        under = after is not None and after - first.timestamp < SESSION_GAP_SECONDS
        return after if under else None

    for rank, first in enumerate(ordered):
        folder = [b for b in ordered if b.project_path == first.project_path]
        sender = [b for b in folder if b.sender == first.sender]
        after = next_under_gap(first, sender) or next_under_gap(first, folder)
        if after is not None:
            pairs.append((first.timestamp, after, rank, first.value, timeline[first.project_path]))
    seconds: list[dict[tuple[str, str | None], int]] = [{} for _ in FIELDS]
    for key in {timeline[row.project_path] for row in sessions}:
        spans = [
            (row.start_time, row.last_heartbeat)
            for row in sessions
            if timeline[row.project_path] == key
        ]
        for second in range(start, end):
            if not any(low <= second < high for low, high in spans):
                continue
            covering = sorted(
                (p for p in pairs if p[4] == key and p[0] <= second < p[1]), key=lambda p: -p[2]
            )
            for place, counts in enumerate(seconds):
                named = (p[3][place] for p in covering if p[3][place] is not None)  # type: ignore[index]
                value = next(named, None)
                counts[key, value] = counts.get((key, value), 0) + 1
    return seconds


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(sorted(FOLDERS)), AFTER, VALUES, VALUES, SENDERS), max_size=30
    ),
    st.integers(min_value=-1000, max_value=3000),
    st.integers(min_value=0, max_value=4000),
    st.integers(min_value=0, max_value=4000),
    st.booleans(),
    st.sampled_from([1, breakdown_covering.FEW_COVERING]),
)
def test_each_field_gets_what_the_latest_pair_naming_it_gives(raw, at, length, cut_at, once, few):
    """``few``: up to how many covering pairs are sorted rather than kept per field, so that
    both ways of asking them are checked."""
    times = itertools.accumulate(after for _, after, _, _, _ in raw)
    beats = [
        LabelledBeat(T + time, folder, (language, editor), sender)
        for (folder, _, language, editor, sender), time in zip(raw, times, strict=True)
    ]
    sessions = [
        SessionRow(0, project, folder, low, high)
        for folder, project in FOLDERS.items()
        for low, high in sessionize(b.timestamp for b in beats if b.project_path == folder)
    ]
    start, end = T + at, T + at + length
    cut = min(max(T + cut_at, start), end)
    got: list[dict[tuple[str, str | None], int]] = [{} for _ in FIELDS]
    with mock.patch("oxitrack.breakdown.FEW_COVERING", few):
        for low, high in [(start, cut), (cut, end)]:  # two parts, as the store reads them
            near = [b for b in beats if low - SESSION_GAP_SECONDS <= b.timestamp < high + 900]
            part = [s for s in sessions if s.last_heartbeat > low and s.start_time < high]
            if once:
                each = [Breakdown(field, overlaps_once=True) for field in FIELDS]
                Breakdown.add_each(each, part, near, low, high)
            else:  # per project: one field at a time
                each = [Breakdown("branch") for _ in FIELDS]
                for place, breakdown in enumerate(each):
                    alone = [b._replace(value=b.value[place]) for b in near]  # type: ignore[index]
                    breakdown.add(part, alone, low, high)
            for counts, breakdown in zip(got, each, strict=True):
                for key, count in breakdown.seconds.items():
                    counts[key] = counts.get(key, 0) + count
    expected = model(beats, sessions, start, end, once)
    assert got == [{k: v for k, v in counts.items() if v} for counts in expected]
