"""``--month MONTH`` as the range flags read it (``_report_flags.named_month``): a calendar
month whole, or this one up to today; ``last`` across a year's turn."""

from __future__ import annotations

from datetime import date

import pytest

from oxitrack.commands._report_flags import named_month
from oxitrack.errors import InvalidField


@pytest.mark.parametrize(
    ("text", "today", "first", "last"),
    [
        ("last", date(2026, 1, 9), date(2025, 12, 1), date(2025, 12, 31)),
        ("last", date(2026, 3, 1), date(2026, 2, 1), date(2026, 2, 28)),
        ("last", date(2026, 3, 31), date(2026, 2, 1), date(2026, 2, 28)),
        ("2026-03", date(2026, 3, 31), date(2026, 3, 1), date(2026, 3, 31)),
        ("2026-03", date(2026, 3, 1), date(2026, 3, 1), date(2026, 3, 1)),
        ("2026-04", date(2026, 3, 31), date(2026, 4, 1), date(2026, 4, 30)),
        ("1970-01", date(2026, 3, 31), date(1970, 1, 1), date(1970, 1, 31)),
        ("9998-12", date(2026, 3, 31), date(9998, 12, 1), date(9998, 12, 31)),
        (" Last ", date(2026, 1, 9), date(2025, 12, 1), date(2025, 12, 31)),  # as typed
        ("2026-03 ", date(2026, 3, 15), date(2026, 3, 1), date(2026, 3, 15)),
    ],
)
def test_a_month_is_its_first_to_last_day_or_to_today(
    text: str, today: date, first: date, last: date
) -> None:
    assert named_month(text, today, given_last=None) == (first, last)


@pytest.mark.parametrize(
    "text",
    [
        "2026-00",
        "2026-13",
        "2026-3",
        "26-03",
        "2026-03-01",
        "",
        "next",
        "2026/03",  # one separator, as every date given
        "\uff12\uff10\uff12\uff16-03",  # full-width digits, which int() would take
    ],
)
def test_what_is_no_month_is_refused_as_such(text: str) -> None:
    with pytest.raises(InvalidField) as refused:
        named_month(text, date(2026, 3, 31), given_last=None)
    assert refused.value.field == "--month"
    assert "is not a month" in refused.value.problem


@pytest.mark.parametrize("text", ["1969-12", "9999-01"])
def test_a_month_outside_the_years_of_any_day_given_is_refused(text: str) -> None:
    with pytest.raises(InvalidField) as refused:
        named_month(text, date(2026, 3, 31), given_last=None)
    assert (refused.value.field, refused.value.problem) == (
        "--month",
        f"{text!r} is outside the years 1970 to 9998",
    )


def test_a_last_day_given_beside_a_named_month_is_refused() -> None:
    with pytest.raises(InvalidField) as refused:
        named_month("2026-02", date(2026, 3, 31), given_last=date(2026, 2, 14))
    assert refused.value.field == "--to"
