"""Pairs at the edges of the part asked for (``oxitrack.breakdown_pairs.heartbeat_pairs``):
clipped to ``[start, end)``, a pair that ends where the part starts, or starts where it ends,
gives no pair at all, not an empty one (an empty pair is one more point for the breakdown's
sweep to visit, and two pairs at one second are no longer apart)."""

from __future__ import annotations

from oxitrack.breakdown_pairs import Pair, heartbeat_pairs

START, END = 1_000_000, 1_000_600


def test_a_pair_ending_where_the_part_starts_gives_nothing() -> None:
    """One sender's heartbeats 60 s apart: the first pair ends at ``START`` exactly."""
    beats = [(START - 60, "/a", "Python", "vscode"), (START, "/a", "Python", "vscode")]
    assert heartbeat_pairs(beats, ["/a"], START, END) == []


def test_a_pair_starting_where_the_part_ends_gives_nothing() -> None:
    beats = [
        (END - 60, "/a", "Go", "vscode"),
        (END, "/a", "Rust", "vscode"),
        (END + 60, "/a", "C", "vscode"),
    ]
    assert heartbeat_pairs(beats, ["/a"], START, END) == [Pair(END - 60, END, 0, "Go", "/a")]


def test_the_last_of_a_sender_paired_with_another_senders_at_an_edge_gives_nothing() -> None:
    """An export's heartbeat (no editor) whose next in the folder is a live one at ``START``:
    paired with the folder's next heartbeat, through ``_Waiting.pair``."""
    beats = [(START - 60, "/a", "Go", None), (START, "/a", "Rust", "vscode")]
    assert heartbeat_pairs(beats, ["/a"], START, END) == []
