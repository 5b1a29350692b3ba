"""The daemon stopped and started again under an open dashboard: the page need not be reloaded,
and whoever restarted the daemon need not wait out the retry countdown."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import Page

pytestmark = pytest.mark.e2e


def test_try_again_now_reloads_the_data_at_once_from_the_keyboard(
    worked_daemon: DaemonProcess, browser: Any
):
    """The banner said "Trying again in 60 s" and offered nothing but a reload of the page."""
    page = Page(browser, clock=True)
    shown = page.open(worked_daemon.url + "/")
    worked_daemon.stop()
    page.page.clock.run_for(60_000)  # the minute refresh finds no daemon
    shown.wait_for_selector("#offline:not([hidden])")
    # Time stands still from here: no retry timer can fire, only the button can ask again.
    page.page.clock.pause_at(shown.evaluate("() => Date.now()") + 1_000)
    worked_daemon.start(port=worked_daemon.port)

    shown.focus("#retry-now")
    shown.keyboard.press("Enter")
    page.wait_loaded(2)
    assert shown.is_hidden("#offline")
    assert shown.evaluate("() => document.body.dataset.stale") is None
    assert shown.evaluate("() => document.activeElement.dataset.days") == "7", "focus kept"
    # Said to a screen reader too, in a live region: the banner only vanished.
    back = shown.evaluate(
        """() => { const node = document.getElementById("back-online");
          return { role: node.getAttribute("role"), text: node.textContent }; }"""
    )
    updated = shown.inner_text("#status-time").removeprefix(" · updated ").strip()
    assert back == {
        "role": "status",
        "text": f"The daemon answers again; the data is current as of {updated}.",
    }
    assert page.problems_are_only_the_daemon_away(), page.problems


def test_a_refusal_after_an_outage_leaves_the_minute_refresh_running(
    worked_daemon: DaemonProcess, browser: Any
):
    """Back after an outage with an error (a 500 while its database misbehaves, say): the page
    waited for retries no longer scheduled, so it never asked again, and kept the banner that
    the daemon did not answer beside the refusal."""
    page = Page(browser, clock=True)
    shown = page.open(worked_daemon.url + "/")
    worked_daemon.stop()
    page.page.clock.run_for(60_000)  # the minute refresh finds no daemon
    shown.wait_for_selector("#offline:not([hidden])")
    worked_daemon.start(port=worked_daemon.port)
    answer = {"error": "internal_error", "message": "unexpected error; see the daemon's log"}
    shown.route(re.compile(r"/today"), lambda route: route.fulfill(status=500, json=answer))
    shown.click("#retry-now")
    shown.wait_for_selector("#refused:not([hidden])")
    assert shown.is_hidden("#offline")

    shown.unroute(re.compile(r"/today"))
    page.page.clock.run_for(60_000)  # the daemon is well again by the next minute
    page.wait_loaded(2)
    assert shown.is_hidden("#refused") and shown.is_hidden("#offline")
