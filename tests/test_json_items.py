"""Cutting a JSON array into its items as its bytes arrive, in chunks cut anywhere."""

from __future__ import annotations

import json
import re
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oxitrack.json_items import (
    ArrayItems,
    BrokenArray,
    ItemTooLarge,
    JsonBounds,
    NotAnArray,
    PastBounds,
)


def items_of(body: bytes, *, chunk: int, max_item_bytes: int = 1 << 20) -> list[object]:
    """Each item parsed, or its ``ItemTooLarge``, from ``body`` fed ``chunk`` bytes at a time."""
    splitter = ArrayItems(max_item_bytes)
    found: list[bytes | ItemTooLarge] = []
    for start in range(0, len(body), chunk):
        found += splitter.feed(body[start : start + chunk])
    splitter.close()
    return [item if isinstance(item, ItemTooLarge) else json.loads(item) for item in found]


# Strings full of what the cutting must not take for structure: quotes, brackets, commas and
# backslashes, escaped or not, and text that is not ASCII.
tricky_strings = st.text(alphabet='"\\[]{},: \n\u00e9\u2028\U0001f600ab', max_size=12)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | tricky_strings,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(tricky_strings, inner, max_size=4),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(
    items=st.lists(json_values, max_size=6),
    chunk=st.integers(min_value=1, max_value=40),
    ascii_only=st.booleans(),
    indent=st.sampled_from([None, 1]),
)
def test_the_items_are_those_of_the_whole_array(items, chunk, ascii_only, indent):
    body = json.dumps(items, ensure_ascii=ascii_only, indent=indent).encode()
    assert items_of(body, chunk=chunk) == items


def depth_of(value: object) -> int:
    """How deep lists and objects nest in ``value``."""
    if isinstance(value, list | dict):
        inner = value.values() if isinstance(value, dict) else value
        return 1 + max(map(depth_of, inner), default=0)
    return 0


def digits_of(value: object) -> int:
    """The most digits in a row of a number in ``value``, as ``json.dumps`` writes it."""
    if isinstance(value, list | dict):
        inner = value.values() if isinstance(value, dict) else value
        return max(map(digits_of, inner), default=0)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return max(len(run) for run in re.findall(r"[0-9]+", json.dumps(value)))
    return 0


numbers_long_and_short = st.integers(min_value=-(10**12), max_value=10**12) | st.floats(
    allow_nan=False, allow_infinity=False
)
json_values_with_numbers = st.recursive(
    st.none() | numbers_long_and_short | tricky_strings | st.text(alphabet="0123456789"),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(tricky_strings, inner, max_size=4),
    max_leaves=10,
)


@settings(max_examples=400, deadline=None)
@given(
    value=json_values_with_numbers,
    chunk=st.integers(min_value=1, max_value=40),
    depth=st.integers(0, 3),
    digits=st.integers(1, 13),
)
def test_nesting_and_digits_are_refused_past_their_limit_and_only_then(value, chunk, depth, digits):
    """Brackets, quotes, backslashes and digits in strings are text, and a number goes on
    across chunks, wherever the chunks cut them."""
    body = json.dumps(value).encode()
    bounds = JsonBounds(max_depth=depth, max_digits=digits)
    try:
        for start in range(0, len(body), chunk):
            bounds.feed(body[start : start + chunk])
    except PastBounds:
        assert depth_of(value) > depth or digits_of(value) > digits
    else:
        assert depth_of(value) <= depth and digits_of(value) <= digits


def test_an_item_over_the_limit_is_skipped_and_sized_the_others_kept():
    big = '"' + "x" * 500 + '"'
    body = f'\ufeff [1, {big}, {{"a": [{big}]}}, 2]'.encode()
    for chunk in (1, 7, len(body)):
        found = items_of(body, chunk=chunk, max_item_bytes=400)
        assert found == [1, ItemTooLarge(503), ItemTooLarge(512), 2]  # with the space before


@pytest.mark.parametrize(
    "body",
    [
        *(b"[1,,2]", b"[1,]", b"[,]", b"[1 2]", b"[1] 2", b"[{]", b"[", b"[1}", b'["a]', b"[}]"),
        *(b"[1, 2X]", b"[Xtrue]", b'["a"X]', b"[1\x0c]", b"[\x0b1]"),  # no JSON whitespace
    ],
)
def test_what_is_no_array_is_refused_as_a_whole_parse_would(body: bytes):
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)
    with pytest.raises((BrokenArray, json.JSONDecodeError)):
        items_of(body, chunk=2)


@pytest.mark.parametrize(
    "body", [b"", b"  \n", b'{"entity": "/a"}', b"1", b"null", b" \xef\xbb\xbf[1]"]
)
def test_a_body_that_is_no_array_says_so_at_its_first_byte(body: bytes):
    with pytest.raises(NotAnArray):
        items_of(body, chunk=1)


def start_of_no_array(body: bytes, *, chunk: int) -> bytes:
    """What ``NotAnArray`` hands back of ``body`` fed ``chunk`` bytes at a time, and the bytes
    after those it was fed: together, what is parsed whole to say what the body is."""
    splitter = ArrayItems(max_item_bytes=20)
    for start in range(0, len(body), chunk):
        try:
            splitter.feed(body[start : start + chunk])
        except NotAnArray as not_array:
            return not_array.start + body[start + chunk :]
    with pytest.raises(NotAnArray) as raised:
        splitter.close()
    return raised.value.start


@pytest.mark.parametrize(
    ("body", "start"),
    [
        (b'{"entity": "/a"}', b'{"entity": "/a"}'),
        (b' \n "text"', b'"text"'),
        (b"\xef\xbb\xbf {}", b"{}"),
        (b"\xef\xbb\xbf", b""),
        (b"\xef\xbb\xbf \n", b""),
        (b"", b""),
        (b"\xef\xbb", b"\xef\xbb"),
        (b"X[1]", b"X[1]"),
    ],
)
def test_a_body_that_is_no_array_is_handed_back_from_its_first_byte_that_is_no_space(
    body: bytes, start: bytes
):
    """A byte order mark in front of it left out, wherever the chunks cut."""
    for chunk in (1, 2, 3, 4, len(body) or 1):
        assert start_of_no_array(body, chunk=chunk) == start


def test_an_empty_array_has_no_items():
    assert items_of(b" [ \n ] ", chunk=1) == []


@pytest.mark.parametrize(
    "body",
    [b"[1,,2]", b"[1,]", b"[,]", b"[,1]", b'["' + b"x" * 50 + b'",]', b'["' + b"x" * 50 + b'",1,]'],
    ids=["two-commas", "before-end", "only-one", "first", "after-a-large-item", "large-item-item"],
)
def test_a_missing_item_is_a_broken_array_wherever_the_chunks_cut(body: bytes):
    """Told by the splitter itself, not left for the parse of an empty item: items too large
    to keep count as items all the same."""
    for chunk in (1, 3, len(body)):
        splitter = ArrayItems(max_item_bytes=20)
        with pytest.raises(BrokenArray, match="missing"):
            for start in range(0, len(body), chunk):
                splitter.feed(body[start : start + chunk])


def test_the_first_item_is_kept_up_to_the_limit_exactly_and_sized_past_it():
    at_limit, past_it = b'"' + b"x" * 18 + b'"', b'"' + b"x" * 19 + b'"'
    for chunk in (1, 5, 50):
        assert items_of(b"[" + at_limit + b"]", chunk=chunk, max_item_bytes=20) == ["x" * 18]
        found = items_of(b"[" + past_it + b", 1]", chunk=chunk, max_item_bytes=20)
        assert found == [ItemTooLarge(21), 1]


@pytest.mark.parametrize("cut", [1, 2, 3])
def test_a_number_the_text_starts_with_has_its_digits_counted_across_chunks(cut: int):
    """As anywhere else: a top-level number (``oxitrack import`` of a file holding one) is no
    different for being first."""
    at_limit, past_it = b"123", b"1234"
    bounds = JsonBounds(max_depth=0, max_digits=3)
    bounds.feed(at_limit[:cut])
    bounds.feed(at_limit[cut:])
    bounds = JsonBounds(max_depth=0, max_digits=3)
    with pytest.raises(PastBounds):
        bounds.feed(past_it[:cut])
        bounds.feed(past_it[cut:])


def test_an_item_over_the_limit_is_not_kept_as_it_streams():
    """A body of one 8 MB item, in chunks as a request's arrive: what the item's size alone
    refuses holds no memory while the rest of it arrives."""
    body = b'[{"entity": "' + b"x" * 8_000_000 + b'"}, 1]'
    chunks = [body[start : start + 65536] for start in range(0, len(body), 65536)]
    splitter = ArrayItems(max_item_bytes=1000)
    found: list[bytes | ItemTooLarge] = []
    tracemalloc.start()
    try:
        for chunk in chunks:
            found += splitter.feed(chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert found == [ItemTooLarge(len(body) - 5), b"1"]
    assert peak < 1_000_000, f"{peak:,} bytes held"


def test_a_quote_escaped_across_chunks_stays_inside_its_string():
    """``"a\\"[12"`` is one string, cut after its backslash: no bracket, no number."""
    bounds = JsonBounds(max_depth=0, max_digits=1)
    bounds.feed(b'"a\\')
    bounds.feed(b'"[12"')


def test_a_closing_bracket_that_matches_none_breaks_the_array_at_once():
    with pytest.raises(BrokenArray, match="matches none"):
        ArrayItems(max_item_bytes=20).feed(b"[}{]")
