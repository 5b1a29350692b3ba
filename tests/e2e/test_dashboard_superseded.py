"""Reads the dashboard no longer needs: a range or a field clicked before the last one was
answered gives up the last one's reads (their answers would not be drawn, and each held one of
the browser's few connections to the daemon and one of its long reports); and a field picked
while the daemon does not answer leaves the retry the banner counts down to as it was."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import Page
from tests.e2e.test_dashboard_breakdown import (
    _breakdown,
    _shown,
    _worked_in_every_field,
)
from tests.e2e.test_dashboard_projects_meanwhile import _hold

pytestmark = pytest.mark.e2e

READS = re.compile(r"/(today|health|api/)")


def _held_after_click(shown: Any, matches: Callable[[str], bool], selector: str) -> Any:
    """The one request ``matches`` lets through after ``selector`` is clicked, held unanswered."""
    held = _hold(shown, matches)
    shown.click(selector)
    held.wait(shown, 1)
    [route] = held.routes
    return route


def _given_up(shown: Any, route: Any) -> bool:
    shown.evaluate("() => 0")  # the page's events so far handed over
    return route.request.failure is not None


def _wait_given_up(shown: Any, route: Any) -> None:
    deadline = time.monotonic() + 10
    while not _given_up(shown, route):
        assert time.monotonic() < deadline, f"{route.request.url} still asked"


def test_a_range_clicked_before_the_last_one_came_gives_up_its_reads(
    worked_daemon: DaemonProcess, browser: Any
):
    """30 days clicked, then 90 before the 30 days came: the 30 days' reads stayed asked, to
    be thrown away when they came."""
    page = Page(browser)
    shown = page.open(worked_daemon.url + "/")
    month = _held_after_click(shown, lambda url: "days=30" in url, ".switch button[data-days='30']")
    page.choose_range(90)
    _wait_given_up(shown, month)
    assert shown.evaluate("() => document.body.dataset.discarded") == "1"
    assert shown.get_attribute(".switch button[data-days='90']", "aria-pressed") == "true"
    assert shown.evaluate("() => document.body.dataset.stale") is None
    assert shown.is_hidden("#offline")
    assert page.only_given_up(month.request.url), page.problems


def test_a_field_picked_before_the_last_one_came_gives_up_its_read(
    midday_daemon: DaemonProcess, browser: Any
):
    """Categories picked, then editors before the categories came: both were asked to the end."""
    _worked_in_every_field(midday_daemon, int(time.time()))
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/")
    categories = _held_after_click(
        shown, lambda url: "by=category" in url, "#breakdown-switch button[data-by='category']"
    )
    shown.click("#breakdown-switch button[data-by='editor']")
    page.wait_breakdown("editor")
    _wait_given_up(shown, categories)
    assert _shown(shown) == _breakdown(midday_daemon, 7, "editor")
    assert shown.is_hidden("#offline")
    assert page.problems == [f"failed: {categories.request.url}"]


def test_a_refresh_gives_up_a_field_read_still_asked(midday_daemon: DaemonProcess, browser: Any):
    """A range clicked while a field's rows were being read: the refresh reads the card's rows
    for that field again, for the new range."""
    _worked_in_every_field(midday_daemon, int(time.time()))
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/")
    categories = _held_after_click(
        shown,
        lambda url: "by=category&days=7" in url,
        "#breakdown-switch button[data-by='category']",
    )
    page.choose_range(30)
    _wait_given_up(shown, categories)
    page.wait_breakdown("category")
    assert _shown(shown) == _breakdown(midday_daemon, 30, "category")


def test_a_refused_refresh_gives_up_its_other_reads(daemon: DaemonProcess, browser: Any):
    """A refresh the daemon refused (here a ?tz= it does not know) left its other reads asked:
    their answers would not be drawn, and each held one of the browser's few connections to
    the daemon until it came, or until the address was corrected and the next refresh came."""
    page = Page(browser)
    shown = page.page
    recent = _hold(shown, lambda url: "/api/sessions" in url)
    shown.goto(daemon.url + "/?tz=Not/AZone")
    recent.wait(shown, 1)
    shown.wait_for_selector("#refused:not([hidden])")
    [route] = recent.routes
    _wait_given_up(shown, route)
    assert shown.inner_text("#status").startswith("the daemon refused: tz: 'Not/AZone'")


def test_a_field_picked_while_the_daemon_does_not_answer_leaves_the_retry_as_it_was(
    midday_daemon: DaemonProcess, browser: Any
):
    """Each pick that got no answer counted as one more failure: the retry's delay stepped up
    (5 s, then 10, 30, a minute) and its countdown started again, so a user clicking through
    the fields during an outage pushed the page's next try ever further away."""
    _worked_in_every_field(midday_daemon, int(time.time()))
    page = Page(browser, clock=True)
    shown = page.open(midday_daemon.url + "/")
    refused: list[str] = []

    def refuse(route: Any) -> None:
        refused.append(route.request.url)
        route.abort("connectionrefused")

    shown.route(READS, refuse)
    page.page.clock.run_for(60_000)  # the minute refresh, refused
    shown.wait_for_selector("#offline:not([hidden])", timeout=10_000)
    assert shown.inner_text("#offline-retry") == "Trying again in 5 s."

    asked = len(refused)
    shown.click("#breakdown-switch button[data-by='category']")
    deadline = time.monotonic() + 10
    while not any("by=category" in url for url in refused[asked:]):
        assert time.monotonic() < deadline, "the pick was not asked"
        shown.evaluate("() => 0")
    shown.evaluate("() => 0")  # its failure handed over to the page
    assert shown.inner_text("#offline-retry") == "Trying again in 5 s."
    assert shown.evaluate("() => document.body.dataset.stale") == "true"

    asked = len(refused)
    page.page.clock.run_for(5_000)  # the retry the banner counted down to, still 5 s
    deadline = time.monotonic() + 10
    while not any("/today" in url for url in refused[asked:]):
        assert time.monotonic() < deadline, "no retry 5 s on"
        shown.evaluate("() => 0")
    shown.wait_for_function(
        "() => document.getElementById('offline-retry').textContent === 'Trying again in 10 s.'"
    )

    # The daemon answers again: the retry draws the field picked meanwhile.
    shown.unroute(READS, refuse)
    loaded = int(shown.evaluate("() => Number(document.body.dataset.loaded)"))
    shown.click("#retry-now")
    page.wait_loaded(loaded + 1)
    page.wait_breakdown("category")
    assert _shown(shown) == _breakdown(midday_daemon, 7, "category")
    assert shown.is_hidden("#offline")


def test_a_field_picked_while_a_refresh_reads_the_card_gives_up_that_read(
    midday_daemon: DaemonProcess, browser: Any
):
    """30 days pressed, and categories picked while the range's languages were still being
    read: that read stayed asked (over a year, one of the daemon's two long reports), and the
    range's chart, which comes with it, waited for an answer that would not be drawn."""
    _worked_in_every_field(midday_daemon, int(time.time()))
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/")
    languages = re.compile(r"/api/breakdown\?by=language&days=30")
    refreshed = _held_after_click(
        shown, lambda url: languages.search(url) is not None, ".switch button[data-days='30']"
    )
    shown.click("#breakdown-switch button[data-by='category']")
    _wait_given_up(shown, refreshed)
    page.wait_loaded(2)  # the range drawn without the rows it gave up
    page.wait_breakdown("category")
    assert _shown(shown) == _breakdown(midday_daemon, 30, "category")
    assert shown.get_attribute(".switch button[data-days='30']", "aria-pressed") == "true"
    assert shown.inner_text("#breakdown-range") == "last 30 days"
    assert shown.is_hidden("#offline")
    assert shown.evaluate("() => document.body.dataset.stale") is None
    assert page.problems == [f"failed: {refreshed.request.url}"]
