"""The WAL file as SQLite writes it, read by hand for what SQLite does not say: a damaged frame
hides every commit after it (``check`` reports it, so that nobody opens the file for writing
before keeping a copy).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

# The WAL file (https://www.sqlite.org/fileformat2.html#walformat): a 32-byte header, then frames
# of a 24-byte header and one page. Header and frame header fields are big-endian; the
# checksums run over 32-bit words in the order the magic number names.
_WAL_HEADER = struct.Struct(">8I")  # magic, version, page size, checkpoint seq, salts, checksum
_FRAME_HEADER = struct.Struct(">6I")  # page number, size after commit (0: not a commit), salts, sum
_WAL_MAGIC_ORDER = {0x377F0682: "<", 0x377F0683: ">"}
_WAL_VERSION = 3007000
_MASK = 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class WalDamage:
    """Frames of the WAL's current generation that lie past the first one SQLite cannot read.

    SQLite reads the WAL from its start while each frame's checksum, which covers every frame
    before it too, holds; it stops at the first that fails. A damaged frame thus hides every
    commit after it, and the next writer overwrites them.
    """

    first_bad_frame: int  # 1-based, as SQLite counts frames; 0: the WAL's own header
    hidden_frames: int  # later frames written with the same salts, so in the same generation
    hidden_commits: int  # commit frames among them and the damaged one


def wal_damage(wal_path: str) -> WalDamage | None:
    """The damage in the WAL at ``wal_path``, or None: no file, nothing hidden, or a last frame
    cut short (a write the crash interrupted, which nobody was told had been saved).

    Read twice: a frame being written while it is read looks damaged, and one written since
    then would seem hidden behind it; only damage both readings agree on is reported.
    """
    first = _scan_wal(wal_path)
    if first is None:
        return None
    return first if _scan_wal(wal_path) == first else None


def _scan_wal(wal_path: str) -> WalDamage | None:
    try:
        with open(wal_path, "rb") as file:
            header = file.read(_WAL_HEADER.size)
            if len(header) < _WAL_HEADER.size:
                return None  # empty: SQLite starts it afresh
            magic, version, page_size, _, salt1, salt2, sum1, sum2 = _WAL_HEADER.unpack(header)
            order = _WAL_MAGIC_ORDER.get(magic)
            valid_page_size = page_size >= 512 and page_size <= 65536
            valid_page_size = valid_page_size and page_size & (page_size - 1) == 0
            if order is None or version != _WAL_VERSION or not valid_page_size:
                return _all_hidden(file, page_size if valid_page_size else None)
            # A frame's checksum covers its first 8 bytes, then its page.
            words = struct.Struct(f"{order}{(8 + page_size) // 4}I")
            checksum = _wal_checksum(struct.unpack(f"{order}6I", header[:24]), 0, 0)
            if checksum != (sum1, sum2):
                return _all_hidden(file, page_size)
            frame_bytes = _FRAME_HEADER.size + page_size
            number = 0
            bad: int | None = None
            hidden = commits = 0
            while len(frame := file.read(frame_bytes)) == frame_bytes:
                number += 1
                page, commit, frame_salt1, frame_salt2, frame_sum1, frame_sum2 = (
                    _FRAME_HEADER.unpack_from(frame)
                )
                same_generation = (frame_salt1, frame_salt2) == (salt1, salt2)
                if bad is None:
                    checksum = _wal_checksum(words.unpack(frame[:8] + frame[24:]), *checksum)
                    if not same_generation or page == 0 or checksum != (frame_sum1, frame_sum2):
                        bad = number
                    else:
                        continue
                elif same_generation:
                    hidden += 1
                if same_generation:
                    commits += commit != 0
    except OSError:
        return None  # unreadable: SQLite's own reading says what is wrong
    if bad is None or hidden == 0:
        return None
    return WalDamage(bad, hidden, commits)


def _all_hidden(file: BinaryIO, page_size: int | None) -> WalDamage | None:
    """A WAL whose header SQLite rejects: it reads none of its frames. Reported only when frames
    follow the header (a bare, unwritten header hides nothing)."""
    rest = len(file.read())
    frames = rest // (_FRAME_HEADER.size + page_size) if page_size else int(rest > 0)
    return WalDamage(0, frames, 0) if frames else None


def _wal_checksum(words: tuple[int, ...], sum1: int, sum2: int) -> tuple[int, int]:
    """SQLite's WAL checksum over ``words``, going on from (``sum1``, ``sum2``)."""
    pairs = iter(words)
    for even, odd in zip(pairs, pairs, strict=True):
        sum1 = (sum1 + even + sum2) & _MASK
        sum2 = (sum2 + odd + sum1) & _MASK
    return sum1, sum2
