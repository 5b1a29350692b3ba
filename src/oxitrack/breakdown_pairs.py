"""Which heartbeats pair up to give the seconds between them a value (``oxitrack.breakdown``):
within one folder, each heartbeat with the next later one of its sender under the session gap,
else with the folder's next later one under the gap.

Pure: stdlib only.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter

from oxitrack.breakdown_covering import Labels
from oxitrack.records import Record
from oxitrack.sessions import SESSION_GAP_SECONDS


class LabelledBeat(Record):
    """A heartbeat as a breakdown reads it: its second, folder and the field's value, and its
    sender: heartbeats of one sender pair among themselves first (``heartbeat_pairs``). The
    store makes those that name an editor one sender and those that name none (an export's)
    another."""

    timestamp: int
    project_path: str
    value: Labels
    sender: object = None


#: A ``LabelledBeat`` or a row of its fields in their order, as the store reads it: a year's
#: 200k heartbeats as rows, not ``LabelledBeat``s, were read ~0.1 s sooner.
BeatRow = tuple[int, str, Labels, object]


class Pair(Record):
    """Seconds ``[low, high)`` given to ``value``; ``rank`` orders heartbeats (later: higher)."""

    low: int
    high: int
    rank: int
    value: Labels
    project_path: str


def heartbeat_pairs(
    beats: Iterable[BeatRow], folders: Iterable[str], start: int, end: int
) -> list[Pair]:
    """Each folder's heartbeats paired with the next later one of the same sender under the gap
    apart, else with the folder's next later one under the gap apart; clipped to ``[start, end)``.

    Heartbeats come in time order (``sorted`` keeps the given order within one second: the
    store's, by exact time); ``rank`` is a heartbeat's place in that order. Heartbeats of one
    sender in one second (the same moment recorded twice) each pair with the same later one:
    any of them could give the time after it its value, which ``breakdown._named_seconds`` decides.
    Pairing within a sender keeps two senders' heartbeats in one folder (an export imported
    over time tracked live) from cutting each other's pairs short, each pair a value of one."""
    wanted = set(folders)
    found: list[Pair] = []
    latest: dict[str, dict[object, _Waiting]] = {}  # per folder: each sender's latest
    asking: dict[str, list[_Waiting]] = {}  # per folder: those not yet told of a later one
    # ``itemgetter``, not a lambda: no Python call per heartbeat (with the pair written out
    # below, a year's 200k heartbeats paired in 0.16 s, not 0.20 s).
    ordered = sorted((b for b in beats if b[1] in wanted), key=_TIMESTAMP)
    for rank, (second, path, value, sender) in enumerate(ordered):
        senders = latest.get(path)
        if senders is None:
            first = latest[path] = {sender: _Waiting(second, rank, value)}
            asking[path] = [first[sender]]
            continue
        own = senders.get(sender)
        unanswered = asking[path]
        alone = len(unanswered) == 1 and unanswered[0] is own  # the common case: one sender
        if not alone:  # each other sender's latest is told of this later heartbeat, once
            for group in unanswered:
                if group.second != second and group is not own:
                    group.next_beat = second
            unanswered[:] = [group for group in unanswered if group.second == second]
        if own is None:
            senders[sender] = own = _Waiting(second, rank, value)
            unanswered.append(own)
        elif own.second == second:  # the same moment recorded twice: still asking
            own.tied.append((rank, value))
        else:
            under = second - own.second < SESSION_GAP_SECONDS
            if under and not own.tied:
                # ``_Waiting.pair`` written out for the common case (no method call per heartbeat)
                low, high = max(own.second, start), min(second, end)
                if low < high:
                    found.append(Pair(low, high, own.rank, own.value, path))
            else:
                own.pair(found, second if under else own.next_beat, path, start, end)
                own.tied = []
            own.second, own.rank, own.value, own.next_beat = second, rank, value, None
            if not alone:
                unanswered.append(own)
    for path, senders in latest.items():
        for group in senders.values():
            group.pair(found, group.next_beat, path, start, end)
    return found


_TIMESTAMP = itemgetter(0)  # ``LabelledBeat.timestamp``


class _Waiting:
    """A sender's latest heartbeat in one folder (``rank``, ``value``) and the others of its
    second (``tied``), not yet paired; ``next_beat``: the folder's next later heartbeat's
    second, theirs to pair with if their sender sends none under the gap after them."""

    __slots__ = ("next_beat", "rank", "second", "tied", "value")

    def __init__(self, second: int, rank: int, value: Labels) -> None:
        self.second = second
        self.rank = rank
        self.value = value
        self.tied: list[tuple[int, Labels]] = []
        self.next_beat: int | None = None

    def pair(self, found: list[Pair], until: int | None, path: str, start: int, end: int) -> None:
        """Add to ``found`` the pairs of these heartbeats with one at ``until`` if under the gap
        after them (else none)."""
        if until is None or until - self.second >= SESSION_GAP_SECONDS:
            return
        low, high = max(self.second, start), min(until, end)
        if low < high:
            found.append(Pair(low, high, self.rank, self.value, path))
            found.extend(Pair(low, high, rank, value, path) for rank, value in self.tied)
