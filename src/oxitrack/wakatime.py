"""WakaTime heartbeats as OxiTrack beats: one heartbeat's JSON read into a ``Heartbeat``.

Every WakaTime editor plugin sends its heartbeats through ``wakatime-cli``, which posts them to the
``api_url`` of ``~/.wakatime.cfg``. This module turns one heartbeat (a JSON object) into a ``Beat``
for the session rule plus the details kept beside it, and shapes a bulk request's heartbeats
while they stream in. Its project folder is found by ``wakatime_projects``; the bodies the client
reads back are ``wakatime_answers``.

Pure: the current time comes in as ``now`` and the one look at the file system (the enclosing
repository of a file) is a function passed in (``oxitrack.repo_root`` gives the real one). Imports
no sqlite3, starlette or asyncio.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from oxitrack.beats import BeatLabels, check_timestamp, is_out_of_range, out_of_range
from oxitrack.errors import InvalidField
from oxitrack.fields import (
    MAX_LABEL_CHARS,
    MAX_TEXT_CHARS,
    json_type,
    label,
    machine_label,
    optional_text,
)
from oxitrack.json_items import ItemTooLarge
from oxitrack.records import Record
from oxitrack.sessions import Beat
from oxitrack.wakatime_projects import ProjectSource, RepoRootFinder, resolve_project_path

MAX_BULK_HEARTBEATS = 1000
#: The route of a batch of heartbeats: the one request whose body may pass the usual bounds
#: (``connection_refusals`` lets it run longer on the wire, ``api.wakatime`` reads it item by item).
BULK_ROUTE = "/api/v1/users/{user}/heartbeats.bulk"
# What a WakaTime client asks under its ``api_url``, as it asks it when the ``/api/v1`` part was
# left out of that setting (``http://127.0.0.1:3000``) or cut short (``…/api``).
_CLIENT_ROUTE_ELSEWHERE = re.compile(
    r"(?:/api)?(/users/[^/]+/(?:heartbeats(?:\.bulk)?|status_?bar/today|summaries|file_experts))/?"
)


def api_url_advice(path: str, daemon_address: str) -> str | None:
    """What to write as ``api_url`` when ``path`` is a WakaTime route asked outside ``/api/v1``;
    ``None`` for any other path. Every heartbeat of such a client is answered 404 and stays in
    its offline queue, with no word of why."""
    found = _CLIENT_ROUTE_ELSEWHERE.fullmatch(path)
    if found is None:
        return None
    return (
        f"WakaTime clients' api_url ends in /api/v1 (api_url = {daemon_address}/api/v1 in"
        f" ~/.wakatime.cfg), where this is /api/v1{found.group(1)}"
    )


#: The JSON of one heartbeat of a bulk request. wakatime-cli sends at most 1000 dependency
#: names of at most 200 bytes each: about 200 KB as plain names, 1.2 MB if each byte were
#: written as a ``\u003c`` escape; with its other fields, under 1.3 MB. A larger one is refused
#: on its own line, and skipped as it streams.
MAX_HEARTBEAT_BYTES = 2 * 1024 * 1024
#: OxiTrack keeps no entity, so none is refused for its length beyond its heartbeat's own bound
#: (and its request's): the CLI drops a line answered 400 with its time, and a browser's URL
#: (a dashboard keeping its state in the address) runs to many kilobytes.
MAX_ENTITY_CHARS = MAX_HEARTBEAT_BYTES
#: What ``parse_heartbeat`` reads of a heartbeat: all a bulk request's heartbeats keep of
#: their JSON (``slim_heartbeat``); dependencies, line numbers and the rest go as each is read.
HEARTBEAT_FIELDS = frozenset(
    {"time", "timestamp", "entity", "type", "project", "project_root_count", "user_agent"}
    | {"category", "language", "branch", "is_write"}
)

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.+-]*$")
# The platform part of a WakaTime client's User-Agent: right after its version, closed. A
# parenthesis further on is the plugin's (``idea/2024.1 (Community)``), not a system.
_PLATFORM_PART = re.compile(r"wakatime/\S+ \(([^()]*)\)")
_DECIMAL_SECONDS = re.compile(r"[0-9]+(\.[0-9]*)?")
# WakaTime's JetBrains plugin names the IDE by its platform prefix, as ``<prefix>/<version>
# <prefix>-wakatime/<version>``. Most prefixes are the product's name (``GoLand``, ``WebStorm``);
# these are not: PyCharm Professional says ``Python`` (an editor that read as a language) and
# RubyMine ``Ruby``, and PyCharm's two other editions would be three editors of one.
_JETBRAINS_PRODUCTS = {
    "Python": "pycharm",
    "PyCharmCore": "pycharm",
    "PyCharmEdu": "pycharm",
    "Ruby": "rubymine",
}


class HeartbeatDetails(Record):
    """What a heartbeat tells beyond "activity in this project now", kept for later reports.

    The file path (``entity``) is not among them: OxiTrack stores project folders, not file names.
    """

    time: float
    entity_type: str
    category: str | None
    language: str | None
    branch: str | None
    is_write: bool | None
    project_name: str | None
    editor: str | None
    plugin: str | None
    project_source: ProjectSource
    machine: str | None = None  # the ``X-Machine-Name`` header: the host the client ran on
    operating_system: str | None = None  # from the User-Agent: linux, darwin, windows, ...


class Heartbeat(Record):
    """One accepted heartbeat: the beat for the session rule and its details."""

    beat: Beat
    details: HeartbeatDetails
    entity: str


# -- parsing ---------------------------------------------------------------------------------


def parse_heartbeat(
    body: object,
    *,
    now: float,
    user_agent: str | None,
    find_repo_root: RepoRootFinder,
    machine: str | None = None,
) -> Heartbeat:
    """A ``Heartbeat`` from one heartbeat object, or ``InvalidField`` naming the bad field.

    ``user_agent`` is the request's ``User-Agent``; the heartbeat's own ``user_agent`` field wins,
    since a bulk request from the offline queue can mix heartbeats of several editors (and
    says each one's system). ``machine`` is the request's ``X-Machine-Name`` header as
    ``machine_name`` reads it: the queue is sent by the machine that kept it.
    """
    if isinstance(body, ItemTooLarge):
        message = f"is {body.size} bytes of JSON; at most {MAX_HEARTBEAT_BYTES} for a heartbeat"
        raise InvalidField("heartbeat", message)
    if not isinstance(body, Mapping):
        raise InvalidField("heartbeat", f"must be a JSON object, not {json_type(body)}")
    raw_time = _heartbeat_time(body)
    timestamp = check_timestamp(raw_time, now=now, field="time")
    entity = _required_text(body, "entity", MAX_ENTITY_CHARS)
    entity_type = optional_text(body, "type", MAX_LABEL_CHARS) or "file"
    project_name = optional_text(body, "project", MAX_TEXT_CHARS)
    root_count = _project_root_count(body)
    agent = optional_text(body, "user_agent", MAX_TEXT_CHARS) or user_agent
    editor, plugin = editor_from_user_agent(agent)
    project_path, source = resolve_project_path(
        entity=entity,
        entity_type=entity_type,
        project_root_count=root_count,
        project_name=project_name,
        find_repo_root=find_repo_root,
    )
    details = HeartbeatDetails(
        time=float(raw_time) if isinstance(raw_time, int | float) else float(timestamp),
        entity_type=entity_type,
        category=label(body, "category"),
        language=label(body, "language"),
        branch=label(body, "branch"),
        is_write=_is_write(body),
        project_name=project_name,
        editor=editor,
        plugin=plugin,
        project_source=source,
        machine=machine,
        operating_system=system_from_user_agent(agent),
    )
    return Heartbeat(Beat(project_path, timestamp), details, entity)


def posted_beat_details(beat: Beat, labels: BeatLabels) -> HeartbeatDetails:
    """The details of a ``POST /beat`` that named a label (its language, editor, machine...), as a
    heartbeat's: so reports break its time down as they do a WakaTime heartbeat's, from the
    same tables. The editor's beats are about a file it has open; the rest it does not say."""
    return HeartbeatDetails(
        time=float(beat.timestamp),
        entity_type="file",
        category=labels.category,
        language=labels.language,
        branch=None,
        is_write=None,
        project_name=None,
        editor=labels.editor,
        plugin=None,
        project_source="beat",
        machine=labels.machine,
        operating_system=labels.operating_system,
    )


def check_bulk(body: object) -> list[object]:
    """The heartbeats of a bulk request: a JSON array of at most ``MAX_BULK_HEARTBEATS``."""
    if not isinstance(body, list):
        raise InvalidField("body", f"must be a JSON array of heartbeats, not {json_type(body)}")
    if len(body) > MAX_BULK_HEARTBEATS:
        raise InvalidField("body", f"has {len(body)} heartbeats; at most {MAX_BULK_HEARTBEATS}")
    return body


def slim_heartbeat(item: object) -> object:
    """``item`` with only the fields parsing reads (``HEARTBEAT_FIELDS``), for a bulk request's
    heartbeats to cost about their size while the request is parsed: a list or object where
    text or a number is due is kept as an empty one, which is refused the same way."""
    if isinstance(item, dict):
        return {key: _hollow(value) for key, value in item.items() if key in HEARTBEAT_FIELDS}
    return _hollow(item)


def _hollow(value: object) -> object:
    return type(value)() if isinstance(value, list | dict) else value


def editor_from_user_agent(user_agent: str | None) -> tuple[str | None, str | None]:
    """(editor, plugin) from a wakatime-cli User-Agent.

    The CLI sends ``wakatime/<ver> (<platform>) <runtime> <plugin>`` where the plugin part is what
    the editor passed as ``--plugin``, such as ``neovim/0.9.5 vim-wakatime/11.1.1``. The editor is
    the name before the first ``/`` of that part (``neovim``), or the ``<name>-wakatime`` plugin
    name when the editor gave no version of its own; ``Unknown/0`` means no plugin was named.
    A JetBrains IDE whose platform prefix is not its name is named as its product
    (``Python/2024.1 Python-wakatime/15.0`` is ``pycharm``, as WakaTime shows it).
    """
    if not user_agent or not user_agent.strip():
        return None, None
    text = " ".join(user_agent.split())
    if text.startswith("wakatime/") and ")" in text:
        after_platform = text.split(")", 1)[1].split()
        plugin = " ".join(after_platform[1:])  # the first token is the runtime (go1.22, Python3.9…)
    else:
        plugin = text
    plugin = plugin[:MAX_LABEL_CHARS].strip()
    if not plugin or plugin == "Unknown/0":
        return None, None
    editor = None
    plugin_names: list[str] = []
    for token in plugin.split():
        name, slash, _ = token.partition("/")
        if not slash or not _NAME.match(name):
            continue
        if name.lower().endswith("-wakatime"):
            plugin_names.append(name[: -len("-wakatime")])
        else:
            editor = editor or name
    if editor in _JETBRAINS_PRODUCTS and editor in plugin_names:
        return _JETBRAINS_PRODUCTS[editor], plugin
    chosen = editor or (plugin_names[0] if plugin_names else None)
    return (chosen.lower() if chosen else None), plugin


def system_from_user_agent(user_agent: str | None) -> str | None:
    """The operating system a wakatime-cli User-Agent names, lower-cased: the first word of
    its ``(<os>-<core>-<platform>)`` part (Go's ``GOOS``: ``linux``, ``darwin``, ``windows``;
    the pure-Python client's ``platform.platform()``: ``Linux-6.1-x86_64-with-glibc2.36``,
    ``macOS-14.1-arm64-arm-64bit``). None for another client's User-Agent, which says it
    in no known place."""
    found = _PLATFORM_PART.match(user_agent or "")
    if found is None:
        return None
    system = found.group(1).split("-", 1)[0].strip().lower()
    if not system or not _NAME.match(system):
        return None
    return system[:MAX_LABEL_CHARS]


def machine_name(header: str | None) -> str | None:
    """The machine a request's ``X-Machine-Name`` header names (wakatime-cli sends the host
    name, or its ``hostname`` setting), as a label: cut to ``MAX_LABEL_CHARS``, never refused,
    since a refused heartbeat is dropped with its time. A header's bytes come as Latin-1 text
    (ASGI's reading); wakatime-cli sends UTF-8, read back here (U+FFFD for a byte that is not
    one). Cleaned as ``fields.machine_label`` cleans a ``POST /beat``'s ``machine``."""
    if header is None:
        return None
    try:
        text = header.encode("latin-1").decode("utf-8", "replace")
    except UnicodeEncodeError:  # not a header's bytes: already text
        text = header
    return machine_label(text)


# -- field checks ----------------------------------------------------------------------------


def _heartbeat_time(body: Mapping[str, object]) -> object:
    """The heartbeat's ``time`` (or ``timestamp``), a decimal string read as its number.

    Plugins hand wakatime-cli their times as strings too (``"1585598059.5"``): the Go CLI turns
    them into numbers, but the pure-Python client forwards them as they came, and drops for good
    a heartbeat answered 400. Anything else goes to ``check_timestamp`` as sent.
    """
    value = body.get("time", body.get("timestamp"))
    if value is None:
        raise InvalidField("time", "is required (Unix seconds, may have a fraction)")
    if isinstance(value, str):
        if not _DECIMAL_SECONDS.fullmatch(value.strip()):
            shown = value if len(value) <= 40 else value[:40] + "…"
            raise InvalidField("time", f"must be a number of Unix seconds, not {shown!r}")
        return float(value)
    return value


def _required_text(body: Mapping[str, object], field: str, max_chars: int) -> str:
    value = optional_text(body, field, max_chars)
    if value is None:
        raise InvalidField(field, "is required")
    return value


#: The spellings wakatime-cli reads as a boolean (Go's ``strconv.ParseBool``).
_BOOLEAN_TEXT = {
    **dict.fromkeys(["1", "t", "T", "TRUE", "true", "True"], True),
    **dict.fromkeys(["0", "f", "F", "FALSE", "false", "False"], False),
}


def _is_write(body: Mapping[str, object]) -> bool | None:
    """``is_write`` as wakatime-cli reads a plugin's buffered heartbeat: a boolean, or its
    text (``"true"``, ``"0"``), while a number is left unread. The pure-Python client passes
    them on as the plugin wrote them and drops for good a heartbeat answered 400: refused, a
    detail would have cost the heartbeat's time. Other text is refused, as the CLI does."""
    value = body.get("is_write")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return None
    if isinstance(value, str) and value in _BOOLEAN_TEXT:
        return _BOOLEAN_TEXT[value]
    shown = repr(value) if isinstance(value, str) and len(value) <= 40 else json_type(value)
    raise InvalidField("is_write", f"must be true, false or null, not {shown}")


def _project_root_count(body: Mapping[str, object]) -> int | None:
    """``project_root_count``; 0 means no project folder, like a count not sent.

    wakatime-cli leaves the field out when it found no folder, but plugins that post heartbeats
    themselves count the workspace folder's parts and send 0 for a file outside every folder.
    Refused, such a heartbeat was dropped by the plugin with its time.
    """
    field = "project_root_count"
    value = body.get(field)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and is_out_of_range(value):
        raise InvalidField(field, out_of_range(value))
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidField(field, f"must be a whole number or null, not {json_type(value)}")
    if value < 0:
        raise InvalidField(field, f"must be at least 0, not {value}")
    return value or None
