"""Finding the repository folder of a file on this machine, and its cache."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from oxitrack.repo_root import RepoRoots, folders_upwards


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A real git repository with a nested file."""
    root = tmp_path / "repo"
    (root / "src" / "deep").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "src" / "deep" / "a.py").write_text("print(1)\n")
    return root


def test_file_in_repository_gives_its_root(repo: Path):
    assert RepoRoots()(str(repo / "src" / "deep" / "a.py")) == str(repo)


def test_file_may_be_gone_while_its_folder_remains(repo: Path):
    assert RepoRoots()(str(repo / "src" / "deleted.py")) == str(repo)


def test_nearest_repository_wins(repo: Path):
    inner = repo / "src" / "vendored"
    inner.mkdir()
    (inner / ".git").write_text("gitdir: ../../.git/modules/vendored\n")  # a submodule
    assert RepoRoots()(str(inner / "lib.py")) == str(inner)


@pytest.mark.parametrize("suffix", ["", "/"], ids=["plain", "trailing-slash"])
def test_entity_that_is_the_repository_folder_gives_itself(repo: Path, suffix: str):
    """A directory buffer of the root: the search starts at the entity, as wakatime-cli's does."""
    assert RepoRoots()(str(repo) + suffix) == str(repo)


def test_entity_that_is_a_nested_repository_folder_gives_that_repository(repo: Path):
    inner = repo / "src" / "vendored"
    inner.mkdir()
    (inner / ".git").write_text("gitdir: ../../.git/modules/vendored\n")
    finder = RepoRoots()
    assert finder(str(repo / "src" / "a.py")) == str(repo)  # caches src -> repo
    assert finder(str(inner)) == str(inner)  # not the cached root of its parent folder
    assert finder(str(inner / "lib.py")) == str(inner)


def test_a_wakatime_project_file_names_its_folder_even_inside_a_repository(repo: Path):
    """wakatime-cli looks for ``.wakatime-project`` before any repository, upwards from the
    file: its folder is the project, repository or not."""
    notes = repo.parent / "notes"
    (notes / "2026").mkdir(parents=True)
    (notes / ".wakatime-project").write_text("Notes\n")
    (repo / "src" / ".wakatime-project").write_text("Sources\n")
    finder = RepoRoots()
    assert finder(str(notes / "2026" / "nov.md")) == str(notes)
    assert finder(str(repo / "src" / "deep" / "a.py")) == str(repo / "src")
    assert finder(str(repo / "README.md")) == str(repo)


def test_mercurial_repository_counts_too(tmp_path: Path):
    (tmp_path / "hg" / ".hg").mkdir(parents=True)
    assert RepoRoots()(str(tmp_path / "hg" / "x" / "y.py")) == str(tmp_path / "hg")


@pytest.mark.parametrize(
    "path",
    ["relative/a.py", "C:\\code\\a.py", "HIDDEN.py", "/a.py"],
    ids=["relative", "windows", "hidden-name", "top-level"],
)
def test_paths_that_cannot_be_looked_up_give_none(path: str):
    assert RepoRoots()(path) is None


def test_a_relative_path_gives_none_even_where_it_names_a_file_of_the_current_folder(
    repo: Path, monkeypatch: pytest.MonkeyPatch
):
    """Relative to what the sender had open, not to the folder the daemon was started in."""
    monkeypatch.chdir(repo)
    assert Path("src/deep/a.py").exists()
    assert RepoRoots()("src/deep/a.py") is None


def test_dotfiles_repository_in_home_does_not_own_files_below_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    home = tmp_path / "home"
    (home / ".git").mkdir(parents=True)
    (home / "scratch").mkdir()
    monkeypatch.setenv("HOME", str(home))
    assert RepoRoots()(str(home / "scratch" / "notes.py")) is None
    assert RepoRoots()(str(home / ".bashrc")) == str(home)  # a file right in ~ is the dotfiles'
    # Folders that are not here (yet) change nothing: the search stops below ~ all the same.
    assert RepoRoots()(str(home / "gone" / "deeper" / "notes.py")) is None


def test_folders_missing_here_are_searched_as_before(repo: Path, tmp_path: Path):
    """Only the part of a file's folder that exists is looked at; what it gives is the same."""
    assert RepoRoots()(str(repo / "src" / "gone" / "deeper" / "a.py")) == str(repo)
    (tmp_path / "link").symlink_to(repo / "src")
    assert RepoRoots()(str(tmp_path / "link" / "gone" / "a.py")) == str(repo)
    (tmp_path / "dangling").symlink_to(repo / "src" / "gone")
    assert RepoRoots()(str(tmp_path / "dangling" / "a.py")) == str(repo)  # where it would lead
    assert RepoRoots()("/made-up" * 2000 + "/a.py") is None


@pytest.mark.parametrize(
    ("folder", "stop_at", "expected"),
    [
        ("/h/me/code/app", "/h/me", ["/h/me/code/app", "/h/me/code"]),
        ("/h/me", "/h/me", ["/h/me"]),
        ("/h/me/", "/h/me", ["/h/me"]),
        ("/srv/code/app", "/h/me", ["/srv/code/app", "/srv/code", "/srv"]),
        ("/h/me-too/app", "/h/me", ["/h/me-too/app", "/h/me-too"]),
        ("/h", "/h/me", ["/h"]),
        ("/", "/h/me", []),
        ("/srv/app", "~unknown", ["/srv/app", "/srv"]),
    ],
    ids=[
        "below-home",
        "home-itself",
        "trailing-slash",
        "outside-home",
        "sibling-of-home",
        "above-home",
        "root",
        "home-unknown",
    ],
)
def test_folders_upwards_stop_below_home_and_never_reach_the_root(
    folder: str, stop_at: str, expected: list[str]
):
    assert list(folders_upwards(folder, stop_at)) == expected


def test_file_outside_any_repository_gives_none(tmp_path: Path):
    (tmp_path / "plain").mkdir()
    assert RepoRoots()(str(tmp_path / "plain" / "a.py")) is None


def test_found_root_is_cached(repo: Path):
    finder = RepoRoots()
    entity = str(repo / "src" / "deep" / "a.py")
    assert finder(entity) == str(repo)
    shutil.rmtree(repo / ".git")
    assert finder(entity) == str(repo)  # from the cache: no look at the disk
    finder.cache_clear()
    assert finder(entity) is None


def test_an_entity_seen_before_costs_no_look_at_the_disk(
    repo: Path, monkeypatch: pytest.MonkeyPatch
):
    """Each stat runs on the daemon's event loop; plugins send the same few files again."""
    finder = RepoRoots()
    entity = str(repo / "src" / "deep" / "a.py")
    assert finder(entity) == str(repo)
    looks: list[str] = []
    real_isdir = os.path.isdir
    monkeypatch.setattr(os.path, "isdir", lambda path: looks.append(path) or real_isdir(path))
    assert finder(entity) == str(repo)
    assert looks == []


def test_miss_is_not_cached_so_a_new_repository_is_found(tmp_path: Path):
    finder = RepoRoots()
    entity = str(tmp_path / "later" / "a.py")
    (tmp_path / "later").mkdir()
    assert finder(entity) is None
    subprocess.run(["git", "init", "-q", str(tmp_path / "later")], check=True)
    assert finder(entity) == str(tmp_path / "later")


def test_cache_is_bounded_least_recently_used_first(tmp_path: Path):
    finder = RepoRoots(maxsize=2)
    roots = []
    for name in ("a", "b", "c"):
        (tmp_path / name / ".git").mkdir(parents=True)
        roots.append(tmp_path / name)
    finder(str(roots[0] / "f"))
    finder(str(roots[1] / "f"))
    finder(str(roots[0] / "f"))  # a is now the most recent
    finder(str(roots[2] / "f"))  # evicts b
    for root in roots:
        shutil.rmtree(root / ".git")
    assert finder(str(roots[0] / "f")) == str(roots[0])
    assert finder(str(roots[2] / "f")) == str(roots[2])
    assert finder(str(roots[1] / "f")) is None


def test_dotfiles_repository_in_a_symlinked_home_does_not_own_files_below_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Files named through ``$HOME`` as it is written, or through the folder it leads to."""
    real_home = tmp_path / "real-home"
    (real_home / ".git").mkdir(parents=True)
    (real_home / "scratch").mkdir()
    (tmp_path / "home").symlink_to(real_home)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert RepoRoots()(str(real_home / "scratch" / "notes.py")) is None
    assert RepoRoots()(str(tmp_path / "home" / "scratch" / "notes.py")) is None
    assert RepoRoots()(str(real_home / ".bashrc")) == str(real_home)


def test_file_reached_through_a_symlink_into_a_repository_gives_that_repository(repo: Path):
    """A folder opened through a link into a repository's subfolder: ``.git`` is above where
    the link leads, not above the link."""
    elsewhere = repo.parent / "work"
    elsewhere.mkdir()
    (elsewhere / "current").symlink_to(repo / "src")
    assert RepoRoots()(str(elsewhere / "current" / "deep" / "a.py")) == str(repo.resolve())
    assert RepoRoots()(str(elsewhere / "current")) == str(repo.resolve())


@pytest.mark.parametrize("into", ["", "src"], ids=["link-to-root", "link-into-subfolder"])
def test_a_re_pointed_symlink_leads_to_its_new_repository(tmp_path: Path, into: str):
    """``~/work/current`` moved from one checkout to another: the next heartbeat through it
    belongs to the new one, not to a remembered answer."""
    for name in ("first", "second"):
        (tmp_path / name / "src").mkdir(parents=True)
        subprocess.run(["git", "init", "-q", str(tmp_path / name)], check=True)
    link = tmp_path / "current"
    link.symlink_to(tmp_path / "first" / into)
    finder = RepoRoots()
    assert finder(str(link / "a.py")) in {str(link), str((tmp_path / "first").resolve())}
    link.unlink()
    link.symlink_to(tmp_path / "second" / into)
    found = finder(str(link / "a.py"))
    assert found is not None
    assert os.path.realpath(found) == str((tmp_path / "second").resolve())
