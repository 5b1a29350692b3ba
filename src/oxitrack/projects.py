"""The canonical form of a project path, so one folder is always one project.

Pure apart from reading the file system to resolve symlinks (``os.path.realpath``); a path that
does not exist here (a remote workspace) is normalized, not refused. Imports no sqlite3,
starlette or asyncio.
"""

from __future__ import annotations

import ntpath
import os.path
import posixpath
import re

_WINDOWS_ABSOLUTE = re.compile(r"^[A-Za-z]:[\\/]")


def is_windows_path(path: str) -> bool:
    """Whether ``path`` is an absolute Windows path such as ``C:\\code`` (a remote editor)."""
    return bool(_WINDOWS_ABSOLUTE.match(path))


def is_absolute_project_path(path: str) -> bool:
    return path.startswith("/") or is_windows_path(path)


def canonical_project_path(path: str) -> str:
    """Absolute, normalized (no ``..``, no trailing slash), symlinks resolved where they exist.

    Assumes ``is_absolute_project_path(path)``. Windows paths are normalized with backslashes and
    never touch this machine's file system.
    """
    if is_windows_path(path):
        normalized = ntpath.normpath(path)
        return normalized[0].upper() + normalized[1:]
    # POSIX normpath keeps a leading "//"; one root is enough.
    normalized = posixpath.normpath("/" + path.lstrip("/"))
    return os.path.realpath(normalized)
