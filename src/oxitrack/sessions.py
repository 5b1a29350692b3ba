"""The session rule: which beats belong together, as pure functions.

For one project, beats sorted by time form one session while consecutive beats are less than
``SESSION_GAP_SECONDS`` apart; a gap of that length or more starts a new session. The sessions
stored must depend only on the *set* of beats received, never on their order, so a late beat may
extend a session backwards or forwards, create a session in the past, or merge the two sessions it
bridges. ``apply_beat`` decides that change; the store carries it out.

Stdlib only: no SQL, no clock, no I/O. Nothing here mutates its arguments.
"""

from __future__ import annotations

from collections.abc import Iterable

from oxitrack.records import Record

SESSION_GAP_SECONDS = 900


class Beat(Record):
    """One sign of activity in a project at a moment (UTC epoch seconds)."""

    project_path: str
    timestamp: int


class Session(Record):
    """A run of beats in one project with no gap of ``SESSION_GAP_SECONDS`` or more."""

    id: int | None
    project_path: str
    start_time: int
    last_heartbeat: int

    @property
    def duration_seconds(self) -> int:
        return self.last_heartbeat - self.start_time

    def is_near(self, timestamp: int) -> bool:
        """Whether a beat at ``timestamp`` is less than the gap away from this session."""
        return (
            self.start_time - SESSION_GAP_SECONDS
            < timestamp
            < self.last_heartbeat + SESSION_GAP_SECONDS
        )

    def contains(self, timestamp: int) -> bool:
        return self.start_time <= timestamp <= self.last_heartbeat


class Change(Record):
    """What one beat does to the stored sessions of its project.

    ``result`` is the session holding the beat afterwards. Its ``id`` is ``None`` when it must be
    created, otherwise the id of the kept session. ``absorbed`` are sessions merged into it, to
    delete. ``is_noop`` says the beat fell inside an existing session and nothing changes.
    """

    result: Session
    absorbed: tuple[Session, ...] = ()
    is_noop: bool = False


def window_for(timestamp: int) -> tuple[int, int]:
    """The open interval of session bounds a beat at ``timestamp`` can touch.

    A session touches the beat when ``start_time < high`` and ``last_heartbeat > low``; the store
    uses this to fetch only the candidate sessions.
    """
    return timestamp - SESSION_GAP_SECONDS, timestamp + SESSION_GAP_SECONDS


def apply_beat(nearby: Iterable[Session], beat: Beat) -> Change:
    """Decide how ``beat`` changes the sessions of its project.

    ``nearby`` must hold at least every stored session of the beat's project that the beat is
    near (see ``window_for``); others are ignored. Since stored sessions are at least the gap
    apart, at most two can be near one beat: the one before and the one after.
    """
    touched = sorted(
        (s for s in nearby if s.project_path == beat.project_path and s.is_near(beat.timestamp)),
        key=lambda s: (s.start_time, s.id if s.id is not None else -1),
    )
    if not touched:
        return Change(result=Session(None, beat.project_path, beat.timestamp, beat.timestamp))
    if len(touched) == 1 and touched[0].contains(beat.timestamp):
        return Change(result=touched[0], is_noop=True)
    kept = min(touched, key=lambda s: s.id if s.id is not None else float("inf"))
    merged = kept._replace(
        start_time=min(beat.timestamp, touched[0].start_time),
        last_heartbeat=max(beat.timestamp, max(s.last_heartbeat for s in touched)),
    )
    return Change(result=merged, absorbed=tuple(s for s in touched if s is not kept))


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join (start_time, last_heartbeat) spans of a project that overlap or lie under the gap apart.

    The reference statement of the rule: beats are spans of length zero. Used to check the
    incremental ``apply_beat`` and to repair sessions written by older versions.
    """
    merged: list[tuple[int, int]] = []
    for start, last in sorted(spans):
        if merged and start - merged[-1][1] < SESSION_GAP_SECONDS:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((start, last))
    return merged


def sessionize(timestamps: Iterable[int]) -> list[tuple[int, int]]:
    """The (start_time, last_heartbeat) spans that a set of beats of one project forms."""
    return merge_spans((t, t) for t in timestamps)
