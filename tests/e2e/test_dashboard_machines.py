"""The dashboard's breakdown card split by machine and by operating system, in a real browser
against a real daemon: wakatime-cli's heartbeats name both (``X-Machine-Name``, the
User-Agent), the VS Code extension's beats too, an older extension's neither."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import Page, send_beats
from tests.wakatime_recordings import GO_CLI_HEADERS, go_cli_heartbeat

pytestmark = pytest.mark.e2e

ROWS_JS = """() => [...document.querySelectorAll("#breakdown-list tbody tr")].map((tr) => ({
  value: tr.dataset.name,
  seconds: Number(tr.dataset.seconds),
  name: tr.cells[2].innerText,
}))"""
HEAD_JS = """() => ({
  by: document.getElementById("breakdown").dataset.by,
  title: document.getElementById("breakdown-title").textContent,
  column: document.getElementById("breakdown-column").textContent,
  pressed: [...document.querySelectorAll("#breakdown-switch [aria-pressed=true]")].map(
    (button) => button.dataset.by),
  address: location.search,
})"""


def _worked_on_two_machines(daemon: DaemonProcess, now: int) -> None:
    """In the last hour of the midday daemon: wakatime-cli on ``devbox`` (Linux) 10 minutes,
    the VS Code extension on a Windows ``laptop`` 7, then an older extension's beats naming
    neither for 5 more."""
    start = now - 50 * 60
    body = [go_cli_heartbeat("/code/app", time) for time in (start, start + 300, start + 600)]
    answer = httpx.post(
        f"{daemon.url}/api/v1/users/current/heartbeats.bulk",
        content=json.dumps(body),
        headers={**GO_CLI_HEADERS, "X-Machine-Name": "devbox"},
    )
    assert answer.status_code == 201, answer.text
    laptop = {"editor": "vscode", "machine": "laptop", "operating_system": "win32"}
    send_beats(daemon, "/code/ext", range(start + 1000, start + 1421, 60), **laptop)
    send_beats(daemon, "/code/ext", range(start + 1480, start + 1721, 60))


def _api_rows(daemon: DaemonProcess, by: str) -> list[tuple[str, int]]:
    """``/api/breakdown``'s rows as the card marks them (``""``: the time none names)."""
    answer = httpx.get(f"{daemon.url}/api/breakdown", params={"by": by, "days": 7})
    return [(row["name"] or "", row["duration_seconds"]) for row in answer.json()["rows"]]


def _pick(page: Page, by: str) -> None:
    page.page.click(f"#breakdown-switch button[data-by='{by}']")
    _wait_shown(page, by)


def _wait_shown(page: Page, by: str) -> None:
    page.page.wait_for_selector(f"#breakdown[data-by='{by}']", state="attached")


def test_machines_and_systems_are_picked_like_editors_and_list_what_the_api_gives(
    midday_daemon: DaemonProcess, browser: Any
):
    _worked_on_two_machines(midday_daemon, int(time.time()))
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/")
    expected = {
        "machine": [("devbox", 600), ("laptop", 420), ("", 300)],
        "operating_system": [("Linux", 600), ("Windows", 420), ("", 300)],
    }
    heads = {
        "machine": ("Machines", "Machine"),
        "operating_system": ("Operating systems", "Operating system"),
    }
    for by in ("machine", "operating_system", "editor"):
        _pick(page, by)
        rows = shown.evaluate(ROWS_JS)
        assert [(row["value"], row["seconds"]) for row in rows] == _api_rows(midday_daemon, by)
        if by == "editor":
            continue
        assert _api_rows(midday_daemon, by) == expected[by]
        title, column = heads[by]
        assert shown.evaluate(HEAD_JS) == {
            "by": by,
            "title": title,
            "column": column,
            "pressed": [by],
            "address": f"?by={by}",
        }
        unnamed = rows[-1]["name"]
        assert unnamed.startswith(f"No {'machine' if by == 'machine' else 'system'} named\n")
        assert "imported WakaTime time" in unnamed
        assert shown.is_hidden("#breakdown-empty")
    assert page.problems == []


def test_the_machines_pick_is_kept_through_a_reload(midday_daemon: DaemonProcess, browser: Any):
    _worked_on_two_machines(midday_daemon, int(time.time()))
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/?by=machine")
    _wait_shown(page, "machine")
    assert shown.evaluate(HEAD_JS)["pressed"] == ["machine"]
    shown.reload()
    page.wait_loaded(1)
    _wait_shown(page, "machine")
    rows = shown.evaluate(ROWS_JS)
    assert [(row["value"], row["seconds"]) for row in rows] == _api_rows(midday_daemon, "machine")
    assert page.problems == []


def test_with_no_machine_named_the_card_says_so_and_what_names_one(
    midday_daemon: DaemonProcess, browser: Any
):
    """An older extension's beats alone: a lone bar of unnamed time would say nothing."""
    now = int(time.time())
    send_beats(midday_daemon, "/code/app", range(now - 1200, now - 59, 60), editor="vscode")
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/?by=operating_system")
    _wait_shown(page, "operating_system")
    assert _api_rows(midday_daemon, "operating_system")[0][0] == ""
    assert shown.is_hidden("#breakdown-list")
    empty = shown.inner_text("#breakdown-empty")
    assert empty.startswith("No time in this range has an operating system named yet."), empty
    _pick(page, "machine")
    empty = shown.inner_text("#breakdown-empty")
    assert empty.startswith("No time in this range has a machine named yet."), empty
    assert "name the computer they run on" in empty
    assert page.problems == []


def test_the_six_fields_fit_a_phone_without_scrolling_sideways(
    midday_daemon: DaemonProcess, browser: Any
):
    """Six buttons are wider than a 360 px card: the row wraps, every button stays in view."""
    _worked_on_two_machines(midday_daemon, int(time.time()))
    page = Page(browser, viewport={"width": 360, "height": 800})
    shown = page.open(midday_daemon.url + "/")
    assert shown.evaluate("() => document.documentElement.scrollWidth") <= 360
    boxes = shown.evaluate(
        """() => [...document.querySelectorAll("#breakdown-switch button")].map((button) => {
          const box = button.getBoundingClientRect();
          return [button.dataset.by, box.left >= 0 && box.right <= innerWidth];
        })"""
    )
    assert boxes == [
        [by, True]
        for by in ("language", "category", "editor", "branch", "machine", "operating_system")
    ]
    _pick(page, "operating_system")
    assert page.problems == []
