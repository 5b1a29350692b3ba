"""RefusalLog: a flood of refusals is one warning line a minute, with a count."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from oxitrack.refusal_log import RefusalLog
from tests.conftest import FakeClock


class _Later:
    """A stand-in for the event loop's ``call_later``: records what is due, runs it on demand."""

    def __init__(self) -> None:
        self.due: list[tuple[float, Callable[[], None]]] = []

    def __call__(self, delay: float, then: Callable[[], None]) -> None:
        self.due.append((delay, then))


def _counted(
    what: str, logger: str, level: int = logging.WARNING
) -> tuple[RefusalLog, FakeClock, _Later]:
    """A ``RefusalLog`` of a minute on a fake clock, and the timers it asks for."""
    clock, later = FakeClock(now=1000.0), _Later()
    log = logging.getLogger(logger)
    return RefusalLog(what, log, 60.0, clock=clock, schedule=later, level=level), clock, later


def test_refusals_are_one_warning_line_per_minute_with_a_count(
    caplog: pytest.LogCaptureFixture,
):
    refusals, clock, later = _counted("without the right API key (401)", "oxitrack.guard")
    with caplog.at_level(logging.WARNING, logger="oxitrack.guard"):
        refusals.note("192.0.2.7")  # the first is said at once
        clock.now += 1
        for _ in range(500):
            refusals.note("192.0.2.8")  # a flood: counted, one summary scheduled
        assert [delay for delay, _ in later.due] == [59.0]
        clock.now += 59
        later.due.pop()[1]()  # the minute is over: the summary
        assert later.due == []  # and nothing more to say until the next refusal
        clock.now += 61
        refusals.note("192.0.2.9")  # a minute of quiet later: said at once again
    assert [record.getMessage() for record in caplog.records] == [
        "refused 1 request without the right API key (401), the latest from 192.0.2.7",
        "refused 500 requests without the right API key (401), the latest from 192.0.2.8",
        "refused 1 request without the right API key (401), the latest from 192.0.2.9",
    ]
    assert {record.levelno for record in caplog.records} == {logging.WARNING}
    assert later.due == []


def test_a_refusal_with_a_detail_says_the_latest_at_the_level_asked(
    caplog: pytest.LogCaptureFixture,
):
    """The database's errors: an error line, naming what failed, one a minute at most."""
    failures, clock, later = _counted(
        "as the database failed (503)", "oxitrack.server", logging.ERROR
    )
    with caplog.at_level(logging.WARNING, logger="oxitrack.server"):
        failures.note("127.0.0.1", "cannot write to /x.db: database or disk is full")
        clock.now += 1
        failures.note("127.0.0.1", "cannot write to /x.db: database or disk is full")
        failures.note("127.0.0.1", "cannot write to /x.db: disk I/O error")
        clock.now += 59
        later.due.pop()[1]()
    assert [(record.levelno, record.getMessage()) for record in caplog.records] == [
        (
            logging.ERROR,
            "refused 1 request as the database failed (503), the latest from 127.0.0.1:"
            " cannot write to /x.db: database or disk is full",
        ),
        (
            logging.ERROR,
            "refused 2 requests as the database failed (503), the latest from 127.0.0.1:"
            " cannot write to /x.db: disk I/O error",
        ),
    ]


def test_refusals_after_a_summary_get_a_summary_of_their_own(caplog: pytest.LogCaptureFixture):
    """A flood that goes on past its first summary is summed up again a minute later: the
    refusals counted after a summary are not held back until the next refusal comes."""
    clock, later = FakeClock(now=1000.0), _Later()
    refusals = RefusalLog(
        "without the right API key (401)",
        logging.getLogger("oxitrack.guard"),
        60.0,
        clock=clock,
        schedule=later,
    )
    with caplog.at_level(logging.WARNING, logger="oxitrack.guard"):
        refusals.note("192.0.2.7")
        clock.now += 1
        refusals.note("192.0.2.7")
        clock.now += 59
        later.due.pop()[1]()  # the first summary
        clock.now += 1
        refusals.note("192.0.2.8")  # the flood goes on
        assert [delay for delay, _ in later.due] == [59.0]
        clock.now += 59
        later.due.pop()[1]()
    assert [record.getMessage() for record in caplog.records] == [
        "refused 1 request without the right API key (401), the latest from 192.0.2.7",
        "refused 1 request without the right API key (401), the latest from 192.0.2.7",
        "refused 1 request without the right API key (401), the latest from 192.0.2.8",
    ]
