"""Validation shared by every way a beat arrives: one row per rule, each naming its field."""

from __future__ import annotations

import pytest

from oxitrack.beats import (
    EARLIEST_TIMESTAMP,
    MAX_FUTURE_SECONDS,
    check_project_path,
    check_timestamp,
    parse_beat,
)
from oxitrack.errors import InvalidField
from oxitrack.sessions import Beat

NOW = 1_764_100_000


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, NOW),
        (NOW, NOW),
        (NOW + 0.999, NOW),
        (EARLIEST_TIMESTAMP, EARLIEST_TIMESTAMP),
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
        (float("inf"), "finite"),
        (EARLIEST_TIMESTAMP - 1, "before 2000-01-01"),
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
        (1e308, "1e+308 is more than 600 s in the future; send Unix seconds, not milliseconds"),
    ],
    ids=["wrong-clock", "milliseconds", "huge"],
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


def test_parse_beat_builds_canonical_beat():
    beat = parse_beat({"project_path": "/a/b/../c/", "timestamp": NOW}, now=NOW)
    assert beat == Beat("/a/c", NOW)


def test_parse_beat_ignores_unknown_fields():
    body = {"project_path": "/a", "timestamp": NOW, "editor": "vim"}
    assert parse_beat(body, now=NOW) == Beat("/a", NOW)
