"""``Record`` builds the named tuple ``typing.NamedTuple`` would, without loading ``typing``."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

from oxitrack.records import Record


class Span(Record):
    """A span of beats."""

    start: int
    end: int
    label: str = "work"

    @property
    def length(self) -> int:
        return self.end - self.start

    def shifted(self, seconds: int) -> Span:
        return self._replace(start=self.start + seconds, end=self.end + seconds)


def test_a_record_is_a_named_tuple_with_its_fields_defaults_and_methods():
    span = Span(10, 40)
    assert span == (10, 40, "work") and isinstance(span, tuple)
    assert Span._fields == ("start", "end", "label")
    assert Span(1, 2, label="x").label == "x"
    assert span.length == 30
    assert span.shifted(5) == Span(15, 45)
    start, end, label = span
    assert (start, end, label) == (10, 40, "work")
    assert repr(span) == "Span(start=10, end=40, label='work')"
    assert hash(span) == hash(Span(10, 40))
    assert Span.__doc__ == "A span of beats."
    assert Span.__module__ == __name__ and Span.__qualname__ == "Span"
    assert pickle.loads(pickle.dumps(span)) == span


def test_a_record_is_immutable_and_refuses_unknown_fields():
    span = Span(1, 2)
    with pytest.raises(AttributeError):
        span.start = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        Span(1, 2, colour="red")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Span(1)  # type: ignore[call-arg]


def test_records_do_not_load_typing():
    code = (
        "import sys; from oxitrack.records import Record\n"
        "class Point(Record):\n    x: int\n    y: int = 0\n"
        "print(Point(1), 'typing' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["Point(x=1,", "y=0)", "False"], result.stderr
