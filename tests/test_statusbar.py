"""WakaTime's status bar answer: the fields and wording wakatime-cli and the plugins read."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from oxitrack.days import day_of
from oxitrack.statusbar import duration_text, statusbar_today
from tests.conftest import NOW


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 secs"),
        (1, "1 sec"),
        (42, "42 secs"),
        (60, "1 min"),
        (61, "1 min"),
        (299, "4 mins"),
        (3600, "1 hr"),
        (3660, "1 hr 1 min"),
        (8256, "2 hrs 17 mins"),
        (7200 + 59, "2 hrs"),
    ],
    ids=lambda value: str(value),
)
def test_duration_text_matches_wakatime_wording(seconds: int, text: str):
    assert duration_text(seconds) == text


def test_statusbar_today_has_the_fields_plugins_read():
    paris = ZoneInfo("Europe/Paris")
    body = statusbar_today(
        now=NOW,
        zone=paris,
        day=day_of(NOW, paris),
        projects=[("small", 1856), ("big", 6400)],
        total_seconds=1856 + 6400,
    )
    data = body["data"]
    assert data["grand_total"] == {
        "decimal": "2.28",
        "digital": "2:17",
        "hours": 2,
        "minutes": 17,
        "seconds": 36,
        "text": "2 hrs 17 mins",
        "total_seconds": 8256.0,
    }
    assert [(p["name"], p["text"], p["percent"]) for p in data["projects"]] == [
        ("big", "1 hr 46 mins", 77.52),
        ("small", "30 mins", 22.48),
    ]
    assert data["projects"][0]["digital"] == "1:46:40"
    assert data["categories"] == []  # fewer than two: wakatime-cli prints grand_total.text
    assert data["range"] == {
        "date": "2025-11-25",
        "start": "2025-11-24T23:00:00Z",
        "end": "2025-11-25T23:00:00Z",
        "text": "Tue Nov 25th 2025",
        "timezone": "Europe/Paris",
    }
    assert body["cached_at"] == "2025-11-25T19:46:40Z"


def test_statusbar_total_counts_time_in_two_projects_at_once_once():
    utc = ZoneInfo("UTC")
    projects = [("api", 3600), ("web", 3600)]
    body = statusbar_today(
        now=NOW, zone=utc, day=day_of(NOW, utc), projects=projects, total_seconds=4500
    )
    assert body["data"]["grand_total"]["text"] == "1 hr 15 mins"
    assert [p["percent"] for p in body["data"]["projects"]] == [50.0, 50.0]


def test_statusbar_today_with_nothing_tracked():
    utc = ZoneInfo("UTC")
    body = statusbar_today(now=NOW, zone=utc, day=day_of(NOW, utc), projects=[], total_seconds=0)
    assert body["data"]["grand_total"]["text"] == "0 secs"
    assert body["data"]["projects"] == []
