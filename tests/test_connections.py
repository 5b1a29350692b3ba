"""connections: the cap on open connections, from the process's file-handle limit.

A real daemon at the cap is in ``e2e/test_connections.py`` (128 handles: a cap of 64); the
limits it cannot be started with here (none at all, or a handful) are read through a stand-in
``getrlimit``.
"""

from __future__ import annotations

import resource
from collections.abc import Iterator

import pytest

from oxitrack.connections import connection_cap


@pytest.fixture
def soft_limit(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The soft file-handle limit ``connection_cap`` reads: set ``[0]`` before asking."""
    limit = [1024]
    monkeypatch.setattr(resource, "getrlimit", lambda which: (limit[0], resource.RLIM_INFINITY))
    connection_cap.cache_clear()
    yield limit
    connection_cap.cache_clear()


@pytest.mark.parametrize(
    ("soft", "cap"),
    [
        (resource.RLIM_INFINITY, 512),  # no limit (-1 on Linux): not a cap of one
        (1 << 20, 512),
        (1024, 512),
        (1023, 511),
        (256, 128),  # macOS's default
        (3, 1),
        (1, 1),  # never none at all
    ],
)
def test_the_cap_is_512_or_half_the_file_handle_limit(soft_limit: list[int], soft: int, cap: int):
    soft_limit[0] = soft
    assert connection_cap() == cap
