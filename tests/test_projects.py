"""Canonical project paths (one folder is one path) and project identity, names, time."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oxitrack.errors import InvalidField
from oxitrack.projects import (
    canonical_project_path,
    check_project_name,
    distinct_names,
    folder_and_parents,
    folder_name,
    folder_on_disk,
    is_absolute_project_path,
    is_distinct_name_of,
    is_final_identity,
    project_identity,
    project_name,
    shown_folder,
    union_seconds,
    union_spans,
)
from oxitrack.store.shown_folder import shown_folder_sql


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("/remote/ws/", "/remote/ws"),
        ("/remote//ws/./a/../b", "/remote/ws/b"),
        ("//remote/ws", "/remote/ws"),
        ("/", "/"),
        ("C:\\Users\\me\\code\\", "C:\\Users\\me\\code"),
        ("c:/Users/me/code/../x", "C:\\Users\\me\\x"),
        ("\\\\server\\share\\code\\", "\\\\server\\share\\code"),
        ("\\\\wsl.localhost\\Ubuntu/home/me/a/../app", "\\\\wsl.localhost\\Ubuntu\\home\\me\\app"),
    ],
    ids=[
        "trailing-slash",
        "dots-and-double-slashes",
        "leading-double-slash",
        "root",
        "windows-trailing-backslash",
        "windows-forward-slashes-and-lowercase-drive",
        "windows-share-trailing-backslash",
        "windows-share-of-wsl-with-dots-and-forward-slashes",
    ],
)
def test_paths_that_do_not_exist_here_are_normalized(raw: str, canonical: str):
    assert canonical_project_path(raw) == canonical


def test_symlinks_are_resolved(tmp_path: Path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "alias").symlink_to(real)
    assert canonical_project_path(f"{tmp_path}/alias/") == str(real.resolve())


COMPOSED, DECOMPOSED = "caf\u00e9", "cafe\u0301"  # "café" as most editors and as macOS write it


@pytest.mark.parametrize(
    ("on_disk", "sent"),
    [(DECOMPOSED, COMPOSED), (COMPOSED, DECOMPOSED)],
    ids=["made-on-a-mac", "sent-from-a-mac"],
)
def test_a_folder_is_one_path_in_either_unicode_spelling(tmp_path: Path, on_disk: str, sent: str):
    (tmp_path / on_disk / "src").mkdir(parents=True)
    assert canonical_project_path(f"{tmp_path}/{sent}") == f"{tmp_path}/{on_disk}"
    assert canonical_project_path(f"{tmp_path}/{sent}/src/") == f"{tmp_path}/{on_disk}/src"


def test_each_part_of_a_path_takes_its_own_spelling(tmp_path: Path):
    (tmp_path / DECOMPOSED / COMPOSED).mkdir(parents=True)
    sent = f"{tmp_path}/{COMPOSED}/{DECOMPOSED}"
    assert canonical_project_path(sent) == f"{tmp_path}/{DECOMPOSED}/{COMPOSED}"


def test_a_folder_found_under_its_other_spelling_is_resolved_if_a_symlink(tmp_path: Path):
    (tmp_path / "real").mkdir()
    (tmp_path / DECOMPOSED).symlink_to(tmp_path / "real")
    assert canonical_project_path(f"{tmp_path}/{COMPOSED}") == f"{tmp_path}/real"


def test_two_folders_whose_names_differ_only_in_spelling_stay_two(tmp_path: Path):
    """Linux lets both exist: each is its own folder, not one project."""
    for name in (COMPOSED, DECOMPOSED):
        (tmp_path / name).mkdir()
        assert canonical_project_path(f"{tmp_path}/{name}") == f"{tmp_path}/{name}"


@pytest.mark.parametrize("name", [COMPOSED, DECOMPOSED])
def test_a_path_not_here_in_any_spelling_stays_as_written(tmp_path: Path, name: str):
    (tmp_path / "other").mkdir()
    assert canonical_project_path(f"{tmp_path}/{name}/x") == f"{tmp_path}/{name}/x"


def test_a_symlink_to_a_folder_whose_name_is_not_utf8_resolves_to_text(tmp_path: Path):
    """Resolved, the name had lone surrogates, which the store cannot hold: every beat from the
    link was a 500. Now the bytes read as an editor reads them."""
    os.mkdir(os.fsencode(tmp_path) + b"/caf\xe9")
    (tmp_path / "link").symlink_to(os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9"))
    canonical = canonical_project_path(str(tmp_path / "link"))
    assert canonical == f"{tmp_path}/caf\ufffd"
    canonical.encode("utf-8")


def test_a_folder_name_given_by_the_system_keeps_its_bytes_to_resolve(tmp_path: Path):
    """``.`` in a folder whose name is not UTF-8: Python's str for it (with surrogates) is
    resolved as the bytes it stands for, and comes back as text."""
    folder = os.fsencode(tmp_path) + b"/caf\xe9"
    os.mkdir(folder)
    os.symlink(folder, os.fsencode(tmp_path) + b"/\xfflink")
    system_name = os.fsdecode(os.fsencode(tmp_path) + b"/\xfflink")
    assert canonical_project_path(system_name) == f"{tmp_path}/caf\ufffd"


@pytest.mark.parametrize(
    ("path", "absolute"),
    [
        ("/x", True),
        ("C:\\x", True),
        ("D:/x", True),
        ("\\\\server\\share", True),
        ("\\\\server/share/x", True),
        ("x", False),
        ("C:x", False),
        ("", False),
        ("\\\\server", False),
        ("\\\\server\\", False),
        ("\\x", False),
        ("\\\\?\\C:\\x", False),
        ("\\\\.\\pipe\\x", False),
    ],
)
def test_absolute_paths_are_posix_windows_drive_or_share_paths(path: str, absolute: bool):
    """A share (``\\\\server\\share``) is where Windows opens network drives and WSL's files;
    a server alone or a device path (``\\\\?\\``, ``\\\\.\\``) is no project folder."""
    assert is_absolute_project_path(path) is absolute


ROOT = "a" * 40


@pytest.mark.parametrize(
    ("path", "root", "expected"),
    [
        ("/code/app", ROOT, f"git:{ROOT}"),
        ("/code/app", None, "path:/code/app"),
        ("/code/app", "", "path:/code/app"),
        ("C:\\code\\app", None, "path:c:\\code\\app"),
        ("C:\\Code\\App. \\src..", None, "path:c:\\code\\app\\src"),
        ("C:\\code\\...", None, "path:c:\\code\\..."),
        ("\\\\wsl.localhost\\Ubuntu\\App", None, "path:\\\\wsl.localhost\\Ubuntu\\App"),
        ("/Code/App.", None, "path:/Code/App."),
    ],
    ids=[
        "repository",
        "plain folder",
        "empty root",
        "windows folder",
        "windows folder in any case, trailing dots and spaces dropped",
        "windows name of dots only",
        "share keeps its case",
        "posix keeps case and dots",
    ],
)
def test_project_identity(path: str, root: str | None, expected: str):
    assert project_identity(path, root) == expected


def test_only_git_identities_are_final():
    assert is_final_identity(f"git:{ROOT}")
    assert not is_final_identity("path:/code/app")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/code/app", "app"),
        ("/code/app/", "app"),
        ("C:\\code\\App", "App"),
        ("\\\\server\\share\\App", "App"),
        ("/", "/"),
        ("wakatime:My API", "My API"),
    ],
    ids=["posix", "trailing slash", "windows", "windows share", "root", "wakatime project name"],
)
def test_folder_name(path: str, expected: str):
    assert folder_name(path) == expected


def test_project_name_prefers_the_given_name():
    assert project_name("Tracker", "/code/oxitrack") == "Tracker"
    assert project_name(None, "/code/oxitrack") == "oxitrack"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (None, "must be a string"),
        (3, "must be a string"),
        ("   ", "must not be empty"),
        (" \u200b\u00ad\ufeff ", "must not be empty"),  # shows as blank
        ("two\nlines", "one line"),
        ("x" * 201, "at most 200"),
        ("3", "only digits"),
        (" 0042 ", "only digits"),
        ("1" * 30, "only digits"),
        (".", "written as a folder"),
        ("..", "written as a folder"),
        ("~", "written as a folder"),
        ("./api", "written as a folder"),
        ("../api", "written as a folder"),
        (".\\api", "written as a folder"),
        ("..\\api", "written as a folder"),
        ("~/api", "written as a folder"),
    ],
    ids=[
        *("null", "number", "blank", "invisible", "newline", "too long", "digits", "padded"),
        *("long digits", "dot", "dot-dot", "tilde", "dot-slash", "dot-dot-slash"),
        *("dot-backslash", "dot-dot-backslash", "home"),
    ],
)
def test_bad_project_names_are_refused_naming_the_field(value: object, problem: str):
    with pytest.raises(InvalidField) as refused:
        check_project_name(value)
    assert refused.value.field == "name"
    assert problem in refused.value.message


def test_project_name_is_trimmed():
    assert check_project_name("  OxiTrack  ") == "OxiTrack"


def test_a_name_of_the_longest_length_allowed_is_kept():
    assert check_project_name("x" * 200) == "x" * 200


@pytest.mark.parametrize("name", ["v2", "2024-q1", "3.0", "²", "٣", ".NET", "~name", "client/web"])
def test_names_no_reference_reads_as_an_id_or_a_folder_are_kept(name: str):
    """Only ASCII digits alone are an id to ``--project``; "²" or Arabic-Indic digits are not;
    a dot or a tilde starts a folder only with a slash after it."""
    assert check_project_name(name) == name


@pytest.mark.parametrize(
    ("folder", "chain"),
    [
        ("/code/app/src", ["/code/app/src", "/code/app", "/code"]),
        ("/code", ["/code"]),
        ("/", ["/"]),
        ("C:\\code\\app", ["C:\\code\\app", "C:\\code"]),
    ],
    ids=["posix", "top folder", "root itself", "windows"],
)
def test_folder_and_parents_nearest_first_without_the_root(folder: str, chain: list[str]):
    """The folders a beat's folder may belong to; the root only when it is the folder sent."""
    assert folder_and_parents(folder) == chain


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([], []),
        ([(0, 10), (20, 30)], [(0, 10), (20, 30)]),
        ([(0, 10), (5, 30)], [(0, 30)]),
        ([(0, 10), (10, 30)], [(0, 30)]),
        ([(20, 30), (0, 100)], [(0, 100)]),
        ([(0, 10), (11, 20)], [(0, 10), (11, 20)]),
    ],
    ids=["none", "apart", "overlap", "touching", "inside", "one second apart: no gap bridged"],
)
def test_union_spans(spans: list[tuple[int, int]], expected: list[tuple[int, int]]):
    assert union_spans(spans) == expected


spans_strategy = st.lists(
    st.tuples(st.integers(0, 200), st.integers(0, 50)).map(lambda t: (t[0], t[0] + t[1])),
    max_size=20,
)


@given(spans_strategy)
def test_union_seconds_counts_each_covered_second_once(spans: list[tuple[int, int]]):
    covered = {second for start, end in spans for second in range(start, end)}
    assert union_seconds(spans) == len(covered)


@given(spans_strategy, spans_strategy)
def test_union_of_disjoint_halves_adds_up(
    left: list[tuple[int, int]], right: list[tuple[int, int]]
):
    shifted = [(start + 1000, end + 1000) for start, end in right]
    assert union_seconds(left + shifted) == union_seconds(left) + union_seconds(shifted)


def test_folder_on_disk_reaches_the_folder_its_utf8_name_names():
    """Whatever the locale, file calls get the folder's UTF-8 bytes; a name the system gave
    as bytes that are not UTF-8 keeps them; a lone surrogate no byte made is no file's name."""
    for name in ("/code/\u30d7\u30ed", "/code/caf\udce9", "/code/plain"):
        on_disk = folder_on_disk(name)
        assert os.fsencode(on_disk) == name.encode("utf-8", "surrogateescape")
    assert folder_on_disk("/code/\ud800") == "/code/\ud800"


def test_distinct_names_keep_a_name_no_other_project_has():
    projects = [("api", "/work/api"), ("web", "/work/web"), ("api", "/work/api")]
    assert distinct_names(projects) == {"/work/api": "api", "/work/web": "web"}


@pytest.mark.parametrize(
    ("paths", "shown"),
    [
        # The parent folder tells them apart.
        (
            ["/work/client-one/api", "/work/client-two/api"],
            ["api (client-one)", "api (client-two)"],
        ),
        # Parents of one name: as many last parts as it takes.
        (["/a/x/src/api", "/b/x/src/api"], ["api (a/x/src)", "api (b/x/src)"]),
        # A name given to folders of other names: their own last parts (the name is not said).
        (["/code/backend", "/old/server"], ["api (backend)", "api (server)"]),
        # A Windows folder beside a POSIX one; a folder at the root is named by its path.
        (["C:\\Users\\me\\api", "/api"], ["api (me)", "api (/api)"]),
        # A folder whose parts are all another's last parts: all of them.
        (["/x/api", "/y/x/api"], ["api (x)", "api (y/x)"]),
        # Two spellings of one Windows folder (no parts tell them apart): their paths.
        (["C:\\x\\api", "C:/x/api"], ["api (C:\\x\\api)", "api (C:/x/api)"]),
    ],
)
def test_distinct_names_tell_projects_of_one_name_apart_by_their_folders(paths, shown):
    assert list(distinct_names(("api", path) for path in paths).values()) == shown
    # And each, typed back, fits the folder it was given for.
    assert all(
        is_distinct_name_of(name, "api", path) for name, path in zip(shown, paths, strict=True)
    )


@pytest.mark.parametrize(
    ("typed", "name", "path", "fits"),
    [
        ("api (client-one)", "api", "/work/client-one/api", True),
        ("api (work/client-one)", "api", "/work/client-one/api", True),
        ("api (client-two)", "api", "/work/client-one/api", False),
        ("api (one)", "api", "/work/client-one/api", False),  # whole parts only
        ("api", "api", "/work/client-one/api", False),
        ("api ()", "api", "/work/client-one/api", False),
        ("web (client-one)", "api", "/work/client-one/api", False),
        ("api (backend)", "api", "/code/backend", True),  # a name given to another folder
        ("api (me)", "api", "C:\\Users\\me\\api", True),
        ("api (/api)", "api", "/api", True),
    ],
)
def test_a_name_as_a_list_told_it_apart_fits_its_folder(typed, name, path, fits):
    assert is_distinct_name_of(typed, name, path) is fits


@pytest.mark.parametrize(
    ("paths", "shown"),
    [
        # A monorepo: the latest window is one package, the project is shown as the repository.
        ([("/c/mono/apps/web", 30), ("/c/mono/apps/api", 20), ("/c/mono", 10)], "/c/mono"),
        # Deeper still: the outermost folder holding the latest one.
        ([("/c/mono/apps/web/src", 30), ("/c/mono/apps", 20), ("/c/mono", 10)], "/c/mono"),
        # Two folders side by side (a clone, a worktree, a move): the latest, as before.
        ([("/c/mono-feature", 30), ("/c/mono/apps/web", 20), ("/c/mono", 10)], "/c/mono-feature"),
        ([("/c/mono/apps/web", 30), ("/c/mono-feature", 20), ("/c/mono", 10)], "/c/mono"),
        # A name that only starts the same is no folder holding it.
        ([("/c/app2", 30), ("/c/app", 10)], "/c/app2"),
        # Windows folders, and the root holding nothing.
        ([("C:\\code\\mono\\web", 30), ("C:\\code\\mono", 10)], "C:\\code\\mono"),
        ([("/c/app", 30), ("/", 40)], "/"),
        ([("/c/app", 40), ("/", 30)], "/c/app"),
        # Ties go by path, as the lists order them.
        ([("/c/b", 10), ("/c/a", 10)], "/c/a"),
    ],
)
def test_a_project_is_shown_under_its_outermost_folder_holding_the_latest(
    paths: list[tuple[str, int]], shown: str
):
    assert shown_folder(paths) == shown
    # The reports ask it in SQL: the same answer.
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE project_paths (project_path, project_id, last_beat)")
    conn.executemany("INSERT INTO project_paths VALUES (?, 1, ?)", paths)
    conn.execute("INSERT INTO project_paths VALUES ('/c/a/other', 2, 99)")  # another project's
    assert conn.execute(f"SELECT {shown_folder_sql('1')}").fetchone() == (shown,)
