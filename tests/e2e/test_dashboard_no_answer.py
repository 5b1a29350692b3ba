"""A daemon that takes the dashboard's requests and never answers them (stopped, its disk hung, a
proxy in between): the page's reads give up in time, say so as for a daemon that is away, keep
the figures they had, and ask again one refresh at a time; the projects card stays truthful."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

import oxitrack
from oxitrack.api.reports import LONG_RANGE_DAYS
from tests.daemon_process import DaemonProcess
from tests.e2e.browser import Page
from tests.e2e.test_dashboard_projects import LIST_LOADED_JS, _listed, _projects
from tests.e2e.test_dashboard_projects_meanwhile import (
    STATUS,
    STATUS_BEGINS_JS,
    STATUS_IS_JS,
    Held,
    _card_page_on_clock,
    _hold,
    _minute_refresh,
)

pytestmark = pytest.mark.e2e

READS = re.compile(r"/(today|health|api/)")
READ_TIMEOUT_MS = 15_000
OTHER_READS = ("/today", "/api/sessions", "/health")


def _status(shown: Any) -> str:
    return str(shown.inner_text("#status-live"))


def _unanswered(held: Held, shown: Any, path: str) -> int:
    """How many of the held requests for ``path`` the page still waits for (not given up)."""
    shown.evaluate("() => 0")  # the page's events so far handed over
    return sum(
        1 for route in held.routes if path in route.request.url and route.request.failure is None
    )


def test_reads_not_answered_in_time_are_said_as_no_answer_and_asked_again_one_at_a_time(
    worked_daemon: DaemonProcess, browser: Any
):
    """The minute refresh, never answered, stayed pending for good: the old figures passed for
    current ones, nothing said otherwise, and each minute another refresh waited behind it."""
    page = Page(browser, clock=True)
    shown = page.open(worked_daemon.url + "/")
    figures = shown.inner_text("#today-total"), shown.inner_text("#recent-sessions tbody")
    held = _hold(shown, lambda url: READS.search(url) is not None)
    page.page.clock.run_for(60_000)  # the minute refresh, taken and not answered
    held.wait(shown, 4)
    page.page.clock.run_for(READ_TIMEOUT_MS)
    shown.wait_for_selector("#offline:not([hidden])", timeout=10_000)
    assert shown.inner_text("#offline-alert").startswith(
        f"The daemon at {worked_daemon.url} does not answer since "
    )
    assert _status(shown) == "cannot reach the daemon: no answer in 15 s"
    assert shown.evaluate("() => document.body.dataset.stale") == "true"
    kept = shown.inner_text("#today-total"), shown.inner_text("#recent-sessions tbody")
    assert kept == figures, "the last figures kept"

    # Retries, each given up in time: never two waiting at once.
    asked = len([route for route in held.routes if "/today" in route.request.url])
    for _ in range(36):
        page.page.clock.run_for(5_000)
        assert _unanswered(held, shown, "/today") <= 1
    assert len([route for route in held.routes if "/today" in route.request.url]) > asked + 2

    # Answered again: asked at once (the retries are a minute apart by now; the page's clock,
    # run on past a retry, would give up on its answer before it came), its figures drawn and
    # the notice gone.
    held.released = True  # the held ones were given up: only those asked from now on go on
    loaded = int(shown.evaluate("() => Number(document.body.dataset.loaded)"))
    shown.click("#retry-now")
    page.wait_loaded(loaded + 1)
    assert shown.is_hidden("#offline")
    assert shown.evaluate("() => document.body.dataset.stale") is None
    assert shown.inner_text("#back-online").startswith("The daemon answers again")
    assert all(problem.startswith("failed:") for problem in page.problems), page.problems


def test_the_banner_says_a_retry_is_under_way_while_it_waits_for_its_answer(
    worked_daemon: DaemonProcess, browser: Any
):
    """A retry taken and not answered waits up to 15 s: the banner said "Trying again in 5 s."
    all that while, and "Try again now" pressed changed nothing on it, as if nothing were being
    tried; only the next retry's countdown is said once this one is given up."""
    page = Page(browser, clock=True)
    shown = page.open(worked_daemon.url + "/")
    held = _hold(shown, lambda url: READS.search(url) is not None)
    page.page.clock.run_for(60_000)
    # Each held before the clock gives them up: a request given up before Playwright hands it
    # to the route is never held, and the counts below would race.
    held.wait(shown, 4)
    page.page.clock.run_for(READ_TIMEOUT_MS)
    shown.wait_for_selector("#offline:not([hidden])", timeout=10_000)
    assert shown.inner_text("#offline-retry") == "Trying again in 5 s."
    page.page.clock.run_for(5_000)  # the first retry, taken and not answered
    held.wait(shown, 8)
    assert shown.inner_text("#offline-retry") == "Asking the daemon again…"
    page.page.clock.run_for(READ_TIMEOUT_MS)
    shown.wait_for_function(
        "() => document.getElementById('offline-retry').textContent === 'Trying again in 10 s.'"
    )
    shown.click("#retry-now")
    held.wait(shown, 12)
    assert shown.inner_text("#offline-retry") == "Asking the daemon again…"
    page.page.clock.run_for(READ_TIMEOUT_MS)
    shown.wait_for_function(
        "() => document.getElementById('offline-retry').textContent === 'Trying again in 30 s.'"
    )
    assert all(problem.startswith("failed:") for problem in page.problems), page.problems


def test_the_banner_says_since_when_the_read_not_answered_was_sent(
    worked_daemon: DaemonProcess, browser: Any
):
    """A read given up after 15 s was sent 15 s before: the banner said the daemon did not answer
    "since" the moment it was given up, the next minute's time for one sent late in a minute."""
    page = Page(browser, clock=True)
    shown = page.open(worked_daemon.url + "/")
    zone = _status(shown)  # the report's zone, the one its times are in
    held = _hold(shown, lambda url: READS.search(url) is not None)
    now = int(shown.evaluate("() => Date.now()"))
    # The minute refresh late in a minute, at :50 (the page looks at its clock every 5 s).
    sent = (now // 60_000 + 2) * 60_000 + 50_000
    page.page.clock.pause_at(sent / 1000)  # in seconds
    held.wait(shown, 4)
    page.page.clock.run_for(READ_TIMEOUT_MS)  # given up in the next minute
    shown.wait_for_selector("#offline:not([hidden])", timeout=10_000)
    minute = shown.evaluate(
        """([sent, timeZone]) =>
          new Intl.DateTimeFormat(undefined, { timeStyle: "short", timeZone }).format(sent)""",
        [sent, zone],
    )
    assert f"does not answer since {minute};" in shown.inner_text("#offline-alert")


def test_a_refresh_given_up_gives_up_its_later_read_too(worked_daemon: DaemonProcess, browser: Any):
    """The range's breakdown is asked once its days come: asked late, it went on waiting after
    the rest of its refresh was given up, beside the retry's own."""
    page = Page(browser, clock=True)
    shown = page.open(worked_daemon.url + "/")
    held = _hold(shown, lambda url: re.search(r"/(today|api/days|api/breakdown)", url) is not None)
    page.page.clock.run_for(60_000)
    held.wait(shown, 2)
    page.page.clock.run_for(10_000)
    days = next(route for route in held.routes if "/api/days" in route.request.url)
    days.continue_()  # the days come after 10 s; the breakdown is asked then
    held.wait(shown, 3)
    page.page.clock.run_for(READ_TIMEOUT_MS - 10_000)  # /today's time is up
    shown.wait_for_selector("#offline:not([hidden])", timeout=10_000)
    assert _unanswered(held, shown, "/api/breakdown") == 0, "given up with its refresh"


def test_a_refresh_still_waiting_when_the_page_wakes_is_not_doubled(
    worked_daemon: DaemonProcess, browser: Any
):
    """A laptop woken (the wall clock a minute on at once) while a refresh waited for its answer:
    the first look at the clock started another beside it, which took the first one's place, so
    its time running out said nothing."""
    page = Page(browser, clock=True)
    shown = page.open(worked_daemon.url + "/")
    held = _hold(shown, lambda url: READS.search(url) is not None)
    page.page.clock.run_for(60_000)
    held.wait(shown, 4)
    page.page.clock.fast_forward(60_000)  # each timer due fires once, the clock's look first
    shown.wait_for_selector("#offline:not([hidden])", timeout=10_000)
    assert len([route for route in held.routes if "/today" in route.request.url]) == 1


def test_a_stopped_daemon_process_is_said_not_to_answer_and_read_again_once_it_runs(
    worked_daemon: DaemonProcess, browser: Any
):
    """A real daemon stopped (SIGSTOP): its socket still takes the connection, nothing answers."""
    page = Page(browser, clock=True)
    shown = page.open(worked_daemon.url + "/")
    assert worked_daemon.process is not None
    pid = worked_daemon.process.pid
    os.kill(pid, signal.SIGSTOP)
    try:
        page.page.clock.run_for(60_000 + READ_TIMEOUT_MS)
        shown.wait_for_selector("#offline:not([hidden])", timeout=10_000)
        assert _status(shown) == "cannot reach the daemon: no answer in 15 s"
    finally:
        os.kill(pid, signal.SIGCONT)
    page.page.clock.run_for(5_000)  # the first retry
    page.wait_loaded(2)
    assert shown.is_hidden("#offline")
    assert all(problem.startswith("failed:") for problem in page.problems), page.problems


def test_a_projects_list_not_answered_in_time_is_said_and_asked_again_at_the_next_answer(
    two_projects: DaemonProcess, browser: Any
):
    """Opened while the daemon took the list and never answered, the card stayed empty and
    silent for good."""
    page = Page(browser, clock=True)
    shown = page.open(two_projects.url + "/")
    held = _hold(shown, lambda url: url.endswith("/api/projects"))
    shown.click("#projects-box summary")
    held.wait(shown)
    page.page.clock.run_for(READ_TIMEOUT_MS)
    shown.wait_for_function(STATUS_IS_JS, arg="The daemon did not answer in 15 s.")
    held.released = True  # the list held was given up: only those asked from now on go on
    _minute_refresh(page)
    shown.wait_for_function(LIST_LOADED_JS, arg=1, timeout=10_000)
    assert _listed(shown) == ["alpha", "beta"]
    assert shown.inner_text(STATUS) == "", "what was said of no answer went with the answer"


def test_a_change_of_unknown_fate_stays_said_while_its_lists_are_not_answered(
    two_projects: DaemonProcess, browser: Any
):
    """A delete not answered, then lists not answered in time: "alpha may still be deleted"
    stays, neither made nor failed, until a list shows which."""
    page, shown = _card_page_on_clock(browser, two_projects)
    shown.get_by_role("button", name="Delete alpha").click()
    held = _hold(shown, lambda url: "/api/projects" in url)
    shown.get_by_role("button", name="Delete alpha for good").click()
    held.wait(shown)
    page.page.clock.run_for(30_000)
    maybe = "The daemon did not answer in 30 s: alpha may still be deleted."
    shown.wait_for_function(STATUS_IS_JS, arg=maybe)
    held.wait(shown, 2)  # the list asked after it
    page.page.clock.run_for(READ_TIMEOUT_MS)
    held.wait(shown, 3)  # the list asked again as the page's figures were answered
    page.page.clock.run_for(READ_TIMEOUT_MS)
    assert _unanswered(held, shown, "/api/projects") == 0, "each list given up"
    assert shown.inner_text(STATUS) == maybe
    assert _listed(shown) == ["alpha", "beta"]

    httpx.post(
        f"{two_projects.url}/api/projects/delete",
        json={"project": _projects(two_projects)["/code/alpha"]["id"]},
    ).raise_for_status()
    held.released = True  # the list held was given up: only those asked from now on go on
    _minute_refresh(page)
    shown.wait_for_function(STATUS_BEGINS_JS, arg="Deleted alpha and its 0h ")
    assert _listed(shown) == ["beta"]


def test_a_long_report_is_given_a_minute_while_the_daemon_answers_the_rest(
    worked_daemon: DaemonProcess, browser: Any
):
    """A year of a heavy user's sessions can take a loaded machine over 15 s, while the daemon
    answers everything else at once: the page said the daemon did not answer and asked again
    each minute, never letting the report finish. It waits a minute for such a report."""
    page = Page(browser, clock=True)
    shown = page.open(worked_daemon.url + "/?days=365")
    held = _hold(shown, lambda url: "/api/days?days=365" in url)
    finished: list[str] = []
    shown.on("requestfinished", lambda request: finished.append(request.url))

    def refresh_held() -> None:
        """The minute refresh, its year's days held, its other reads answered (before the
        page's clock is run on: it would give them up before their answers came)."""
        finished.clear()
        deadline = time.monotonic() + 10
        while not held.routes:  # by the page's 5 s looks at its clock: the read held 5 s at most
            assert time.monotonic() < deadline, "no refresh"
            page.page.clock.run_for(5_000)
            shown.evaluate("() => 0")
        deadline = time.monotonic() + 10
        while not all(any(path in url for url in finished) for path in OTHER_READS):
            assert time.monotonic() < deadline, finished
            shown.evaluate("() => 0")

    refresh_held()
    page.page.clock.run_for(25_000)
    assert _unanswered(held, shown, "/api/days") == 1, "still waited for at 25-30 s"
    assert shown.is_hidden("#offline")
    loaded = int(shown.evaluate("() => Number(document.body.dataset.loaded)"))
    held.release()
    page.wait_loaded(loaded + 1)
    assert shown.evaluate("() => document.body.dataset.stale") is None

    # One that never comes is given up at a minute, and said as a daemon that does not answer.
    held.released = False
    refresh_held()
    page.page.clock.run_for(45_000)
    assert _unanswered(held, shown, "/api/days") == 1
    page.page.clock.run_for(15_000)
    shown.wait_for_selector("#offline:not([hidden])", timeout=10_000)
    assert _status(shown) == "cannot reach the daemon: no answer in 60 s"


def test_a_short_range_is_given_15_s_and_the_page_and_daemon_agree_on_long():
    """The page's long reports are the daemon's: a range it gives its one minute to is one the
    daemon makes in one of its few places for long reports."""
    script = (Path(oxitrack.__file__).parent / "web" / "requests.js").read_text()
    [days] = re.findall(r"^const LONG_RANGE_DAYS = (\d+);$", script, re.MULTILINE)
    assert int(days) == LONG_RANGE_DAYS


def test_a_field_picked_on_a_long_range_is_said_unanswered_in_15_s(
    worked_daemon: DaemonProcess, browser: Any
):
    """A pick asks only the card's rows: over a year they are given a minute, so a daemon that
    answered nothing any more was said a minute after the pick, not in the 15 s of every other
    read (a refresh asks quick reads beside its long ones, which tell it sooner)."""
    page = Page(browser, clock=True)
    shown = page.open(worked_daemon.url + "/?days=365")
    held = _hold(shown, lambda url: READS.search(url) is not None)
    shown.click("#breakdown-switch button[data-by='category']")
    held.wait(shown, 1)
    page.page.clock.run_for(READ_TIMEOUT_MS)
    shown.wait_for_selector("#offline:not([hidden])", timeout=10_000)
    assert _status(shown) == "cannot reach the daemon: no answer in 15 s"
    assert _unanswered(held, shown, "/api/breakdown") == 0, "the rows still waited for"
    assert shown.evaluate("() => document.body.dataset.stale") == "true"
