"""``errors.warn``: warnings said before ``logging`` is loaded still reach the handler the CLI
prepares for them (``before_first_warning``), from any thread."""

from __future__ import annotations

import logging
import threading

import pytest

from oxitrack import errors


def test_a_warning_said_while_another_thread_prepares_waits_for_the_handler(
    monkeypatch: pytest.MonkeyPatch,
):
    """The schema upgrade's notice is said from a timer's thread: a warning said while the
    first one's preparation ran went out bare (``logging``'s last resort), not as the CLI's
    "oxitrack: ..." line."""
    seen: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    logger = logging.getLogger("oxitrack.test-warn")
    monkeypatch.setattr(logger, "propagate", False)
    monkeypatch.setattr(logger, "handlers", [])
    preparing, release = threading.Event(), threading.Event()

    def prepare() -> None:
        preparing.set()
        release.wait(timeout=30)
        logger.addHandler(Collect())

    monkeypatch.setattr(errors, "before_first_warning", [prepare])
    first = threading.Thread(target=errors.warn, args=(logger.name, "first"))
    first.start()
    assert preparing.wait(timeout=30)
    second = threading.Thread(target=errors.warn, args=(logger.name, "second"))
    second.start()
    # Without the wait the second warning is said (and lost) at once; with it, it is still
    # waiting when this gives up, and is said once the handler is there.
    second.join(timeout=0.5)
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert sorted(seen) == ["first", "second"]
    assert errors.before_first_warning == []
