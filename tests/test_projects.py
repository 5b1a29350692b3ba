"""Canonical project paths: one folder is always one project."""

from __future__ import annotations

from pathlib import Path

import pytest

from oxitrack.projects import canonical_project_path, is_absolute_project_path


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("/remote/ws/", "/remote/ws"),
        ("/remote//ws/./a/../b", "/remote/ws/b"),
        ("//remote/ws", "/remote/ws"),
        ("/", "/"),
        ("C:\\Users\\me\\code\\", "C:\\Users\\me\\code"),
        ("c:/Users/me/code/../x", "C:\\Users\\me\\x"),
    ],
    ids=[
        "trailing-slash",
        "dots-and-double-slashes",
        "leading-double-slash",
        "root",
        "windows-trailing-backslash",
        "windows-forward-slashes-and-lowercase-drive",
    ],
)
def test_paths_that_do_not_exist_here_are_normalized(raw: str, canonical: str):
    assert canonical_project_path(raw) == canonical


def test_symlinks_are_resolved(tmp_path: Path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "alias").symlink_to(real)
    assert canonical_project_path(f"{tmp_path}/alias/") == str(real.resolve())


@pytest.mark.parametrize(
    ("path", "absolute"),
    [("/x", True), ("C:\\x", True), ("D:/x", True), ("x", False), ("C:x", False), ("", False)],
)
def test_absolute_paths_are_posix_or_windows_drive_paths(path: str, absolute: bool):
    assert is_absolute_project_path(path) is absolute
