"""A dashboard tab left open for hours: its minute refresh must not take the keyboard's place
away, and a laptop that slept must not wake up to old numbers under "Today"."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

import oxitrack
from oxitrack import __version__
from oxitrack.build import build_id, build_of
from tests.daemon_process import DaemonProcess
from tests.e2e.browser import BusyOnce, Page, send_beats
from tests.zones import midday_zone

pytestmark = pytest.mark.e2e

PACKAGE = Path(oxitrack.__file__).parent
FOCUSED_KEY_JS = "() => document.activeElement?.dataset.key ?? document.activeElement?.tagName"


def test_the_minute_refresh_leaves_the_focus_on_the_legend_key_it_was_on(
    worked_daemon: DaemonProcess, browser: Any
):
    """The legend is drawn anew each minute: the focused key went with it, and a keyboard user
    was sent back to the top of the page (a screen reader lost its place) once a minute."""
    page = Page(browser, clock=True)
    shown = page.open(worked_daemon.url + "/")
    shown.focus("#range-month")  # the range's last control: Tab goes on to the legend
    shown.keyboard.press("Tab")
    assert shown.evaluate(FOCUSED_KEY_JS) == "/code/alpha"

    page.page.clock.run_for(60_000)
    page.wait_loaded(2)
    assert shown.evaluate(FOCUSED_KEY_JS) == "/code/alpha"
    # Still the key on screen, not a detached copy: Space switches the project off.
    shown.keyboard.press("Space")
    pressed = "#days-legend button[data-key='/code/alpha']"
    shown.wait_for_selector(f"{pressed}[aria-pressed='false']")
    assert shown.evaluate(FOCUSED_KEY_JS) == "/code/alpha"
    assert page.problems == []


@pytest.mark.parametrize(
    "jump_ms",
    [8 * 3_600_000, -3_600_000],
    ids=["a-night-asleep", "the-clock-put-back-an-hour"],
)
def test_the_page_asks_again_within_seconds_when_the_clock_jumps(
    worked_daemon: DaemonProcess, browser: Any, jump_ms: int
):
    """Timers count only the time a laptop is awake: woken after a night, the minute timer still
    had most of its minute to run, and the page showed yesterday's numbers under "Today", marked
    "updated 23:40", into the morning. ``set_system_time`` moves the wall clock as a sleep does,
    firing no timer."""
    page = Page(browser, clock=True)
    shown = page.open(worked_daemon.url + "/")
    page.page.clock.run_for(20_000)
    woken = shown.evaluate("() => Date.now()") + jump_ms
    page.page.clock.set_system_time(woken / 1000)  # seconds
    page.page.clock.run_for(5_000)
    page.wait_loaded(2)
    updated = shown.inner_text("#status-time").removeprefix(" · updated ").strip()
    zone = httpx.get(f"{worked_daemon.url}/today", params={"format": "json"}).json()["timezone"]
    # The page asks within the 5 s run after waking: the minute of waking, or the next one.
    expected = shown.evaluate(
        """([woken, timeZone]) => [woken, woken + 5_000].map((moment) => new Intl
             .DateTimeFormat(undefined, { timeStyle: "short", timeZone }).format(moment))""",
        [woken, zone],
    )
    assert updated in expected, "the status gives the time of waking"
    # Asked once for the jump, then again a minute later: no storm of catching up.
    page.page.clock.run_for(55_000)
    assert shown.evaluate("() => document.body.dataset.loaded") == "2"
    page.page.clock.run_for(5_000)
    page.wait_loaded(3)
    assert page.problems == []


# Marks every row of the page's tables, then tells which rows are still those marked ones.
MARK_ROWS_JS = (
    """() => { for (const row of document.querySelectorAll("tbody tr")) row.marked = true; }"""
)
ROWS_KEPT_JS = """() => Object.fromEntries(["today-projects", "days-table", "recent-sessions"].map(
  (table) => [table, [...document.querySelectorAll(`#${table} tbody tr`)].map(
    (row) => row.marked === true)]))"""


def test_a_refresh_replaces_only_the_rows_that_changed(tmp_path: Path, browser: Any):
    """Each refresh replaced every row of every table: a screen reader reading the chart's table
    was sent back to its start once a minute, and over a year of many projects a click on a
    legend key, which changes no row, rebuilt the table for a large part of a second."""
    now = int(time.time())
    daemon = DaemonProcess(tmp_path / "daemon.db", env={"TZ": midday_zone(now)}).start()
    try:
        send_beats(daemon, "/code/done", range(now - 3 * 86400, now - 3 * 86400 + 601, 300))
        send_beats(daemon, "/code/earlier", range(now - 7200, now - 6599, 300))
        send_beats(daemon, "/code/alpha", range(now - 1200, now - 59, 60))
        page = Page(browser, clock=True)
        shown = page.open(daemon.url + "/")
        shown.click("#days-table-box summary")
        shown.evaluate(MARK_ROWS_JS)

        shown.click("#days-legend button[data-key='/code/done']")
        shown.wait_for_selector("#days-legend button[data-key='/code/done'][aria-pressed=false]")
        kept = shown.evaluate(ROWS_KEPT_JS)
        assert all(all(rows) for rows in kept.values()), kept

        send_beats(daemon, "/code/alpha", range(now, now + 1))  # alpha's time today grows
        page.page.clock.run_for(60_000)
        page.wait_loaded(2)
        kept = shown.evaluate(ROWS_KEPT_JS)
    finally:
        daemon.kill()
    # Today: alpha's row and the bar of "earlier" (its share of the longest) change.
    assert kept["today-projects"] == [False, False]
    assert kept["days-table"] == [True] * 6 + [False], "only today's row of the week changed"
    assert kept["recent-sessions"] == [False, True, True]
    assert page.problems == []


def test_a_session_begun_keeps_the_rows_of_the_sessions_it_pushes_down(
    worked_daemon: DaemonProcess, browser: Any
):
    """The newest sessions' rows were known by their place: a session begun pushed each one
    down a row, so every row read differently from the one above it and was drawn anew, and
    a screen reader in the table was sent back to its start."""
    now = int(time.time())
    send_beats(worked_daemon, "/code/earlier", range(now - 7200, now - 6599, 300))
    page = Page(browser, clock=True)
    shown = page.open(worked_daemon.url + "/")
    shown.evaluate(MARK_ROWS_JS)
    send_beats(worked_daemon, "/code/beta", range(now, now + 1))  # a session of another project
    page.page.clock.run_for(60_000)
    page.wait_loaded(2)
    assert shown.evaluate(ROWS_KEPT_JS)["recent-sessions"] == [False, True, True]
    assert page.problems == []


def test_an_outage_past_midnight_says_which_day_the_data_is_from(
    worked_daemon: DaemonProcess, browser: Any
):
    """A tab left open overnight with the daemon stopped said, the next morning, that it did not
    answer "since 23:58" and showed data "from 23:40": yesterday's figures, under "Today", read
    as the evening's. Past the day it began, the banner names the day."""
    page = Page(browser, clock=True)
    shown = page.open(worked_daemon.url + "/")
    zone = shown.inner_text("#status-live")  # the report's, in which the page gives times
    worked_daemon.stop()
    page.page.clock.run_for(60_000)  # the minute refresh finds no daemon
    shown.wait_for_selector("#offline:not([hidden])")
    banner = shown.inner_text("#offline-alert")
    the_day_before = shown.evaluate(
        """(timeZone) => new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric",
             timeZone }).formatToParts(Date.now())""",
        zone,
    )
    weekday = next(part["value"] for part in the_day_before if part["type"] == "weekday")
    day = next(part["value"] for part in the_day_before if part["type"] == "day")
    assert f"{weekday} {day}" not in banner, "the same day: its time alone"

    page.page.clock.set_system_time(shown.evaluate("() => Date.now()") / 1000 + 86_400)
    page.page.clock.run_for(5_000)  # the first retry, a day later by the wall clock
    shown.wait_for_function(
        "(old) => document.getElementById('offline-alert').textContent !== old", arg=banner
    )
    banner = shown.inner_text("#offline-alert")
    assert banner.count(f"{weekday} {day} ") == 2, banner  # "since …" and "data from …"


def test_a_laptop_woken_during_an_outage_asks_again_within_seconds(
    worked_daemon: DaemonProcess, browser: Any
):
    """The retries count only time awake too: a tab whose daemon was away when the laptop went
    to sleep woke hours later with its countdown where it was (up to a minute to go), the daemon
    back meanwhile, and its banner giving last night's times as if they were today's."""
    page = Page(browser, clock=True)
    shown = page.open(worked_daemon.url + "/")
    worked_daemon.stop()
    page.page.clock.run_for(60_000)  # the minute refresh finds no daemon
    for delay, next_delay in ((0, 5), (5, 10), (10, 30), (30, 60)):
        page.page.clock.run_for(delay * 1000)
        shown.wait_for_function(
            "(text) => document.getElementById('offline-retry').textContent.includes(text)",
            arg=f"in {next_delay} s",
        )
    # Asleep for a night, 60 s still to count down; the daemon is started again meanwhile.
    asleep = shown.evaluate("() => Date.now()") / 1000
    page.page.clock.pause_at(asleep)  # from here on, only run_for moves the page's clock
    worked_daemon.start(port=worked_daemon.port)
    page.page.clock.set_system_time(asleep + 8 * 3600)  # woken: the wall clock, no timer
    page.page.clock.run_for(5_000)
    page.wait_loaded(2)
    assert shown.is_hidden("#offline")
    assert page.problems_are_only_the_daemon_away(), page.problems


def test_a_daemon_upgraded_under_an_open_tab_is_met_with_an_offer_to_reload(
    worked_daemon: DaemonProcess, browser: Any, tmp_path: Path
):
    """The tab went on running the old version's script against the new daemon, saying nothing:
    whatever the new version changed in the page was missing, or broke it. Every version says
    0.1.0: the daemon's build tells (here, a copy of the package with one page file changed)."""
    page = Page(browser, clock=True)
    shown = page.open(worked_daemon.url + "/")
    assert shown.is_hidden("#upgraded")
    worked_daemon.stop()
    copy = tmp_path / "new-build" / "oxitrack"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "web" / "style.css").write_text((copy / "web" / "style.css").read_text() + "\n")
    worked_daemon.env = {**(worked_daemon.env or {}), "PYTHONPATH": str(copy.parent)}
    worked_daemon.start(port=worked_daemon.port)
    page.page.clock.run_for(60_000)
    page.wait_loaded(2)
    shown.wait_for_selector("#upgraded:not([hidden])")
    message = shown.inner_text("#upgraded-message")
    assert message == (
        f"OxiTrack {__version__} (build {build_of(str(copy))}) answers now; this page came from"
        f" OxiTrack {__version__} (build {build_id()})."
    )
    assert shown.get_attribute("#upgraded-message", "role") == "status"

    shown.focus("#reload-page")
    with shown.expect_navigation():
        shown.keyboard.press("Enter")
    page.wait_loaded(1)
    assert shown.is_hidden("#upgraded"), "the reloaded page is the new version's"
    assert page.problems == []


def test_a_busy_daemon_is_asked_again_when_it_says_not_reported_as_refusing(
    worked_daemon: DaemonProcess, browser: Any
):
    """Long reports answer 503 ``reports_busy`` with ``Retry-After`` while others are being made
    (several tabs on a year, say): the page said "the daemon refused", dimmed its figures as if
    they were lost, and asked again only a minute later."""
    page = Page(browser, clock=True)
    shown = page.open(worked_daemon.url + "/?days=366")
    busy_once = BusyOnce()
    shown.route(re.compile(r"/api/days\?"), busy_once)
    page.page.clock.run_for(60_000)
    shown.wait_for_function(
        "() => document.getElementById('status-live').textContent.includes('busy')"
    )
    assert shown.inner_text("#status-live") == "the daemon is busy; asking again in 5 s"
    assert shown.is_hidden("#refused")
    assert shown.evaluate("() => document.body.dataset.stale") is None
    assert shown.evaluate("() => document.body.dataset.loaded") == "1"

    page.page.clock.run_for(5_000)
    page.wait_loaded(2)
    assert busy_once.answered == [503, 200]
    assert "busy" not in shown.inner_text("#status-live")
    assert page.only_answered(503), page.problems


def test_a_database_the_daemon_cannot_use_for_now_is_said_in_its_words_not_busy(
    worked_daemon: DaemonProcess, browser: Any
):
    """A 503 ``store_unavailable`` (another program holding the database, a disk failing) also
    says when to ask again: the page called it "busy", which sent nobody to look at the disk."""
    page = Page(browser, clock=True)
    shown = page.open(worked_daemon.url + "/")
    message = "cannot read /data/oxitrack.db: disk I/O error"
    failing_once: list[int] = []

    def fail_once(route: Any) -> None:
        failing_once.append(len(failing_once))
        if len(failing_once) == 1:
            body = {"error": "store_unavailable", "message": message}
            route.fulfill(status=503, json=body, headers={"Retry-After": "5"})
        else:
            route.continue_()

    shown.route(re.compile(r"/today(\?|$)"), fail_once)
    page.page.clock.run_for(60_000)
    shown.wait_for_function(
        "() => document.getElementById('status-live').textContent.includes('asking again')"
    )
    assert shown.inner_text("#status-live") == f"the daemon says: {message}; asking again in 5 s"
    page.page.clock.run_for(5_000)
    page.wait_loaded(2)
    assert "asking again" not in shown.inner_text("#status-live")


def test_figures_a_daemon_cannot_refresh_again_are_dimmed_and_dated(
    worked_daemon: DaemonProcess, browser: Any
):
    """A 503 with a time to ask again is a moment's trouble: the figures stand. Still there when
    asked again (its database held by another program for hours, a disk failing), it kept them
    undimmed, the project "active", with "updated 23:40" and no day: the next morning,
    yesterday's figures read as today's. (The daemon's 503 is given by the browser's routing: a
    database made unreadable under a running daemon is not something a test here can do.)"""
    page = Page(browser, clock=True)
    shown = page.open(worked_daemon.url + "/")
    assert shown.is_visible(".active")
    page.page.clock.pause_at(shown.evaluate("() => Date.now()") / 1000)  # run_for alone moves it
    body = {"error": "store_unavailable", "message": "cannot read the database: disk I/O error"}
    answered: list[str] = []

    def unavailable(route: Any) -> None:
        answered.append(route.request.url)
        route.fulfill(status=503, json=body, headers={"Retry-After": "5"})

    shown.route(re.compile(r"/today(\?|$)"), unavailable)
    asking_again = "() => document.getElementById('status-live').textContent.includes('again')"
    page.page.clock.run_for(60_000)  # the minute refresh is told to ask again in 5 s
    shown.wait_for_function(asking_again)
    assert shown.evaluate("() => document.body.dataset.stale") is None  # a moment: they stand
    assert shown.is_visible(".active")
    updated = shown.inner_text("#status-time")

    page.page.clock.run_for(5_000)  # asked again: still unavailable
    shown.wait_for_function("() => document.body.dataset.stale === 'true'")
    assert len(answered) == 2
    assert shown.is_hidden(".active")
    assert shown.evaluate("() => getComputedStyle(document.querySelector('main')).opacity") == "0.5"
    assert shown.inner_text("#status-time") == updated  # the same day: its time alone

    page.page.clock.set_system_time(shown.evaluate("() => Date.now()") / 1000 + 86_400)
    page.page.clock.run_for(5_000)  # the next morning, still unavailable
    shown.wait_for_function(
        "(old) => document.getElementById('status-time').textContent !== old", arg=updated
    )
    loaded = shown.inner_text("#today-title").split(" · ")[1]  # 2026-11-28
    status = shown.inner_text("#status-time")
    assert re.fullmatch(rf" · updated \w+ {int(loaded[8:])} .+", status), status
    assert page.only_answered(503), page.problems
