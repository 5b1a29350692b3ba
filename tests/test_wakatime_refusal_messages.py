"""What a refused heartbeat's answer says: the field, and the value as sent where it is short
enough to show (wakatime-cli logs the message of a heartbeat it drops). And the spellings of
``is_write`` that are not refused."""

from __future__ import annotations

import pytest

from oxitrack.errors import InvalidField
from oxitrack.json_items import ItemTooLarge
from oxitrack.wakatime import (
    MAX_BULK_HEARTBEATS,
    MAX_HEARTBEAT_BYTES,
    check_bulk,
    parse_heartbeat,
    slim_heartbeat,
)
from tests.conftest import NOW
from tests.wakatime_recordings import go_cli_heartbeat


def refusal(body: object) -> InvalidField:
    with pytest.raises(InvalidField) as caught:
        parse_heartbeat(body, now=NOW, user_agent=None, find_repo_root=lambda path: None)
    return caught.value


@pytest.mark.parametrize(
    ("body", "kind"),
    [([], "an array"), ("heartbeat", "a string"), (None, "null")],
    ids=["array", "string", "null"],
)
def test_a_heartbeat_that_is_no_object_says_what_it_is(body: object, kind: str):
    assert refusal(body).message == f"heartbeat: must be a JSON object, not {kind}"


def test_a_bulk_body_that_is_no_array_or_too_long_names_the_body():
    with pytest.raises(InvalidField) as caught:
        check_bulk({"time": NOW})
    assert caught.value.field == "body"
    assert caught.value.message == "body: must be a JSON array of heartbeats, not an object"
    with pytest.raises(InvalidField) as caught:
        check_bulk([{}] * (MAX_BULK_HEARTBEATS + 1))
    assert caught.value.field == "body"
    assert caught.value.message == "body: has 1001 heartbeats; at most 1000"


def test_a_bulk_body_of_as_many_heartbeats_as_allowed_is_taken():
    assert len(check_bulk([{}] * MAX_BULK_HEARTBEATS)) == MAX_BULK_HEARTBEATS


def test_a_heartbeat_skipped_for_its_size_says_how_large_it_was():
    message = refusal(ItemTooLarge(3_000_000)).message
    assert message == (
        f"heartbeat: is 3000000 bytes of JSON; at most {MAX_HEARTBEAT_BYTES} for a heartbeat"
    )


@pytest.mark.parametrize(
    ("sent", "shown"),
    [("x" * 40, repr("x" * 40)), ("x" * 41, repr("x" * 40 + "…"))],
    ids=["40-chars-shown-whole", "41-chars-cut"],
)
def test_a_time_that_is_no_number_is_shown_up_to_40_characters(sent: str, shown: str):
    body = {**go_cli_heartbeat("/home/me/app", NOW), "time": sent}
    assert refusal(body).message == f"time: must be a number of Unix seconds, not {shown}"


@pytest.mark.parametrize(
    ("sent", "shown"),
    [("y" * 40, repr("y" * 40)), ("y" * 41, "a string")],
    ids=["40-chars-shown", "41-chars-named-by-kind"],
)
def test_an_is_write_that_is_no_boolean_is_shown_up_to_40_characters(sent: str, shown: str):
    body = {**go_cli_heartbeat("/home/me/app", NOW), "is_write": sent}
    assert refusal(body).message == f"is_write: must be true, false or null, not {shown}"


@pytest.mark.parametrize(
    ("spelling", "kept"),
    [
        *((text, True) for text in ["1", "t", "T", "TRUE", "true", "True"]),
        *((text, False) for text in ["0", "f", "F", "FALSE", "false", "False"]),
    ],
)
def test_every_spelling_go_s_parse_bool_reads_is_kept(spelling: str, kept: bool):
    """wakatime-cli reads ``is_write`` with Go's ``strconv.ParseBool``: these twelve."""
    body = {**go_cli_heartbeat("/home/me/app", NOW), "is_write": spelling}
    heartbeat = parse_heartbeat(body, now=NOW, user_agent=None, find_repo_root=lambda path: None)
    assert heartbeat.details.is_write is kept


@pytest.mark.parametrize("spelling", ["", " true", "yes", "tRUE"])
def test_other_text_for_is_write_is_refused(spelling: str):
    body = {**go_cli_heartbeat("/home/me/app", NOW), "is_write": spelling}
    assert refusal(body).field == "is_write"


def test_a_slimmed_bulk_heartbeat_keeps_its_time_sent_as_timestamp():
    """A bulk request's heartbeats keep only the fields parsing reads, ``timestamp`` (the
    other name of ``time``) among them: without it the heartbeat would be refused as timeless."""
    body = {"timestamp": NOW - 5, "entity": "/home/me/app/a.py", "dependencies": ["os"]}
    slim = slim_heartbeat(body)
    assert slim == {"timestamp": NOW - 5, "entity": "/home/me/app/a.py"}
    heartbeat = parse_heartbeat(slim, now=NOW, user_agent=None, find_repo_root=lambda path: None)
    assert heartbeat.beat.timestamp == NOW - 5
