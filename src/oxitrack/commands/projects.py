"""``oxitrack projects``: list projects, merge two that are one, rename or delete one.

Through the daemon or on the file: with ``--via auto`` (the default) the command asks the daemon
at the configured address for ``/health``; if it answers and uses the same database file, the
command goes through its HTTP API, otherwise it opens the file itself. Both ways end in the same
``store.projects`` functions, inside one write transaction, so the result is the same; so is the
answer ``--json`` prints, the ``to_json()`` of the record each function returns.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oxitrack.commands._options import (
    UsageError,
    add_command,
    add_db_option,
    add_json_option,
    project_reference,
    settings_from,
)
from oxitrack.commands._output import print_json
from oxitrack.commands._report_database import naming_the_daemons_file
from oxitrack.fields import printable, utf8_reading

if TYPE_CHECKING:  # imported where used, so that building the parser stays cheap
    import sqlite3
    from collections.abc import Callable

    from oxitrack.config import Settings
    from oxitrack.daemon_client import DaemonClient
    from oxitrack.store import Store
    from oxitrack.store.project_references import FolderIdentity
    from oxitrack.store.projects import Deleted, Merged, Renamed


def register(subparsers: Any, command: str | None = None) -> None:
    parser = add_command(
        subparsers,
        "projects",
        help="list projects; merge, rename or delete them",
        description=(
            "List projects with their folders, identity and total time. A git repository\n"
            "is one project wherever it is cloned or moved; other folders are projects by\n"
            "their path. Use `merge` when two projects are really one, `rename` to give one\n"
            "a name, `delete` to remove one tracked by mistake."
        ),
        example="oxitrack projects merge /home/me/old/api api",
    )
    _add_common(parser, default=None)
    parser.set_defaults(run=run_list)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    listing = add_command(
        actions,
        "list",
        help="list projects (the default)",
        description="List projects, latest activity first.",
        example="oxitrack projects list --json",
    )
    _add_common(listing)  # given before or after the action
    listing.set_defaults(run=run_list)
    merge = add_command(
        actions,
        "merge",
        help="merge project SOURCE into project TARGET",
        description=(
            "Merge SOURCE into TARGET: its folders, identities and sessions become TARGET's.\n"
            "Time both spent at once counts once. A project is named by its id, a folder, an\n"
            "identity (git:..., path:...) or its name, as `oxitrack projects` shows them."
        ),
        example="oxitrack projects merge 7 3",
    )
    merge.add_argument("source", help="the project that disappears")
    merge.add_argument("target", help="the project that stays")
    _add_common(merge)  # given before or after the action
    merge.set_defaults(run=run_merge)
    rename = add_command(
        actions,
        "rename",
        help="name a project (or --reset to its folder's name)",
        description="Give a project a name shown in reports instead of its folder's name.",
        example='oxitrack projects rename /home/me/code/oxitrack "OxiTrack"',
    )
    rename.add_argument("project", help="id, folder, identity or current name")
    rename.add_argument("name", nargs="?", help="the new name")
    rename.add_argument("--reset", action="store_true", help="show the folder's name again")
    _add_common(rename)  # given before or after the action
    rename.set_defaults(run=run_rename)

    delete = add_command(
        actions,
        "delete",
        help="delete a project and all the time recorded in it",
        description=(
            "Delete PROJECT for good: its sessions, WakaTime heartbeats, folders and\n"
            "identities; no other project changes. At a terminal it shows what goes and asks\n"
            "first; elsewhere give --yes. `oxitrack backup FILE` before keeps a copy. The\n"
            "next beat from one of its folders starts a new project: to stop that, exclude\n"
            "the folder in the editor (VS Code: `oxitrack.excludePatterns`; WakaTime plugins:\n"
            "their own exclude setting)."
        ),
        example="oxitrack projects delete ~/Downloads --yes",
    )
    delete.add_argument("project", help="id, folder, identity or name")
    delete.add_argument("--yes", action="store_true", help="delete without asking")
    _add_common(delete)  # given before or after the action
    delete.set_defaults(run=run_delete)


def _add_common(parser: argparse.ArgumentParser, *, default: Any = argparse.SUPPRESS) -> None:
    """The flags of ``projects`` and of each action. An action's flags default to "not given",
    so that ``projects --db X merge A B`` keeps the ``--db`` given before the action."""
    add_db_option(parser, default=default)
    add_json_option(parser, default=False if default is None else default)
    parser.add_argument(
        "--via",
        choices=("auto", "daemon", "file"),
        default=default,
        help="go through the running daemon, or the database file (default: auto)",
    )


# -- the commands ------------------------------------------------------------------------------


def _projects(settings: Settings, client: DaemonClient | None) -> list[Any]:
    """Every project as ``GET /api/projects`` lists it, through the daemon or from the file."""
    from oxitrack.store import Store
    from oxitrack.store import projects as store_projects

    if client is not None:
        return list(client.request("GET", "/api/projects")["projects"])
    with naming_the_daemons_file(settings, settings.db):
        store = Store(settings.db, read_only=True)
    with store:
        return [p.to_json() for p in store.read(store_projects.list_projects)]


def run_list(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    projects = _projects(settings, _daemon(args, settings))
    if args.json:
        print_json({"projects": projects})
    elif not projects:
        print("No projects yet: they appear with the first beat.")
    else:
        print("\n\n".join(_describe(project) for project in projects))
    return 0


def run_merge(args: argparse.Namespace) -> int:
    from oxitrack.store import projects as store_projects

    settings = settings_from(args)
    client = _daemon(args, settings)
    source, target = project_reference(args.source), project_reference(args.target)
    answer = _change(
        settings,
        client,
        "merge",
        {"source": source, "target": target},
        lambda conn, identify: store_projects.merge_by_reference(conn, source, target, identify),
    )
    _show_result(args, answer, f"Merged {args.source!r} into project {answer['project']['id']}:")
    return 0


def run_rename(args: argparse.Namespace) -> int:
    if args.name is not None and args.reset:
        raise UsageError("projects rename: give a NAME or --reset, not both")
    if args.name is None and not args.reset:
        # `projects rename api` read "(not both)" where nothing but the name was missing.
        raise UsageError(
            "projects rename: give the new name:"
            f" `oxitrack projects rename {_shell_word(args.project)} NAME`, or --reset for the"
            " name of its folder"
        )
    from oxitrack.store import projects as store_projects

    settings = settings_from(args)
    client = _daemon(args, settings)
    # Under the C locale without UTF-8 mode Python reads a typed "Ä" as the bytes it was
    # sent, which the store refuses as text: read them as the UTF-8 a terminal sends.
    name = None if args.reset else utf8_reading(args.name)
    reference = project_reference(args.project)
    answer = _change(
        settings,
        client,
        "rename",
        {"project": reference, "name": name},
        lambda conn, identify: store_projects.rename_by_reference(conn, reference, name, identify),
    )
    _show_result(args, answer, "Renamed:")
    if name is not None:
        # A daemon older than the answer's ``namesakes`` sends none.
        _note_shared_name(answer["project"], answer.get("namesakes", []))
    return 0


def _note_shared_name(renamed: dict[str, Any], namesakes: list[int]) -> None:
    """Say so when the new name is another project's too: a shared name names neither, so
    every ``--project NAME`` (a prompt's, a script's) is refused from now on, and a user who
    renamed to fold two folders into one project meant a merge."""
    import sys

    from oxitrack.fields import printable

    if namesakes:
        ids = ", ".join(str(each) for each in namesakes)
        print(
            f"oxitrack: note: project {ids} is called {printable(renamed['name'])!r} too, so"
            f" {printable(renamed['name'])!r} now names neither (give the id); to count them as"
            f" one project: oxitrack projects merge {renamed['id']} {namesakes[0]}",
            file=sys.stderr,
        )


def run_delete(args: argparse.Namespace) -> int:
    import sys

    from oxitrack.store import projects as store_projects

    if not args.yes and not sys.stdin.isatty():
        raise UsageError(
            "projects delete: nobody at a terminal to confirm; add --yes to delete without asking"
        )
    settings = settings_from(args)
    client = _daemon(args, settings)
    reference = project_reference(args.project)
    if not args.yes:
        confirmed = _confirmed_id(settings, reference)
        if confirmed is None:
            print("Nothing deleted.", file=sys.stderr)
            return 0
        reference = confirmed  # what was shown, even if the words now name another project
    answer = _change(
        settings,
        client,
        "delete",
        {"project": reference},
        lambda conn, identify: store_projects.delete_by_reference(conn, reference, identify),
    )
    _show_result(args, answer, f"Deleted project {answer['project']['id']}:")
    if not args.json:
        print(_COMES_BACK)
    return 0


_COMES_BACK = (
    "The next beat from its folders starts a new project. To stop tracking a folder, exclude it\n"
    "in the editor: VS Code's `oxitrack.excludePatterns`, a WakaTime plugin's own exclude setting."
)


def _confirmed_id(settings: Settings, reference: str) -> str | None:
    """Show on stderr what deleting ``reference`` takes away and ask; the project's id if the
    answer is yes. Read from the file, even with the daemon running: the same rows, and the
    delete that follows names the id, so a yes deletes exactly what was shown."""
    import sys

    from oxitrack.store import Store, project_references
    from oxitrack.store import projects as store_projects

    identify = project_references.folder_identities(reference)
    with Store(settings.db, read_only=True) as store:
        project = store.read(
            lambda conn: store_projects.get_project(
                conn, project_references.find_project(conn, reference, "project", identify=identify)
            )
        ).to_json()
    print("This deletes, for good:", file=sys.stderr)
    print(_describe(project), file=sys.stderr)
    print("(`oxitrack backup FILE` first keeps a copy.)", file=sys.stderr)
    print("Delete it? [y/N] ", end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline().strip().lower()
    return str(project["id"]) if answer in {"y", "yes"} else None


def _change(
    settings: Settings,
    client: DaemonClient | None,
    action: str,
    body: dict[str, object],
    write: Callable[[sqlite3.Connection, FolderIdentity], Merged | Renamed | Deleted],
) -> dict[str, Any]:
    """``POST /api/projects/<action>`` with ``body`` through the daemon, else ``write`` in one
    transaction on the file, handed what ``folder_identities`` reads of the references in
    ``body`` (as the daemon does before its write); the answer, as the API's JSON: the
    ``to_json()`` of what ``write`` returns is what the API answers, built in one place."""
    from oxitrack.store import project_references

    if client is not None:
        answer: dict[str, Any] = client.request("POST", f"/api/projects/{action}", body)
        return answer
    references = [body[field] for field in ("source", "target", "project") if field in body]
    identify = project_references.folder_identities(*references)
    with _existing_store(settings) as store:
        answer = store.write(lambda conn: write(conn, identify)).to_json()
        if action == "delete":
            # Closing removes the -wal, and the old rows in it, only if no daemon has it open.
            store.empty_wal(rewrite=True)
        return answer


def _existing_store(settings: Settings) -> Store:
    """The database file opened for writing, refusing to create one: a typo in ``--db`` must not
    leave an empty database behind and then report "no project matches"."""
    from oxitrack.store import Store

    with naming_the_daemons_file(settings, settings.db):
        return Store(settings.db, create=False)


def _daemon(args: argparse.Namespace, settings: Settings) -> DaemonClient | None:
    """The daemon to go through, or ``None`` to open the file (see the module docstring)."""
    from oxitrack.daemon_client import DaemonClient, DaemonUnavailable

    via = args.via or "auto"
    if via == "file":
        return None
    client = DaemonClient(settings)
    if client.serves(Path(settings.db)) is not None:
        return client
    if via == "daemon" and client.refusal:
        raise DaemonUnavailable(f"the daemon at {client.url} answers, but {client.refusal}")
    if via == "daemon":
        raise DaemonUnavailable(
            f"no OxiTrack daemon using {settings.db} answers at {client.url}"
            " (start it with `oxitrack serve`, or use --via file)"
        )
    return None


# -- text output -------------------------------------------------------------------------------


def _show_result(args: argparse.Namespace, answer: dict[str, Any], headline: str) -> None:
    if args.json:
        print_json(answer)
    else:
        print(headline)
        print(_describe(answer["project"]))


def _describe(project: dict[str, Any]) -> str:
    from oxitrack.commands._output import counted, local_time
    from oxitrack.fields import printable  # folders may be named with what a terminal acts on
    from oxitrack.report_text import format_duration  # the reports' "4h 00m", not a second style

    sessions = project["session_count"]
    lines = [
        f"{project['id']:>3}  {printable(project['name'])}"
        f"  {format_duration(project['total_seconds'])}"
        f" in {counted(sessions, 'session')},"
        f" last beat {local_time(project['last_beat'])}"
    ]
    lines += [f"     identity  {printable(identity)}" for identity in project["identities"]]
    for path in project["paths"]:
        beats = path["beat_count"]
        lines.append(
            f"     path      {printable(path['project_path'])}  ({counted(beats, 'beat')})"
        )
    return "\n".join(lines)


def _shell_word(text: str) -> str:
    """``text`` as it would be typed back in a shell (quoted when it needs to be), its control
    characters as escapes: it is written to the terminal."""
    import shlex

    return printable(shlex.quote(text))
