"""What a folder's git repository says about it: the root commit that names a project.

Read once per new project path (and again for provisional identities, see ``store/folders.py``),
never per beat. The ``.git`` layout is read by hand, which is cheap and covers the cases that
matter: a ``.git`` folder, a ``.git`` file (worktrees, submodules) with its ``commondir``, a bare
repository (its own git folder), a branch in loose or packed refs, a detached HEAD. Walking
history to the root is left to one ``git rev-list --first-parent --max-parents=0 HEAD``
(measured here: about 4 ms for a small repository, 0.4 s for 100 000 commits, 0.06 s with a
commit-graph), because commits live in packs as deltas that are fragile to decode by hand.
Results are memoized by HEAD commit: the root behind a commit never changes.

Falls back to ``None`` (the caller then names the project by its path) when there is no
repository, no commit yet, no ``git`` program, a shallow clone (its oldest commit is a cut, not
the root, and differs between clones), or anything unreadable or damaged: a ``.git`` file,
``commondir`` or ref holding bytes that are no path (a NUL, text that is not UTF-8). Failing
instead failed every beat of the folder, for good, since editors and wakatime-cli send a failed
beat again. Only regular files are read, and only their first ``_MAX_GIT_FILE_BYTES``:
a ref that is a FIFO (a folder unpacked from an archive) made the read wait for ever, so the
folder's beats were never answered and the daemon could not stop. Imports no sqlite3 or web
stack.

A folder comes from whoever sends a beat, and a repository's own config can make git run
programs (a "partial clone" fetches missing objects through a remote whose upload command the
config names). So git runs only in repositories the daemon's user owns, as git itself requires
(``safe.directory``), and with every transport refused (``GIT_ALLOW_PROTOCOL``, which no
config can widen): reading history never fetches, so never runs what a config names.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import threading
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

from oxitrack.records import Record
from oxitrack.repo_root import folders_upwards

GIT_TIMEOUT_SECONDS = 10.0
_HEX_ID = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
_MAX_SYMREF_DEPTH = 5
_ROOT_ONLY = ("--max-parents=0",)
# Root commits found, by repository and HEAD, newest used last. Bounded: a daemon that runs for
# months meets a new HEAD in each repository after every commit, and kept every one of them.
ROOTS_KEPT = 256
_root_by_head: OrderedDict[tuple[str, str], str] = OrderedDict()
_root_by_head_lock = threading.Lock()  # roots are looked up in several worker threads at once
# A ref is 41 bytes, HEAD, a .git file or commondir one path: anything longer is not git's.
_MAX_GIT_FILE_BYTES = 64 * 1024


class GitRepo(Record):
    """Where a working tree's repository lives."""

    work_tree: Path  # the folder holding ``.git``
    git_dir: Path  # its own git folder (per-worktree HEAD)
    common_dir: Path  # objects, refs and packed-refs shared by all worktrees


def find_repo(path: str | os.PathLike[str], *, stop_at: Path | None = None) -> GitRepo | None:
    """The repository containing the folder ``path`` (itself or a parent folder), if any.

    Parents are searched as ``repo_root.folders_upwards`` says: not from ``stop_at`` (default:
    the home folder) upwards. A path that is not a folder here (a remote editor's) has no
    repository.
    """
    # os.path.isdir, not Path.is_dir: a folder we may not read, or a name too long for this
    # file system, is "no repository here", not an error.
    if not os.path.isdir(path):
        return None
    stop = None if stop_at is None else os.fspath(stop_at)
    for folder in folders_upwards(os.path.abspath(path), stop):
        candidate = Path(folder)
        dot_git = candidate / ".git"
        git_dir: Path | None
        try:
            if dot_git.is_dir():
                git_dir = dot_git
            elif dot_git.is_file():
                git_dir = _gitdir_from_file(dot_git)
            elif _is_bare_repository(candidate):
                git_dir = candidate
            else:
                continue
            if git_dir is None or not (git_dir / "HEAD").is_file():
                return None
            return GitRepo(candidate, git_dir, _common_dir(git_dir))
        # Unreadable, a symlink loop (pathlib's RuntimeError), or damaged (ValueError: a NUL in
        # a path, a file that is not UTF-8).
        except (OSError, RuntimeError, ValueError):
            return None
    return None


def _is_bare_repository(folder: Path) -> bool:
    """Whether ``folder`` is a bare repository (``git clone --bare``, ``git init --bare``): the
    ``HEAD``, ``objects`` and ``refs`` git itself looks for. The folder holding a bare clone
    and its worktrees (``git worktree add main``, in it) was a folder known by its path, so a
    window on it made a project apart from the one of the worktrees it holds."""
    return (
        (folder / "HEAD").is_file() and (folder / "objects").is_dir() and (folder / "refs").is_dir()
    )


def head_commit(repo: GitRepo) -> str | None:
    """The commit HEAD points at: a branch (loose or packed ref) or a detached id; ``None`` if
    the branch has no commit yet."""
    try:
        content: str | None = _read_small(repo.git_dir / "HEAD").strip()
        for _ in range(_MAX_SYMREF_DEPTH):
            if content is None:
                return None
            if not content.startswith("ref:"):
                return content if _HEX_ID.match(content) else None
            content = _read_ref(repo, content[4:].strip())
    except (OSError, ValueError):  # unreadable, not UTF-8, or a ref name holding a NUL
        return None
    return None


def is_shallow(repo: GitRepo) -> bool:
    try:
        return (repo.common_dir / "shallow").stat().st_size > 0
    except OSError:
        return False


def root_commit(path: str | os.PathLike[str]) -> str | None:
    """The root commit of HEAD's first-parent history in the repository holding ``path``.

    First-parent, so that merging another history in later never changes the answer.
    """
    repo = find_repo(path)
    if repo is None or is_shallow(repo) or not is_owned_here(repo):
        return None
    head = head_commit(repo)
    if head is None:
        return None
    key = (str(repo.common_dir), head)
    with _root_by_head_lock:
        root = _root_by_head.get(key)
        if root is not None:
            _root_by_head.move_to_end(key)
            return root
    root = _rev_list_root(repo, head)
    if root is not None:
        _remember_root(key, root)
    return root


def _remember_root(key: tuple[str, str], root: str) -> None:
    with _root_by_head_lock:
        _root_by_head[key] = root
        while len(_root_by_head) > ROOTS_KEPT:
            _root_by_head.popitem(last=False)


def is_owned_here(repo: GitRepo) -> bool:
    """Whether git would work in this repository for the daemon's user: its folder and its git
    folder are that user's, or git's own ``safe.directory`` setting (system or global, never
    the repository's) names it. Ownership is a POSIX matter; elsewhere every repository is."""
    if not hasattr(os, "geteuid"):
        return True
    try:
        owners = {os.stat(folder).st_uid for folder in (repo.work_tree, repo.git_dir)}
    except OSError:
        return False
    if owners == {os.geteuid()}:
        return True
    allowed = _safe_directories()
    return "*" in allowed or str(repo.work_tree) in allowed


def _safe_directories() -> set[str]:
    """The folders git's system and global ``safe.directory`` settings name (repository config
    cannot, by git's design)."""
    names = [
        name
        for scope in ("--system", "--global")
        for name in (_git(["config", scope, "--get-all", "safe.directory"]) or "").splitlines()
    ]
    return {name.rstrip("/") or "/" for name in names if name}


def _rev_list_root(repo: GitRepo, head: str) -> str | None:
    out = _git(["--git-dir", str(repo.git_dir), "rev-list", "--first-parent", *_ROOT_ONLY, head])
    lines = (out or "").split()
    if len(lines) != 1 or not _HEX_ID.match(lines[0]):
        return None
    return lines[0]


def _git(args: list[str]) -> str | None:
    """git's output, or ``None`` when it fails; run as ``is_owned_here`` and the module
    docstring say git may be run on a folder someone else chose."""
    import subprocess  # once per new HEAD; kept off the start-up of every `oxitrack` command

    # GIT_* variables of the daemon's own environment (a hook, a test) must not redirect git.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["GIT_ALLOW_PROTOCOL"] = ""  # no transport at all, whatever the repository's config says
    try:
        result = subprocess.run(
            ["git", *args],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            env=env,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


def _gitdir_from_file(dot_git: Path) -> Path | None:
    """The folder named by a ``.git`` file (``gitdir: ../.git/worktrees/x``)."""
    text = _read_small(dot_git, errors="replace").strip()
    if not text.startswith("gitdir:"):
        return None
    return (dot_git.parent / text[len("gitdir:") :].strip()).resolve()


def _common_dir(git_dir: Path) -> Path:
    """Where a worktree's shared git folder is (its ``commondir``), else its own. A
    ``commondir`` that is there but unreadable raises: git would stall or fail on it too."""
    try:
        relative = _read_small(git_dir / "commondir").strip()
    except FileNotFoundError:
        return git_dir
    return (git_dir / relative).resolve()


def _read_ref(repo: GitRepo, name: str) -> str | None:
    """A ref's content: the per-worktree folder, then the shared one, then ``packed-refs``."""
    if name.startswith("/") or ".." in name.split("/"):  # a ref lives inside the git folder
        return None
    for folder in (repo.git_dir, repo.common_dir):
        try:
            return _read_small(folder / name).strip()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            continue
    try:
        for line in _lines(repo.common_dir / "packed-refs"):
            value, _, ref = line.partition(" ")
            if ref == name and _HEX_ID.match(value):
                return value
    except FileNotFoundError:
        return None
    return None


def _open_regular(path: Path) -> int:
    """A descriptor of ``path`` for reading, if it is a regular file (``OSError`` if not): a
    FIFO's open, then its read, would wait for a writer for ever, and a device never ends.
    ``O_NONBLOCK`` lets the open of a FIFO return; nothing is read from one."""
    flags = (
        os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    )  # POSIX | Windows
    descriptor = os.open(path, flags)
    try:
        mode = os.fstat(descriptor).st_mode
    except OSError:
        os.close(descriptor)
        raise
    if stat.S_ISREG(mode):
        return descriptor
    os.close(descriptor)
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder", str(path))
    raise OSError(errno.EINVAL, "is not a regular file", str(path))


def _read_small(path: Path, *, errors: str = "strict") -> str:
    """A small git file's text: ``ValueError`` past ``_MAX_GIT_FILE_BYTES`` or not UTF-8."""
    with open(_open_regular(path), "rb") as file:
        data = file.read(_MAX_GIT_FILE_BYTES + 1)
    if len(data) > _MAX_GIT_FILE_BYTES:
        raise ValueError(f"{path} is too large for a git file")
    return data.decode("utf-8", errors)


def _lines(path: Path) -> Iterator[str]:
    """``packed-refs`` line by line, however many refs it holds, without loading it whole."""
    with open(_open_regular(path), "rb") as file:
        for line in file:
            yield line.decode("utf-8").rstrip("\r\n")
