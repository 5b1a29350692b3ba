"""Validation shared by every way a beat arrives: one row per rule, each naming its field."""

from __future__ import annotations

import pytest

from oxitrack.beats import (
    EARLIEST_TIMESTAMP,
    MAX_FUTURE_SECONDS,
    BeatLabels,
    PostedBeat,
    check_project_path,
    check_timestamp,
    parse_beat,
)
from oxitrack.errors import InvalidField
from oxitrack.fields import MAX_LABEL_CHARS, MAX_TEXT_CHARS
from oxitrack.sessions import Beat

NOW = 1_764_100_000


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, NOW),
        (NOW, NOW),
        (NOW + 0.999, NOW),
        (946_684_800, 946_684_800),
        (NOW + MAX_FUTURE_SECONDS, NOW + MAX_FUTURE_SECONDS),
    ],
    ids=[
        "absent-means-now",
        "int",
        "float-is-floored",
        "first-second-of-2000",
        "ten-minutes-ahead",
    ],
)
def test_timestamp_accepted(value: object, expected: int):
    assert check_timestamp(value, now=NOW) == expected


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("1764100000", "not a string"),
        (True, "not a boolean"),
        ([NOW], "not an array"),
        (float("nan"), "finite"),
        (float("inf"), "out of range"),
        (946_684_799, "before 2000-01-01"),
        (NOW * 1000, "in the future"),
    ],
    ids=["string", "boolean", "array", "nan", "infinity", "before-2000", "milliseconds"],
)
def test_timestamp_refused_with_reason(value: object, problem: str):
    with pytest.raises(InvalidField) as refused:
        check_timestamp(value, now=NOW)
    assert refused.value.field == "timestamp"
    assert problem in refused.value.message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (NOW + 3600, f"{NOW + 3600} is more than 600 s in the future; check the clock"),
        (
            NOW * 1000,
            f"{NOW * 1000} is more than 600 s in the future; send Unix seconds, not milliseconds",
        ),
        (
            1000 * EARLIEST_TIMESTAMP - 1,
            f"{1000 * EARLIEST_TIMESTAMP - 1} is more than 600 s in the future; check the clock",
        ),
        (
            1000 * EARLIEST_TIMESTAMP,
            f"{1000 * EARLIEST_TIMESTAMP} is more than 600 s in the future;"
            " send Unix seconds, not milliseconds",
        ),
        (
            10**15 - 1,
            "999999999999999 is more than 600 s in the future; send Unix seconds, not milliseconds",
        ),
        (10**15, "1e+15 is more than 600 s in the future; send Unix seconds, not milliseconds"),
        (
            2**63 - 1,
            "9.22e+18 is more than 600 s in the future; send Unix seconds, not milliseconds",
        ),
        # Past 64 bits: no time in any unit, said as out of range.
        (2**63, "9.22e+18 is out of range; send Unix seconds"),
        (1e308, "1e+308 is out of range; send Unix seconds"),
        (10**400, "a 401-digit number is out of range; send Unix seconds"),
        (-(10**29), "-1e+29 is out of range; send Unix seconds"),
        (-(10**400), "a 401-digit negative number is out of range; send Unix seconds"),
        # JSON's 1e400, or an integer of thousands of digits: infinite once read.
        (float("inf"), "the number is out of range; send Unix seconds"),
        (float("-inf"), "the number is out of range; send Unix seconds"),
    ],
    ids=[
        "wrong-clock",
        "milliseconds",
        "just-under-milliseconds-of-2000",
        "milliseconds-of-2000",
        "15-digits-shown-whole",
        "16-digits-shown-short",
        "largest-64-bit",
        "past-64-bits",
        "huge",
        "past-what-a-float-holds",
        "negative-past-64-bits",
        "negative-past-what-a-float-holds",
        "infinite",
        "minus-infinite",
    ],
)
def test_future_timestamp_says_what_is_likely_wrong(value: object, message: str):
    with pytest.raises(InvalidField) as refused:
        check_timestamp(value, now=NOW)
    assert refused.value.message == f"timestamp: {message}"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (None, "required"),
        ("", "empty"),
        ("   ", "empty"),
        (["/x"], "not an array"),
        ("relative/path", "absolute"),
        ("~/code", "absolute"),
        ("/a\x00b", "NUL"),
        ("/" + "é" * 2048, "4097 bytes"),
        ("/\ud800", "Unicode"),
    ],
    ids=[
        "missing",
        "empty",
        "blank",
        "array",
        "relative",
        "tilde",
        "nul",
        "over-4096-bytes-in-utf8",
        "lone-surrogate",
    ],
)
def test_project_path_refused_with_reason(value: object, problem: str):
    with pytest.raises(InvalidField) as refused:
        check_project_path(value)
    assert refused.value.field == "project_path"
    assert problem in refused.value.message


def test_project_path_of_exactly_4096_bytes_is_accepted():
    path = "/" + "é" * 2047 + "a"
    assert len(path.encode("utf-8")) == 4096
    assert check_project_path(path) == path


def test_parse_beat_builds_canonical_beat():
    posted = parse_beat({"project_path": "/a/b/../c/", "timestamp": NOW}, now=NOW)
    assert posted == PostedBeat(Beat("/a/c", NOW), None)


def test_parse_beat_takes_the_timestamp_sent_not_now():
    posted = parse_beat({"project_path": "/a", "timestamp": NOW - 60}, now=NOW)
    assert posted.beat == Beat("/a", NOW - 60)


@pytest.mark.parametrize(
    ("body", "problem"),
    [([{"project_path": "/a"}], "not an array"), ("/a", "not a string"), (None, "not null")],
    ids=["array", "string", "null"],
)
def test_parse_beat_refuses_a_body_that_is_not_an_object(body: object, problem: str):
    with pytest.raises(InvalidField) as refused:
        parse_beat(body, now=NOW)
    assert refused.value.field == "body"
    assert f"must be a JSON object, {problem}" in refused.value.message


def test_parse_beat_ignores_unknown_fields():
    body = {"project_path": "/a", "timestamp": NOW, "branch": "main", "entity": "/a/x.py"}
    assert parse_beat(body, now=NOW) == PostedBeat(Beat("/a", NOW), None)


BEAT = {"project_path": "/a", "timestamp": NOW}


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ({"language": "Python", "editor": "vscode"}, BeatLabels("Python", "vscode")),
        ({"language": "TypeScript"}, BeatLabels("TypeScript", None)),
        ({"editor": "cursor"}, BeatLabels(None, "cursor")),
        ({"language": "Python", "editor": None}, BeatLabels("Python", None)),
        ({"language": "", "editor": "vscodium"}, BeatLabels(None, "vscodium")),
        ({"language": "C++", "editor": "  "}, BeatLabels("C++", None)),
        ({"language": "Objective-C\u2028"}, BeatLabels("Objective-C\u2028", None)),
        ({"category": "debugging"}, BeatLabels(None, None, "debugging")),
        (
            {"language": "Go", "editor": "vscode", "category": "building"},
            BeatLabels("Go", "vscode", "building"),
        ),
    ],
    ids=[
        "both",
        "language",
        "editor",
        "null-editor",
        "empty-language",
        "blank-editor",
        "odd-text",
        "category",
        "all-three",
    ],
)
def test_parse_beat_keeps_the_labels_sent(labels: dict, expected: BeatLabels):
    assert parse_beat({**BEAT, **labels}, now=NOW) == PostedBeat(Beat("/a", NOW), expected)


@pytest.mark.parametrize(
    "labels",
    [
        {},
        {"language": None, "editor": None, "category": None},
        {"language": "", "editor": "", "category": ""},
        {"editor": " \t", "category": "  "},
    ],
    ids=["absent", "null", "empty", "blank"],
)
def test_a_beat_naming_none_has_no_labels(labels: dict):
    """No labels: nothing is stored beside the session, as for every beat before them."""
    assert parse_beat({**BEAT, **labels}, now=NOW).labels is None


@pytest.mark.parametrize("field", ["language", "editor", "category"])
def test_a_long_label_is_cut_not_refused(field: str):
    """As a WakaTime heartbeat's: a refused beat would cost its time for a detail."""
    posted = parse_beat({**BEAT, field: "x" * MAX_TEXT_CHARS}, now=NOW)
    assert posted.labels is not None
    assert getattr(posted.labels, field) == "x" * MAX_LABEL_CHARS


@pytest.mark.parametrize("field", ["language", "editor", "category"])
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (42, "must be a string or null, not a number"),
        (True, "must be a string or null, not a boolean"),
        (["Python"], "must be a string or null, not an array"),
        ({"name": "Python"}, "must be a string or null, not an object"),
        ("Py\x00thon", "must not contain NUL bytes"),
        ("x" * (MAX_TEXT_CHARS + 1), f"at most {MAX_TEXT_CHARS} allowed"),
    ],
    ids=["number", "boolean", "array", "object", "nul", "absurdly-long"],
)
def test_a_wrong_label_is_refused_naming_it(field: str, value: object, problem: str):
    with pytest.raises(InvalidField) as refused:
        parse_beat({**BEAT, field: value}, now=NOW)
    assert refused.value.field == field
    assert problem in refused.value.message
