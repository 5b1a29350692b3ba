"""Validation of incoming beats, shared by every way a beat arrives (``/beat``, WakaTime, CLI).

Pure: the current time comes in as an argument. Raises ``InvalidField`` naming the field and the
problem. Imports no sqlite3, starlette or asyncio.
"""

from __future__ import annotations

from collections.abc import Mapping

from oxitrack.errors import InvalidField
from oxitrack.fields import check_text, json_type, label, machine_label
from oxitrack.projects import canonical_project_path, is_absolute_project_path
from oxitrack.records import Record
from oxitrack.sessions import Beat
from oxitrack.systems import check_system

MAX_PROJECT_PATH_BYTES = 4096
EARLIEST_TIMESTAMP = 946_684_800  # 2000-01-01T00:00:00Z: older clocks are wrong, not history.
MAX_FUTURE_SECONDS = 600


class BeatLabels(Record):
    """What an editor's beat may name besides its folder and time, in WakaTime's words
    (``Python``; ``vscode``; ``debugging``; ``devbox``; ``linux``): kept as a WakaTime
    heartbeat's details are, so that reports break the editor's time down by language, editor,
    category, machine and system as they do WakaTime's."""

    language: str | None
    editor: str | None
    category: str | None = None
    machine: str | None = None  # the host name
    operating_system: str | None = None  # as a WakaTime heartbeat's: linux, darwin, windows...


_NO_LABELS = BeatLabels(None, None, None)


class PostedBeat(Record):
    """A beat as ``POST /beat`` gives it: the beat for the session rule and its labels, ``None``
    when it named neither (nothing is stored beside the session then)."""

    beat: Beat
    labels: BeatLabels | None = None


def check_project_path(value: object, field: str = "project_path") -> str:
    """The canonical project path, or ``InvalidField`` saying what is wrong with ``value``."""
    if value is None:
        raise InvalidField(field, "is required")
    if not isinstance(value, str):
        raise InvalidField(field, f"must be a string, not {json_type(value)}")
    if not value.strip():
        raise InvalidField(field, "must not be empty")
    size = len(check_text(value, field).encode("utf-8"))
    if size > MAX_PROJECT_PATH_BYTES:
        raise InvalidField(field, f"is {size} bytes long; at most {MAX_PROJECT_PATH_BYTES} allowed")
    if not is_absolute_project_path(value):
        raise InvalidField(field, "must be an absolute path (starting with / or a drive letter)")
    return canonical_project_path(value)


def check_timestamp(value: object, *, now: float, field: str = "timestamp") -> int:
    """Whole Unix seconds between 2000-01-01 and ten minutes past ``now``; ``None`` means now."""
    if value is None:
        return int(now)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidField(field, f"must be a number of Unix seconds, not {json_type(value)}")
    if value != value:
        raise InvalidField(field, "must be a finite number")
    if is_out_of_range(value):
        raise InvalidField(field, f"{out_of_range(value)}; send Unix seconds")
    timestamp = int(value)
    if timestamp < EARLIEST_TIMESTAMP:
        raise InvalidField(field, f"{timestamp} is before 2000-01-01; send Unix seconds")
    if timestamp > now + MAX_FUTURE_SECONDS:
        # Milliseconds (JavaScript's Date.now()) are the usual mistake, not a wrong clock; and
        # nanoseconds should not come back as a 19-digit number.
        shown = str(timestamp) if timestamp < 10**15 else _short_number(timestamp)
        hint = (
            "send Unix seconds, not milliseconds"
            if timestamp >= 1000 * EARLIEST_TIMESTAMP
            else "check the clock"
        )
        raise InvalidField(
            field, f"{shown} is more than {MAX_FUTURE_SECONDS} s in the future; {hint}"
        )
    return timestamp


def parse_beat(body: object, *, now: float) -> PostedBeat:
    """A ``PostedBeat`` from the JSON body of ``POST /beat``.

    ``language``, ``editor``, ``category``, ``machine`` and ``operating_system`` are optional
    labels, checked as a WakaTime heartbeat's are (``fields.label``): null or blank means not
    sent, a long one is cut rather than refused. The machine is cleaned as the
    ``X-Machine-Name`` header is, and never refused for its text; the system is kept as the
    word a WakaTime heartbeat's User-Agent gives (``check_system``).
    """
    if not isinstance(body, Mapping):
        raise InvalidField("body", f"must be a JSON object, not {json_type(body)}")
    beat = Beat(
        project_path=check_project_path(body.get("project_path")),
        timestamp=check_timestamp(body.get("timestamp"), now=now),
    )
    labels = BeatLabels(
        label(body, "language"),
        label(body, "editor"),
        label(body, "category"),
        _machine(body.get("machine")),
        check_system(label(body, "operating_system")),
    )
    if labels == _NO_LABELS:  # most beats (older editors): nothing to keep beside the session
        return PostedBeat(beat)
    return PostedBeat(beat, labels)


def _machine(value: object) -> str | None:
    """The ``machine`` field as a label, cleaned as ``wakatime.machine_name`` cleans the
    ``X-Machine-Name`` header: never refused for its text, only for not being text."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidField("machine", f"must be a string or null, not {json_type(value)}")
    return machine_label(value)


#: Past what a 64-bit integer holds: no time in any unit (nanoseconds reach 1.8e18 now), and
#: JSON's ``1e400``, or an integer of thousands of digits, arrive as infinite.
_OUT_OF_RANGE = 2**63


def is_out_of_range(value: float) -> bool:
    """Whether a number is past what any field takes: more than 64 bits, or infinite (not
    NaN, which is no number to be out of range)."""
    return abs(value) >= _OUT_OF_RANGE


def out_of_range(value: float) -> str:
    """What is wrong with a number ``is_out_of_range`` refuses, in words for its field."""
    if value in (float("inf"), float("-inf")):
        return "the number is out of range"
    return f"{_short_number(int(value))} is out of range"


def _short_number(number: int) -> str:
    """``1e+308``; past what a float holds, how many digits it has (its sign in words: a
    minus before "a 401-digit number" read as a typo)."""
    try:
        return f"{float(number):.3g}"
    except OverflowError:
        sign = "negative " if number < 0 else ""
        return f"a {len(str(abs(number)))}-digit {sign}number"
