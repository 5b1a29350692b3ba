"""The database a report command reads: opened read-only, and a note when it is likely the
wrong file.

Read-only, so reports work while the daemon is stopped and never block it. A missing or empty
file is often not the daemon's (another ``XDG_DATA_HOME``, ``OXITRACK_DB``, a file left where
``service install --db`` moved the data from): the daemon is asked which file it records into
only then, so that a status bar polling a database that exists pays nothing for it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

from oxitrack.commands._options import settings_from
from oxitrack.errors import StoreError
from oxitrack.records import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from oxitrack.config import Settings
    from oxitrack.store import Store


# What a report says to do without a database where the daemon runs on another machine (a
# laptop whose editors send to a desktop's daemon): `today` can ask it, the others cannot.
ON_ITS_DASHBOARD = "or open the dashboard of a daemon on another machine"
ASK_WITH_TODAY = "or ask a daemon on another machine: `oxitrack today --daemon URL`"


def open_read_only(
    args: argparse.Namespace,
    db: str | None = None,
    *,
    wait_seconds: float | None = None,
    elsewhere: str = ON_ITS_DASHBOARD,
) -> Store:
    """The database, read-only: ``db``, else the one the settings name. ``wait_seconds``: how
    long to wait for another program that holds the file, if not the store's usual 120 s;
    ``elsewhere``: what to do when there is none because the daemon is another machine's."""
    from oxitrack.store import Store

    settings = settings_from(args)
    path = settings.db if db is None else db
    with naming_the_daemons_file(settings, path, elsewhere=elsewhere):
        return Store(path, read_only=True, open_wait_seconds=wait_seconds)


@contextlib.contextmanager
def naming_the_daemons_file(
    settings: Settings, path: str, *, elsewhere: str | None = None
) -> Iterator[None]:
    """A ``StoreError`` for a database ``path`` that does not exist, raised again naming the
    file the daemon at the configured address records into, when that is another one, else
    with ``elsewhere`` if given: what to do where the daemon runs on another machine.

    "Start `oxitrack serve` once" misleads when a daemon runs, on another file: the shell's
    (or cron's) XDG_DATA_HOME or OXITRACK_DB is not the service's; and on a laptop whose
    editors send to a desktop's daemon, a daemon started there would make an empty file.
    Asked only on this error, so that a status bar polling a database that exists pays
    nothing for it."""
    try:
        yield
    except StoreError:
        if os.path.lexists(os.path.expanduser(path)):
            raise
        from oxitrack.daemon_client import other_database_hint

        hint = other_database_hint(settings, path)
        if hint is None and elsewhere is None:
            raise
        if hint is None:
            raise StoreError(
                f"no database at {path} (start `oxitrack serve` once, {elsewhere})"
            ) from None
        raise StoreError(f"no database at {path}, but {hint}") from None


def note_other_database(args: argparse.Namespace, path: str) -> None:
    """Tell a person at a terminal when a daemon records into another file than ``path``, which
    has nothing for the days asked: an old file left where ``service install --db`` moved the
    data from, a shell with another ``XDG_DATA_HOME`` than the daemon's.

    Only on a terminal: a status bar or a script shows no stderr, and polls too often to ask
    the daemon each time. The daemon is asked only when no program has ``path`` open: a daemon
    recording into it always has, so "nothing yet today" in the morning asks nothing."""
    if not (sys.stderr is not None and sys.stderr.isatty()):
        return
    from oxitrack.store.lock_holders import is_open_elsewhere

    if is_open_elsewhere(path) is not False:
        return
    from oxitrack.daemon_client import other_database_hint

    hint = other_database_hint(settings_from(args), path)
    if hint is not None:
        print(f"oxitrack: note: nothing in {path}; {hint}", file=sys.stderr)
