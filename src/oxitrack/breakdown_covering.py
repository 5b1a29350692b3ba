"""What the pairs of heartbeats covering a second give it, field by field, where the latest of
them names no value for some field (``oxitrack.breakdown``): for each field, the value of the
latest pair that names one.

Pure: stdlib only.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

#: A heartbeat's value of the field, or of several fields at once (``Breakdown.add_each``).
Labels = str | tuple[str | None, ...] | None

#: Up to this many pairs covering a stretch, they are sorted (``given``); beyond, each field's
#: latest is kept (``NamedLatest``), at a cost for every pair after: a few folders busy at once,
#: some heartbeats recorded twice, are the common case, and there sorting is cheaper (at 8, three
#: folders with heartbeats recorded twice went 13% slower).
FEW_COVERING = 16


def given(covering: list[tuple[int, int, Labels]]) -> Labels:
    """The value the pairs ``covering`` a second give it: for each field, that of the latest
    pair that names one (``None`` if none does)."""
    latest_first = sorted(covering)
    first = latest_first[0][2]
    if not isinstance(first, tuple):
        return next((value for _, _, value in latest_first if value is not None), None)
    values = list(first)
    for _, _, value in latest_first[1:]:
        assert isinstance(value, tuple)
        for place, named in enumerate(value):
            if values[place] is None:
                values[place] = named
    return tuple(values)


class NamedLatest:
    """For each field, the pairs started so far that name a value for it, the latest on top
    (dropped once ended): what a second gets where its latest pair names none. Each pair is
    pushed and dropped once per field it names."""

    def __init__(self, started: Iterable[tuple[int, int, Labels]]) -> None:
        self.heaps: list[list[tuple[int, int, str]]] | None = None  # one per field
        for entry in started:
            self.push(entry)

    def push(self, entry: tuple[int, int, Labels]) -> None:
        minus_rank, high, value = entry
        values = value if isinstance(value, tuple) else (value,)
        if self.heaps is None:
            self.heaps = [[] for _ in values]
        for heap, named in zip(self.heaps, values, strict=True):
            if named is not None:
                heapq.heappush(heap, (minus_rank, high, named))

    def given(self, latest: Labels, low: int) -> Labels:
        """The value of the second from ``low`` on, whose latest covering pair gives
        ``latest``: for each field, that of the latest pair that names one (``None`` if none
        does)."""
        if not isinstance(latest, tuple):
            return self._latest_named(0, low)
        return tuple(
            self._latest_named(place, low) if named is None else named
            for place, named in enumerate(latest)
        )

    def _latest_named(self, place: int, low: int) -> str | None:
        assert self.heaps is not None  # pushed the latest pair, at least
        heap = self.heaps[place]
        while heap and heap[0][1] <= low:
            heapq.heappop(heap)
        return heap[0][2] if heap else None
