"""A pair of heartbeats is split only over the session time it covers (``oxitrack.breakdown``):
a pair may reach past the end of the sessions given, or over a gap between two of them, and
gives only the seconds inside them, each to the latest pair covering it."""

from __future__ import annotations

from oxitrack.breakdown import Breakdown, LabelledBeat
from oxitrack.reports import SessionRow

T = 1_764_100_000  # 2025-11-25 19:46:40 UTC


def _split(sessions: list[tuple[int, int]], beats: list[LabelledBeat]) -> dict[str | None, int]:
    breakdown = Breakdown("language")
    rows = [SessionRow(0, "/a", "/a", low, high) for low, high in sessions]
    breakdown.add(rows, beats, T - 3600, T + 3600)
    return {row.name: row.duration_seconds for row in breakdown.rows()}


def test_one_pair_over_a_gap_between_two_sessions_gives_both_their_seconds() -> None:
    """One pair (the common case, no pair overlapping another) over three sessions' times."""
    beats = [LabelledBeat(T, "/a", "Python"), LabelledBeat(T + 50, "/a", "Python")]
    sessions = [(T, T + 10), (T + 20, T + 30), (T + 40, T + 50)]
    assert _split(sessions, beats) == {"Python": 30}


def test_overlapping_pairs_reaching_past_the_last_session_give_only_its_seconds() -> None:
    """Two senders in one folder: the export's heartbeat (no editor) at ``T + 5`` pairs with the
    folder's next one at ``T + 30``, overlapping the editor's pair; the session ends at
    ``T + 10``."""
    beats = [
        LabelledBeat(T, "/a", "Python", "vscode"),
        LabelledBeat(T + 5, "/a", "Go", None),
        LabelledBeat(T + 30, "/a", "Python", "vscode"),
    ]
    assert _split([(T, T + 10)], beats) == {"Python": 5, "Go": 5}
