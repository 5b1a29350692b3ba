"""``oxitrack import FILE``: a WakaTime export's heartbeats, into the running daemon.

The heartbeats go to the daemon's own ``heartbeats.bulk`` route, as a WakaTime plugin's do, so
they are placed in project folders, merged into sessions and checked by the same code; the
session rule makes importing twice change nothing, and the daemon's count of the heartbeats
each request stored for the first time lets the summary say so. Through the daemon, not the
file: the daemon is the one writer that finds a heartbeat's project (``api.wakatime``).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import IO, Any

from oxitrack.commands._options import (
    UsageError,
    add_command,
    add_db_option,
    add_json_option,
    settings_from,
)
from oxitrack.commands._output import counted, print_json
from oxitrack.errors import ClientError, OxitrackError
from oxitrack.fields import printable
from oxitrack.records import TYPE_CHECKING

if TYPE_CHECKING:
    from oxitrack.config import Settings
    from oxitrack.daemon_client import DaemonClient

#: What the daemon sees as the sender. WakaTime's export names each heartbeat's editor only by
#: an id of its account's, so imported time names none: ``Unknown/0`` is how wakatime-cli says
#: "no plugin named", which the daemon reads as no editor.
IMPORT_USER_AGENT = "Unknown/0"
#: How a summary names the file read from a pipe.
STDIN_NAME = "standard input"
#: Reasons of refusal listed in the summary; the rest are counted.
SHOWN_REASONS = 5


def register(subparsers: Any, command: str | None = None) -> None:
    parser = add_command(
        subparsers,
        "import",
        help="import a WakaTime export, or another machine's OxiTrack database",
        description=(
            "Send the heartbeats of a WakaTime export (Settings > Export > heartbeats, a\n"
            "JSON file) to the running daemon, as a WakaTime plugin sends its own: they land\n"
            "in the same projects and sessions. Importing a file again adds nothing.\n"
            "The export names editors and machines by an id only: imported time has no\n"
            "editor, machine or operating system.\n"
            "FILE may be gzipped; - reads it from standard input (a pipe).\n"
            "\n"
            "FILE may also be another machine's OxiTrack database (a copy `oxitrack backup`\n"
            "made there): its sessions, heartbeats and projects are merged into this\n"
            "history by the session rule, so nothing is counted twice, and importing it\n"
            "again (or a later copy of the same machine's) adds only what is new. A\n"
            "repository's folders join its project here wherever they were cloned; names\n"
            "given here are kept. The file is only read (an older schema is upgraded in a\n"
            "private temporary copy). `oxitrack export` holds no heartbeats: import a backup."
        ),
        example="oxitrack import ~/Downloads/wakatime-you-2025-11-25.json\n  "
        "oxitrack import laptop-backup.db",
    )
    parser.add_argument(
        "file",
        metavar="FILE",
        help="the export's JSON file (.json or .json.gz), - for stdin, or an OxiTrack database",
    )
    add_db_option(parser)
    add_json_option(parser)
    parser.set_defaults(run=run_import)


class Tally:
    """What the daemon answered for each heartbeat: taken, or refused and why; and of those
    taken, how many it had not stored before, and how many the file had already sent."""

    def __init__(self) -> None:
        self.imported = 0
        #: None once a daemon answered without its count (one started before it had one).
        self.new: int | None = 0
        #: Taken, and the same as a heartbeat taken earlier in the file: stored by this import,
        #: not before it, so not "already recorded" (the daemon counts neither as new).
        self.repeated = 0
        self.refusals: Counter[str] = Counter()
        #: The hashes of the heartbeats taken so far: about 80 bytes each (8 MiB for 100,000),
        #: where the heartbeats themselves would cost ten times that.
        self._taken: set[int] = set()

    @property
    def sent(self) -> int:
        return self.imported + self.refusals.total()

    @property
    def already_recorded(self) -> int | None:
        return None if self.new is None else self.imported - self.new - self.repeated

    def add(self, answer: object, sent: list[object]) -> None:
        """Count one ``heartbeats.bulk`` answer to the heartbeats ``sent``: ``{"responses":
        [[body, status], ...], "new_heartbeats": N}``. Each heartbeat stored is 201, one stored
        before too (as WakaTime clients expect): only the daemon's count says how many were
        new, and only the file's own heartbeats which of the rest it had sent already."""
        from oxitrack.wakatime_answers import NEW_HEARTBEATS_KEY

        responses = answer.get("responses") if isinstance(answer, dict) else None
        taken = repeated = 0
        for index, (body, status) in enumerate(responses if isinstance(responses, list) else []):
            if status == 201:
                taken += 1
                repeated += self._taken_before(sent[index] if index < len(sent) else None)
            else:
                message = body.get("message") if isinstance(body, dict) else None
                self.refusals[str(message or f"HTTP {status}")] += 1
        if not taken:
            return  # no heartbeat taken: none new, and the answer has no count
        new = answer.get(NEW_HEARTBEATS_KEY) if isinstance(answer, dict) else None
        self.imported += taken
        if self.new is not None and type(new) is int and 0 <= new <= taken:
            self.new += new
            # A repeat is never new: past the count, two hashes met by chance.
            repeated = min(repeated, taken - new)
        else:
            self.new = None
        self.repeated += repeated

    def _taken_before(self, heartbeat: object) -> bool:
        """Whether the file had this heartbeat taken already, as sent (the same fields, in any
        order); marks it taken."""
        if not isinstance(heartbeat, dict):
            return False
        try:
            key = hash(frozenset(heartbeat.items()))
        except TypeError:  # a list or object, sent empty (``slim_heartbeat``)
            key = hash(frozenset((name, _hashable(value)) for name, value in heartbeat.items()))
        if key in self._taken:
            return True
        self._taken.add(key)
        return False

    def to_json(self) -> dict[str, Any]:
        return {
            "heartbeats": self.sent,
            "imported": self.imported,
            "new": self.new,
            "already_recorded": self.already_recorded,
            "repeated_in_file": self.repeated,
            "refused": self.refusals.total(),
            "reasons": dict(self.refusals.most_common()),
        }

    def lines(self, file: str) -> list[str]:
        """The summary in words: how many, of them how many new, then the commonest reasons
        for refusals."""
        lines = [self._taken_line(file)]
        if self.refusals:
            lines.append(f"Refused {self.refusals.total()}:")
            shown = self.refusals.most_common(SHOWN_REASONS)
            for reason, count in shown:
                lines.append(f"  {count:>6}  {reason}")
            others = self.refusals.total() - sum(count for _, count in shown)
            if others:
                lines.append(f"  {others} for other reasons (--json lists them all)")
        return lines

    def division(self, lead: str) -> str:
        """How the heartbeats taken divide, after their count: ``, all new``, or ``lead`` and
        ``10 new, 10 already recorded, 3 repeated in the file`` (the counts that are not 0);
        nothing when the daemon gave no count. The words of the summary and of an import
        stopped half-way, so both read the same."""
        already = self.already_recorded
        if already is None or not self.imported:
            return ""
        parts = [
            (count, words)
            for count, words in [
                (self.new, "new"),
                (already, "already recorded"),
                (self.repeated, "repeated in the file"),
            ]
            if count
        ]
        if len(parts) == 1:
            words = parts[0][1]
            every = "" if self.imported == 1 and words == "already recorded" else "all "
            return f", {every}{words}"
        return lead + ", ".join(f"{count} {words}" for count, words in parts)

    def _taken_line(self, file: str) -> str:
        """The heartbeats taken, telling new ones from those stored before and those the file
        repeats: a second import of a file must not read as if its time had been added twice,
        nor a first one as if some had been there before."""
        imported = counted(self.imported, "heartbeat")
        if self.imported and self.new == 0:
            return f"Nothing new from {file}: {imported}{self.division(', ')}."
        return f"Imported {imported} from {file}{self.division(': ')}."


def _hashable(value: object) -> object:
    """A kept field's value, hashable."""
    return type(value).__name__ if isinstance(value, list | dict) else value


def run_import(args: argparse.Namespace) -> int:
    # Here, so that building the parser stays cheap.
    from oxitrack.commands.import_database import run_database_import
    from oxitrack.daemon_client import DaemonClient, DaemonUnavailable
    from oxitrack.store.files import is_sqlite_file

    settings = settings_from(args)
    other_database = args.file != "-" and is_sqlite_file(args.file)
    if args.file != "-" and not other_database:
        _refuse_what_is_no_export(args.file)
    client = DaemonClient(settings)
    if client.serves(settings.db) is None:
        raise DaemonUnavailable(_no_daemon_for(settings, client, other_database=other_database))
    if other_database:
        return run_database_import(args, settings, client)
    tally = Tally()
    name = STDIN_NAME if args.file == "-" else args.file
    try:
        try:
            with _opened(args.file) as file:
                _refuse_empty(file, args.file)
                _send_all(client, file, tally)
        finally:
            _end_progress(tally)
    except OSError as error:
        raise _unreadable(name, error) from None
    except OxitrackError as error:
        if not tally.sent:
            raise
        reason = error.message if isinstance(error, ClientError) else str(error)
        _print_json_counts(args, tally, stopped=reason)
        raise OxitrackError(_stopped(tally, reason)) from None
    except KeyboardInterrupt:
        # Ctrl-C in an import of minutes: say how far it got, then exit as interrupted.
        if tally.sent:
            _print_json_counts(args, tally, stopped="interrupted")
            print(f"oxitrack: {_stopped(tally, 'interrupted')}", file=sys.stderr)
        raise
    if args.json:
        _print_json_counts(args, tally, stopped=None)
    else:
        for line in tally.lines(name):
            print(printable(line))
    return 0


def _refuse_what_is_no_export(file: str) -> None:
    """A file that cannot be read, is empty or holds no heartbeats (OxiTrack's own export, the
    database copy a user brought from the old machine), refused before the daemon is asked for:
    its "start it first" sent users to start a daemon on the new machine, which made the very
    database their backup must then replace, and only then heard the file was no export. Read
    up to its first heartbeat; standard input, read once, is judged as it is imported."""
    from oxitrack.wakatime_dump import heartbeats_in

    try:
        with open(file, "rb") as opened:
            _refuse_empty(opened, file)
            next(heartbeats_in(opened), None)
    except OSError as error:
        raise _unreadable(file, error) from None


def _unreadable(name: str, error: OSError) -> OxitrackError:
    return OxitrackError(f"cannot read {name}: {error.strerror or error}")


def _opened(file: str) -> contextlib.AbstractContextManager[IO[bytes]]:
    """The file named, or standard input for ``-`` (left open: it is not ours to close)."""
    if file == "-":
        if sys.stdin.isatty():
            # Else it waits, silent, for an export of megabytes to be typed.
            raise UsageError("`-` reads the export from a pipe, and standard input is a terminal")
        return contextlib.nullcontext(sys.stdin.buffer)
    return open(file, "rb")


def _refuse_empty(file: IO[bytes], given: str) -> None:
    """An empty file or pipe, said as such: the JSON parser's "not valid JSON (premature EOF)"
    read as a damaged export, where a pipe is empty because the command before it failed
    (``ssh old-laptop cat …`` that found no file) and a file because its download did."""
    import io

    if not isinstance(file, io.BufferedReader) or file.peek(1):
        return
    if given == "-":
        raise OxitrackError(
            "standard input is empty: nothing to import (did the command before the pipe fail?)"
        )
    raise OxitrackError(f"{given} is empty: nothing to import (was its download cut short?)")


def _no_daemon_for(settings: Settings, client: DaemonClient, *, other_database: bool) -> str:
    """Why nothing can be sent, with what to do: a daemon that wants the API key, one that
    records into another database (starting one would find the port taken), or none."""
    from oxitrack.daemon_client import other_database_hint

    what = "the database's history" if other_database else "the heartbeats"
    wanted = f"import sends {what} to the daemon using {settings.db}"
    if client.refusal:
        return f"{wanted}; the one at {client.url} answers, but {client.refusal}"
    elsewhere = other_database_hint(settings, str(settings.db))
    if elsewhere:
        return f"{wanted}, and {elsewhere}"
    if other_database:
        from oxitrack.commands.import_database import no_daemon_line

        return no_daemon_line(settings, client)
    return (
        f"{wanted}, and none answers at {client.url}: start it first (`oxitrack serve`, or"
        " `oxitrack service install`)"
    )


def _send_all(client: DaemonClient, file: IO[bytes], tally: Tally) -> None:
    """Every heartbeat of ``file``, a bulk request's worth at a time, counted in ``tally``."""
    from oxitrack.wakatime import BULK_ROUTE, MAX_BULK_HEARTBEATS, slim_heartbeat
    from oxitrack.wakatime_dump import heartbeats_in

    route = BULK_ROUTE.replace("{user}", "current")
    heartbeats = (slim_heartbeat(_rooted_here(item)) for item in heartbeats_in(file))
    for batch in _batches(heartbeats, MAX_BULK_HEARTBEATS):
        tally.add(client.request("POST", route, batch, user_agent=IMPORT_USER_AGENT), batch)
        _show_progress(tally)


def _rooted_here(item: object) -> object:
    """``item`` without its ``project_root_count`` when the folder that count names is not one
    on this machine. The export's paths are those of the machine each heartbeat was sent from:
    taken as they are, the time of ``/home/old/code/app`` (or ``C:\\code\\app``) would land in
    a folder that is nowhere here rather than in the folder tracked here under the same project
    name. Without the count, the daemon finds the project as the docs say: the repository
    holding the file here, else a tracked folder of that name, else ``wakatime:<project>``."""
    from oxitrack.wakatime_projects import project_root_from_count

    if not isinstance(item, dict):
        return item
    count, entity = item.get("project_root_count"), item.get("entity")
    if type(count) is not int or count < 1 or not isinstance(entity, str):
        return item  # nothing to place, or a value the daemon refuses in its own words
    root = project_root_from_count(entity, count)
    if root is None or _is_folder_here(root):
        return item
    return {key: value for key, value in item.items() if key != "project_root_count"}


@functools.lru_cache(maxsize=1024)
def _is_folder_here(path: str) -> bool:
    """Cached: an export of years names a few hundred folders in hundreds of thousands of
    heartbeats."""
    return os.path.isdir(path)


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """``items`` in lists of ``size``. When reading them fails (a download cut short), the
    heartbeats read whole before the failure are handed over first: they were left unsent,
    up to a request's worth of an export's last day."""
    batch: list[Any] = []
    try:
        for item in items:
            batch.append(item)
            if len(batch) == size:
                yield batch
                batch = []
    except Exception:
        if batch:
            yield batch
        raise
    if batch:
        yield batch


def _stopped(tally: Tally, reason: str) -> str:
    """The line of an import stopped half-way, counting what went in as the summary does."""
    return (
        f"stopped after {counted(tally.sent, 'heartbeat')}"
        f" ({tally.imported} imported{tally.division(': ')}): {reason}."
        " Importing the file again is safe: heartbeats already in count once"
    )


def _print_json_counts(args: argparse.Namespace, tally: Tally, *, stopped: str | None) -> None:
    """With ``--json``, the counts, and why the import ``stopped`` half-way (``None``: it
    finished): one shape whether it finished or not, so a script learns what went in beside
    the exit code."""
    if args.json:
        print_json({"file": args.file, **tally.to_json(), "stopped": stopped})


def _show_progress(tally: Tally) -> None:
    """A line that counts on a terminal, for an export of years that takes a minute."""
    if sys.stderr.isatty():
        print(f"\r{tally.sent} heartbeats sent…", end="", file=sys.stderr, flush=True)


def _end_progress(tally: Tally) -> None:
    if sys.stderr.isatty() and tally.sent:
        print(file=sys.stderr)
