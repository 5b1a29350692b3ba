"""The counts of ``oxitrack import`` (``Tally``) from answers no daemon of ours gives, or gives
too seldom to meet in an import's test against a real daemon (``tests/e2e/test_import.py``):
a summary must stay true whatever a server answers, and never end the import with a traceback."""

from __future__ import annotations

from typing import Any

import pytest

from oxitrack.commands.imports import SHOWN_REASONS, Tally

TAKEN = [{"data": {}}, 201]


def beat(time: int) -> dict[str, Any]:
    return {"time": time, "entity": "/code/app/main.py", "type": "file"}


def counts(tally: Tally) -> tuple[int, int, int | None, int | None, int]:
    answer = tally.to_json()
    return (
        answer["heartbeats"],
        answer["imported"],
        answer["new"],
        answer["already_recorded"],
        answer["repeated_in_file"],
    )


def test_a_refusal_without_a_message_is_counted_under_its_http_status():
    tally = Tally()
    responses = [[{"error": "x"}, 400], [{"message": "time: too early"}, 400], ["oops", 500]]
    tally.add({"responses": responses}, [beat(1), beat(2), beat(3)])
    assert tally.to_json()["reasons"] == {"HTTP 400": 1, "time: too early": 1, "HTTP 500": 1}


@pytest.mark.parametrize("new", [-1, 3, True, "2", 2.0], ids=repr)
def test_a_count_of_new_heartbeats_the_answer_cannot_hold_is_not_believed(new: object):
    """Two heartbeats taken: a count below none or past both, or no integer, says nothing."""
    tally = Tally()
    tally.add({"responses": [TAKEN, TAKEN], "new_heartbeats": new}, [beat(1), beat(2)])
    assert counts(tally) == (2, 2, None, None, 0)
    assert tally.lines("f.json") == ["Imported 2 heartbeats from f.json."]


def test_a_count_at_its_bounds_is_believed():
    none_new, both_new = Tally(), Tally()
    none_new.add({"responses": [TAKEN, TAKEN], "new_heartbeats": 0}, [beat(1), beat(2)])
    both_new.add({"responses": [TAKEN, TAKEN], "new_heartbeats": 2}, [beat(1), beat(2)])
    assert counts(none_new) == (2, 2, 0, 2, 0)
    assert counts(both_new) == (2, 2, 2, 0, 0)


def test_once_an_answer_came_without_a_count_later_counts_claim_nothing():
    """A daemon restarted in the middle of an import may count where the one before did not:
    the new heartbeats of the requests before cannot be known."""
    tally = Tally()
    tally.add({"responses": [TAKEN]}, [beat(1)])
    tally.add({"responses": [TAKEN], "new_heartbeats": 1}, [beat(2)])
    assert counts(tally) == (2, 2, None, None, 0)
    assert tally.lines("f.json") == ["Imported 2 heartbeats from f.json."]


def test_repeats_the_daemon_counts_new_are_not_said_repeated():
    """The file sends a heartbeat twice, and the daemon says both were new (the same fields
    taken apart by the daemon, or two hashes that met): the counts still add up."""
    tally = Tally()
    tally.add({"responses": [TAKEN, TAKEN], "new_heartbeats": 2}, [beat(1), beat(1)])
    assert counts(tally) == (2, 2, 2, 0, 0)
    assert tally.lines("f.json") == ["Imported 2 heartbeats from f.json, all new."]


def test_an_answer_with_more_lines_than_heartbeats_sent_is_counted_without_failing():
    tally = Tally()
    tally.add({"responses": [TAKEN, TAKEN], "new_heartbeats": 1}, [beat(1)])
    assert counts(tally) == (2, 2, 1, 1, 0)


def test_reasons_past_those_shown_are_counted_in_one_line():
    tally = Tally()
    reasons = [f"reason {n}" for n in range(SHOWN_REASONS + 2)]
    responses = [[{"message": reason}, 400] for reason in reasons] + [
        [{"message": "often"}, 400]
    ] * 2
    tally.add({"responses": responses}, [beat(n) for n in range(len(responses))])
    lines = tally.lines("f.json")
    assert lines[:3] == ["Imported 0 heartbeats from f.json.", "Refused 9:", "       2  often"]
    assert len(lines) == 2 + SHOWN_REASONS + 1
    assert lines[-1] == "  3 for other reasons (--json lists them all)"
    assert sum(tally.to_json()["reasons"].values()) == 9


def test_one_heartbeat_is_said_new_or_already_recorded():
    new, recorded = Tally(), Tally()
    new.add({"responses": [TAKEN], "new_heartbeats": 1}, [beat(1)])
    recorded.add({"responses": [TAKEN], "new_heartbeats": 0}, [beat(1)])
    assert new.lines("f.json") == ["Imported 1 heartbeat from f.json, all new."]
    assert recorded.lines("f.json") == ["Nothing new from f.json: 1 heartbeat, already recorded."]
