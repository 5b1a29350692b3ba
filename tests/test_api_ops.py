"""``GET /health`` in-process, with fake wall and monotonic clocks."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from oxitrack import __version__
from oxitrack.build import build_id
from oxitrack.server import create_app
from tests.conftest import FakeClock


@pytest.fixture
def elapsed() -> FakeClock:
    """The daemon's monotonic clock, set apart from the wall clock ``clock``."""
    return FakeClock(1000.0)


@pytest.fixture
def health(store, settings, clock, elapsed) -> Iterator[Callable[[], dict[str, Any]]]:
    app = create_app(store, settings=settings, clock=clock, monotonic=elapsed)
    with TestClient(app, base_url="http://127.0.0.1:3000") as client:
        yield lambda: client.get("/health").json()


def test_health_says_version_database_and_uptime(health, elapsed, db_path):
    elapsed.now += 125
    assert health() == {
        "status": "ok",
        "version": __version__,
        "build": build_id(),
        "db_path": str(db_path.resolve()),
        "uptime_seconds": 125,
        "pid": os.getpid(),
    }


@pytest.mark.parametrize("step_seconds", [-7200, 5 * 3600], ids=["back", "forward"])
def test_uptime_is_the_time_the_daemon_ran_when_the_wall_clock_is_stepped(
    health, clock, elapsed, step_seconds: int
):
    # A daemon started at login before NTP set the clock (a dual-boot machine whose hardware
    # clock keeps local time, a VM resumed): uptime was -7200 s, or 5 hours too many.
    elapsed.now += 60
    clock.now += 60 + step_seconds
    assert health()["uptime_seconds"] == 60


def test_health_is_get_only(client):
    answer = client.post("/health")
    assert answer.status_code == 405
    assert answer.json()["error"] == "method_not_allowed"
