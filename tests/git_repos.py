"""Real temporary git repositories for identity tests: made with the ``git`` program itself."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd``; its stdout, stripped."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(_ENV)
    return subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def make_repo(path: Path, commits: int = 1) -> str:
    """A repository at ``path`` with ``commits`` commits; its root commit id."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q")
    for number in range(commits):
        # The folder's name in the message: two repositories made in the same second differ.
        (path / "file.txt").write_text(f"change {number}\n")
        git(path, "add", "file.txt")
        git(path, "commit", "-q", "-m", f"{path.name}: commit {number}")
    return root_of(path) if commits else ""


def root_of(path: Path) -> str:
    return git(path, "rev-list", "--max-parents=0", "HEAD")


MISSING_COMMIT = "2" * 40


def make_lazy_fetching_repo(path: Path, marker: Path, url: str) -> None:
    """A fake partial clone whose HEAD commit is missing: git fetches missing objects from its
    promisor remote, running the upload command the config names (or an ``ext::`` command)."""
    path.mkdir(parents=True)
    git(path, "init", "-q")
    for key, value in [
        ("core.repositoryformatversion", "1"),
        ("extensions.partialClone", "origin"),
        ("remote.origin.promisor", "true"),
        ("remote.origin.url", url),
        ("remote.origin.uploadpack", f'sh -c "id > {marker}" #'),
        # A repository's config may allow a transport for itself: that must not count either.
        ("protocol.file.allow", "always"),
        ("protocol.ext.allow", "always"),
    ]:
        git(path, "config", key, value)
    (path / ".git" / "refs" / "heads" / "main").write_text(MISSING_COMMIT + "\n")
