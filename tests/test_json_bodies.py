"""JSON bodies encoded a piece at a time (``oxitrack.json_bodies``)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.responses import JSONResponse

from oxitrack.json_bodies import compact_json, json_list_pieces, json_object_with_list

_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
_fields = st.dictionaries(st.text(), _values, max_size=3)


def test_a_json_lists_pieces_encode_each_item_before_the_next_is_made():
    """A long report's items are let go once written: one changed after the next is asked
    for is already written as it was."""

    def items() -> Iterator[dict[str, object]]:
        made: list[dict[str, object]] = []
        for name in ("é", "b", "c"):
            if made:
                made[-1]["late"] = True
            made.append({"name": name, "seconds": 1.5})
            yield made[-1]

    assert (
        b"".join(json_list_pieces(items()))
        == '[{"name":"é","seconds":1.5},{"name":"b","seconds":1.5},'.encode()
        + b'{"name":"c","seconds":1.5}]'
    )
    assert b"".join(json_list_pieces([])) == b"[]"


def test_a_body_is_the_bytes_jsonresponse_makes():
    value = {"name": "café", "seconds": 1.5, "rows": [1, None, True], "emoji": "\U0001f600"}
    assert compact_json(value) == JSONResponse(value).body
    assert json.loads(compact_json(value)) == value


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_a_number_json_cannot_write_is_refused_as_jsonresponse_refuses_it(number: float):
    """``NaN`` or ``Infinity`` in a body would be text no JSON reader takes (the dashboard's
    ``response.json()`` throws): refused while encoding, as ``JSONResponse`` refuses it."""
    with pytest.raises(ValueError, match="JSON compliant"):
        JSONResponse({"seconds": number})
    with pytest.raises(ValueError, match="JSON compliant"):
        compact_json({"seconds": number})
    with pytest.raises(ValueError, match="JSON compliant"):
        b"".join(json_list_pieces([1, number]))


@given(before=_fields, key=st.text(), items=st.lists(_values, max_size=4), after=_fields)
def test_an_object_with_a_list_is_the_bytes_jsonresponse_makes_of_the_whole(
    before: dict[str, object], key: str, items: list[object], after: dict[str, object]
):
    """Fields before the list, the list, fields after it, in that order, each part empty or
    not: byte for byte what one ``JSONResponse`` of the whole would have sent."""
    before = {name: value for name, value in before.items() if name != key}
    after = {name: value for name, value in after.items() if name != key and name not in before}
    whole = {**before, key: items, **after}
    assert json_object_with_list(before, key, items, lambda: after) == JSONResponse(whole).body


def test_what_follows_the_list_is_made_once_its_items_are_all_encoded():
    """The summaries' totals add up the days as they are encoded: asked for earlier, they
    would be missing days."""
    seen: list[int] = []

    def items() -> Iterator[int]:
        for number in (1, 2, 3):
            seen.append(number)
            yield number

    body = json_object_with_list({"a": 0}, "items", items(), lambda: {"count": len(seen)})
    assert body == b'{"a":0,"items":[1,2,3],"count":3}'
    assert json_object_with_list({}, "items", [], dict) == b'{"items":[]}'
