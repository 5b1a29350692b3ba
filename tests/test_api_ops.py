"""``GET /health`` in-process, with the fake clock."""

from __future__ import annotations

import os

from oxitrack import __version__


def test_health_says_version_database_and_uptime(client, clock, db_path):
    clock.now += 125
    answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.json() == {
        "status": "ok",
        "version": __version__,
        "db_path": str(db_path.resolve()),
        "uptime_seconds": 125,
        "pid": os.getpid(),
    }


def test_health_is_get_only(client):
    answer = client.post("/health")
    assert answer.status_code == 405
    assert answer.json()["error"] == "method_not_allowed"
