"""Reading a repository's root commit from real git repositories in every layout users have."""

from __future__ import annotations

import os
import shutil
import threading
from collections import OrderedDict
from pathlib import Path

import pytest

from oxitrack import repo_identity
from oxitrack.repo_identity import find_repo, head_commit, root_commit
from tests.git_repos import MISSING_COMMIT, git, make_lazy_fetching_repo, make_repo


def test_root_commit_of_a_repository_is_its_first_commit(tmp_path: Path):
    root = make_repo(tmp_path / "app", commits=3)
    assert root_commit(tmp_path / "app") == root


def test_a_folder_inside_a_repository_has_the_repository_root(tmp_path: Path):
    root = make_repo(tmp_path / "app")
    (tmp_path / "app" / "src" / "deep").mkdir(parents=True)
    assert root_commit(tmp_path / "app" / "src" / "deep") == root


def test_moved_repository_keeps_its_root(tmp_path: Path):
    root = make_repo(tmp_path / "before", commits=2)
    shutil.move(tmp_path / "before", tmp_path / "elsewhere" / "after")
    assert root_commit(tmp_path / "elsewhere" / "after") == root


def test_clone_has_the_same_root(tmp_path: Path):
    root = make_repo(tmp_path / "origin", commits=2)
    git(tmp_path, "clone", "-q", str(tmp_path / "origin"), "copy")
    assert root_commit(tmp_path / "copy") == root


def test_worktree_reads_through_its_git_file_and_commondir(tmp_path: Path):
    root = make_repo(tmp_path / "main", commits=2)
    git(tmp_path / "main", "worktree", "add", "-q", "-b", "feature", str(tmp_path / "wt"))
    assert (tmp_path / "wt" / ".git").is_file()
    assert root_commit(tmp_path / "wt") == root


def test_branch_only_in_packed_refs_is_resolved(tmp_path: Path):
    make_repo(tmp_path / "app", commits=2)
    head = git(tmp_path / "app", "rev-parse", "HEAD")
    git(tmp_path / "app", "pack-refs", "--all", "--prune")
    assert not (tmp_path / "app" / ".git" / "refs" / "heads" / "main").exists()
    repo = find_repo(tmp_path / "app")
    assert repo is not None
    assert head_commit(repo) == head


def test_the_branch_checked_out_is_the_one_read_among_packed_refs(tmp_path: Path):
    """packed-refs lists every branch, sorted: the line of the branch checked out is read,
    not the first branch's (``aaa`` here, one commit behind)."""
    make_repo(tmp_path / "app", commits=2)
    head = git(tmp_path / "app", "rev-parse", "HEAD")
    git(tmp_path / "app", "branch", "aaa", "HEAD~1")
    git(tmp_path / "app", "pack-refs", "--all", "--prune")
    repo = find_repo(tmp_path / "app")
    assert repo is not None
    assert head_commit(repo) == head


def test_a_branch_ref_that_is_a_fifo_gives_no_root_without_waiting_for_a_writer(
    tmp_path: Path,
):
    """Opened without ``O_NONBLOCK``, a FIFO waits for a writer for ever: the thread asking
    (the event loop's helper) with it."""
    make_repo(tmp_path / "app")
    ref = tmp_path / "app" / ".git" / "refs" / "heads" / "main"
    ref.unlink()
    os.mkfifo(ref)
    found: list[str | None] = []
    asking = threading.Thread(target=lambda: found.append(root_commit(tmp_path / "app")))
    asking.daemon = True  # left behind if it does wait: the test fails, the run goes on
    asking.start()
    asking.join(30)
    assert found == [None]


def test_detached_head_is_followed(tmp_path: Path):
    root = make_repo(tmp_path / "app", commits=3)
    git(tmp_path / "app", "checkout", "-q", "--detach", "HEAD~1")
    assert root_commit(tmp_path / "app") == root


def test_merged_history_keeps_the_first_parent_root(tmp_path: Path):
    root = make_repo(tmp_path / "app", commits=2)
    other = make_repo(tmp_path / "other", commits=1)
    git(tmp_path / "app", "fetch", "-q", str(tmp_path / "other"), "main:other")
    git(
        tmp_path / "app",
        "merge",
        "-q",
        "-s",
        "ours",
        "--allow-unrelated-histories",
        "-m",
        "join",
        "other",
    )
    assert sorted(git(tmp_path / "app", "rev-list", "--max-parents=0", "HEAD").split()) == sorted(
        [root, other]
    )
    assert root_commit(tmp_path / "app") == root


@pytest.mark.parametrize(
    "layout",
    ["no repository", "no commit yet", "shallow clone", "not a folder"],
)
def test_no_usable_history_gives_none(tmp_path: Path, layout: str):
    target = tmp_path / "project"
    if layout == "no repository":
        target.mkdir()
    elif layout == "no commit yet":
        make_repo(target, commits=0)
    elif layout == "shallow clone":
        make_repo(tmp_path / "origin", commits=3)
        git(tmp_path, "clone", "-q", "--depth", "1", (tmp_path / "origin").as_uri(), "project")
        assert (target / ".git" / "shallow").exists()
    else:
        target.write_text("a file, not a folder")
    assert root_commit(target) is None


def test_repository_in_the_home_folder_does_not_own_projects_below_it(tmp_path: Path):
    make_repo(tmp_path / "home")
    (tmp_path / "home" / "notes").mkdir()
    assert find_repo(tmp_path / "home" / "notes", stop_at=tmp_path / "home") is None
    assert find_repo(tmp_path / "home", stop_at=tmp_path / "home") is not None
    assert find_repo(tmp_path / "home" / "notes", stop_at=tmp_path / "elsewhere") is not None


def test_dotfiles_repository_in_a_home_reached_by_a_symlink_does_not_own_projects_below_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """``$HOME`` often names the home folder through a symlink (``/home`` -> ``/data/home``),
    while project folders arrive canonical, symlinks resolved: the search must stop at the
    home folder by either name, or a dotfiles repository in ``~`` takes every plain folder
    under it into one project."""
    make_repo(tmp_path / "real-home")
    (tmp_path / "real-home" / "code" / "notes").mkdir(parents=True)
    (tmp_path / "home").symlink_to(tmp_path / "real-home")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    notes = os.path.realpath(tmp_path / "home" / "code" / "notes")
    assert root_commit(notes) is None
    assert root_commit(tmp_path / "home" / "code" / "notes") is None
    assert root_commit(tmp_path / "real-home") is not None  # ~ itself is the dotfiles'


def test_without_git_program_there_is_no_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    make_repo(tmp_path / "app")
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    assert root_commit(tmp_path / "app") is None


def test_git_variables_of_the_daemon_do_not_redirect_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    root = make_repo(tmp_path / "app")
    make_repo(tmp_path / "decoy")
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "decoy" / ".git"))
    monkeypatch.setattr(repo_identity, "_root_by_head", OrderedDict())
    assert root_commit(tmp_path / "app") == root


def test_root_is_memoized_by_head_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = make_repo(tmp_path / "app")
    assert root_commit(tmp_path / "app") == root
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # git gone: only the memo answers
    (tmp_path / "app" / "sub").mkdir()
    assert root_commit(tmp_path / "app" / "sub") == root


def test_remembered_roots_are_bounded_as_heads_move_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A daemon running for months meets a new HEAD after every commit: it keeps only the
    latest few roots, not one per commit ever made."""
    monkeypatch.setattr(repo_identity, "_root_by_head", OrderedDict())
    monkeypatch.setattr(repo_identity, "ROOTS_KEPT", 2, raising=False)
    root = make_repo(tmp_path / "app")
    for number in range(4):
        (tmp_path / "app" / f"new-{number}").mkdir()  # a folder seen for the first time
        git(tmp_path / "app", "commit", "-q", "--allow-empty", "-m", f"commit {number}")
        assert root_commit(tmp_path / "app" / f"new-{number}") == root
    assert len(repo_identity._root_by_head) == 2


@pytest.mark.parametrize(
    "head",
    ["ref: refs/heads/../../../etc/passwd", "ref: refs/heads/missing", "not a commit id", ""],
    ids=["escaping ref", "missing branch", "garbage", "empty"],
)
def test_odd_head_files_give_no_commit(tmp_path: Path, head: str):
    make_repo(tmp_path / "app")
    (tmp_path / "app" / ".git" / "HEAD").write_text(head + "\n")
    repo = find_repo(tmp_path / "app")
    assert repo is not None
    assert head_commit(repo) is None


def test_git_file_without_gitdir_line_is_no_repository(tmp_path: Path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / ".git").write_text("something else\n")
    assert find_repo(tmp_path / "app") is None


def test_reading_repositories_needs_no_storage_or_web_stack():
    import subprocess
    import sys

    code = (
        "import sys, oxitrack.repo_identity, oxitrack.projects; "
        "print(','.join(m for m in ['sqlite3', 'starlette', 'asyncio'] if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == ""


def test_a_folder_name_too_long_for_the_file_system_has_no_repository(tmp_path: Path):
    """Path.is_dir raises ENAMETOOLONG (and EACCES) where "no folder here" is the answer."""
    too_long = tmp_path / ("a" * 300)
    assert find_repo(too_long) is None
    assert root_commit(too_long) is None


# -- a folder is whatever a beat names: git must not run what a repository's config says -------


@pytest.mark.parametrize("transport", ["file", "ext"])
def test_a_repositorys_config_cannot_make_identifying_it_run_a_command(
    tmp_path: Path, transport: str
):
    """Found by a security audit: one beat for such a folder ran the command as the daemon's
    user, whoever made the folder (another account, an archive that carries a ``.git``)."""
    marker = tmp_path / "ran"
    repo = tmp_path / "evil"
    url = str(repo) if transport == "file" else f"ext::sh -c touch% {marker}"
    make_lazy_fetching_repo(repo, marker, url)
    assert head_commit(find_repo(repo)) == MISSING_COMMIT  # so git is asked, and must refuse
    assert root_commit(repo) is None
    assert not marker.exists()


def test_a_ref_outside_the_git_folder_is_not_read(tmp_path: Path):
    make_repo(tmp_path / "app")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("1" * 40 + "\n")
    (tmp_path / "app" / ".git" / "HEAD").write_text(f"ref: {elsewhere}\n")
    assert head_commit(find_repo(tmp_path / "app")) is None


@pytest.fixture
def foreign_repo(tmp_path: Path) -> tuple[Path, str]:
    """A repository another account owns (made as root, then given away)."""
    if os.geteuid() != 0:
        pytest.skip("only root can give a repository to another account")
    root = make_repo(tmp_path / "theirs")
    for folder, _, files in os.walk(tmp_path / "theirs"):
        for name in [folder, *(os.path.join(folder, file) for file in files)]:
            os.chown(name, 65534, 65534)
    return tmp_path / "theirs", root


def test_a_repository_another_account_owns_is_not_read_with_git(
    foreign_repo: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """git itself refuses such a repository (``safe.directory``): its config is not ours to
    trust. The folder is then named by its path."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    repo, _ = foreign_repo
    assert root_commit(repo) is None


@pytest.mark.parametrize("listed", ["{repo}", "*"])
def test_a_repository_gits_safe_directory_names_is_read(
    foreign_repo: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, listed: str
):
    repo, root = foreign_repo
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(f"[safe]\n\tdirectory = {listed.format(repo=repo)}\n")
    monkeypatch.setenv("HOME", str(home))
    assert root_commit(repo) == root


def test_a_bare_clone_and_the_worktrees_it_holds_have_the_repositorys_root(tmp_path: Path):
    """The "bare clone with worktrees in it" layout: ``git clone --bare`` into a folder, then
    ``git worktree add`` in it. A window on that folder is the repository's, as its worktrees
    and every other clone are."""
    root = make_repo(tmp_path / "origin")
    git(tmp_path, "clone", "-q", "--bare", str(tmp_path / "origin"), "app")
    git(tmp_path / "app", "worktree", "add", "-q", "main", "main")
    assert root_commit(tmp_path / "app") == root
    assert root_commit(tmp_path / "app" / "main") == root
    assert root_commit(tmp_path / "app" / "hooks") == root
    # An empty bare repository has no history yet: known by its path until its first push.
    git(tmp_path, "init", "-q", "--bare", "empty.git")
    assert root_commit(tmp_path / "empty.git") is None


@pytest.mark.parametrize("beside", [None, "objects", "refs"])
def test_a_folder_holding_a_file_named_head_is_no_bare_repository(
    tmp_path: Path, beside: str | None
):
    """A bare repository has HEAD, objects and refs: a folder of a checkout holding a file
    named HEAD (and one of the others) stays in the checkout's repository."""
    root = make_repo(tmp_path / "app")
    notes = tmp_path / "app" / "notes"
    notes.mkdir()
    (notes / "HEAD").write_text("what is next\n")
    if beside is not None:
        (notes / beside).mkdir()
    found = find_repo(notes)
    assert found is not None and found.work_tree == tmp_path / "app"
    assert root_commit(notes) == root
