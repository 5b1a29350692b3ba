"""Which build of OxiTrack this is (``oxitrack.build``): every version says 0.1.0, so the
fingerprint of the package's files tells two installs apart, and only when their files differ."""

from __future__ import annotations

import shutil
from pathlib import Path

import oxitrack
from oxitrack.build import build_id, build_of

PACKAGE = Path(oxitrack.__file__).parent


def _copy(to: Path) -> Path:
    shutil.copytree(PACKAGE, to, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return to


def test_the_same_files_anywhere_are_the_same_build(tmp_path: Path):
    build = build_of(str(_copy(tmp_path / "one" / "oxitrack")))
    assert build == build_id() == build_of(str(_copy(tmp_path / "two" / "oxitrack")))
    assert len(build) == 12 and int(build, 16) >= 0


def test_what_python_writes_beside_the_files_is_not_the_build(tmp_path: Path):
    copy = _copy(tmp_path / "oxitrack")
    before = build_of(str(copy))
    (copy / "__pycache__").mkdir(exist_ok=True)
    (copy / "__pycache__" / "cli.cpython-311.pyc").write_bytes(b"compiled")
    (copy / "web" / "stray.pyc").write_bytes(b"compiled")
    assert build_of(str(copy)) == before


def test_a_change_to_a_module_a_page_file_or_a_name_is_another_build(tmp_path: Path):
    copy = _copy(tmp_path / "oxitrack")
    before = build_of(str(copy))
    module, page = copy / "sessions.py", copy / "web" / "app.js"
    module_bytes, page_bytes = module.read_bytes(), page.read_bytes()
    module.write_bytes(module_bytes + b"\n")
    changed = build_of(str(copy))
    assert changed != before
    page.write_bytes(page_bytes + b"\n")
    assert build_of(str(copy)) not in (before, changed)
    module.write_bytes(module_bytes)
    page.write_bytes(page_bytes)
    assert build_of(str(copy)) == before, "the same files again, the same build"
    module.rename(copy / "sessions2.py")
    assert build_of(str(copy)) != before
