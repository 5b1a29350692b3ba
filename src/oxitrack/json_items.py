"""The items of a JSON array, cut from its bytes as they arrive, each bounded in size.

A WakaTime bulk request can be large (25 heartbeats, each with up to 1000 dependency names)
while the daemon keeps only a few small fields of each heartbeat. Parsed whole, a body of tiny
strings costs ten times its size in Python objects; cut into items, only one item is parsed at
a time, and an item too large to be a heartbeat is skipped as it streams, so the others still
get their own answers.

``ArrayItems`` finds the items' boundaries and nothing more: each item's bytes are parsed
(and so checked) by ``json.loads``, which refuses anything a parse of the whole array would.
Pure: stdlib only, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from oxitrack.records import Record

_BOM = b"\xef\xbb\xbf"
_WHITESPACE = b" \t\r\n"
# What changes nothing in the structure, in one match: bytes that are no bracket (nor, at the
# item's own level, a comma) and whole strings. It stops at a bracket, a comma that ends the
# item, or the quote of a string the chunk ends inside. Possessive: nothing is tried twice, so
# the scan runs at the regex engine's speed, not a Python step per comma or string.
_ITEM_LEVEL_RUN = re.compile(rb'(?:[^"\[\]{},]++|"(?:[^"\\]++|\\.)*+")*+', re.DOTALL)
_NESTED_RUN = re.compile(rb'(?:[^"\[\]{}]++|"(?:[^"\\]++|\\.)*+")*+', re.DOTALL)
_STRING_END_OR_ESCAPE = re.compile(rb'["\\]')


class ItemTooLarge(Record):
    """An item of the array skipped for its size: ``size`` is its number of bytes."""

    size: int


class NotAnArray(ValueError):
    """The body does not start with ``[``: the caller parses it whole to say what it is.

    ``start`` is the body from its first byte that is no space (after a byte order mark).
    """

    def __init__(self, start: bytes) -> None:
        super().__init__("the body is not a JSON array")
        self.start = start


class BrokenArray(ValueError):
    """The bytes are no JSON array (an item missing, a bracket unmatched, text after it)."""


class ArrayItems:
    """Feed the bytes of a JSON array; take each item's bytes (or ``ItemTooLarge``) as it ends."""

    def __init__(self, max_item_bytes: int) -> None:
        self._max_item_bytes = max_item_bytes
        self._lead = bytearray()  # the first bytes, until they show a byte order mark or none
        self._at_start = True
        self._started = False  # the opening "[" was read
        self._ended = False  # the closing "]" was read
        self._depth = 0  # brackets open inside the current item
        self._in_string = False
        self._escaped = False  # the last byte was a backslash inside a string
        self._item = bytearray()
        self._item_size = 0
        self._items_ended = 0  # items ended by a comma or the closing bracket

    def feed(self, chunk: bytes) -> list[bytes | ItemTooLarge]:
        """The items that ended in ``chunk``. Raises ``NotAnArray`` or ``BrokenArray``."""
        if not self._started:
            chunk = self._open(chunk)
        return list(self._scan(chunk))

    def close(self) -> None:
        """The body has ended: raises ``BrokenArray`` unless the array was closed."""
        if not self._started:
            raise NotAnArray(bytes(self._lead).lstrip(_WHITESPACE))
        if not self._ended:
            raise BrokenArray("the array is not closed: the body ends inside it")

    def _open(self, chunk: bytes) -> bytes:
        """``chunk`` after the opening bracket, once it came; a byte order mark may precede it."""
        if self._at_start:
            self._lead += chunk
            if len(self._lead) < len(_BOM) and _BOM.startswith(self._lead):
                return b""  # a byte order mark may be arriving
            chunk = bytes(self._lead).removeprefix(_BOM)
            self._lead.clear()
            self._at_start = False
        rest = chunk.lstrip(_WHITESPACE)
        if not rest:
            return b""
        if rest[:1] != b"[":
            raise NotAnArray(rest)
        self._started = True
        return rest[1:]

    def _scan(self, chunk: bytes) -> Iterator[bytes | ItemTooLarge]:
        at = 0
        while at < len(chunk):
            if self._ended:
                if chunk[at:].strip(_WHITESPACE):
                    raise BrokenArray("there is more after the array's closing bracket")
                return
            if self._in_string:
                at = self._through_string(chunk, at)
                continue
            run = (_ITEM_LEVEL_RUN if self._depth == 0 else _NESTED_RUN).match(chunk, at)
            end = run.end() if run else at
            self._keep(chunk[at:end])
            if end == len(chunk):
                return
            byte = chunk[end : end + 1]
            at = end + 1
            if self._depth == 0 and byte in (b",", b"]"):
                item = self._end_item(closing=byte == b"]")
                if item is not None:
                    yield item
                continue
            self._keep(byte)
            if byte == b'"':  # a string that goes on in the next chunk
                self._in_string = True
            elif byte in (b"[", b"{"):
                self._depth += 1
            elif byte in (b"]", b"}"):
                self._depth -= 1
                if self._depth < 0:
                    raise BrokenArray("a closing bracket matches none")

    def _through_string(self, chunk: bytes, at: int) -> int:
        """Where scanning goes on after the part of a string in ``chunk`` from ``at``."""
        end, self._in_string, self._escaped = _string_part(chunk, at, escaped=self._escaped)
        self._keep(chunk[at:end])
        return end

    def _keep(self, part: bytes) -> None:
        """Add ``part`` to the current item, unless the item is already too large to keep."""
        self._item_size += len(part)
        if self._item_size > self._max_item_bytes:
            self._item.clear()
        else:
            self._item += part

    def _end_item(self, *, closing: bool) -> bytes | ItemTooLarge | None:
        """The item a comma or the closing bracket ends; ``None`` for an empty array's "]"."""
        item, size = bytes(self._item).strip(_WHITESPACE), self._item_size
        self._item.clear()
        self._item_size = 0
        self._ended = closing
        if size > self._max_item_bytes:
            self._items_ended += 1
            return ItemTooLarge(size)
        if not item:
            if closing and self._items_ended == 0:
                return None  # "[]"
            raise BrokenArray("an item of the array is missing (two commas, or one before ']')")
        self._items_ended += 1
        return item


def _string_part(chunk: bytes, at: int, *, escaped: bool) -> tuple[int, bool, bool]:
    """Where the part of a string in ``chunk`` from ``at`` ends; whether the string goes on
    after it; whether it ends on a backslash whose escaped byte comes in the next chunk
    (``escaped``: the one before ``at`` did)."""
    if escaped:  # the escaped byte came at the start of this chunk
        return at + 1, True, False
    found = _STRING_END_OR_ESCAPE.search(chunk, at)
    if found is None:
        return len(chunk), True, False
    end = found.end()
    if chunk[found.start() : end] == b"\\":
        end = min(end + 1, len(chunk))
        return end, True, end - found.start() == 1
    return end, False, False


class PastBounds(ValueError):
    """Lists and objects nest deeper, or a number has more digits, than allowed."""


_DIGITS = b"0123456789"


class JsonBounds:
    """Feed JSON text's bytes; raises ``PastBounds`` once lists and objects nest past
    ``max_depth``, or a number has more than ``max_digits`` digits in a row, before a parser is
    given them. A parser that keeps a path per level open (``ijson``'s prefixes) costs memory
    as the square of the depth: 100,000 levels, 200 KB of brackets, took 24 GB; and Python
    reads an integer's digits in time as their square: 2 million took 17 s, in which Ctrl-C
    waits. Text that is no JSON is no matter here: the parser says it is none."""

    def __init__(self, *, max_depth: int, max_digits: int) -> None:
        self.max_depth = max_depth
        self.max_digits = max_digits
        # As ``_NESTED_RUN``, stopping also at a run of more than ``max_digits`` digits.
        self._outside_strings = re.compile(
            rb'(?:[^"\[\]{}0-9]++|[0-9]{1,%d}+(?![0-9])|"(?:[^"\\]++|\\.)*+")*+' % max_digits,
            re.DOTALL,
        )
        self._depth = 0
        self._in_string = False
        self._escaped = False
        self._digits = 0  # the digits in a row that end what was fed, outside strings

    def feed(self, chunk: bytes) -> None:
        # A number that ran to the end of the last chunk, and goes on in this one.
        if (
            self._digits
            and self._digits + len(chunk) - len(chunk.lstrip(_DIGITS)) > self.max_digits
        ):
            raise self._too_many_digits()
        at = 0
        while at < len(chunk):
            if self._in_string:
                at, self._in_string, self._escaped = _string_part(chunk, at, escaped=self._escaped)
                continue
            run = self._outside_strings.match(chunk, at)
            at = run.end() if run else at
            if at == len(chunk):
                break
            self._structure(chunk[at : at + 1])
            at += 1
        self._digits = self._digits_at_end(chunk)

    def _structure(self, byte: bytes) -> None:
        """A byte that ended a run: a bracket, a string's quote, or a digit past the limit."""
        if byte == b'"':  # a string that goes on in the next chunk
            self._in_string = True
        elif byte in (b"[", b"{"):
            self._depth += 1
            if self._depth > self.max_depth:
                raise PastBounds(f"lists and objects nest more than {self.max_depth} deep")
        elif byte in (b"]", b"}"):
            self._depth -= 1
        else:
            raise self._too_many_digits()

    def _digits_at_end(self, chunk: bytes) -> int:
        if self._in_string:
            return 0
        trailing = len(chunk) - len(chunk.rstrip(_DIGITS))
        return self._digits + trailing if trailing == len(chunk) else trailing

    def _too_many_digits(self) -> PastBounds:
        return PastBounds(f"a number has more than {self.max_digits:,} digits")
