"""The repository a file on this machine belongs to, for heartbeats that do not name its folder.

Older WakaTime clients send a file path and a project *name* but not how deep the project folder
is; when the file is on this machine, the folder holding a ``.wakatime-project`` file above it,
else the folder holding ``.git`` (or ``.hg``), is the project. This reads the file system, so it
lives apart from the pure ``oxitrack.wakatime``.

Found roots are cached per entity (a bounded LRU): a plugin sends a heartbeat every couple of
minutes for the same few files. Misses are not cached, so a repository created while the daemon
runs is found on the next heartbeat, at the cost of a few ``stat`` calls per heartbeat outside any
repository; nor are roots found through a symlink, which may lead elsewhere by the next one.
"""

from __future__ import annotations

import functools
import os.path
import posixpath
import threading
from collections import OrderedDict
from collections.abc import Iterator

MARKERS = (".git", ".hg")
# Names the folder holding it as a project (and names that project), before any repository:
# wakatime-cli looks for it first, upwards from the file, and its folder is the project's.
PROJECT_FILE = ".wakatime-project"


class RepoRoots:
    """``finder(entity)`` → the enclosing repository folder, or ``None``.

    The search starts at the entity's folder, or at the entity itself when it is a folder here
    (a directory buffer), as wakatime-cli's own search does: a repository's root folder sent as
    the entity is that repository, not whatever holds it.
    """

    def __init__(self, maxsize: int = 1024) -> None:
        self.maxsize = maxsize
        self._cache: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, entity: str) -> str | None:
        if not entity.startswith("/"):
            return None
        path = posixpath.normpath(entity)
        # Keyed by the entity itself: a plugin sends the same few files again and again, and a
        # hit costs no look at the disk (the daemon's event loop waits for every stat).
        with self._lock:
            if path in self._cache:
                self._cache.move_to_end(path)
                return self._cache[path]
        folder = path if os.path.isdir(path) else posixpath.dirname(path)
        # Where its symlinks lead, as a beat's folder is read: a folder opened through a link
        # into a repository (``~/work/current`` -> ``~/code/mono/packages/web``) has no
        # ``.git`` above its link, only above where the link leads. Such an answer is not
        # kept: the link may lead to another checkout by the next heartbeat.
        here = _existing_part(folder)
        resolved = os.path.realpath(here)
        if here != folder and _is_stop(resolved, _stops(None)):
            root = None  # the search from the missing folder ends before the part here
        else:
            root = _search(resolved)
        if root is not None and resolved == folder:
            with self._lock:
                self._cache[path] = root
                self._cache.move_to_end(path)
                while len(self._cache) > self.maxsize:
                    self._cache.popitem(last=False)
        return root

    def cache_clear(self) -> None:
        with self._lock:
            self._cache.clear()


def _existing_part(folder: str) -> str:
    """The longest start of ``folder`` (absolute, normalized) that names something here.

    Only that part can hold a marker, and the search goes on from it as it would have from
    the missing folders below it. A heartbeat may name a file thousands of folders deep that
    is nowhere here: each was looked at, 30 ms a heartbeat on the event loop, 30 s for a
    batch of 1000 during which no client was answered."""
    if os.path.lexists(folder):
        return folder  # the usual case: one look
    part = "/"
    for name in folder.split("/")[1:]:
        step = posixpath.join(part, name)
        if not os.path.lexists(step):
            break
        part = step
    return part


def _search(folder: str) -> str | None:
    """The nearest of ``folder`` (absolute) and its parents holding a ``.wakatime-project``
    file, else the nearest holding a repository marker: the folder wakatime-cli itself takes
    for the project. Without the first look, a folder that is no repository but named by that
    file had no folder here, and its heartbeats went by name into a project of their own.

    A marker counts as a name in its folder (``lexists``), a symlink as much as what it leads
    to: this runs on the event loop, and following a ``.git`` linked to a folder on a share
    that hung stopped every client there."""
    for markers in ((PROJECT_FILE,), MARKERS):
        for candidate in folders_upwards(folder):
            if any(os.path.lexists(os.path.join(candidate, marker)) for marker in markers):
                return candidate
    return None


def folders_upwards(folder: str, stop_at: str | None = None) -> Iterator[str]:
    """``folder`` (absolute), then the parents whose repository it may belong to.

    The one rule for how far up a project's repository is looked for: never the root, and no
    parent from ``stop_at`` (default: the home folder) upwards, so a dotfiles repository in
    ``~`` does not swallow every untracked project below it. ``folder`` itself always counts:
    a file right in ``~`` does belong to that repository.

    The home folder counts by its name and by where its symlinks lead: ``$HOME`` often goes
    through one (``/home`` -> ``/data/home``) while project folders arrive with symlinks
    resolved, and a dotfiles repository then took every plain folder under ``~``.
    """
    stops = _stops(stop_at)
    current = os.path.normpath(folder)
    while (parent := os.path.dirname(current)) != current:
        yield current
        if _is_stop(parent, stops):
            return
        current = parent


def _stops(stop_at: str | None) -> set[str]:
    """The folders ``folders_upwards`` goes no higher than: ``stop_at`` (default: the home
    folder) by its name and by where its symlinks lead."""
    given = os.path.normpath(os.path.expanduser("~") if stop_at is None else stop_at)
    return {given, _where_links_lead(given)}


def _is_stop(folder: str, stops: set[str]) -> bool:
    """Whether ``folder`` is one of ``stops`` or above one: no search goes on from it."""
    above = folder.rstrip(os.sep) + os.sep
    return any(folder == stop or stop.startswith(above) for stop in stops)


@functools.lru_cache(maxsize=16)
def _where_links_lead(folder: str) -> str:
    """``os.path.realpath``, once per home folder: a home on a network share that stopped
    answering would otherwise hold up each search, even for folders on a local disk."""
    return os.path.realpath(folder)


#: The daemon's shared finder.
find_repo_root = RepoRoots()
