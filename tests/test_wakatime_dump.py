"""Reading a WakaTime export's heartbeats as they stream (``oxitrack.wakatime_dump``)."""

from __future__ import annotations

import gzip
import io
import json
import sys
import tracemalloc
from typing import Any

import pytest

from oxitrack.wakatime_dump import MAX_DIGITS, MAX_NESTING, NotAnExport, heartbeats_in


def read(body: object) -> list[object]:
    return list(heartbeats_in(io.BytesIO(json.dumps(body).encode())))


def test_the_exports_days_are_read_in_order_whatever_comes_before_them():
    """``user`` holds a ``data`` and a ``days`` of its own: only the top level's count."""
    body = {
        "user": {"data": [], "days": 3},
        "range": {"start": 1},
        "days": [
            {"date": "2025-11-24", "heartbeats": [{"time": 1.5}, {"time": 2}]},
            {"date": "2025-11-25", "heartbeats": []},
            {"date": "2025-11-26", "heartbeats": [{"time": 3, "dependencies": ["a", {"b": 1}]}]},
        ],
    }
    assert read(body) == [{"time": 1.5}, {"time": 2}, {"time": 3, "dependencies": ["a", {"b": 1}]}]


def test_numbers_are_plain_floats_and_ints_as_json_gives_them():
    [beat] = read({"days": [{"heartbeats": [{"time": 1763942400.25, "lineno": 3}]}]})
    assert beat == {"time": 1763942400.25, "lineno": 3}
    assert type(beat["time"]) is float and type(beat["lineno"]) is int  # type: ignore[index]


def test_numbers_of_any_size_are_read_as_json_gives_them():
    """Past 64 bits, past a float, past the 4300 digits CPython reads: before the heartbeats
    and in them, each read as ``json.loads`` would (the longest as infinite, as 1e400 is)."""
    text = (
        '{"user": {"id": 123456789012345678901234567890}, "days": [{"heartbeats": ['
        '{"time": 123456789012345678901234567890, "lineno": -1e400, "cursorpos": 2.5e-400},'
        f'{{"time": 1e400, "lines": [{"9" * 5000}, -{"9" * 5000}]}}'
        "]}]}"
    )
    limit = sys.get_int_max_str_digits()
    assert list(heartbeats_in(io.BytesIO(text.encode()))) == [
        {"time": 123456789012345678901234567890, "lineno": float("-inf"), "cursorpos": 0.0},
        {"time": float("inf"), "lines": [float("inf"), float("-inf")]},
    ]
    assert sys.get_int_max_str_digits() == limit  # lifted only while reading


def test_the_limit_on_reading_long_integers_is_set_back_after_each_heartbeat():
    """Lifted only while ``ijson`` reads: the rest of the program keeps the limit it has, even
    when an earlier read in this process left it lifted (which a check against the limit found
    before reading would miss)."""
    before = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(5000)
    try:
        beats = heartbeats_in(io.BytesIO(b'[{"time": 1}, {"time": 2}]'))
        assert next(beats) == {"time": 1}
        assert sys.get_int_max_str_digits() == 5000
        assert list(beats) == [{"time": 2}]
        assert sys.get_int_max_str_digits() == 5000
    finally:
        sys.set_int_max_str_digits(before)


def test_a_heartbeat_nesting_lists_deep_is_read_with_its_numbers_as_json_gives_them():
    """Lists nested 900 deep in a field no one reads (``json.loads`` reads them): read, not a
    traceback, the numbers at the bottom converted like any."""
    deep = "[" * 900 + f"1e400, {'9' * 5000}, 2.5" + "]" * 900
    text = f'[{{"time": 1763942400, "dependencies": {deep}}}]'
    limit = sys.get_int_max_str_digits()
    expected = json.loads(text.replace("9" * 5000, "1e400"))
    assert list(heartbeats_in(io.BytesIO(text.encode()))) == expected
    assert sys.get_int_max_str_digits() == limit


@pytest.mark.parametrize("levels", [1, 2], ids=["before-the-heartbeats", "in-one"])
def test_a_file_nesting_past_what_any_export_does_is_refused_before_it_is_parsed(levels: int):
    """Lists a thousand deep, as deep as ``json.loads`` reads (or nearly), are read; one more,
    and the file is refused before the parser gets there: it keeps a path for each level open,
    so 100,000 of them (200 KB) took 24 GB."""

    def export(lists: int) -> bytes:
        deep = "[" * lists + "]" * lists
        if levels == 1:  # the export's root object, then the lists
            return f'{{"user": {deep}, "days": [{{"heartbeats": [{{"time": 1}}]}}]}}'.encode()
        return f'[{{"time": 1, "dependencies": {deep}}}]'.encode()  # an array, a heartbeat

    assert len(list(heartbeats_in(io.BytesIO(export(MAX_NESTING - levels))))) == 1
    with pytest.raises(NotAnExport, match=r"^the file is no export: lists and objects nest more"):
        list(heartbeats_in(io.BytesIO(export(MAX_NESTING - levels + 1))))


@pytest.mark.parametrize("sign", ["", "-"])
def test_an_integer_past_what_any_field_holds_is_refused_before_it_is_read(sign: str):
    """Python reads an integer's digits in time as their square (2 million: 17 s, Ctrl-C
    waiting): the longest read is infinite, as it would be past 4300 digits; one digit more,
    and the file is refused before the parser reads it. In a string, digits are text."""
    longest = f'[{{"time": 1, "lineno": {sign}{"7" * MAX_DIGITS}, "x": "{"7" * 200_000}"}}]'
    assert [beat["lineno"] for beat in heartbeats_in(io.BytesIO(longest.encode()))] == [
        float(f"{sign}inf")
    ]
    too_long = f'[{{"time": 1, "lineno": {sign}{"7" * (MAX_DIGITS + 1)}}}]'
    with pytest.raises(NotAnExport, match=r"^the file is no export: a number has more than 100,"):
        list(heartbeats_in(io.BytesIO(too_long.encode())))


def test_an_api_answer_and_an_array_and_the_odd_item_in_them():
    assert read({"start": "x", "data": [{"time": 1}, "text"]}) == [{"time": 1}, "text"]
    assert read([{"time": 1}, 7, None]) == [{"time": 1}, 7, None]
    assert read({"days": []}) == [] and read([]) == []


@pytest.mark.parametrize(
    "body",
    [{"user": {}}, {}, 42, "days", None],
    ids=["no-heartbeats-key", "empty-object", "number", "text", "null"],
)
def test_json_holding_no_heartbeats_is_no_export(body: object):
    with pytest.raises(NotAnExport, match="holds no heartbeats: expected WakaTime's export"):
        read(body)


@pytest.mark.parametrize("content", [b"", b"[{", b"{]", b"\xff\xfe"], ids=repr)
def test_text_that_is_no_json_is_said_in_one_line(content: bytes):
    with pytest.raises(NotAnExport) as raised:
        list(heartbeats_in(io.BytesIO(content)))
    assert str(raised.value).startswith("the file is not valid JSON (")
    assert "\n" not in str(raised.value)


def test_an_export_saved_as_utf16_is_said_to_be_no_json_without_quoting_its_bytes():
    """Notepad's "Unicode" is UTF-16: the parser's message then comes as bytes, which quoted
    the file's first bytes, escaped, and the parser's pointer at them."""
    content = json.dumps({"days": [{"heartbeats": [{"time": 1}]}]}).encode("utf-16")
    with pytest.raises(NotAnExport) as raised:
        list(heartbeats_in(io.BytesIO(content)))
    message = str(raised.value)
    assert message.startswith("the file is not valid JSON (") and "\n" not in message
    assert "invalid char" in message, message  # the parser's words, where it has some
    assert "\\x" not in message and "right here" not in message and "b'" not in message, message


def test_a_gzipped_export_is_read_as_the_plain_one():
    body = {"user": {}, "days": [{"heartbeats": [{"time": 1.5}, {"time": 2}]}]}
    packed = gzip.compress(json.dumps(body).encode())
    assert list(heartbeats_in(io.BytesIO(packed))) == [{"time": 1.5}, {"time": 2}]


@pytest.mark.parametrize(
    "damage",
    [lambda packed: packed[: len(packed) // 2], lambda packed: packed[:12] + b"\0" * 40],
    ids=["cut-short", "garbled"],
)
def test_a_gzipped_file_cut_short_or_damaged_is_said_in_one_line(damage: Any):
    heartbeats = [{"time": n, "entity": "x" * 50} for n in range(200)]
    packed = gzip.compress(json.dumps({"days": [{"heartbeats": heartbeats}]}).encode())
    with pytest.raises(NotAnExport, match="gzipped, but cut short or damaged"):
        list(heartbeats_in(io.BytesIO(damage(packed))))


BOM = b"\xef\xbb\xbf"


class Pipe(io.RawIOBase):
    """A pipe's end as the import sees it: no seeking, and reads that return fewer bytes than
    asked (what a pipe has so far)."""

    def __init__(self, content: bytes, at_most: int) -> None:
        self._content, self._at_most = content, at_most

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = min(len(buffer), self._at_most, len(self._content))
        buffer[:size], self._content = self._content[:size], self._content[size:]
        return size


@pytest.mark.parametrize("at_most", [1, 5, 65536])
@pytest.mark.parametrize(
    "pack",
    [
        bytes,
        gzip.compress,
        lambda text: BOM + text,
        lambda text: gzip.compress(BOM + text),
    ],
    ids=["plain", "gzipped", "bom", "gzipped-bom"],
)
def test_a_pipe_is_read_as_the_file_once_without_seeking(pack: Any, at_most: int):
    """``oxitrack import -``: the gzip mark, the byte order mark and the shape are looked at
    and read again, where a file would seek back."""
    beats = [{"time": n, "entity": f"/code/app/{n}.py"} for n in range(3000)]
    content = pack(json.dumps({"user": {"id": "x"}, "days": [{"heartbeats": beats}]}).encode())
    pipe = Pipe(content, at_most)
    assert not pipe.seekable()
    assert list(heartbeats_in(pipe)) == beats  # type: ignore[arg-type]


def test_a_pipe_that_is_no_export_is_said_as_a_file_would_be():
    with pytest.raises(NotAnExport, match="holds no heartbeats"):
        list(heartbeats_in(Pipe(b'{"user": {}}', 3)))  # type: ignore[arg-type]
    with pytest.raises(NotAnExport, match="not valid JSON"):
        list(heartbeats_in(Pipe(BOM + b"<html>", 3)))  # type: ignore[arg-type]


@pytest.mark.parametrize("pack", [bytes, gzip.compress], ids=["plain", "gzipped"])
def test_an_export_is_read_without_holding_the_file_in_memory(pack: Any):
    """A career's export is hundreds of megabytes: once its start has been looked at, the bytes
    read are not kept. 8 MB of heartbeats, read holding less than a quarter of them."""
    beats = [
        {"time": 1_763_942_400 + n, "entity": f"/code/{n}/" + "x" * 40_000} for n in range(200)
    ]
    text = json.dumps({"user": {"id": "x"}, "days": [{"heartbeats": beats}]}).encode()
    file = io.BytesIO(pack(text))
    del beats
    tracemalloc.start()
    try:
        count = sum(1 for _ in heartbeats_in(file))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 200
    assert peak < len(text) / 4, f"{peak:,} bytes held reading {len(text):,}"


@pytest.mark.parametrize(
    "header",
    [
        "session_id,project_path,project_name,start_time,last_heartbeat,duration_seconds,"
        "start_local,end_local",
        "session_id,project_path,project_name,start_time,last_heartbeat,duration_seconds,"
        "start_local,end_local,duration_in_range_seconds",
    ],
    ids=["before-duration-in-range", "now"],
)
def test_oxitrack_s_own_csv_export_is_said_to_be_one_whichever_version_wrote_it(header: str):
    """An export written before ``duration_in_range_seconds`` was added is OxiTrack's too."""
    content = f"{header}\n1,/code/a,a,1,2,1,x,y\n".encode()
    with pytest.raises(NotAnExport, match="oxitrack export"):
        list(heartbeats_in(io.BytesIO(content)))
