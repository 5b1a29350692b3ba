"""The long reports' places: a report given up leaves its place to the next ask."""

from __future__ import annotations

import threading
import time

from oxitrack.api.report_slots import GIVEN_UP_WAIT_SECONDS, ReportSlots


def test_every_place_held_by_a_report_still_wanted_is_refused_at_once():
    slots = ReportSlots(2)
    assert slots.take(threading.Event()) and slots.take(None)
    started = time.monotonic()
    assert not slots.take(threading.Event())
    assert time.monotonic() - started < GIVEN_UP_WAIT_SECONDS / 2


def test_the_place_of_a_report_given_up_goes_to_the_report_waiting_for_it():
    slots = ReportSlots(1)
    gone = threading.Event()
    assert slots.take(gone)
    gone.set()  # its client has gone; the report is ending
    got: list[bool] = []
    waiting = threading.Thread(target=lambda: got.append(slots.take(None)))
    waiting.start()
    slots.give_back(gone)
    waiting.join(GIVEN_UP_WAIT_SECONDS * 2)
    assert got == [True]
    assert not slots.take(threading.Event())  # the waiter holds it now


def test_a_report_given_up_that_never_ends_leaves_the_next_refused_in_the_end():
    slots = ReportSlots(1)
    gone = threading.Event()
    assert slots.take(gone)
    gone.set()
    started = time.monotonic()
    assert not slots.take(None)
    assert time.monotonic() - started >= GIVEN_UP_WAIT_SECONDS


def test_the_report_waiting_gets_the_place_as_soon_as_it_is_given_back():
    slots = ReportSlots(1)
    gone = threading.Event()
    assert slots.take(gone)
    gone.set()
    waited: list[float] = []

    def take() -> None:
        started = time.monotonic()
        assert slots.take(None)
        waited.append(time.monotonic() - started)

    waiting = threading.Thread(target=take)
    waiting.start()
    _until_one_waits(slots)
    slots.give_back(gone)
    waiting.join(GIVEN_UP_WAIT_SECONDS * 2)
    assert waited and waited[0] < GIVEN_UP_WAIT_SECONDS / 2


def test_one_place_given_up_among_others_still_wanted_is_waited_for():
    slots = ReportSlots(2)
    gone = threading.Event()
    assert slots.take(gone) and slots.take(threading.Event())
    gone.set()
    got: list[bool] = []
    waiting = threading.Thread(target=lambda: got.append(slots.take(None)))
    waiting.start()
    _until_one_waits(slots)
    slots.give_back(gone)
    waiting.join(GIVEN_UP_WAIT_SECONDS * 2)
    assert got == [True]


def test_a_report_given_up_and_gone_makes_no_later_ask_wait():
    """Once its place is given back, a report given up is no reason to wait: with every place
    held by reports still wanted, the next ask is refused at once."""
    slots = ReportSlots(1)
    gone = threading.Event()
    assert slots.take(gone)
    gone.set()
    slots.give_back(gone)
    assert slots.take(threading.Event())
    started = time.monotonic()
    assert not slots.take(None)
    assert time.monotonic() - started < GIVEN_UP_WAIT_SECONDS / 2


def _until_one_waits(slots: ReportSlots) -> None:
    """Until a report waits for a place (given back before, it would have found it free)."""
    deadline = time.monotonic() + GIVEN_UP_WAIT_SECONDS / 2
    while not slots._changed._waiters:  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, "no report came to wait"
        time.sleep(0.001)
