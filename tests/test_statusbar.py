"""WakaTime's status bar answer: the fields and wording wakatime-cli and the plugins read."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from oxitrack.days import day_of
from oxitrack.statusbar import category_name, day_summary, duration_text, statusbar_today
from tests.conftest import NOW


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 secs"),
        (1, "1 sec"),
        (42, "42 secs"),
        (59, "59 secs"),
        (60, "1 min"),
        (61, "1 min"),
        (299, "4 mins"),
        (3599, "59 mins"),
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
    data = day_summary(
        zone=paris,
        day=day_of(NOW, paris),
        projects=[("small", 1856), ("big", 6400)],
        total_seconds=1856 + 6400,
    )
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
    assert data["categories"] == []  # none given: wakatime-cli prints grand_total.text
    assert data["range"] == {
        "date": "2025-11-25",
        "start": "2025-11-24T23:00:00Z",
        "end": "2025-11-25T23:00:00Z",
        "text": "Tue Nov 25th 2025",
        "timezone": "Europe/Paris",
    }
    body = statusbar_today(now=NOW, data=data)
    assert body["data"] is data
    assert body["cached_at"] == "2025-11-25T19:46:40Z"
    assert body["has_team_features"] is False


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (1, "Sat Nov 1st 2025"),
        (2, "Sun Nov 2nd 2025"),
        (3, "Mon Nov 3rd 2025"),
        (4, "Tue Nov 4th 2025"),
        (11, "Tue Nov 11th 2025"),
        (12, "Wed Nov 12th 2025"),
        (13, "Thu Nov 13th 2025"),
        (21, "Fri Nov 21st 2025"),
        (22, "Sat Nov 22nd 2025"),
        (23, "Sun Nov 23rd 2025"),
    ],
    ids=lambda value: str(value),
)
def test_statusbar_range_names_the_day_as_wakatime_does(day: int, text: str):
    """English ordinals: 1st, 2nd, 3rd, but 11th, 12th, 13th."""
    utc = ZoneInfo("UTC")
    noon = datetime(2025, 11, day, 12, tzinfo=UTC).timestamp()
    body = day_summary(zone=utc, day=day_of(noon, utc), projects=[], total_seconds=0)
    assert body["range"]["text"] == text


def test_statusbar_total_counts_time_in_two_projects_at_once_once():
    utc = ZoneInfo("UTC")
    projects = [("web", 3600), ("api", 3600)]
    body = day_summary(zone=utc, day=day_of(NOW, utc), projects=projects, total_seconds=4500)
    assert body["grand_total"]["text"] == "1 hr 15 mins"
    projects_shown = [(p["name"], p["percent"]) for p in body["projects"]]
    assert projects_shown == [("api", 50.0), ("web", 50.0)]  # a tie: by name


@pytest.mark.parametrize(
    ("seconds", "digital", "decimal", "counter"),
    [
        (3599, "0:59", "0.98", "0:59:59"),
        (3600, "1:00", "1.00", "1:00:00"),
        (5400, "1:30", "1.50", "1:30:00"),
    ],
    ids=lambda value: str(value),
)
def test_statusbar_clock_figures_turn_over_at_the_hour(
    seconds: int, digital: str, decimal: str, counter: str
):
    utc = ZoneInfo("UTC")
    body = day_summary(
        zone=utc, day=day_of(NOW, utc), projects=[("app", seconds)], total_seconds=seconds
    )
    total = body["grand_total"]
    assert (total["digital"], total["decimal"]) == (digital, decimal)
    [project] = body["projects"]
    assert (project["digital"], project["decimal"]) == (counter, decimal)


def test_statusbar_today_with_nothing_tracked():
    utc = ZoneInfo("UTC")
    body = day_summary(zone=utc, day=day_of(NOW, utc), projects=[], total_seconds=0)
    assert body["grand_total"]["text"] == "0 secs"
    assert body["projects"] == []
    # Lists OxiTrack does not keep are there, empty: wakatime-cli parses the body into its type.
    assert [body[field] for field in ("dependencies", "machines", "operating_systems")] == [[]] * 3


def test_a_day_of_one_beat_lists_its_project_with_no_share():
    """A session of one beat is a project with no time: 0 % of nothing, not a made-up share."""
    utc = ZoneInfo("UTC")
    body = day_summary(zone=utc, day=day_of(NOW, utc), projects=[("one-beat", 0)], total_seconds=0)
    assert [(p["name"], p["percent"]) for p in body["projects"]] == [("one-beat", 0.0)]


def lists(**seconds: list[tuple[str | None, int]]) -> dict[str, list[tuple[str, str, float]]]:
    """The body's category, language and editor lists for ``seconds``, as (name, text, percent)."""
    utc = ZoneInfo("UTC")
    data = day_summary(zone=utc, day=day_of(NOW, utc), projects=[], total_seconds=0, **seconds)
    return {
        field: [(row["name"], row["text"], row["percent"]) for row in data[field]]
        for field in ("categories", "languages", "editors")
    }


def test_time_with_no_category_is_coding_as_wakatime_counts_it():
    """wakatime-cli never sends ``coding`` (it leaves the category out), OxiTrack's own beats
    name none: both are WakaTime's Coding, one row, so the status bar says "Coding" once."""
    shown = lists(categories=[(None, 1800), ("coding", 600), ("debugging", 900)])
    assert shown["categories"] == [
        ("Coding", "40 mins", 72.73),
        ("Debugging", "15 mins", 27.27),
    ]


@pytest.mark.parametrize(
    ("category", "name"),
    [
        ("writing tests", "Writing Tests"),
        ("code reviewing", "Code Reviewing"),
        ("ai coding", "AI Coding"),
        ("building", "Building"),
        ("Debugging", "Debugging"),
    ],
)
def test_categories_are_named_as_wakatime_shows_them(category: str, name: str):
    assert category_name(category) == name


def test_time_no_heartbeat_names_a_language_or_editor_is_other():
    shown = lists(
        languages=[("Python", 3600), (None, 600), ("Other", 60)],
        editors=[(None, 1200), ("vscode", 2400)],
    )
    assert shown["languages"] == [("Python", "1 hr", 84.51), ("Other", "11 mins", 15.49)]
    assert shown["editors"] == [("vscode", "40 mins", 66.67), ("Other", "20 mins", 33.33)]


def test_values_with_no_time_today_are_not_listed():
    shown = lists(categories=[("debugging", 0), (None, 0)], languages=[("Go", 0), ("Rust", 1)])
    assert shown["categories"] == []
    assert shown["languages"] == [("Rust", "1 sec", 100.0)]  # a second is time


def test_lists_are_ordered_most_time_first_then_by_name():
    shown = lists(editors=[("zed", 60), ("neovim", 60), ("emacs", 600)])
    assert [name for name, _, _ in shown["editors"]] == ["emacs", "neovim", "zed"]
