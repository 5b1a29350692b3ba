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
