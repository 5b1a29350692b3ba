"""The standard output's policy (``commands/_output.py``), through real ``oxitrack`` processes:
text for people never fails on a character the output lacks; CSV and JSON stay whole."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from oxitrack.commands._output import print_json, terminal_columns
from oxitrack.sessions import Beat
from oxitrack.store import Store

JAPANESE = "/home/u/code/\u30d7\u30ed\u30b8\u30a7\u30af\u30c8/\u00e9"


@pytest.fixture
def japanese_db(tmp_path: Path) -> Path:
    """A database whose only project's folder has characters Latin-1 lacks (and one it has)."""
    db = tmp_path / "\u30c7\u30fc\u30bf" / "x.db"  # and so does its file's folder
    db.parent.mkdir()
    now = int(time.time())
    with Store(db) as store:
        for timestamp in (now - 600, now - 300):
            store.record_beat(Beat(project_path=JAPANESE, timestamp=timestamp))
    return db


def oxitrack(
    encoding: str, *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": encoding, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "oxitrack", *args], capture_output=True, env=env, cwd=cwd
    )


@pytest.mark.parametrize(
    "argv",
    [["today"], ["report"], ["sessions"], ["projects", "--via", "file"]],
    ids=["today", "report", "sessions", "projects"],
)
def test_text_writes_what_the_output_lacks_as_escapes(japanese_db: Path, argv: list[str]):
    result = oxitrack("latin-1", *argv, "--db", str(japanese_db))
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b""
    text = result.stdout.decode("latin-1")
    assert "\\u30d7\\u30ed\\u30b8\\u30a7\\u30af\\u30c8/\u00e9" in text  # é is Latin-1: kept


def test_json_on_an_output_that_is_not_utf8_is_ascii_and_the_same_value(japanese_db: Path):
    as_utf8 = oxitrack("utf-8", "today", "--json", "--db", str(japanese_db))
    as_latin1 = oxitrack("latin-1", "today", "--json", "--db", str(japanese_db))
    assert as_latin1.returncode == 0, as_latin1.stderr.decode()
    assert JAPANESE.encode("utf-8") in as_utf8.stdout  # readable where the output can show it
    as_latin1.stdout.decode("ascii")
    assert json.loads(as_latin1.stdout) == json.loads(as_utf8.stdout)
    assert json.loads(as_latin1.stdout)["projects"][0]["project_path"] == JAPANESE


@pytest.mark.parametrize(
    "argv",
    [
        ["projects", "--via", "file"],
        ["projects", "rename", JAPANESE, "名前", "--via", "file"],
        ["check"],
        ["backup", "{tmp}/データ.db"],
    ],
    ids=["projects", "rename", "check", "backup"],
)
def test_every_json_answer_is_readable_on_utf8_and_ascii_elsewhere(
    japanese_db: Path, tmp_path: Path, argv: list[str]
):
    """One policy for every ``--json``: names as they are where the output is UTF-8."""
    argv = [arg.format(tmp=tmp_path) for arg in argv]
    as_utf8 = oxitrack("utf-8", *argv, "--json", "--db", str(japanese_db))
    assert as_utf8.returncode == 0, as_utf8.stderr.decode()
    value = json.loads(as_utf8.stdout)
    assert b"\\u" not in as_utf8.stdout, as_utf8.stdout
    shown = as_utf8.stdout.decode("utf-8")
    assert ("\u30d7" if argv[0] == "projects" else "\u30c7\u30fc\u30bf") in shown
    if argv[0] != "projects" or len(argv) > 3:
        return  # the other commands change or copy the file: asked once
    as_latin1 = oxitrack("latin-1", *argv, "--json", "--db", str(japanese_db))
    as_latin1.stdout.decode("ascii")
    assert json.loads(as_latin1.stdout) == value


@pytest.mark.parametrize("encoding", ["latin-1", "ascii", "utf-8"])
def test_csv_on_stdout_is_the_utf8_of_the_file_o_writes(
    japanese_db: Path, tmp_path: Path, encoding: str
):
    on_stdout = oxitrack(encoding, "export", "--db", str(japanese_db))
    assert on_stdout.returncode == 0, on_stdout.stderr.decode()
    to_file = oxitrack(encoding, "export", "--db", str(japanese_db), "-o", str(tmp_path / "x.csv"))
    assert to_file.returncode == 0, to_file.stderr.decode()
    assert on_stdout.stdout == (tmp_path / "x.csv").read_bytes()
    assert JAPANESE.encode("utf-8") in on_stdout.stdout


@pytest.mark.parametrize("encoding", ["latin-1", "ascii", "utf-8"])
def test_json_export_is_utf8_with_names_as_they_are(
    japanese_db: Path, tmp_path: Path, encoding: str
):
    """`export --format json` writes names as every --json does on UTF-8, not as \\u escapes:
    on stdout as in the -o file, whatever the locale (its stdout is switched to UTF-8)."""
    on_stdout = oxitrack(encoding, "export", "--format", "json", "--db", str(japanese_db))
    assert on_stdout.returncode == 0, on_stdout.stderr.decode()
    target = tmp_path / "x.json"
    to_file = oxitrack(
        encoding, "export", "--format", "json", "--db", str(japanese_db), "-o", str(target)
    )
    assert to_file.returncode == 0, to_file.stderr.decode()
    assert on_stdout.stdout == target.read_bytes()
    assert JAPANESE.encode("utf-8") in on_stdout.stdout
    assert json.loads(on_stdout.stdout)["sessions"][0]["project_path"] == JAPANESE


def test_service_file_printed_is_its_utf8_bytes(tmp_path: Path):
    db = tmp_path / "\u30c7\u30fc\u30bf" / "x.db"
    env = {
        **os.environ,
        "PYTHONIOENCODING": "latin-1",
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "oxitrack", "service", "install", "--print", "--db", str(db)],
        capture_output=True,
        env=env,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert str(db).encode("utf-8") in result.stdout
    assert not (tmp_path / "config" / "systemd").exists()  # --print changes nothing


class _Counted(io.RawIOBase):
    """An output that keeps only how much was written to it, and its digest."""

    def __init__(self) -> None:
        self.written = 0
        self.digest = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.written += len(data)
        self.digest.update(data)
        return len(data)


@pytest.mark.parametrize("encoding", ["utf-8", "ascii"])
def test_long_json_is_written_as_it_is_encoded(monkeypatch: pytest.MonkeyPatch, encoding: str):
    """``report --days 365 --json`` of 300 projects a day held every piece of its indented
    JSON and their join at once (224 MiB for 30 MB of output): it is written as it comes, and
    the same text, a name's bytes that are not UTF-8 read as an editor reads them (each name
    on its own: a surrogate no byte made, from JSON, is U+FFFD without changing the others)."""
    odd = "/code/caf\udcc3\udca9 \udcff é"  # é as UTF-8 bytes, a byte no UTF-8 has, and é
    value = {
        "days": [{"n": number, "folders": [odd, f"/code/{number}"]} for number in range(40_000)]
    }
    value["days"][20_000]["folders"].append("/code/\ud800")
    counted = _Counted()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(counted, encoding=encoding))
    tracemalloc.start()
    try:
        print_json(value)
        sys.stdout.flush()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    expected = json.dumps(value, indent=2, ensure_ascii=encoding == "ascii") + "\n"
    expected = expected.replace("caf\\udcc3\\udca9 \\udcff", "caf\\u00e9 \\ufffd")
    expected = expected.replace("caf\udcc3\udca9 \udcff", "café \ufffd")
    expected = expected.replace("\\ud800", "\\ufffd").replace("\ud800", "\ufffd")
    assert counted.digest.hexdigest() == hashlib.sha256(expected.encode(encoding)).hexdigest()
    assert peak < counted.written / 3, (peak, counted.written)


@pytest.mark.parametrize(
    ("columns", "width"),
    [
        *(("72", 72), (" 72\n", 72), ("1", 1)),
        *(("0", None), ("-3", None), ("wide", None), ("", None)),
        ("\u0667\u0662", None),  # Arabic-Indic digits: a number to isdigit, not to a shell
    ],
)
def test_columns_is_the_width_when_it_is_a_positive_number(
    monkeypatch: pytest.MonkeyPatch, columns: str, width: int | None
):
    """Any positive number in ``$COLUMNS`` is a width, one column too (each table then keeps
    its least columns); anything else is none, and a stream that is no terminal has none."""
    monkeypatch.setenv("COLUMNS", columns)
    assert terminal_columns(io.StringIO()) == width
