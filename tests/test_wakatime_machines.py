"""The machine and operating system of a WakaTime heartbeat: read from the request's
``X-Machine-Name`` header and the User-Agent, and listed in a day as WakaTime lists them."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from oxitrack.days import day_of
from oxitrack.fields import MAX_LABEL_CHARS
from oxitrack.statusbar import day_summary, system_name
from oxitrack.wakatime import machine_name, parse_heartbeat, system_from_user_agent
from tests.conftest import NOW
from tests.wakatime_recordings import GO_CLI_USER_AGENT, PYTHON_CLI_USER_AGENT


@pytest.mark.parametrize(
    ("user_agent", "system"),
    [
        (GO_CLI_USER_AGENT, "linux"),
        (PYTHON_CLI_USER_AGENT, "linux"),  # platform.platform(): "Linux-6.18..."
        (
            "wakatime/v1.98.0 (darwin-23.4.0-arm64) go1.22 vscode/1.90.0 vscode-wakatime/24.6.0",
            "darwin",
        ),
        (
            "wakatime/v1.98.0 (windows-10.0.22631-amd64) go1.22 vscode/1.90.0 vscode-wakatime/24.6",
            "windows",
        ),
        ("wakatime/13.1.0 (macOS-14.1-arm64-arm-64bit) Python3.9.18.final.0 vim/9.0", "macos"),
        ("wakatime/v1.98.0 (freebsd-14.0-amd64) go1.22 emacs/29.1 emacs-wakatime/1.0.2", "freebsd"),
        ("wakatime/v1.98.0 (linux) go1.22 Unknown/0", "linux"),
        ("wakatime/v1.98.0 () go1.22 Unknown/0", None),
        ("wakatime/v1.98.0 go1.22 Unknown/0", None),  # no platform part
        ("wakatime/v1.98.0 (linux-6.1 go1.22 Unknown/0", None),  # never closed: no part
        ("wakatime/v1.98.0 ( go1.22 Unknown/0", None),  # not the runtime's word
        # A parenthesis further on is the plugin's, not the platform part.
        ("wakatime/v1.98.0 go1.22 idea/2024.1 (Community) intellij-wakatime/15", None),
        (
            "wakatime/v1.98.0 (linux-6.1-x86_64) go1.22 idea/2024.1 (Community) intellij/15",
            "linux",
        ),
        ("wakatime/v1.98.0 (\x1b[31m-1) go1.22", None),  # no word of a system
        ("Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0", None),  # not the CLI's shape
        ("vscode/1.90.0 vscode-wakatime/24.6.0", None),
        ("", None),
        (None, None),
    ],
)
def test_system_from_user_agent(user_agent: str | None, system: str | None):
    assert system_from_user_agent(user_agent) == system


@pytest.mark.parametrize(
    ("header", "machine"),
    [
        ("devbox", "devbox"),
        ("  devbox  ", "devbox"),
        ("laptop-\u00fc".encode().decode("latin-1"), "laptop-\u00fc"),  # UTF-8 bytes, as ASGI reads
        ("bad-\xff", "bad-\ufffd"),  # a byte that is no UTF-8
        ("two\tparts\x1b[2J\x07", "two parts[2J"),  # controls dropped, a tab is a space
        ("a\u2028b\x00c", "a bc"),
        ("x" * 5000, "x" * MAX_LABEL_CHARS),
        ("\ud800host", "\ufffdhost"),  # not from a header: text no UTF-8 encoder takes
        ("\x01\x02 ", None),
        ("", None),
        (None, None),
    ],
)
def test_machine_name_from_the_header(header: str | None, machine: str | None):
    assert machine_name(header) == machine


def _heartbeat(body_agent: str | None, header_agent: str | None):
    body = {"entity": "Slack", "type": "app", "time": NOW, "user_agent": body_agent}
    return parse_heartbeat(
        body, now=NOW, user_agent=header_agent, find_repo_root=lambda _: None, machine="devbox"
    ).details


def test_a_heartbeats_own_user_agent_names_its_system_over_the_requests():
    """A bulk request from the offline queue may mix heartbeats of several editors; each
    says its own User-Agent, and with it its system. The machine is the sender's."""
    mac = "wakatime/v1.98.0 (darwin-23.4.0-arm64) go1.22 vscode/1.90.0 vscode-wakatime/24.6.0"
    details = _heartbeat(mac, GO_CLI_USER_AGENT)
    assert (details.machine, details.operating_system, details.editor) == (
        "devbox",
        "darwin",
        "vscode",
    )
    details = _heartbeat(None, GO_CLI_USER_AGENT)
    assert (details.operating_system, details.editor) == ("linux", "zed")


@pytest.mark.parametrize(
    ("system", "name"),
    [
        ("linux", "Linux"),
        ("darwin", "Mac"),
        ("macos", "Mac"),
        ("windows", "Windows"),
        ("freebsd", "FreeBSD"),
        ("haiku", "Haiku"),  # one WakaTime has no name for keeps its word
        (None, "Other"),
    ],
)
def test_systems_are_named_as_wakatime_names_them(system: str | None, name: str):
    assert system_name(system) == name


def _day(**seconds: list[tuple[str | None, int]]) -> dict:
    utc = ZoneInfo("UTC")
    return day_summary(zone=utc, day=day_of(NOW, utc), projects=[], total_seconds=0, **seconds)


def test_a_day_lists_its_time_per_machine_with_a_stable_id_and_unknown_as_other():
    data = _day(machines=[("devbox", 2400), (None, 1200), ("laptop", 0)])
    assert [
        (item["name"], item["machine_name_id"], item["text"], item["percent"])
        for item in data["machines"]
    ] == [("devbox", "devbox", "40 mins", 66.67), ("Other", "Other", "20 mins", 33.33)]
    assert data["machines"][0]["total_seconds"] == 2400.0


def test_a_day_lists_its_time_per_operating_system_by_wakatimes_names():
    data = _day(operating_systems=[("darwin", 600), ("macos", 600), ("linux", 1800), (None, 60)])
    assert [(item["name"], item["total_seconds"]) for item in data["operating_systems"]] == [
        ("Linux", 1800.0),
        ("Mac", 1200.0),  # Go's darwin and Python's macOS: one row
        ("Other", 60.0),
    ]
