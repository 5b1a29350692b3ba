"""Projects in a real SQLite file: paths registered by each beat, moves, clones, merges, renames."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oxitrack.beats import BeatLabels, PostedBeat
from oxitrack.errors import ClientError, InvalidField
from oxitrack.projects import canonical_project_path
from oxitrack.sessions import Beat
from oxitrack.store import Store, project_references
from oxitrack.store import beats as store_beats
from oxitrack.store import folders as store_folders
from oxitrack.store import projects as store_projects
from oxitrack.store import reports as store_reports
from oxitrack.store import wakatime as store_wakatime
from oxitrack.store.folders import RECHECK_SECONDS
from oxitrack.store.projects import Project
from tests.conftest import NOW
from tests.git_repos import git, make_repo
from tests.sqlite_work import add_past_sessions, vm_steps

SEED_QUERY = (
    "SELECT project_path, MAX(last_heartbeat) - start_time FROM sessions GROUP BY project_path"
)


def beat(store: Store, path: Path | str, at: int) -> None:
    store.record_beat(Beat(canonical_project_path(str(path)), at))


def projects(store: Store) -> list[Project]:
    return store.read(store_projects.list_projects)


def only(store: Store) -> Project:
    [project] = projects(store)
    return project


def test_beat_from_a_repository_registers_its_project_by_root_commit(store: Store, tmp_path):
    root = make_repo(tmp_path / "app")
    beat(store, tmp_path / "app", NOW)
    beat(store, tmp_path / "app", NOW + 60)
    project = only(store)
    assert project.identities == (f"git:{root}",)
    assert project.name == "app"
    assert project.latest_path == str(tmp_path / "app")
    assert project.paths[0].beat_count == 2
    assert project.paths[0].last_beat == NOW + 60
    assert (project.total_seconds, project.session_count) == (60, 1)


def test_moved_repository_stays_one_project_and_time_adds_up(store: Store, tmp_path):
    make_repo(tmp_path / "before")
    beat(store, tmp_path / "before", NOW)
    beat(store, tmp_path / "before", NOW + 600)
    shutil.move(tmp_path / "before", tmp_path / "after")
    beat(store, tmp_path / "after", NOW + 700)
    beat(store, tmp_path / "after", NOW + 1000)
    project = only(store)
    assert [p.project_path for p in project.paths] == [
        str(tmp_path / "after"),
        str(tmp_path / "before"),
    ]
    assert project.name == "after"
    assert project.total_seconds == 600 + 300
    with sqlite3.connect(store.path) as conn:  # the seed's table and query are untouched
        assert sorted(conn.execute(SEED_QUERY).fetchall()) == [
            (str(tmp_path / "after"), 300),
            (str(tmp_path / "before"), 600),
        ]


def test_clone_and_worktree_join_the_same_project(store: Store, tmp_path):
    make_repo(tmp_path / "origin", commits=2)
    git(tmp_path, "clone", "-q", str(tmp_path / "origin"), "clone")
    git(tmp_path / "origin", "worktree", "add", "-q", "-b", "f", str(tmp_path / "wt"))
    for offset, folder in enumerate(["origin", "clone", "wt"]):
        beat(store, tmp_path / folder, NOW + offset * 3600)
    assert len(only(store).paths) == 3


def test_plain_folders_are_projects_of_their_own(store: Store, tmp_path):
    for name in ("notes", "scratch"):
        (tmp_path / name).mkdir()
        beat(store, tmp_path / name, NOW)
    assert sorted(p.identities[0] for p in projects(store)) == [
        f"path:{tmp_path / 'notes'}",
        f"path:{tmp_path / 'scratch'}",
    ]


def test_folder_that_becomes_a_repository_keeps_its_project_when_moved(store: Store, tmp_path):
    (tmp_path / "new").mkdir()
    beat(store, tmp_path / "new", NOW)
    root = make_repo(tmp_path / "new")
    beat(store, tmp_path / "new", NOW + RECHECK_SECONDS - 1)  # not looked at again yet
    assert only(store).identities == (f"path:{tmp_path / 'new'}",)
    beat(store, tmp_path / "new", NOW + RECHECK_SECONDS)
    assert set(only(store).identities) == {f"path:{tmp_path / 'new'}", f"git:{root}"}
    shutil.move(tmp_path / "new", tmp_path / "moved")
    beat(store, tmp_path / "moved", NOW + RECHECK_SECONDS + 60)
    assert len(only(store).paths) == 2


def test_folder_that_becomes_a_clone_of_a_tracked_repository_joins_it(store: Store, tmp_path):
    make_repo(tmp_path / "origin")
    beat(store, tmp_path / "origin", NOW)
    (tmp_path / "copy").mkdir()
    beat(store, tmp_path / "copy", NOW)
    assert len(projects(store)) == 2
    shutil.rmtree(tmp_path / "copy")
    git(tmp_path, "clone", "-q", str(tmp_path / "origin"), "copy")
    beat(store, tmp_path / "copy", NOW + RECHECK_SECONDS)
    assert len(only(store).paths) == 2


def test_a_renamed_folder_that_becomes_a_clone_keeps_the_name_it_was_given(store: Store, tmp_path):
    """The folder's project joins the repository's on its own, and the name given with
    `projects rename` was all it had to lose: it stays, where the repository's has none."""
    (tmp_path / "notes").mkdir()
    beat(store, tmp_path / "notes", NOW)
    store.write(lambda conn: store_projects.rename_by_reference(conn, "notes", "My notes"))
    make_repo(tmp_path / "notes")
    git(tmp_path, "clone", "-q", str(tmp_path / "notes"), "notes-copy")
    beat(store, tmp_path / "notes-copy", NOW + 60)  # found as the repository's at once
    beat(store, tmp_path / "notes", NOW + RECHECK_SECONDS)  # joins it on its next look
    assert (only(store).name, len(only(store).paths)) == ("My notes", 2)


def test_a_folder_that_becomes_a_clone_leaves_the_project_named_by_its_latest_folder(
    store: Store, tmp_path
):
    """Joining on its own names nothing: as for a clone found at once, the project goes on
    taking its latest folder's name (a merge by hand keeps the one it was shown with)."""
    make_repo(tmp_path / "origin")
    beat(store, tmp_path / "origin", NOW)
    (tmp_path / "copy").mkdir()
    beat(store, tmp_path / "copy", NOW)
    shutil.rmtree(tmp_path / "copy")
    git(tmp_path, "clone", "-q", str(tmp_path / "origin"), "copy")
    beat(store, tmp_path / "copy", NOW + RECHECK_SECONDS)
    assert (only(store).custom_name, only(store).name) == (None, "copy")
    shutil.move(tmp_path / "origin", tmp_path / "moved")
    beat(store, tmp_path / "moved", NOW + RECHECK_SECONDS + 60)
    assert only(store).name == "moved"


def test_a_folder_joining_a_renamed_repository_project_keeps_that_projects_name(
    store: Store, tmp_path
):
    make_repo(tmp_path / "origin")
    beat(store, tmp_path / "origin", NOW)
    store.write(lambda conn: store_projects.rename_by_reference(conn, "origin", "Upstream"))
    (tmp_path / "copy").mkdir()
    beat(store, tmp_path / "copy", NOW)
    store.write(lambda conn: store_projects.rename_by_reference(conn, "copy", "Copy"))
    shutil.rmtree(tmp_path / "copy")
    git(tmp_path, "clone", "-q", str(tmp_path / "origin"), "copy")
    beat(store, tmp_path / "copy", NOW + RECHECK_SECONDS)
    assert only(store).name == "Upstream"


def test_known_path_is_not_looked_at_again(store: Store, tmp_path):
    root = make_repo(tmp_path / "app")
    beat(store, tmp_path / "app", NOW)
    shutil.rmtree(tmp_path / "app" / ".git")  # any new look would now find a plain folder
    beat(store, tmp_path / "app", NOW + 10 * RECHECK_SECONDS)
    assert only(store).identities == (f"git:{root}",)


@pytest.mark.parametrize(
    ("timestamps", "counted"),
    [
        ([NOW] * 5, 1),
        ([NOW, NOW + 60, NOW + 60, NOW, NOW + 60], 2),
        ([NOW, NOW + 120, NOW + 60], 2),
        ([NOW, NOW + 60, NOW - 60, NOW + 1700, NOW + 900], 5),
    ],
    ids=["five copies", "re-sent after a timeout", "late inside its session", "each one changes"],
)
def test_beat_count_counts_only_beats_that_change_the_sessions(
    store: Store, timestamps: list[int], counted: int
):
    """Five copies of one beat (an editor's outbox replayed) counted 5. Starting, extending
    (forwards or back) and joining sessions count; a beat inside a stored session does not."""
    for at in timestamps:
        beat(store, "/code/app", at)
    assert only(store).paths[0].beat_count == counted


def test_identify_runs_once_per_new_path(store: Store):
    calls: list[str] = []

    def spy(path: str) -> str:
        calls.append(path)
        return f"git:{'b' * 40}"

    def record(path: str, at: int) -> None:
        store.write(lambda conn: store_folders.note_beat(conn, Beat(path, at), identify=spy))

    for at in range(NOW, NOW + 5 * RECHECK_SECONDS, 30):
        record("/code/a", at)
    record("/code/b", NOW)
    assert calls == ["/code/a", "/code/b"]


def test_beats_recorded_inside_another_write_are_registered_too(store: Store, tmp_path):
    """The WakaTime endpoints record beats with store.beats.record_beat in their own write."""
    root = make_repo(tmp_path / "app")
    store.write(lambda conn: store_beats.record_beat(conn, Beat(str(tmp_path / "app"), NOW)))
    assert only(store).identities == (f"git:{root}",)


def test_registration_rolls_back_with_its_beat(store: Store, tmp_path):
    def failing(conn: sqlite3.Connection) -> None:
        store_beats.record_beat(conn, Beat("/code/app", NOW))
        raise RuntimeError("the rest of the write failed")

    with pytest.raises(RuntimeError):
        store.write(failing)
    assert projects(store) == []
    beat(store, "/code/app", NOW)
    assert only(store).paths[0].beat_count == 1


# -- merge ---------------------------------------------------------------------------------


def merge(store: Store, source: str, target: str) -> None:
    def run(conn: sqlite3.Connection) -> None:
        source_id = project_references.find_project(conn, source, "source")
        target_id = project_references.find_project(conn, target, "target")
        store_projects.merge_projects(conn, source_id=source_id, target_id=target_id)

    store.write(run)


def test_merge_adds_totals_exactly_and_keeps_every_session(store: Store):
    for at in (NOW, NOW + 300):
        beat(store, "/code/api", at)
    for at in (NOW + 3600, NOW + 4000):
        beat(store, "/code/api-client", at)
    sessions_before = store.sessions()
    totals = {p.latest_path: p.total_seconds for p in projects(store)}
    merge(store, "/code/api-client", "/code/api")
    merged = only(store)
    assert merged.total_seconds == totals["/code/api"] + totals["/code/api-client"] == 700
    assert merged.session_count == 2
    assert merged.identities == ("path:/code/api", "path:/code/api-client")
    assert merged.last_beat == NOW + 4000  # the latest of both folders, not the first's
    assert store.sessions() == sessions_before


def test_merged_projects_count_overlapping_time_once(store: Store):
    for at in (NOW, NOW + 600):
        beat(store, "/code/a", at)
    for at in (NOW + 300, NOW + 900):
        beat(store, "/code/b", at)
    merge(store, "/code/b", "/code/a")
    assert only(store).total_seconds == 900  # not 600 + 600


def test_a_new_clone_of_a_merged_away_repository_finds_the_merged_project(store: Store, tmp_path):
    make_repo(tmp_path / "lib")
    beat(store, tmp_path / "lib", NOW)
    beat(store, "/code/app", NOW)
    merge(store, str(tmp_path / "lib"), "/code/app")
    git(tmp_path, "clone", "-q", str(tmp_path / "lib"), "lib-copy")
    beat(store, tmp_path / "lib-copy", NOW + 60)
    assert len(only(store).paths) == 3


def test_merge_keeps_the_name_the_target_was_shown_with(store: Store):
    beat(store, "/code/a", NOW)
    beat(store, "/code/b", NOW + 60)  # the source beat last: its folder would be the latest
    store.write(lambda conn: store_projects.rename_project(conn, 2, "Bee"))
    merge(store, "/code/b", "/code/a")
    assert (only(store).name, only(store).latest_path) == ("a", "/code/b")
    beat(store, "/code/c", NOW)
    merge(store, "/code/c", "a")
    assert only(store).name == "a"
    store.write(lambda conn: store_projects.rename_project(conn, only(store).id, None))
    assert only(store).name == "b"  # --reset: the latest folder's name again


def test_moved_folder_merges_into_its_namesake_by_name(store: Store):
    """The documented `merge /home/you/old/api api`: both folders are called "api"."""
    beat(store, "/old/api", NOW - 600)
    beat(store, "/code/api", NOW)
    merged = store.write(lambda conn: store_projects.merge_by_reference(conn, "/old/api", "api"))
    project = merged.project
    assert project == only(store)
    assert project.latest_path == "/code/api"
    assert project.identities == ("path:/code/api", "path:/old/api")


def test_a_name_shared_by_two_projects_besides_the_source_is_still_ambiguous(store: Store):
    for folder in ("/old/api", "/code/api", "/other/api"):
        beat(store, folder, NOW)
    with pytest.raises(InvalidField, match=r"names several projects \(2, 3\)"):
        store.write(lambda conn: store_projects.merge_by_reference(conn, "/old/api", "api"))


def test_merging_a_project_into_itself_is_refused(store: Store):
    beat(store, "/code/a", NOW)
    with pytest.raises(ClientError) as refused:
        merge(store, "/code/a", "1")
    assert refused.value.field == "target"


# -- rename and references ---------------------------------------------------------------------


def test_rename_and_back_to_the_folder_name(store: Store):
    beat(store, "/code/oxitrack", NOW)
    store.write(lambda conn: store_projects.rename_project(conn, 1, "OxiTrack"))
    assert (only(store).name, only(store).custom_name) == ("OxiTrack", "OxiTrack")
    store.write(lambda conn: store_projects.rename_project(conn, 1, None))
    assert (only(store).name, only(store).custom_name) == ("oxitrack", None)


@pytest.mark.parametrize(
    "reference",
    ["1", 1, "/code/oxitrack", "/code/./oxitrack/", "path:/code/oxitrack", "oxitrack"],
    ids=["id text", "id number", "path", "unnormalized path", "identity", "name"],
)
def test_projects_are_found_by_id_path_identity_or_name(store: Store, reference: object):
    beat(store, "/code/oxitrack", NOW)
    assert store.read(lambda conn: project_references.find_project(conn, reference, "project")) == 1


def test_a_wakatime_project_is_found_by_the_key_it_is_listed_under(store: Store):
    """A WakaTime project known only by name shows ``wakatime:<name>`` as its folder."""
    store.record_beat(Beat("wakatime:p", NOW))
    store.record_beat(Beat("/code/other", NOW))
    [listed] = [p for p in projects(store) if p.latest_path == "wakatime:p"]
    found = store.read(lambda conn: project_references.find_project(conn, "wakatime:p", "project"))
    assert found == listed.id


def test_a_wakatime_project_key_is_never_looked_up_on_disk(store: Store, tmp_path, monkeypatch):
    """``wakatime:<name>`` is no path: not even a folder of that name in the working folder."""
    monkeypatch.chdir(tmp_path)
    make_repo(tmp_path / "wakatime:p")
    long_name = "wakatime:" + "a" * 300  # once an OSError (name too long) and a 500
    for key in ("wakatime:p", long_name):
        assert store_folders.identify(key) == "path:" + key


@pytest.mark.parametrize(
    ("reference", "status", "words"),
    [
        ("nothing", 404, "no project matches"),
        ("/code/none", 404, "no project matches"),
        ("7", 404, "no project matches"),
        ("app", 422, "several projects (1, 2)"),
        ("", 422, "must not be empty"),
        (None, 422, "must be a project id"),
        (True, 422, "must be a project id"),
        (2**70, 404, "no project matches"),
        ("99999999999999999999999", 404, "no project matches"),
        (str(2**63 - 1), 404, "no project matches"),
        (str(2**63), 404, "no project matches"),
        ("9" * 5000, 404, "no project matches"),
        ("\u00b2", 404, "no project matches"),
        ("/a\ud800", 422, "lone surrogate"),
        ("api\x00", 422, "NUL"),
    ],
    ids=[
        "unknown name",
        "unknown path",
        "unknown id",
        "ambiguous name",
        "empty",
        "null",
        "bool",
        "id beyond sqlite integers",
        "digits beyond sqlite integers",
        "the largest sqlite integer",
        "one past the largest sqlite integer",
        "more digits than int() reads",
        "superscript digit",
        "lone surrogate",
        "NUL",
    ],
)
def test_bad_references_name_the_field(store: Store, reference: object, status: int, words: str):
    beat(store, "/one/app", NOW)
    beat(store, "/two/app", NOW)
    with pytest.raises(ClientError) as refused:
        store.read(lambda conn: project_references.find_project(conn, reference, "source"))
    assert (refused.value.status, refused.value.field) == (status, "source")
    assert words in refused.value.message
    assert isinstance(refused.value, InvalidField) == (status == 422)


@pytest.mark.parametrize(
    ("folders", "reference", "found"),
    [
        (["app"], "app/src/lib", "app"),
        (["/", "app"], "/", "/"),
        (["/", "app"], "app/src", "app"),
        (["app", "app/src"], "app/src/lib", "app/src"),
    ],
    ids=["subfolder", "root-named-itself", "never-the-root", "nearest-wins"],
)
def test_a_folder_inside_a_projects_folder_names_that_project(
    store: Store, tmp_path: Path, folders: list[str], reference: str, found: str
):
    """``.`` typed in a repository's ``src/``; the file system's root only when it is named."""
    here = {name: name if name == "/" else str(tmp_path / name) for name in [*folders, found]}
    (tmp_path / "app" / "src" / "lib").mkdir(parents=True)
    for at, folder in enumerate(folders):
        beat(store, here[folder], NOW - 60 + at)
    typed = reference if reference == "/" else str(tmp_path / reference)
    project_id = store.read(lambda conn: project_references.find_project(conn, typed, "project"))
    assert here[found] in [p.project_path for p in store_projects_of(store, project_id)]


@pytest.mark.parametrize(
    "reference", ["/code/app/src", "C:\\code\\app\\src"], ids=["posix", "windows"]
)
def test_a_mistyped_or_remote_folder_inside_a_projects_folder_names_nothing(
    store: Store, reference: str
):
    """A folder that does not exist here is not taken for its parent's project: a typo in
    `projects merge ~/code/apq X` would have merged ~/code instead of saying "no project"."""
    beat(store, "/code/app", NOW - 60)
    beat(store, "C:\\code\\app", NOW - 30)
    with pytest.raises(ClientError, match="no project matches"):
        store.read(lambda conn: project_references.find_project(conn, reference, "project"))


def filtered(store: Store, typed: Path | str) -> object:
    """What a report's ``--project`` keeps for the folder ``typed`` (as the CLI writes ``.``)."""
    folder = canonical_project_path(str(typed))
    return store.read(lambda conn: store_reports.project_filter(conn, folder, "--project"))


def test_a_moved_repository_is_its_project_before_it_beats_from_there(store: Store, tmp_path):
    """``.`` in a repository moved (or cloned) to a new folder named nothing until the first
    beat came from there, although its root commit was known."""
    make_repo(tmp_path / "before")
    beat(store, tmp_path / "before", NOW)
    shutil.move(tmp_path / "before", tmp_path / "after")
    (tmp_path / "after" / "src").mkdir()
    project_id = only(store).id
    assert filtered(store, tmp_path / "after") == project_id
    assert filtered(store, tmp_path / "after" / "src") == project_id
    identify = project_references.folder_identities(str(tmp_path / "after" / "src"))
    renamed = store.write(
        lambda conn: store_projects.rename_by_reference(
            conn, str(tmp_path / "after" / "src"), "App", identify
        )
    ).project
    assert (renamed.id, renamed.name) == (project_id, "App")
    assert len(renamed.paths) == 1  # nothing registered: it still has not beaten from there


def test_the_repository_holding_a_folder_wins_over_a_tracked_folder_above_it(
    store: Store, tmp_path
):
    """A folder opened once (``~/code``) is not the project of a moved repository inside it."""
    make_repo(tmp_path / "old" / "app")
    beat(store, tmp_path / "old" / "app", NOW - 60)
    (tmp_path / "code").mkdir()
    beat(store, tmp_path / "code", NOW)
    shutil.move(tmp_path / "old" / "app", tmp_path / "code" / "app")
    repository, code = sorted(projects(store), key=lambda p: not p.identities[0].startswith("git"))
    (tmp_path / "code" / "elsewhere").mkdir()
    assert filtered(store, tmp_path / "code" / "app") == repository.id
    assert filtered(store, tmp_path / "code" / "elsewhere") == code.id


def test_a_folder_in_no_known_repository_still_names_nothing(store: Store, tmp_path):
    make_repo(tmp_path / "app")
    beat(store, tmp_path / "app", NOW)
    make_repo(tmp_path / "other")  # another history: its own project once it beats
    (tmp_path / "plain").mkdir()
    for folder in ("other", "plain", "missing"):
        typed = canonical_project_path(str(tmp_path / folder))
        assert filtered(store, typed) == typed  # left to match folders by path, as before


def store_projects_of(store: Store, project_id: int) -> tuple[store_projects.ProjectPath, ...]:
    return store.read(lambda conn: store_projects.get_project(conn, project_id)).paths


# -- upgrade -----------------------------------------------------------------------------------


def test_upgrade_registers_the_paths_of_existing_sessions(tmp_path: Path):
    root = make_repo(tmp_path / "app")
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TABLE sessions (id INTEGER PRIMARY KEY, project_path TEXT NOT NULL,"
            " start_time INTEGER NOT NULL, last_heartbeat INTEGER NOT NULL,"
            " UNIQUE(project_path, start_time) ON CONFLICT REPLACE)"
        )
        conn.executemany(
            "INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES (?, ?, ?)",
            [(str(tmp_path / "app"), NOW, NOW + 100), ("/gone/folder", NOW, NOW + 50)],
        )
    conn.close()
    with Store(db) as store:
        found = {p.latest_path: p for p in projects(store)}
        assert found[str(tmp_path / "app")].identities == (f"git:{root}",)
        assert found["/gone/folder"].identities == ("path:/gone/folder",)
        assert found["/gone/folder"].paths[0].beat_count == 0
        assert found["/gone/folder"].last_beat == NOW + 50
        assert found[str(tmp_path / "app")].total_seconds == 100


# -- the folder a WakaTime project name means ----------------------------------------------------


def folders_named(store: Store, *names: str) -> dict[str, str]:
    return store.read(lambda conn: store_wakatime.folders_named(conn, names))


@pytest.mark.parametrize(
    ("folder", "name"),
    [("/code/proj", "proj"), ("C:\\code\\proj", "proj"), ("/code/my app", "my app")],
    ids=["posix", "windows", "space"],
)
def test_a_name_means_the_folder_it_is_the_last_part_of(store: Store, folder: str, name: str):
    store.record_beat(Beat(folder, NOW))
    assert folders_named(store, name) == {name: folder}


@pytest.mark.parametrize(
    "name",
    ["oj", "myproj", "code/proj", "code\\proj", "Proj", "code"],
    ids=["suffix-of-part", "longer-part", "two-parts", "two-windows-parts", "other-case", "parent"],
)
def test_a_name_is_matched_whole_against_the_last_part_only(store: Store, name: str):
    beat(store, "/code/proj", NOW)
    beat(store, "/code/myproj/sub", NOW)
    store.record_beat(Beat("D:\\code\\proj", NOW))
    assert folders_named(store, name) == {}


def test_a_name_means_the_latest_folder_of_the_project_given_that_name(store: Store):
    beat(store, "/code/billing", NOW - 600)
    beat(store, "/code/billing-v2", NOW)
    merge(store, "/code/billing-v2", "/code/billing")
    store.write(lambda conn: store_projects.rename_project(conn, only(store).id, "Billing"))
    assert folders_named(store, "Billing", "billing") == {
        "Billing": "/code/billing-v2",
        "billing": "/code/billing-v2",  # its folder's name means the project too
    }


def test_of_several_projects_the_latest_folder_wins(store: Store):
    beat(store, "/old/proj", NOW - 900)
    beat(store, "/code/proj", NOW - 600)
    beat(store, "/code/named", NOW - 120)
    store.write(lambda conn: store_projects.rename_project(conn, 3, "proj"))
    assert folders_named(store, "proj") == {"proj": "/code/named"}
    beat(store, "/code/proj", NOW)
    assert folders_named(store, "proj") == {"proj": "/code/proj"}


def test_wakatime_name_keys_are_no_folders(store: Store):
    store.record_beat(Beat("wakatime:proj", NOW))
    store.record_beat(Beat("wakatime:x/proj", NOW))
    assert folders_named(store, "proj") == {}
    store.write(lambda conn: store_projects.rename_project(conn, 1, "named"))
    assert folders_named(store, "named") == {}  # a project with no folder has none to give
    beat(store, "/code/proj", NOW - 600)
    assert folders_named(store, "proj") == {"proj": "/code/proj"}


def test_retired_ids_follow_a_chain_of_merges_and_are_never_reused(store: Store):
    for path in ("/code/a", "/code/b", "/code/c"):
        beat(store, path, NOW)
    store.write(lambda conn: store_projects.merge_projects(conn, source_id=3, target_id=2))
    store.write(lambda conn: store_projects.merge_projects(conn, source_id=2, target_id=1))
    retired = store.read(lambda conn: conn.execute("SELECT * FROM retired_projects").fetchall())
    assert sorted(retired) == [(2, 1), (3, 1)]
    beat(store, "/code/d", NOW)
    assert {p.id for p in projects(store)} == {1, 4}


def test_a_file_from_before_retired_ids_is_upgraded_and_keeps_its_projects(db_path: Path):
    with Store(db_path) as store:
        beat(store, "/code/a", NOW)
        beat(store, "/code/b", NOW)
    conn = sqlite3.connect(db_path)
    conn.execute("DROP TABLE retired_projects")
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    with Store(db_path) as store:
        assert sorted(p.latest_path for p in projects(store)) == ["/code/a", "/code/b"]
        store.write(lambda conn: store_projects.merge_projects(conn, source_id=2, target_id=1))
        beat(store, "/code/c", NOW)
        assert {p.id for p in projects(store)} == {1, 3}


def test_a_merged_folder_replaced_by_a_clone_moves_alone_to_the_clones_project(
    store: Store, tmp_path
):
    """notes was merged into api by hand, then replaced by a clone of docs: only notes moves
    to docs; api and its own folder stay as they were."""
    make_repo(tmp_path / "api")
    make_repo(tmp_path / "docs")
    (tmp_path / "notes").mkdir()
    for folder in ("api", "docs", "notes"):
        beat(store, tmp_path / folder, NOW)
    ids = {p.latest_path: p.id for p in projects(store)}
    store.write(
        lambda conn: store_projects.merge_projects(
            conn, source_id=ids[str(tmp_path / "notes")], target_id=ids[str(tmp_path / "api")]
        )
    )
    shutil.rmtree(tmp_path / "notes")
    git(tmp_path, "clone", "-q", str(tmp_path / "docs"), "notes")
    beat(store, tmp_path / "notes", NOW + RECHECK_SECONDS)
    paths = {p.id: sorted(path.project_path for path in p.paths) for p in projects(store)}
    assert len(projects(store)) == 2
    assert sorted(paths.values()) == [
        [str(tmp_path / "api")],
        [str(tmp_path / "docs"), str(tmp_path / "notes")],
    ]


# -- what a merge or a rename answers with -----------------------------------------------------


def test_a_rename_reads_only_the_renamed_projects_sessions(store: Store):
    """A rename (and a merge) answers with the project from inside its write transaction, where
    adding up every project's sessions held up every editor's beats for over a second."""
    beat(store, "/code/small", NOW)
    beat(store, "/code/big", NOW)

    def rename_steps(conn: sqlite3.Connection) -> int:
        _, steps = vm_steps(
            conn, lambda: store_projects.rename_by_reference(conn, "/code/small", "Small")
        )
        return steps

    before = store.write(rename_steps)
    store.write(lambda conn: add_past_sessions(conn, "/code/big", 2000, NOW - 3600))
    assert store.write(rename_steps) == before


@given(
    sessions=st.lists(
        st.tuples(
            st.sampled_from(["/code/a", "/code/b", "/code/c", "/old/a"]),
            st.integers(0, 50_000),
            st.integers(-100, 5000),
        ),
        max_size=40,
    ),
    merges=st.lists(st.sampled_from(["/code/b", "/code/c", "/old/a"]), max_size=3),
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_one_project_reads_as_the_listing_shows_it(
    tmp_path_factory: pytest.TempPathFactory,
    sessions: list[tuple[str, int, int]],
    merges: list[str],
):
    """Overlapping, repeated and even backwards sessions (written by hand) included."""
    with Store(tmp_path_factory.mktemp("db") / "x.db") as store:

        def fill(conn: sqlite3.Connection) -> None:
            for folder in ("/code/a", "/code/b", "/code/c", "/old/a"):
                store_folders.register_path(
                    conn, folder, f"path:{folder}", checked_at=NOW, beat_count=1, last_beat=NOW
                )
            conn.executemany(
                "INSERT OR IGNORE INTO sessions (project_path, start_time, last_heartbeat)"
                " VALUES (?, ?, ?)",
                [(folder, NOW + start, NOW + start + length) for folder, start, length in sessions],
            )
            for source in merges:
                source_id = project_references.find_project(conn, source, "source")
                if source_id != 1:
                    store_projects.merge_projects(conn, source_id=source_id, target_id=1)

        store.write(fill)
        listed = store.read(store_projects.list_projects)
        one_by_one = [
            store.read(lambda conn, p=p: store_projects.get_project(conn, p.id)) for p in listed
        ]
        assert one_by_one == listed


def test_beats_in_either_unicode_spelling_are_one_folder_of_one_project(store: Store, tmp_path):
    """A repository made on a Mac ("e" + U+0301) and beats that spell it "é": once a second,
    unidentified project (the folder was not found, so neither was its repository)."""
    root = make_repo(tmp_path / "cafe\u0301")
    beat(store, tmp_path / "cafe\u0301", NOW)
    beat(store, tmp_path / "caf\u00e9", NOW + 60)
    [project] = projects(store)
    assert [p.project_path for p in project.paths] == [f"{tmp_path}/cafe\u0301"]
    assert project.identities == (f"git:{root}",)
    assert project.session_count == 1


@pytest.mark.parametrize("typed", ["caf\u00e9", "cafe\u0301"], ids=["composed", "decomposed"])
def test_a_name_is_found_in_either_unicode_spelling(store: Store, typed: str):
    beat(store, "/remote/cafe\u0301", NOW)  # as a Mac names it, on no disk here
    beat(store, "/remote/other", NOW)
    assert store.read(lambda conn: project_references.find_project(conn, typed, "project")) == 1
    assert store.read(lambda conn: project_references.project_named(conn, typed, "project")) == 1


def test_a_windows_folder_in_another_letter_case_is_the_same_project(store: Store):
    """``code c:\\code\\api`` keeps what was typed, the folder picker gives ``C:\\Code\\Api``:
    Windows treats them (and ``Api.``) as one folder, so they are one project."""
    for at, folder in enumerate(["C:\\Code\\Api", "c:\\code\\api", "C:\\CODE\\API."]):
        store.record_beat(Beat(canonical_project_path(folder), NOW + 60 * at))
    beat(store, "\\\\wsl.localhost\\Ubuntu\\Api", NOW)
    beat(store, "\\\\wsl.localhost\\Ubuntu\\api", NOW)  # a Linux file system: two folders
    listed = projects(store)
    assert [len(p.paths) for p in listed] == [3, 1, 1]
    assert listed[0].identities == ("path:c:\\code\\api",)
    found = store.read(lambda conn: project_references.find_project(conn, "C:\\code\\API", "x"))
    assert found == listed[0].id


def test_a_windows_folder_known_before_case_mattered_joins_its_other_spelling(store: Store):
    """A database from before: the folder's identity kept the case it was sent in. Its next
    look finds the spelling-free identity, which another spelling's project holds by then."""
    store.write(
        lambda conn: store_folders.register_path(
            conn,
            "C:\\Code\\Api",
            "path:C:\\Code\\Api",
            checked_at=NOW,
            beat_count=1,
            last_beat=NOW,
        )
    )
    store.record_beat(Beat("c:\\code\\api", NOW + 60))
    assert len(projects(store)) == 2
    store.record_beat(Beat("C:\\Code\\Api", NOW + RECHECK_SECONDS))
    [project] = projects(store)
    assert len(project.paths) == 2


# -- delete ------------------------------------------------------------------------------------

_TABLES_BY_FOLDER = {
    "sessions": "SELECT * FROM sessions ORDER BY id",
    "beat_contexts": "SELECT * FROM beat_contexts ORDER BY id",
    "heartbeats": "SELECT h.*, c.project_path FROM heartbeats AS h"
    " JOIN beat_contexts AS c ON c.id = h.context_id ORDER BY h.time, h.context_id",
    "project_paths": "SELECT * FROM project_paths ORDER BY project_path",
    "project_identities": "SELECT i.*, p.project_path FROM project_identities AS i"
    " JOIN project_paths AS p ON p.project_id = i.project_id ORDER BY i.identity",
    "projects": "SELECT n.*, p.project_path FROM projects AS n"
    " JOIN project_paths AS p ON p.project_id = n.id ORDER BY n.id",
}


def rows_by_folder(store: Store) -> dict[str, dict[str, list[tuple]]]:
    """Every row of the tables a project owns, grouped by the folder it belongs to (its last
    column, or the sessions' and contexts' second): what a delete must leave alone."""
    grouped: dict[str, dict[str, list[tuple]]] = {}
    for table, query in _TABLES_BY_FOLDER.items():
        for row in store.read(lambda conn, query=query: conn.execute(query).fetchall()):
            folder = row[1] if table in {"sessions", "beat_contexts"} else row[-1]
            if table == "project_paths":
                folder = row[0]
            grouped.setdefault(folder, {}).setdefault(table, []).append(tuple(row))
    return grouped


def record_heartbeats(store: Store, root: str, *times: float) -> None:
    from oxitrack.store import wakatime as wakatime_store
    from oxitrack.wakatime import parse_heartbeat
    from tests.wakatime_recordings import go_cli_heartbeat

    heartbeats = [
        parse_heartbeat(
            go_cli_heartbeat(root, time), now=NOW, user_agent=None, find_repo_root=lambda _: None
        )
        for time in times
    ]
    store.write(lambda conn: wakatime_store.record_heartbeats(conn, heartbeats))


def delete(store: Store, reference: object) -> Project:
    """What was deleted: the project as it was."""
    return store.write(lambda conn: store_projects.delete_by_reference(conn, reference)).project


@pytest.fixture
def private_and_work(store: Store) -> Store:
    """Two projects with beats and WakaTime heartbeats each: /private/notes (1), /code/work (2)."""
    beat(store, "/private/notes", NOW - 7200)
    beat(store, "/code/work", NOW - 7000)
    record_heartbeats(store, "/private/notes", NOW - 7100.5, NOW - 6900.25)
    record_heartbeats(store, "/code/work", NOW - 6950.5, NOW - 6800.75)
    # The VS Code extension's beats naming their language: heartbeats of its own source.
    labels = BeatLabels("Markdown", "vscode")
    store.record_beats([PostedBeat(Beat("/private/notes", NOW - 3600), labels)])
    store.record_beats([PostedBeat(Beat("/code/work", NOW - 3500), labels)])
    return store


def test_delete_removes_every_row_of_the_project_and_no_other(private_and_work: Store):
    store = private_and_work
    listed = {project.id: project for project in projects(store)}
    seed = dict(store.read(lambda conn: conn.execute(SEED_QUERY).fetchall()))
    before = rows_by_folder(store)
    assert set(before["/private/notes"]) == set(_TABLES_BY_FOLDER)  # each table has some
    deleted = delete(store, "/private/notes")
    assert deleted == listed[1]  # what was deleted, as it was listed
    assert deleted.session_count == 2
    assert rows_by_folder(store) == {"/code/work": before["/code/work"]}  # row for row
    assert store.read(lambda conn: conn.execute(SEED_QUERY).fetchall()) == [
        ("/code/work", seed["/code/work"])
    ]
    assert projects(store) == [listed[2]]


def test_a_deleted_id_is_never_given_again_and_says_it_was_deleted(private_and_work: Store):
    """A retried `delete 2` must not delete the project that came after it. 2 is the newest
    id: SQLite alone would hand it to the next new folder."""
    store = private_and_work
    delete(store, 2)
    beat(store, "/code/work", NOW)  # its folder beats again: a new project, from zero
    again = {project.latest_path: project for project in projects(store)}["/code/work"]
    assert (again.id, again.session_count, again.total_seconds) == (3, 1, 0)
    assert again.paths[0].beat_count == 1
    with pytest.raises(ClientError) as refused:
        delete(store, 2)
    assert (refused.value.status, refused.value.field) == (404, "project")
    assert "no project matches '2' (project 2 was deleted)" in str(refused.value)
    assert {project.id for project in projects(store)} == {1, 3}


def test_a_retired_id_names_no_project_called_by_that_number(private_and_work: Store):
    """A folder may be named by a number (``~/aoc/2``): the id of a project merged away or
    deleted fell through to the names, so a retried `delete 2` (or `merge 3 1`) took that
    other project, with all its time, instead of saying what became of project 2."""
    store = private_and_work
    beat(store, "/code/2", NOW)  # project 3, shown as "2"
    beat(store, "/code/3", NOW)  # project 4, shown as "3"
    delete(store, 2)
    with pytest.raises(ClientError, match=re.escape("(project 2 was deleted)")) as refused:
        delete(store, 2)
    assert refused.value.status == 404
    store.write(lambda conn: store_projects.merge_projects(conn, source_id=3, target_id=1))
    with pytest.raises(ClientError, match=re.escape("(project 3 was merged into project 1)")):
        store.write(lambda conn: store_projects.merge_by_reference(conn, 3, 1))
    folders = {p.id: sorted(path.project_path for path in p.paths) for p in projects(store)}
    assert folders == {1: ["/code/2", "/private/notes"], 4: ["/code/3"]}


def test_an_id_merged_into_a_deleted_project_says_so(private_and_work: Store):
    store = private_and_work
    store.write(lambda conn: store_projects.merge_projects(conn, source_id=2, target_id=1))
    delete(store, "/code/work")
    assert projects(store) == []
    for reference, words in (
        ("2", "(project 2 was merged into project 1, which was deleted)"),
        ("1", "(project 1 was deleted)"),
    ):
        with pytest.raises(ClientError, match=re.escape(words)):
            store.read(
                lambda conn, reference=reference: project_references.find_project(
                    conn, reference, "project"
                )
            )
    beat(store, "/code/work", NOW)
    assert [project.id for project in projects(store)] == [3]


def test_delete_refuses_a_bad_value_naming_the_field(private_and_work: Store):
    with pytest.raises(InvalidField) as refused:
        delete(private_and_work, True)
    assert (refused.value.status, refused.value.field) == (422, "project")
    assert len(projects(private_and_work)) == 2
