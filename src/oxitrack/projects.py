"""Project paths and project identity: one folder is one path, one history is one project.

The canonical form of a path, the identity string of a project (from facts read elsewhere: the
root commit comes from ``repo_identity``), its name, and time counted across its folders. Pure
apart from reading the file system to resolve symlinks (``os.path.realpath``); a path that does
not exist here (a remote workspace) is normalized, not refused. Imports no sqlite3, starlette or
asyncio.
"""

from __future__ import annotations

import ntpath
import os.path
import posixpath
import re
from collections.abc import Iterable
from unicodedata import normalize

from oxitrack.errors import InvalidField
from oxitrack.fields import LINE_BREAK_OR_CONTROL, check_text

_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
# A share on a server (\\server\share): a network drive, or WSL's files as Windows sees
# them (\\wsl.localhost\Ubuntu). Not the device forms \\?\ and \\.\.
_WINDOWS_SHARE = re.compile(r"^\\\\[^\\/?.][^\\/]*[\\/][^\\/]+")


def is_windows_path(path: str) -> bool:
    """Whether ``path`` is an absolute Windows path, on a drive (``C:\\code``) or a share
    (``\\\\server\\share\\code``): a Windows editor's folder, which this machine may not have."""
    return bool(_WINDOWS_DRIVE.match(path) or _WINDOWS_SHARE.match(path))


def is_absolute_project_path(path: str) -> bool:
    return path.startswith("/") or is_windows_path(path)


def folder_and_parents(folder: str) -> list[str]:
    """``folder``, then each folder above it, nearest first, without the file system's root
    unless ``folder`` is the root: one beat sent for ``/`` must not make ``/`` the project of
    every folder nothing else holds."""
    module = ntpath if is_windows_path(folder) else posixpath
    chain = [folder]
    while (parent := module.dirname(chain[-1])) != chain[-1]:
        chain.append(parent)
    return chain[:-1] if len(chain) > 1 else chain


def canonical_project_path(path: str) -> str:
    """Absolute, normalized (no ``..``, no trailing slash), symlinks resolved where they exist.

    Assumes ``is_absolute_project_path(path)``. Windows paths are normalized with backslashes and
    never touch this machine's file system.
    """
    if is_windows_path(path):
        normalized = ntpath.normpath(path)
        return normalized[0].upper() + normalized[1:]  # the drive letter; a share's "\\" stays
    # POSIX normpath keeps a leading "//"; one root is enough.
    normalized = posixpath.normpath("/" + path.lstrip("/"))
    # As UTF-8 bytes, whatever the locale: editors send UTF-8 and name folders in it, while
    # a daemon started under LC_ALL=C with UTF-8 mode off encodes str paths as ASCII (a 500 on
    # every beat for a Japanese folder). A name the system gave (a folder not UTF-8, as
    # surrogates) keeps its bytes; what comes back that UTF-8 cannot read is U+FFFD, as
    # editors read it, since the store holds text.
    resolved = _resolved(normalized)
    return resolved if resolved.isascii() else _unicode_form_on_disk(resolved)


def _resolved(path: str) -> str:
    resolved = os.path.realpath(path.encode("utf-8", "surrogateescape"))
    return resolved.decode("utf-8", "replace")


def _unicode_form_on_disk(path: str) -> str:
    """``path`` (absolute, resolved), each part written in the Unicode form its folder has here.

    An accented name has two spellings, composed (NFC: "é") and decomposed (NFD: "e" + U+0301);
    macOS writes the second, most editors and keyboards the first. Linux keeps a name as the
    bytes it was made with, so a folder made by a Mac (unpacked, synced) answered to one of the
    two: the beats sent under the other spelling made a second project of a folder not found
    here (its repository unread), and ``--project`` typed with the other spelling found nothing.
    A path that exists as written, or not at all in either form, stays as written.
    """
    if _exists(path):
        return path
    found = ""
    for part in path.split("/")[1:]:
        spellings = dict.fromkeys([part, *(normalize(form, part) for form in ("NFC", "NFD"))])
        for spelling in spellings:
            if _exists(f"{found}/{spelling}"):
                found = f"{found}/{spelling}"
                break
        else:
            return path
    return _resolved(found)  # a part found under its other spelling may be a symlink


def _exists(path: str) -> bool:
    """Whether ``path`` (as ``_resolved`` gives it: no lone surrogate) names a file here."""
    return os.path.exists(path.encode("utf-8"))


def folder_on_disk(project_path: str) -> str:
    """The name by which this process's file calls reach the folder ``project_path`` names in
    UTF-8, as editors and the store name it: under LC_ALL=C with UTF-8 mode off Python encodes
    str paths as ASCII, and a Japanese folder was no folder at all (its repository unread)."""
    try:
        return os.fsdecode(project_path.encode("utf-8", "surrogateescape"))
    except UnicodeEncodeError:  # a lone surrogate no byte made: no file has that name
        return project_path


# -- project identity ------------------------------------------------------------------------
#
# A project is what survives a move, a rename of its folder or a clone: for a git repository the
# root commit of its history, which every clone shares; otherwise its canonical path. One project
# may answer to several identities (after `oxitrack projects merge`) and several paths.

GIT_IDENTITY_PREFIX = "git:"
#: A WakaTime heartbeat whose folder cannot be known is keyed by its project name instead.
PROJECT_NAME_PREFIX = "wakatime:"
PATH_IDENTITY_PREFIX = "path:"
MAX_PROJECT_NAME_CHARS = 200
# A name made only of these shows as blank; any of the others breaks the line it is printed on.
_INVISIBLE = "[\u00ad\u180e\u200b-\u200f\u2060\ufeff]"  # compiled when a name is given


def project_identity(project_path: str, root_commit: str | None) -> str:
    """``git:<root commit>`` for a repository with history, else ``path:<canonical path>``
    (on a Windows drive, as ``windows_folder_key`` writes it)."""
    if root_commit:
        return GIT_IDENTITY_PREFIX + root_commit
    if _WINDOWS_DRIVE.match(project_path):
        return PATH_IDENTITY_PREFIX + windows_folder_key(project_path)
    return PATH_IDENTITY_PREFIX + project_path


def windows_folder_key(project_path: str) -> str:
    """One spelling for every way a folder on a Windows drive can be named: in lower case and
    without the dots and spaces that end a name, which Windows ignores (``C:\\Code\\Api.``
    is ``c:\\code\\api``). Editors keep what was typed (``code c:\\code\\api``) or what the
    folder picker gave, so one folder came as two paths and made two projects. Shares are
    left alone: ``\\\\wsl.localhost\\…`` is a Linux file system, where case matters."""
    parts = project_path.split("\\")
    return "\\".join(part.rstrip(". ") or part for part in parts).lower()


def is_final_identity(identity: str) -> bool:
    """Whether ``identity`` can never get better: a path identity may later become a git one
    (``git init`` and a first commit in a folder already tracked), a git identity stays."""
    return identity.startswith(GIT_IDENTITY_PREFIX)


def folder_name(project_path: str) -> str:
    """The last part of a project path, POSIX or Windows (or the name in a ``wakatime:`` key):
    the default name of a project."""
    if project_path.startswith(PROJECT_NAME_PREFIX):
        return project_path[len(PROJECT_NAME_PREFIX) :]
    module = ntpath if is_windows_path(project_path) else posixpath
    return module.basename(module.normpath(project_path)) or project_path


def is_inside(inner: str, outer: str) -> bool:
    """Whether the folder ``inner`` lies below the folder ``outer`` (``/`` or ``\\`` separated),
    as ``store/shown_folder.py`` asks it in SQL."""
    return inner[: len(outer) + 1] in (outer + "/", outer + "\\")


def shown_folder(paths: Iterable[tuple[str, int]]) -> str:
    """The folder a project with these ``(folder, last beat)`` is shown under: its latest
    folder (ties by path), or the outermost of its folders holding that one (the rule of
    ``store/shown_folder.py``). A monorepo opened whole and one package per window keeps the
    repository's name whichever window beat last."""
    folders = [path for path, _ in sorted(paths, key=lambda path: (-path[1], path[0]))]
    latest = folders[0]
    return min((path for path in folders if is_inside(latest, path)), key=len, default=latest)


def project_name(custom_name: str | None, latest_path: str) -> str:
    """The name shown for a project: the one it was given, else its latest folder's name."""
    return custom_name if custom_name else folder_name(latest_path)


def distinct_names(projects: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each ``(name, path)`` project's name as a list shows it, by path: told apart from the
    others that share its name by the end of its folder, ``api (client-one)`` and ``api
    (client-two)`` (as the dashboard does). Two clients' ``api`` folders read "api, api"."""
    paths_by_name: dict[str, list[str]] = {}
    for name, path in projects:
        paths = paths_by_name.setdefault(name, [])
        if path not in paths:
            paths.append(path)
    shown = {}
    for name, paths in paths_by_name.items():
        if len(paths) == 1:
            shown[paths[0]] = name
        else:
            shown.update({path: f"{name} ({place})" for path, place in _places(name, paths)})
    return shown


def is_distinct_name_of(shown: str, name: str, path: str) -> bool:
    """Whether ``shown`` is a name ``distinct_names`` may give the project ``name`` in ``path``
    (``api (client-one)``, ``api (code/client-one)``): a user types what a list showed."""
    place = shown.removeprefix(f"{name} (").removesuffix(")")
    if len(place) + len(name) + 3 != len(shown) or not place:
        return False
    wanted = [part for part in place.replace("\\", "/").split("/") if part]
    return place == path or (bool(wanted) and _parts_before(name, path)[-len(wanted) :] == wanted)


def _parts_before(name: str, path: str) -> list[str]:
    """A folder's parts, leaving out a last part that is the project's name (already said)."""
    each = [part for part in path.replace("\\", "/").split("/") if part]
    return each[:-1] if each and each[-1] == name else each


def _places(name: str, paths: list[str]) -> list[tuple[str, str]]:
    """For folders of one project name, the fewest last parts of each path that no other
    shares, leaving out a last part that is the name itself (already said)."""
    parts = {path: _parts_before(name, path) for path in paths}
    for depth in range(1, max(len(each) for each in parts.values()) + 1):
        # A folder at the root has no parent to name: its path instead.
        tails = [(path, "/".join(parts[path][-depth:]) or path) for path in paths]
        if len({tail for _, tail in tails}) == len(paths):
            return tails
    return [(path, path) for path in paths]


def check_project_name(value: object, field: str = "name") -> str:
    """A project name given by a user: text, one line, not blank, not only digits (an id) nor
    written as a folder (``.``), at most 200 characters."""
    if not isinstance(value, str):
        raise InvalidField(field, "must be a string")
    name = check_text(value, field).strip()
    if not re.sub(_INVISIBLE, "", name).strip():
        raise InvalidField(field, "must not be empty")
    if LINE_BREAK_OR_CONTROL.search(name):
        raise InvalidField(field, "must be one line without control characters")
    if name.isascii() and name.isdigit():
        # Ids and names are read from the same words (``--project 3``, ``rename 3``): digits
        # mean an id there, so a name made of them could never be used once given.
        raise InvalidField(
            field,
            "must not be only digits: digits name a project by its id (`--project 3`),"
            " so that name could never be used",
        )
    if name in {".", "..", "~"} or name.startswith(_FOLDER_FORMS):
        # ``commands/_options.project_reference``: the command line reads these as a folder.
        raise InvalidField(
            field,
            "must not be written as a folder (`.`, `..`, `./…`, `../…`, `~/…`): the command"
            " line reads it as one, so that name could never be typed back",
        )
    if len(name) > MAX_PROJECT_NAME_CHARS:
        raise InvalidField(
            field, f"is {len(name)} characters long; at most {MAX_PROJECT_NAME_CHARS} allowed"
        )
    return name


_FOLDER_FORMS = ("./", "../", ".\\", "..\\", "~/")


def union_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join overlapping (start, end) spans, so time in two folders of one project counts once.

    Unlike ``sessions.merge_spans`` no gap is bridged: spans join only where they overlap or meet.
    """
    joined: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((start, end))
    return joined


def union_seconds(spans: Iterable[tuple[int, int]]) -> int:
    """Seconds covered by at least one span."""
    return sum(end - start for start, end in union_spans(spans))
