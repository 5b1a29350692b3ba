"""The pure WakaTime module: heartbeat → beat + details, project folders, answer bodies."""

from __future__ import annotations

from typing import Any

import pytest

from oxitrack.errors import InvalidField
from oxitrack.projects import folder_name
from oxitrack.sessions import Beat, Session
from oxitrack.wakatime import (
    MAX_ENTITY_CHARS,
    Heartbeat,
    check_bulk,
    editor_from_user_agent,
    parse_heartbeat,
    slim_heartbeat,
)
from oxitrack.wakatime_answers import accepted_answer, bulk_answer, refused_answer
from oxitrack.wakatime_projects import (
    folders_given_names,
    name_to_match,
    placed_by_name,
    project_root_from_count,
    resolve_project_path,
)
from tests.conftest import NOW
from tests.wakatime_recordings import (
    GO_CLI_USER_AGENT,
    PYTHON_CLI_USER_AGENT,
    go_cli_heartbeat,
    python_cli_heartbeat,
)


def no_repository(path: str) -> str | None:
    return None


def repository_at(root: str):
    def finder(path: str) -> str | None:
        return root if path.startswith(root + "/") else None

    return finder


def parse(body: object, *, finder=no_repository, user_agent: str | None = None) -> Heartbeat:
    return parse_heartbeat(body, now=NOW, user_agent=user_agent, find_repo_root=finder)


# -- parsing recorded heartbeats ---------------------------------------------------------------


def test_go_cli_heartbeat_uses_project_root_count_for_the_folder():
    heartbeat = parse(go_cli_heartbeat("/home/me/code/app", NOW - 10.25))
    assert heartbeat.beat == Beat("/home/me/code/app", NOW - 11)
    details = heartbeat.details
    assert (details.time, details.entity_type, details.category) == (NOW - 10.25, "file", "coding")
    assert (details.language, details.branch, details.is_write) == ("Python", "main", True)
    assert (details.editor, details.plugin) == ("zed", "zed/0.165.4 zed-wakatime/0.1.9")
    assert (details.project_name, details.project_source) == ("app", "project_root_count")


def test_python_cli_heartbeat_without_root_count_uses_the_repository():
    body = python_cli_heartbeat("/home/me/code/repo", NOW)
    heartbeat = parse(body, finder=repository_at("/home/me/code/repo"))
    assert heartbeat.beat == Beat("/home/me/code/repo", NOW)
    assert heartbeat.details.project_source == "repository"
    assert heartbeat.details.category is None
    assert heartbeat.details.editor == "vim"


def test_root_count_wins_over_the_repository_found_here():
    body = go_cli_heartbeat("/home/me/code/app/sub", NOW)
    heartbeat = parse(body, finder=repository_at("/home/me/code/app"))
    assert heartbeat.beat.project_path == "/home/me/code/app/sub"


def test_heartbeat_outside_any_repository_is_keyed_by_project_name():
    heartbeat = parse(python_cli_heartbeat("/tmp/scratch", NOW, project="  notes "))
    assert heartbeat.beat.project_path == "wakatime:notes"
    assert heartbeat.details.project_source == "project_name"


def test_entity_that_is_the_project_folder_is_its_own_root():
    """A directory buffer: wakatime-cli's search starts at the entity, so it counts the folder."""
    body = go_cli_heartbeat("/home/me/code/proj", NOW, entity="/home/me/code/proj")
    assert body["project_root_count"] == 5
    heartbeat = parse(body)
    assert (heartbeat.beat.project_path, heartbeat.details.project_source) == (
        "/home/me/code/proj",
        "project_root_count",
    )


def test_root_count_deeper_than_the_file_falls_back_to_the_repository():
    body = go_cli_heartbeat("/home/me/app", NOW, project_root_count=40)
    heartbeat = parse(body, finder=repository_at("/home/me/app"))
    assert (heartbeat.beat.project_path, heartbeat.details.project_source) == (
        "/home/me/app",
        "repository",
    )


def test_hidden_file_name_falls_back_to_project_name_even_with_root_count():
    body = go_cli_heartbeat("/home/me/app", NOW, entity="HIDDEN.py", project_root_count=4)
    assert parse(body).beat.project_path == "wakatime:app"


def test_heartbeat_known_only_by_name_moves_into_the_folder_of_that_name():
    heartbeat = parse({"entity": "Untitled-1", "time": NOW - 0.5, "project": " proj "})
    assert name_to_match(heartbeat) == "proj"
    placed = placed_by_name(heartbeat, {"proj": "/home/me/code/proj", "other": "/x"})
    assert placed.beat == Beat("/home/me/code/proj", NOW - 1)
    assert placed.details == heartbeat.details._replace(project_source="project_name_match")
    assert placed.details.project_name == " proj "  # as the plugin named it
    assert placed.entity == "Untitled-1"


def test_heartbeat_with_a_folder_or_no_folder_of_its_name_stays_where_it_is():
    in_folder = parse(go_cli_heartbeat("/home/me/code/app", NOW))
    assert name_to_match(in_folder) is None
    assert placed_by_name(in_folder, {"app": "/elsewhere/app"}) == in_folder
    by_name = parse({"entity": "claude code", "type": "app", "time": NOW, "project": "proj"})
    assert placed_by_name(by_name, {"other": "/x/other"}) == by_name
    assert by_name.beat.project_path == "wakatime:proj"


def test_app_heartbeat_is_never_looked_up_on_disk():
    looked: list[str] = []

    def finder(path: str) -> str | None:
        looked.append(path)
        return "/somewhere"

    body = {"entity": "/Applications/Figma.app", "type": "app", "time": NOW, "project": "design"}
    assert parse(body, finder=finder).beat.project_path == "wakatime:design"
    assert looked == []


def test_timestamp_alias_and_integer_time_are_accepted():
    body = {"entity": "/x/a.py", "timestamp": NOW, "project": "p"}
    heartbeat = parse(body)
    assert heartbeat.beat.timestamp == NOW
    assert heartbeat.details.time == float(NOW)


@pytest.mark.parametrize("field", ["time", "timestamp"])
def test_a_time_sent_as_a_decimal_string_is_read_as_its_number(field: str):
    """wakatime-cli's own fixtures have plugins' times as strings; the Python client forwards
    them unchanged and drops a heartbeat answered 400."""
    body = {"entity": "/x/a.py", field: f" {NOW - 5}.25", "project": "p"}
    heartbeat = parse(body)
    assert (heartbeat.beat.timestamp, heartbeat.details.time) == (NOW - 5, NOW - 4.75)
    assert parse({**body, field: str(NOW)}).details.time == float(NOW)


def test_heartbeat_user_agent_wins_over_the_request_header():
    body = python_cli_heartbeat("/r", NOW, project="p")
    assert parse(body, user_agent=GO_CLI_USER_AGENT).details.editor == "vim"
    del body["user_agent"]
    assert parse(body, user_agent=GO_CLI_USER_AGENT).details.editor == "zed"


BAD_FIELDS = [
    ({"time": None}, "time", "is required"),
    ({"time": "soon"}, "time", "must be a number of Unix seconds, not 'soon'"),
    ({"time": "1e9"}, "time", "must be a number"),
    ({"time": "-1764100000"}, "time", "must be a number"),
    ({"time": "nan"}, "time", "must be a number"),
    ({"time": ""}, "time", "must be a number"),
    ({"time": str(NOW + 3600)}, "time", "in the future"),
    ({"time": 12}, "time", "before 2000-01-01"),
    ({"time": NOW + 3600}, "time", "in the future"),
    ({"time": float("nan")}, "time", "finite"),
    ({"entity": None}, "entity", "is required"),
    ({"entity": ""}, "entity", "is required"),
    ({"entity": 7}, "entity", "must be a string"),
    ({"entity": "/a\x00b"}, "entity", "NUL"),
    ({"entity": "/" + "a" * MAX_ENTITY_CHARS}, "entity", f"at most {MAX_ENTITY_CHARS}"),
    ({"type": ["file"]}, "type", "must be a string"),
    ({"category": 3}, "category", "must be a string"),
    ({"language": {"name": "Go"}}, "language", "must be a string"),
    ({"branch": "b" * 5000}, "branch", "at most 4096"),
    ({"is_write": "yes"}, "is_write", "true, false or null, not 'yes'"),
    ({"is_write": ["true"]}, "is_write", "true, false or null, not an array"),
    ({"project_root_count": "4"}, "project_root_count", "whole number"),
    ({"project_root_count": 2.0}, "project_root_count", "whole number"),
    ({"project_root_count": True}, "project_root_count", "whole number"),
    ({"project_root_count": -1}, "project_root_count", "at least 0"),
    ({"project_root_count": 2**64}, "project_root_count", "1.84e+19 is out of range"),
    ({"project_root_count": float("inf")}, "project_root_count", "the number is out of range"),
    ({"time": 2**64}, "time", "1.84e+19 is out of range"),
    ({"project": 5}, "project", "must be a string"),
    ({"user_agent": 1}, "user_agent", "must be a string"),
]


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("caf\udce9", "caf\ufffd"),  # Latin-1 0xe9, kept by Python as a surrogate escape
        ("caf\udcc3\udca9", "caf\u00e9"),  # UTF-8 bytes escaped one by one: read as UTF-8
        ("Py\ud800", "Py\ufffd"),  # a surrogate that is no escaped byte
    ],
    ids=["latin-1-byte", "escaped-utf-8", "bare-surrogate"],
)
def test_text_that_is_not_unicode_is_read_as_utf_8_reads_its_bytes(sent: str, kept: str):
    """The pure-Python client sends a name that is not UTF-8 as lone surrogates and drops a
    heartbeat answered 400; wakatime-cli (Go) sends U+FFFD for the same bytes."""
    body = go_cli_heartbeat("/home/me/app", NOW)
    body.update(entity=f"/home/me/app/src/{sent}.py", project=sent, branch=sent, language=sent)
    heartbeat = parse(body)
    details = heartbeat.details
    assert heartbeat.entity == f"/home/me/app/src/{kept}.py"
    assert (details.project_name, details.branch, details.language) == (kept, kept, kept)
    assert heartbeat.beat == Beat("/home/me/app", NOW)


@pytest.mark.parametrize(
    ("is_write", "kept"),
    [
        ("true", True),
        ("True", True),
        ("1", True),
        ("t", True),
        ("false", False),
        ("0", False),
        ("F", False),
        (1, None),
        (0.0, None),
        (True, True),
        (None, None),
    ],
)
def test_is_write_is_read_as_wakatime_cli_reads_it(is_write: object, kept: bool | None):
    """A plugin's buffered heartbeat reaches the daemon as the plugin wrote it through the
    pure-Python client, which drops a heartbeat answered 400 with its time."""
    body = {**go_cli_heartbeat("/home/me/app", NOW), "is_write": is_write}
    assert parse(body).details.is_write is kept


def test_a_long_detail_is_cut_not_refused():
    """A refused heartbeat is dropped by wakatime-cli with its time: not worth it for a label."""
    body = go_cli_heartbeat("/home/me/app", NOW)
    body.update(branch="b" * 300, language="L" * 1000)
    details = parse(body).details
    assert (details.branch, details.language) == ("b" * 256, "L" * 256)


@pytest.mark.parametrize(
    "changes",
    [
        {"project_root_count": 50},
        {"project_root_count": None},
        {"project_root_count": 0},
        {"type": "app", "entity": "Slack"},
        {"type": "domain", "entity": "github.com"},
        {"entity": "Untitled-1", "project_root_count": None},
        {"entity": "src/main.py"},
        {"project": "   ", "project_root_count": None},
    ],
    ids=[
        "count-too-deep",
        "no-count",
        "count-0",
        "app",
        "domain",
        "unsaved",
        "relative",
        "blank-name",
    ],
)
def test_a_heartbeat_with_no_folder_and_no_name_is_an_unknown_project(changes: dict[str, Any]):
    """Not refused: wakatime-cli drops a 400 for good, and WakaTime files these the same way."""
    body = go_cli_heartbeat("/home/me/app", NOW)
    body.pop("project", None)
    body.update(changes)
    heartbeat = parse(body)
    assert heartbeat.beat == Beat("wakatime:Unknown Project", NOW)
    assert (heartbeat.details.project_name, heartbeat.details.project_source) == (
        None,
        "project_name",
    )
    assert name_to_match(heartbeat) == "Unknown Project"  # a project of that name gets them


@pytest.mark.parametrize(
    ("changes", "field", "problem"),
    BAD_FIELDS,
    ids=[f"{field}-{problem}".replace(" ", "-") for _, field, problem in BAD_FIELDS],
)
def test_bad_heartbeat_names_its_field(changes: dict[str, Any], field: str, problem: str):
    body = go_cli_heartbeat("/home/me/app", NOW)
    body.update(changes)
    with pytest.raises(InvalidField) as caught:
        parse(body)
    assert caught.value.field == field
    assert problem in caught.value.message
    assert caught.value.message.startswith(f"{field}: ")


@pytest.mark.parametrize(
    "body",
    [
        go_cli_heartbeat("/home/me/app", NOW),
        python_cli_heartbeat("/home/me/app", NOW),
        *({**go_cli_heartbeat("/home/me/app", NOW), **changes} for changes, _, _ in BAD_FIELDS),
        {**go_cli_heartbeat("/home/me/app", NOW), "branch": ["main"], "time": {"s": NOW}},
        ["a", "list"],
    ],
)
def test_a_slimmed_heartbeat_is_read_as_the_whole_one(body: object):
    """A bulk request's heartbeats keep only what parsing reads: the same beat, or the same
    refusal, as from the heartbeat with all its fields."""
    slim = slim_heartbeat(body)
    try:
        whole = parse(body)
    except InvalidField as refused:
        with pytest.raises(InvalidField) as caught:
            parse(slim)
        assert caught.value.message == refused.message
    else:
        assert parse(slim) == whole
    assert "dependencies" not in (slim if isinstance(slim, dict) else {})


@pytest.mark.parametrize(
    "body",
    [[], "heartbeat", 3, None],
    ids=["array", "string", "number", "null"],
)
def test_heartbeat_must_be_an_object(body: object):
    with pytest.raises(InvalidField) as caught:
        parse(body)
    assert caught.value.field == "heartbeat"


@pytest.mark.parametrize(
    ("entity", "count", "repositories", "placed"),
    [
        # wakatime-cli counts a worktree's files by its main checkout's folder: the worktree
        # kept elsewhere is the repository, not the plain folder at that depth.
        (
            "/w/app/feature/src/a.py",
            3,
            {"/w/app/feature/src/a.py": "/w/app/feature"},
            ("/w/app/feature", "repository"),
        ),
        # A counted folder that is a repository itself (a submodule's files counted for the
        # outer one) stays as counted.
        (
            "/c/app/sub/a.py",
            3,
            {"/c/app/sub/a.py": "/c/app/sub", "/c/app": "/c/app"},
            ("/c/app", "project_root_count"),
        ),
        # The file's repository holds the counted folder rather than lying below it.
        ("/c/app/src/a.py", 3, {"/c/app/src/a.py": "/c"}, ("/c/app", "project_root_count")),
        ("/c/app/src/a.py", 3, {}, ("/c/app", "project_root_count")),
        # A Windows path is counted as sent: no repository of this machine is looked for.
        (
            "C:\\Users\\me\\app\\main.go",
            4,
            {"C:\\Users\\me\\app\\main.go": "C:\\Users\\me\\app\\sub"},
            ("C:\\Users\\me\\app", "project_root_count"),
        ),
    ],
    ids=["worktree-elsewhere", "submodule-counted-outer", "repository-above", "none", "windows"],
)
def test_a_counted_folder_gives_way_to_the_files_repository_below_it(
    entity: str, count: int, repositories: dict[str, str], placed: tuple[str, str]
):
    assert (
        resolve_project_path(
            entity=entity,
            entity_type="file",
            project_root_count=count,
            project_name=None,
            find_repo_root=repositories.get,
        )
        == placed
    )


def test_root_from_count_is_checked_and_canonicalized_like_a_beat(tmp_path):
    real = tmp_path / "real"
    (real / "src").mkdir(parents=True)
    (tmp_path / "link").symlink_to(real)
    entity = f"{tmp_path}/link/src/a.py"
    path, source = resolve_project_path(
        entity=entity,
        entity_type="file",
        project_root_count=str(tmp_path / "link").count("/") + 1,
        project_name=None,
        find_repo_root=no_repository,
    )
    assert (path, source) == (str(real), "project_root_count")


@pytest.mark.parametrize(
    ("entity", "count", "root"),
    [
        ("/home/me/code/app/src/main.py", 5, "/home/me/code/app"),
        ("/home/me/code/app/main.py", 5, "/home/me/code/app"),
        ("/home/me/code/app/main.py", 2, "/home"),
        ("/home/me/code/app", 5, "/home/me/code/app"),
        ("/home/me/code/app/", 5, "/home/me/code/app"),
        ("/home/me/code/app", 6, None),
        ("/home/me/code/app/main.py", 60, None),
        ("/main.py", 1, None),
        ("/", 1, None),
        ("C:/Users/me/app/main.go", 4, "C:\\Users\\me\\app"),
        ("C:\\Users\\me\\app\\main.go", 4, "C:\\Users\\me\\app"),
        ("C:\\Users\\me\\app", 4, "C:\\Users\\me\\app"),
        ("C:\\Users\\me\\app\\", 4, "C:\\Users\\me\\app"),
        ("C:\\Users\\me\\app", 5, None),
        ("C:\\main.go", 1, None),
        ("C:\\", 1, None),
        ("\\\\server\\share\\app\\main.go", 5, "\\\\server\\share\\app"),
        ("\\\\server\\share\\app\\main.go", 3, None),
        ("\\\\server/share/code/app/main.go", 4, "\\\\server\\share\\code\\app"),
        (
            "\\\\wsl.localhost/Ubuntu/home/me/code/app/src/a.py",
            6,
            "\\\\wsl.localhost\\Ubuntu\\home\\me\\code\\app",
        ),
        (
            "\\\\wsl.localhost/Ubuntu/home/me/code/app/src/a.py",
            7,
            "\\\\wsl.localhost\\Ubuntu\\home\\me\\code\\app\\src",
        ),
        ("\\\\server/share/app/main.go", 2, "\\\\server\\share"),
        ("\\\\server/share/app/main.go", 1, None),
    ],
    ids=[
        "nested-file",
        "top-file",
        "shallow",
        "the-entity-is-the-folder",
        "folder-with-trailing-slash",
        "past-the-folder",
        "too-deep",
        "root-is-not-a-project",
        "root-folder",
        "windows-forward",
        "windows-backslash",
        "windows-folder",
        "windows-folder-trailing-backslash",
        "windows-past-the-folder",
        "windows-drive-only",
        "windows-bare-drive",
        "windows-share",
        "windows-server-without-share",
        "share-as-the-cli-writes-it",
        "wsl-share-as-the-cli-writes-it",
        "wsl-share-one-deeper",
        "share-itself",
        "share-server-only",
    ],
)
def test_project_root_from_count_counts_like_wakatime_cli(
    entity: str, count: int, root: str | None
):
    assert project_root_from_count(entity, count) == root


@pytest.mark.parametrize(
    ("user_agent", "editor", "plugin"),
    [
        (PYTHON_CLI_USER_AGENT, "vim", "vim/9.0 vim-wakatime/11.1.0"),
        (GO_CLI_USER_AGENT, "zed", "zed/0.165.4 zed-wakatime/0.1.9"),
        (
            "wakatime/v1.90.0 (darwin-23.1.0-arm64) go1.21.5 vscode/1.85.0 vscode-wakatime/24.4.0",
            "vscode",
            "vscode/1.85.0 vscode-wakatime/24.4.0",
        ),
        (
            "wakatime/v1.90.0 (linux-6.5-x86_64) go1.21.5 neovim/0.9.5 vim-wakatime/11.1.1",
            "neovim",
            "neovim/0.9.5 vim-wakatime/11.1.1",
        ),
        (
            "wakatime/v1.90.0 (linux-6.5-x86_64) go1.21.5 PyCharm/2023.3 PyCharm-wakatime/15.0.0",
            "pycharm",
            "PyCharm/2023.3 PyCharm-wakatime/15.0.0",
        ),
        ("wakatime/v1.90.0 (linux) go1.21.5 emacs-wakatime/1.0.2", "emacs", "emacs-wakatime/1.0.2"),
        ("wakatime/v1.90.0 (linux-6.5-x86_64) go1.21.5 Unknown/0", None, None),
        ("curl/8.5.0", "curl", "curl/8.5.0"),
        (
            "wakatime/13.1.0 (Linux) Python3.9 kak 2024 kak-wakatime/0.2",
            "kak",
            "kak 2024 kak-wakatime/0.2",
        ),
        ("", None, None),
        (None, None, None),
    ],
    ids=[
        "python-cli",
        "zed",
        "vscode",
        "neovim",
        "jetbrains",
        "plugin-only",
        "unknown",
        "curl",
        "no-editor-version",
        "empty",
        "absent",
    ],
)
def test_editor_from_user_agent(user_agent: str | None, editor: str | None, plugin: str | None):
    assert editor_from_user_agent(user_agent) == (editor, plugin)


@pytest.mark.parametrize(
    ("project_path", "name"),
    [("/home/me/code/app", "app"), ("wakatime:My App", "My App"), ("C:\\code\\tool", "tool")],
    ids=["posix", "name-key", "windows"],
)
def test_project_name_shown_for_a_wakatime_key_or_folder(project_path: str, name: str):
    assert folder_name(project_path) == name


def test_check_bulk_wants_a_bounded_array():
    assert check_bulk([1, 2]) == [1, 2]
    with pytest.raises(InvalidField, match="JSON array"):
        check_bulk({"time": 1})
    with pytest.raises(InvalidField, match="at most 1000"):
        check_bulk([{}] * 1001)


# -- answers ----------------------------------------------------------------------------------


def test_accepted_answer_echoes_known_fields_without_nulls():
    heartbeat = parse(python_cli_heartbeat("/r", NOW - 0.5), finder=repository_at("/r"))
    session = Session(7, "/r", NOW - 100, NOW)
    assert accepted_answer(heartbeat, session) == {
        "data": {
            "entity": "/r/src/a.py",
            "type": "file",
            "time": NOW - 0.5,
            "project_path": "/r",
            "session_id": 7,
            "duration_seconds": 100,
            "project": "repo",
            "branch": "master",
            "language": "Python",
            "is_write": True,
        }
    }


def test_bulk_answer_pairs_bodies_with_statuses_in_order():
    refusal = InvalidField("time", "is required")
    body = bulk_answer([({"data": {"a": 1}}, 201), (refused_answer(refusal), 400)])
    assert body == {
        "responses": [
            [{"data": {"a": 1}}, 201],
            [{"error": "invalid_field", "message": "time: is required", "field": "time"}, 400],
        ]
    }


def test_folders_given_names_takes_the_latest_folder_placed_by_its_path():
    heartbeats = [
        parse(go_cli_heartbeat("/code/b", NOW - 60, project="app")),
        parse(go_cli_heartbeat("/code/a", NOW - 60, project=" app ")),  # a tie: the first path
        parse(go_cli_heartbeat("/code/old", NOW - 600, project="app")),
        parse(go_cli_heartbeat("/code/z", NOW, project="Unknown Project")),  # no name at all
        parse(go_cli_heartbeat("/code/y", NOW, project=None)),
        parse({"entity": "Untitled-1", "project": "notes", "time": NOW}),  # placed by name
    ]
    assert folders_given_names(heartbeats) == {"app": "/code/a"}
