"""The real store against a brute-force model, under random interleavings of everything that writes.

A Hypothesis state machine drives one SQLite file the way the daemon and the CLI do: native beats
(one at a time and in group-commit batches, in order, late and repeated), WakaTime heartbeats
(placed by ``project_root_count``, by project name, or by neither, resolved as the API does),
``projects merge``, ``projects rename`` and ``projects delete`` (valid and refused), daemon
restarts and ``oxitrack check``. Beats and heartbeats may name a language and a category (beats
an editor, heartbeats a branch). Beside it a model keeps, per folder, the set of beat times and
the labelled heartbeats, and, per project, its folders and given name. After every step the
stored sessions must be those the model's beats form, and the project list must match; on
demand, ``/today`` and ``/api/days`` (the functions behind them) must give the model's union of
session spans per project, per day and in total, and the breakdown by language, editor, category
or branch (per project) the model's second-by-second split of that time.

Every labelled beat and heartbeat names a category (``debugging`` or ``building``); time with
none (beats that name nothing, time no pair covers) is the breakdown's ``coding``.

The model shares no code with what it checks: sessions come from ``tests.sessions_model``
(union-find over beat pairs), days from ``zoneinfo`` directly, unions from a plain sweep.
Folders are plain paths that do not exist here, so no git identity is involved.
"""

from __future__ import annotations

import ntpath
import posixpath
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from oxitrack import days as days_
from oxitrack.api.reports import read_today
from oxitrack.beats import PostedBeat, parse_beat
from oxitrack.breakdown import DEFAULT_CATEGORY, BreakdownRow
from oxitrack.errors import ClientError
from oxitrack.repo_root import find_repo_root
from oxitrack.reports import daily_totals, days_json, range_totals, today_json
from oxitrack.store import Store, checks
from oxitrack.store import projects as store_projects
from oxitrack.store import reports as store_reports
from oxitrack.store import wakatime as store_wakatime
from oxitrack.store.breakdown import read_breakdown
from oxitrack.store.day_splits import read_day_splits
from oxitrack.wakatime import parse_heartbeat
from oxitrack.wakatime_projects import folders_given_names, name_to_match, placed_by_name
from tests.sessions_model import assert_no_overlap, model_sessions

ROOT = "/oxitrack-model-nowhere"  # no such folder: identities are path identities
FOLDERS = (
    f"{ROOT}/alpha",
    f"{ROOT}/beta",
    f"{ROOT}/other/alpha",
    f"{ROOT}/gamma",
    "C:\\code\\beta",  # a remote Windows editor's folder
)
NAMES = ("alpha", "beta", " beta ", "delta", "Unknown Project")
NEW_NAMES = ("Billing API", "alpha", "delta", "Unknown Project", " gamma ", "  ", None)
PROJECT_FILTERS = ("alpha", "other/alpha", "beta", "Billing API", "wakatime:delta", *FOLDERS[3:])
ZONES = ("UTC", "Europe/Berlin", "Asia/Kolkata", "America/Los_Angeles")
BASE = 1_743_206_400  # 2025-03-29T00:00:00Z: Berlin springs forward the next night
GRID_SECONDS = 450  # half the gap: beats land exactly 900 s apart, and on every local midnight
NOW = BASE + 400 * GRID_SECONDS
ACTIVE_SECONDS = 300
FIRST_DATE = date(2025, 3, 27)
LANGUAGES = ("Python", "Rust", None)
EDITORS = ("vscode", None)
CATEGORIES = ("debugging", "building")  # never ``coding``: time with no category is that
BRANCHES = ("main", "feature", None)
GAP_SECONDS = 900
# References that name what they name or nothing, never a folder by its last parts: paths,
# identities and WakaTime's project names.
NOT_FOLDER_ENDINGS = ("/", "\\", "C:", "c:", "path:", "git:", "wakatime:")

timestamps = st.builds(
    lambda step, nudge: BASE + step * GRID_SECONDS + nudge,
    # Anywhere, or in two busy hours where folders' sessions overlap: one across Berlin's
    # midnight (k = 184), one across the UTC midnight before the clocks change (k = 192).
    st.integers(0, 400) | st.integers(181, 187) | st.integers(189, 195),
    st.sampled_from([0, 0, 0, 1, -1, GRID_SECONDS - 1]),
)
spellings = st.sampled_from(["as is", "as is", "trailing", "dotdot", "lower"])


class Labels(NamedTuple):
    """What a beat or heartbeat says beside its folder and time, in ``beat_contexts``' words."""

    language: str | None = None
    editor: str | None = None
    category: str | None = None
    branch: str | None = None


NO_LABELS = Labels()
# ``POST /beat``: a language, an editor, both or neither; one naming either names a category.
beat_labels = st.builds(
    lambda language, editor, category: (
        Labels(language, editor, category) if language or editor else NO_LABELS
    ),
    st.sampled_from(LANGUAGES),
    st.sampled_from(EDITORS),
    st.sampled_from(CATEGORIES),
)
# A WakaTime heartbeat (from no editor's User-Agent here): a category always, the rest or not.
heartbeat_labels = st.builds(
    lambda language, category, branch: Labels(language, None, category, branch),
    st.sampled_from(LANGUAGES),
    st.sampled_from(CATEGORIES),
    st.sampled_from(BRANCHES),
)
heartbeat_specs = st.tuples(
    st.sampled_from(["root_count", "folder_itself", "file_no_count", "app"]),
    st.sampled_from(FOLDERS),
    st.none() | st.sampled_from(NAMES),
    timestamps,
    st.sampled_from([0.0, 0.5]),
    heartbeat_labels,
)
HeartbeatSpec = tuple[str, str, str | None, int, float, Labels]


def union_seconds(spans: list[tuple[int, int]]) -> int:
    total, reach = 0, None
    for start, end in sorted(spans):
        if reach is None or start > reach:
            total += end - start
            reach = end
        elif end > reach:
            total += end - reach
            reach = end
    return total


def last_part(path: str) -> str:
    if path.startswith("wakatime:"):
        return path.removeprefix("wakatime:")
    return path.replace("\\", "/").rsplit("/", 1)[1]


def canonical(path: str) -> str:
    """The folder a client's spelling means (none of these exist here: no symlinks)."""
    if path.startswith("wakatime:"):
        return path
    if path[:2] in ("C:", "c:"):
        return "C:" + ntpath.normpath(path)[2:]
    return posixpath.normpath(path)


def identity_of(folder: str) -> str:
    """A folder's path identity: a Windows drive's folder in lower case, as Windows reads it."""
    return "path:" + (folder.lower() if folder.startswith("C:") else folder)


def has_time_in(first: int, last: int, start: int, end: int) -> bool:
    """Whether a session has time in ``[start, end)``: a positive overlap, or its one beat."""
    return start <= first < end if first == last else first < end and start < last


def spelled(folder: str, how: str) -> str:
    """``folder`` as a client may send it: as is, with a trailing separator, through ``..``,
    or (Windows) with a lower-case drive; all mean the same canonical folder."""
    separator = "\\" if folder.startswith("C:") else "/"
    if how == "trailing":
        return folder + separator
    if how == "dotdot":
        return folder + separator + "src" + separator + ".."
    if how == "lower" and folder.startswith("C:"):
        return "c" + folder[1:]
    return folder


references = (
    st.integers(1, 9)
    | st.sampled_from(FOLDERS)
    | st.sampled_from([f"wakatime:{name.strip()}" for name in NAMES])
    | st.sampled_from([identity_of(folder) for folder in FOLDERS])
    | st.sampled_from([spelled(folder, "trailing") for folder in FOLDERS] + ["c:\\code\\beta"])
    | st.sampled_from(["alpha", "beta", "gamma", "delta", "Billing API", "Unknown Project"])
)


class Model:
    """What the store must hold, kept the obvious way."""

    def __init__(self) -> None:
        self.beats: dict[str, set[int]] = {}  # folder (or wakatime: key) -> beat times
        self.beat_count: dict[str, int] = {}
        self.project_of: dict[str, int] = {}  # folder -> live project id
        self.custom_name: dict[int, str | None] = {}  # live project id -> given name
        # merged-away id -> the project it lives on in; a deleted id -> itself
        self.retired: dict[int, int] = {}
        self.highest_id = 0
        # One row per distinct heartbeat: (folder, time, type, project name as sent, source,
        # language, editor, category, branch); a context (the row but its time) is numbered
        # when first seen, after every context seen before (deleted ones included).
        self.details: set[Detail] = set()
        self.context_order: dict[tuple[object, ...], int] = {}
        self.contexts_seen = 0

    # -- reading the model ---------------------------------------------------------------------

    def sessions(self, path: str) -> list[tuple[int, int]]:
        return [
            (start, last) for _, start, last in model_sessions((path, t) for t in self.beats[path])
        ]

    def paths_of(self, project_id: int) -> list[str]:
        """Latest beat first, ties by path (what the store lists and calls the latest folder)."""
        paths = [p for p, owner in self.project_of.items() if owner == project_id]
        return sorted(paths, key=lambda p: (-max(self.beats[p]), p))

    def shown_name(self, project_id: int) -> str:
        return self.custom_name[project_id] or last_part(self.paths_of(project_id)[0])

    # -- writing the model ---------------------------------------------------------------------

    def add_beat(self, path: str, timestamp: int) -> None:
        if path not in self.beats:
            self.highest_id += 1
            self.project_of[path] = self.highest_id
            self.custom_name[self.highest_id] = None
            self.beats[path] = set()
            self.beat_count[path] = 0
        if not any(start <= timestamp <= last for start, last in self.sessions(path)):
            self.beat_count[path] += 1
        self.beats[path].add(timestamp)

    def add_details(self, detail: Detail) -> None:
        path, _, *context = detail
        if (path, *context) not in self.context_order:
            self.context_order[(path, *context)] = self.contexts_seen
            self.contexts_seen += 1
        self.details.add(detail)

    def folder_named(self, name: str) -> str | None:
        """The known real folder a WakaTime project name means (docs/wakatime.md, step 3):
        first one that heartbeats placed by their path came with under that name, else the
        latest real folder of a project named so, with a folder so named, or holding the
        name's own ``wakatime:<name>`` key (merged into it)."""
        reported = [
            path
            for path, _, _, sent, source, *_ in self.details
            if source in ("project_root_count", "repository")
            and (sent or "").strip() == name != "Unknown Project"
        ]
        if reported:
            return min(reported, key=lambda p: (-max(self.beats[p]), p))
        projects = {
            owner
            for path, owner in self.project_of.items()
            if self.custom_name[owner] == name
            or (not path.startswith("wakatime:") and "/" not in name and last_part(path) == name)
            or path == f"wakatime:{name}"
        }
        folders = [
            p
            for p, owner in self.project_of.items()
            if owner in projects and not p.startswith("wakatime:")
        ]
        return min(folders, key=lambda p: (-max(self.beats[p]), p), default=None)

    def find(self, reference: object, besides: int | None = None) -> int:
        """The project ``reference`` names, or the status ``find_project`` refuses it with."""
        text = str(reference).strip()
        candidates: set[int] = set()
        if text.isdigit():
            candidates = {int(text)} & set(self.custom_name)
        elif text.startswith("path:"):
            candidates = {p for f, p in self.project_of.items() if identity_of(f) == text}
        elif text.startswith(("/", "wakatime:", "C:", "c:")):
            folder = canonical(text)
            candidates = {self.project_of[folder]} if folder in self.project_of else set()
        if not candidates:
            candidates = {p for p in self.custom_name if self.shown_name(p) == text}
        if not candidates and not text.isdigit() and not text.startswith(NOT_FOLDER_ENDINGS):
            # A word no project is named: the projects of the folders it is the last parts of.
            candidates = {
                owner
                for folder, owner in self.project_of.items()
                if folder.endswith(("/" + text, "\\" + text))
            }
        if not candidates:
            raise Refused(404)
        if len(candidates) > 1 and besides in candidates:
            candidates.discard(besides)
        if len(candidates) > 1:
            raise Refused(422)
        return candidates.pop()

    def merge(self, source: object, target: object) -> int:
        source_id = self.find(source)
        target_id = self.find(target, besides=source_id)
        if source_id == target_id:
            raise Refused(422)
        self.custom_name[target_id] = self.shown_name(target_id)
        for path, owner in self.project_of.items():
            if owner == source_id:
                self.project_of[path] = target_id
        del self.custom_name[source_id]
        for retired, into in self.retired.items():
            if into == source_id:
                self.retired[retired] = target_id
        self.retired[source_id] = target_id
        return target_id

    def rename(self, reference: object, name: str | None) -> int:
        project_id = self.find(reference)
        if name is not None and not name.strip():
            raise Refused(422)
        self.custom_name[project_id] = None if name is None else name.strip()
        return project_id

    def delete(self, reference: object) -> int:
        """``projects delete`` (docs/cli.md): the project goes, and all that its folders hold
        (their beats, heartbeats and contexts); its id is retired, and ids merged into it
        keep pointing at it. A later beat in one of its folders starts a new project."""
        project_id = self.find(reference)
        gone = set(self.paths_of(project_id))
        for path in gone:
            del self.beats[path], self.beat_count[path], self.project_of[path]
        self.details = {detail for detail in self.details if detail[0] not in gone}
        self.context_order = {
            context: order
            for context, order in self.context_order.items()
            if context[0] not in gone
        }
        del self.custom_name[project_id]
        self.retired[project_id] = project_id
        return project_id

    def retired_note(self, project_id: int) -> str:
        """What a refusal says of a retired id (``project_references._merged_note``)."""
        into = self.retired[project_id]
        if into == project_id:
            return f"project {project_id} was deleted"
        deleted = ", which was deleted" if self.retired.get(into) == into else ""
        return f"project {project_id} was merged into project {into}{deleted}"

    # -- reports -------------------------------------------------------------------------------

    def matches(self, project_id: int, text: str) -> bool:
        """``?project=``: a folder of the project by full path or last parts, or its given name."""
        return self.custom_name[project_id] == text or any(
            p == text or p.endswith(("/" + text, "\\" + text)) for p in self.paths_of(project_id)
        )

    def report(
        self, start: int, end: int, now: int, project: str | None
    ) -> tuple[int, list[dict[str, object]]]:
        """(total seconds, project entries) of the sessions' time in ``[start, end)``."""
        pieces: dict[int, list[tuple[str, int, int, int]]] = {}
        for path, project_id in self.project_of.items():
            if project is not None and not self.matches(project_id, project):
                continue
            for first, last in self.sessions(path):
                if has_time_in(first, last, start, end):
                    low, high = max(first, start), min(last, end)
                    pieces.setdefault(project_id, []).append((path, low, high, last))
        entries = []
        for project_id, own in pieces.items():
            entries.append(
                {
                    "project_path": self.paths_of(project_id)[0],
                    "project_name": self.shown_name(project_id),
                    "duration_seconds": union_seconds([(low, high) for _, low, high, _ in own]),
                    "session_count": len(own),
                    "first_beat": min(low for _, low, _, _ in own),
                    "last_beat": max(high for _, _, high, _ in own),
                    "is_active": now - max(last for *_, last in own) < ACTIVE_SECONDS,
                    "folders": sorted({path for path, *_ in own}),
                }
            )
        total = union_seconds([(low, high) for own in pieces.values() for _, low, high, _ in own])
        return total, sorted(entries, key=lambda e: (e["project_path"], e["project_name"]))

    def breakdown(
        self, field: str, start: int, end: int, project: str | None, *, as_one: bool = False
    ) -> dict[object, int]:
        """Seconds per row of the breakdown by ``field``: per value, or for ``branch`` (whose
        names mean something only inside a project) per (project's latest folder, its name,
        value). Each project's worked seconds in ``[start, end)`` are split by ``split``; with
        ``as_one``, the projects taken as one (a second worked in two counted once)."""
        seconds: dict[object, int] = {}
        wanted = [
            project_id
            for project_id in self.custom_name
            if project is None or self.matches(project_id, project)
        ]
        groups = [wanted] if as_one else [[project_id] for project_id in wanted]
        for group in groups:
            for value, count in self.split(group, field, start, end).items():
                key: object = value
                if field == "branch":
                    key = (self.paths_of(group[0])[0], self.shown_name(group[0]), value)
                seconds[key] = seconds.get(key, 0) + count
        return seconds

    def split(self, group: list[int], field: str, start: int, end: int) -> dict[str | None, int]:
        """The worked seconds of the projects ``group`` in ``[start, end)`` by value of
        ``field``: each given to the latest-starting pair of their folders' heartbeats covering
        it among those that name a value, if any does (``None`` when none does). A heartbeat
        pairs with the next one in a later second of its folder sent as it was (naming an
        editor, or naming none as an export's do) if under the gap, else with the folder's
        next one in a later second; heartbeats of a folder in one second pair alike."""
        folders = [p for p, owner in self.project_of.items() if owner in group]
        worked = {
            second
            for path in folders
            for first, last in self.sessions(path)
            for second in range(max(first, start), min(last, end))
        }
        latest: dict[int, tuple[tuple[bool, tuple[float, int]], str | None]] = {}
        for path in folders:
            # In the order the store reads them: by exact time, then by when the heartbeat's
            # context (the row but its time) was first stored.
            heartbeats = sorted(
                (
                    (d[1], self.context_order[(d[0], *d[2:])]),
                    label_of(d, field),
                    label_of(d, "editor") is not None,
                )
                for d in self.details
                if d[0] == path
            )
            for place, (rank, value, sender) in enumerate(heartbeats):
                low = int(rank[0])
                later = [(int(t), s) for (t, _), _, s in heartbeats[place + 1 :] if int(t) > low]
                own = next((t for t, s in later if s == sender), None)
                high = own if own is not None and own - low < GAP_SECONDS else None
                if high is None:
                    high = next((t for t, _ in later), None)
                if high is None or high - low >= GAP_SECONDS:
                    continue
                order = (value is not None, rank)  # one naming a value first, then the latest
                for second in range(max(low, start), min(high, end)):
                    if second in worked and (second not in latest or latest[second][0] < order):
                        latest[second] = (order, value)
        seconds: dict[str | None, int] = {}
        for second in worked:
            value = latest[second][1] if second in latest else None
            seconds[value] = seconds.get(value, 0) + 1
        return seconds


# (folder, time, entity type, project name as sent, project source, *Labels)
Detail = tuple[str, float, str, str | None, str, str | None, str | None, str | None, str | None]


def label_of(detail: Detail, field: str) -> str | None:
    """The ``field`` (``language``, ``editor``, ``category``, ``branch``) of a heartbeat."""
    labels: dict[str, str | None] = Labels(*detail[5:])._asdict()
    return labels[field]


def as_the_breakdown_names(field: str, seconds: Mapping[object, int]) -> Mapping[object, int]:
    """The model's rows named as the breakdown names them: time with no category is
    ``coding``, as WakaTime counts it (no heartbeat here names ``coding`` itself)."""
    if field != "category":
        return seconds
    return {DEFAULT_CATEGORY if key is None else key: count for key, count in seconds.items()}


def row_key(field: str, row: BreakdownRow) -> object:
    """What ``Model.breakdown`` keys ``row`` by: its value, and for a branch its project."""
    if field == "branch":
        return (row.project_path, row.project_name, row.name)
    return row.name


class Refused(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


def local_midnight(day: date, zone: ZoneInfo) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=zone).timestamp())


def unordered(entries: list[dict[str, object]]) -> list[dict[str, object]]:
    return sorted(entries, key=lambda e: (str(e["project_path"]), str(e["project_name"])))


def assert_ranked(entries: list[dict[str, object]]) -> None:
    keys = [
        (-int(str(e["duration_seconds"])), e["project_name"], e["project_path"]) for e in entries
    ]
    assert keys == sorted(keys), keys  # type: ignore[type-var]


class StoreMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="oxitrack-model-"))
        self.db_path = self.folder / "oxitrack.db"
        self.store = Store(self.db_path, autocheckpoint=False)  # as the daemon opens it
        self.model = Model()

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- what writes ---------------------------------------------------------------------------

    def _native_beat(self, path: str, timestamp: int, labels: Labels) -> PostedBeat:
        """A ``POST /beat`` body parsed; the model takes its beat, and its labels if any."""
        body = {"project_path": path, "timestamp": timestamp, "language": labels.language}
        body |= {"editor": labels.editor, "category": labels.category}
        posted = parse_beat(body, now=NOW)
        self.model.add_beat(canonical(path), timestamp)
        if labels != NO_LABELS:
            detail = (canonical(path), float(timestamp), "file", None, "beat", *labels)
            self.model.add_details(detail)
        return posted

    @rule(path=st.sampled_from(FOLDERS), timestamp=timestamps, how=spellings, labels=beat_labels)
    def beat(
        self, path: str, timestamp: int, how: str = "as is", labels: Labels = NO_LABELS
    ) -> None:
        """``POST /beat``, one beat in its own transaction (``record_beats`` of one, as the
        daemon records a beat that names its language, editor or category)."""
        posted = self._native_beat(spelled(path, how), timestamp, labels)
        if posted.labels is None:
            session = self.store.record_beat(posted.beat)
        else:
            (session,) = self.store.record_beats([posted])
        assert (session.start_time, session.last_heartbeat) in self.model.sessions(path)

    @rule(
        batch=st.lists(
            st.tuples(st.sampled_from(FOLDERS), timestamps, beat_labels), min_size=1, max_size=6
        )
    )
    def beats_together(self, batch: list[tuple[str, int, Labels]]) -> None:
        """Beats of one event-loop turn, recorded in one transaction (group commit)."""
        self.store.record_beats([self._native_beat(*beat) for beat in batch])

    @rule(
        folders=st.permutations(FOLDERS[:4]),
        start=timestamps,
        labels=st.lists(beat_labels, min_size=2, max_size=2),
        merged=st.booleans(),
    )
    def two_folders_at_once(
        self, folders: list[str], start: int, labels: list[Labels], merged: bool
    ) -> None:
        """Two folders busy at once: labelled beats whose pairs overlap, the second folder's
        starting later (its value has the overlap); then, or not, merged into one project (two
        projects' time at once is what the day's total counts once)."""
        first, second = folders[:2]
        batch = [(first, start), (second, start + 100), (first, start + 300), (second, start + 400)]
        self.beats_together(
            [(path, min(t, NOW), labels[i % 2]) for i, (path, t) in enumerate(batch)]
        )
        if merged:
            self.merge(second, first)

    @precondition(lambda self: bool(self.model.beats))
    @rule(
        data=st.data(),
        path=st.none() | st.sampled_from(FOLDERS),
        delta=st.sampled_from([-901, -900, -899, -1, 1, 899, 900, 901]),
        labels=beat_labels,
        heartbeat=heartbeat_labels,
    )
    def beat_near(
        self, data: st.DataObject, path: str | None, delta: int, labels: Labels, heartbeat: Labels
    ) -> None:
        """A beat just under, at or just over the gap from one already recorded (in the same
        folder, or in another: the edges of the session rule and of time in two folders)."""
        known = sorted((p, t) for p, times in self.model.beats.items() for t in times)
        near_path, near = data.draw(st.sampled_from(known))
        target = path or near_path
        if target.startswith("wakatime:"):
            name = target.removeprefix("wakatime:")
            self.heartbeats([("app", FOLDERS[0], name, min(near + delta, NOW), 0.0, heartbeat)])
        else:
            self.beat(target, min(near + delta, NOW), labels=labels)

    @precondition(lambda self: bool(self.model.beats))
    @rule(data=st.data(), labels=beat_labels, heartbeat=heartbeat_labels)
    def beat_again(self, data: st.DataObject, labels: Labels, heartbeat: Labels) -> None:
        """An outbox replayed: a beat already recorded, sent again (with its labels, or with
        others: a second heartbeat at the same second)."""
        known = sorted((p, t) for p, times in self.model.beats.items() for t in times)
        path, timestamp = data.draw(st.sampled_from(known))
        if path.startswith("wakatime:"):
            name = path.removeprefix("wakatime:")
            self.heartbeats([("app", FOLDERS[0], name, timestamp, 0.0, heartbeat)])
        else:
            self.beat(path, timestamp, labels=labels)

    @rule(specs=st.lists(heartbeat_specs, min_size=1, max_size=4))
    def heartbeats(self, specs: list[HeartbeatSpec]) -> None:
        """``POST …/heartbeats.bulk``, step by step as ``api.wakatime._record`` does it."""
        bodies = []
        for kind, folder, name, timestamp, fraction, labels in specs:
            body: dict[str, object] = {"time": timestamp + fraction, "project": name}
            body |= {
                "language": labels.language,
                "category": labels.category,
                "branch": labels.branch,
            }
            parts = len(folder.replace("\\", "/").split("/"))
            separator = "\\" if folder.startswith("C:") else "/"
            if kind == "root_count":
                body |= {
                    "entity": separator.join([folder, "src", "main.py"]),
                    "project_root_count": parts,
                }
            elif kind == "folder_itself":
                body |= {"entity": folder, "type": "file", "project_root_count": parts}
            elif kind == "file_no_count":
                body |= {"entity": folder + separator + "notes.md"}
            else:
                body |= {"entity": "claude code", "type": "app"}
            bodies.append(body)
        parsed = [
            parse_heartbeat(body, now=NOW, user_agent=None, find_repo_root=find_repo_root)
            for body in bodies
        ]
        names = {name for heartbeat in parsed if (name := name_to_match(heartbeat)) is not None}
        given_here = folders_given_names(parsed)
        known = self.store.read(
            lambda conn: store_wakatime.folders_meant_by(conn, names - given_here.keys())
        )
        placed = [placed_by_name(heartbeat, {**known, **given_here}) for heartbeat in parsed]
        recorded = self.store.write(lambda conn: store_wakatime.record_heartbeats(conn, placed))
        # The model places every heartbeat against the projects known before the request, after
        # the folders this request's own heartbeats gave a name (the latest; ties: first path).
        given: dict[str, tuple[int, str]] = {}
        for kind, folder, name, timestamp, *_ in specs:
            label = (name or "").strip()
            if kind in ("root_count", "folder_itself") and label not in ("", "Unknown Project"):
                given[label] = min(given.get(label, (-timestamp, folder)), (-timestamp, folder))
        targets = []
        for kind, folder, name, *_ in specs:
            if kind in ("root_count", "folder_itself"):
                targets.append(folder)
            else:
                wanted = (name or "Unknown Project").strip()
                here = given[wanted][1] if wanted in given else None
                targets.append(here or self.model.folder_named(wanted) or f"wakatime:{wanted}")
        assert [h.beat.project_path for h in placed] == targets
        known_before = len(self.model.details)
        for path, (kind, _, name, timestamp, fraction, labels) in zip(targets, specs, strict=True):
            self.model.add_beat(path, timestamp)
            if kind in ("root_count", "folder_itself"):
                source = "project_root_count"
            elif path.startswith("wakatime:"):
                source = "project_name"
            else:
                source = "project_name_match"
            entity_type = "app" if kind == "app" else "file"
            detail = (path, timestamp + fraction, entity_type, name, source, *labels)
            self.model.add_details(detail)
        # New: a heartbeat of no row yet (one sent again, in this request or before, is none).
        assert recorded.new == len(self.model.details) - known_before
        for path, session in zip(targets, recorded.sessions, strict=True):
            assert session.project_path == path
            assert (session.start_time, session.last_heartbeat) in self.model.sessions(path)

    def _both_agree(
        self,
        model_step: Callable[[], int],
        store_step: Callable[[sqlite3.Connection], Any],
        references: dict[str, object],
        *others: object,
    ) -> None:
        """One step on the model and on the store: both refuse it with the same status (and
        the store says where a retired id went), or both take it and give the same project id.
        ``references``: the projects the step names, by the field naming them."""
        context = (*references.values(), *others)
        try:
            expected: int | Refused = model_step()
        except Refused as refused:
            expected = refused
        try:
            project = self.store.write(store_step)
        except ClientError as error:
            assert isinstance(expected, Refused), (*context, error.message)
            assert error.status == expected.status, (*context, error.message)
            self._check_retired_note(references, error)
            return
        assert not isinstance(expected, Refused), (*context, expected.status)
        assert project.id == expected

    @rule(source=references, into=references)
    def merge(self, source: object, into: object) -> None:
        """``projects merge SOURCE TARGET`` (the API and the CLI call the same function)."""
        self._both_agree(
            lambda: self.model.merge(source, into),
            lambda conn: store_projects.merge_by_reference(conn, source, into).project,
            {"source": source, "target": into},
        )

    @precondition(lambda self: len(self.model.custom_name) >= 2)
    @rule(data=st.data())
    def merge_two_live(self, data: st.DataObject) -> None:
        """A merge that goes through: two live projects, named by id or by a folder."""
        live = sorted(self.model.custom_name)
        source, into = data.draw(st.permutations(live))[:2]
        by_folder = data.draw(st.booleans())
        if by_folder:
            source = self.model.paths_of(source)[-1]
        self.merge(source, into)

    def _check_retired_note(self, references: dict[str, object], error: ClientError) -> None:
        """A merged-away or deleted id is refused saying where it went (never taken for another
        project)."""
        for field, reference in references.items():
            text = str(reference)
            if error.field == field and text.isdigit() and int(text) in self.model.retired:
                assert self.model.retired_note(int(text)) in error.message, error.message

    @rule(project=references, name=st.sampled_from(NEW_NAMES))
    def rename(self, project: object, name: str | None) -> None:
        """``projects rename PROJECT NAME`` (``None``: ``--reset``)."""
        answers: list[store_projects.Renamed] = []

        def renamed(conn: sqlite3.Connection) -> store_projects.Project:
            answers.append(store_projects.rename_by_reference(conn, project, name))
            return answers[-1].project

        self._both_agree(
            lambda: self.model.rename(project, name), renamed, {"project": project}, name
        )
        for answer in answers:  # none when refused
            shown = self.model.shown_name(answer.project.id)
            others = [p for p in self.model.custom_name if self.model.shown_name(p) == shown]
            assert list(answer.namesakes) == sorted(set(others) - {answer.project.id})

    @rule(project=references)
    def delete(self, project: object) -> None:
        """``projects delete PROJECT --yes`` (the API and the CLI call the same function): the
        project goes with its folders' sessions and heartbeats; no other project changes, its
        id is never given again, and a later beat in one of its folders starts a new project."""
        self._both_agree(
            lambda: self.model.delete(project),
            lambda conn: store_projects.delete_by_reference(conn, project).project,
            {"project": project},
        )

    @precondition(lambda self: bool(self.model.custom_name))
    @rule(data=st.data())
    def delete_live(self, data: st.DataObject) -> None:
        """A delete that goes through: a live project, named by id or by one of its folders
        (what it was, as ``--json`` prints it, is what ``projects`` listed just before)."""
        project_id = data.draw(st.sampled_from(sorted(self.model.custom_name)))
        listed = {p.id: p for p in self.store.read(store_projects.list_projects)}
        reference: object = project_id
        if data.draw(st.booleans()):
            reference = data.draw(st.sampled_from(self.model.paths_of(project_id)))
        deleted = self.store.write(lambda conn: store_projects.delete_by_reference(conn, reference))
        assert deleted.project == listed[project_id]
        assert self.model.delete(reference) == project_id
        # Run again by its id, or by one merged into it: refused, saying it was deleted.
        gone = [old for old, into in self.model.retired.items() if into == project_id]
        self.delete(data.draw(st.sampled_from(sorted(gone))))

    @rule()
    def restart(self) -> None:
        """The daemon stops and starts again on the same file."""
        self.store.close()
        self.store = Store(self.db_path, autocheckpoint=False)

    @rule()
    def check(self) -> None:
        """``oxitrack check`` on the file the daemon is writing finds nothing wrong."""
        report = checks.check(self.db_path)
        assert report.problems == [] and report.notes == [], (report.problems, report.notes)

    # -- what reads ----------------------------------------------------------------------------

    @rule(
        zone_name=st.sampled_from(ZONES),
        offset=st.integers(0, 4),
        count=st.integers(1, 4),
        project=st.none() | st.sampled_from(PROJECT_FILTERS),
    )
    def days_report(self, zone_name: str, offset: int, count: int, project: str | None) -> None:
        """``GET /api/days`` (and ``oxitrack report --json``): the functions behind it."""
        zone = ZoneInfo(zone_name)
        first = FIRST_DATE + timedelta(days=offset)
        last = first + timedelta(days=count - 1)
        span = days_.days_between(first, last, zone)
        rows = self.store.read(
            lambda conn: store_reports.sessions_between(conn, span[0].start, span[-1].end, project)
        )
        answer = days_json(daily_totals(rows, span, NOW), range_totals(rows, span, NOW), zone)
        midnights = [local_midnight(first + timedelta(days=i), zone) for i in range(count + 1)]
        range_total, range_entries = self.model.report(midnights[0], midnights[-1], NOW, project)
        assert answer["total_seconds"] == range_total
        assert unordered(answer["projects"]) == range_entries  # type: ignore[arg-type]
        assert_ranked(answer["projects"])  # type: ignore[arg-type]
        day_total = 0
        per_project: dict[str, int] = {}
        for index, day in enumerate(answer["days"]):  # type: ignore[attr-defined]
            total, entries = self.model.report(midnights[index], midnights[index + 1], NOW, project)
            assert day["date"] == (first + timedelta(days=index)).isoformat()
            assert day["total_seconds"] == total, day["date"]
            assert unordered(day["projects"]) == entries, day["date"]
            assert_ranked(day["projects"])
            day_total += total
            for entry in entries:
                key = str(entry["project_path"])
                per_project[key] = per_project.get(key, 0) + int(str(entry["duration_seconds"]))
        assert day_total == range_total
        assert per_project == {str(e["project_path"]): e["duration_seconds"] for e in range_entries}

    @rule(
        field=st.sampled_from(["language", "editor", "category", "branch"]),
        zone_name=st.sampled_from(ZONES),
        offset=st.integers(0, 4),
        count=st.integers(1, 4),
        project=st.none() | st.sampled_from(PROJECT_FILTERS),
    )
    def breakdown(
        self, field: str, zone_name: str, offset: int, count: int, project: str | None
    ) -> None:
        """``GET /api/breakdown`` (and ``oxitrack report --by``): the functions behind it. Its
        rows add up to the projects' own time of ``/api/days``; by branch, a row per project
        and branch."""
        zone = ZoneInfo(zone_name)
        first = FIRST_DATE + timedelta(days=offset)
        span = days_.days_between(first, first + timedelta(days=count - 1), zone)
        rows = read_breakdown(self.store, field, span, project).rows()
        start, end = span[0].start, span[-1].end
        assert (start, end) == (
            local_midnight(first, zone),
            local_midnight(first + timedelta(days=count), zone),
        )
        expected = self.model.breakdown(field, start, end, project)
        found = {row_key(field, row): row.duration_seconds for row in rows}
        assert len(found) == len(rows)
        assert found == as_the_breakdown_names(field, expected)
        keys = [(-row.duration_seconds, row.name is None, row.name or "") for row in rows]
        assert keys == sorted(keys)
        _, entries = self.model.report(start, end, NOW, project)
        assert sum(found.values()) == sum(int(str(e["duration_seconds"])) for e in entries)

    @rule(
        zone_name=st.sampled_from(ZONES),
        offset=st.integers(0, 4),
        count=st.integers(1, 3),
        project=st.none() | st.sampled_from(PROJECT_FILTERS),
    )
    def day_splits(self, zone_name: str, offset: int, count: int, project: str | None) -> None:
        """WakaTime's summaries and status bar (``store.day_splits``): each day's totals as
        ``/api/days`` has them, split by category, language and editor as that day's breakdown
        of the projects taken as one, so that the split adds up to the day's total."""
        zone = ZoneInfo(zone_name)
        first = FIRST_DATE + timedelta(days=offset)
        span = days_.days_between(first, first + timedelta(days=count - 1), zone)
        fields = ("category", "language", "editor")
        splits = read_day_splits(self.store, fields, span, project, NOW)
        assert [split.totals.day for split in splits] == span
        for day, split in zip(span, splits, strict=True):
            total, entries = self.model.report(day.start, day.end, NOW, project)
            assert split.totals.total_seconds == total, day
            assert sorted(p.duration_seconds for p in split.totals.projects) == sorted(
                int(str(e["duration_seconds"])) for e in entries
            )
            for field in fields:
                expected = self.model.breakdown(field, day.start, day.end, project, as_one=True)
                found: dict[object, int] = {
                    row.name: row.duration_seconds for row in split.rows[field]
                }
                assert len(found) == len(split.rows[field])
                assert found == as_the_breakdown_names(field, expected), (day, field)
                assert sum(found.values()) == total

    @rule(
        offset=st.none() | st.integers(0, 4),
        count=st.integers(1, 3),
        project=st.none() | st.sampled_from(PROJECT_FILTERS),
        limit=st.sampled_from([1, 3, 1000]),
    )
    def sessions_list(
        self, offset: int | None, count: int, project: str | None, limit: int
    ) -> None:
        """``GET /api/sessions`` (and ``oxitrack sessions``), read as the CLI does: through a
        read-only store opened beside the daemon's."""
        zone = ZoneInfo("Europe/Berlin")
        start = end = None
        if offset is not None:
            first = FIRST_DATE + timedelta(days=offset)
            start = local_midnight(first, zone)
            end = local_midnight(first + timedelta(days=count), zone)
        with Store(self.db_path, read_only=True) as reader:
            rows = reader.read(
                lambda conn: store_reports.latest_sessions(conn, start, end, project, limit)
            )
        low, high = (-(2**62), 2**62) if start is None or end is None else (start, end)
        expected = sorted(
            (
                (last, path, first_beat, self.model.shown_name(project_id))
                for path, project_id in self.model.project_of.items()
                if project is None or self.model.matches(project_id, project)
                for first_beat, last in self.model.sessions(path)
                if has_time_in(first_beat, last, low, high)
            ),
            reverse=True,
        )
        got = [(r.last_heartbeat, r.project_path, r.start_time, r.project_name) for r in rows]
        assert len(got) == min(limit, len(expected))
        assert [g[0] for g in got] == [e[0] for e in expected[:limit]]
        assert set(got) <= set(expected)
        if limit >= len(expected):
            assert sorted(got, reverse=True) == expected

    @rule(zone_name=st.sampled_from(ZONES))
    def today(self, zone_name: str) -> None:
        """``GET /today?format=json`` (and ``oxitrack today --json``)."""
        zone = ZoneInfo(zone_name)
        answer = today_json(read_today(self.store, zone, NOW), zone)
        day = datetime.fromtimestamp(NOW, zone).date()
        start = local_midnight(day, zone)
        end = local_midnight(day + timedelta(days=1), zone)
        total, entries = self.model.report(start, end, NOW, None)
        assert answer["date"] == day.isoformat()
        assert answer["total_seconds"] == total
        assert unordered(answer["projects"]) == entries  # type: ignore[arg-type]

    # -- after every step ----------------------------------------------------------------------

    @invariant()
    def sessions_are_the_models(self) -> None:
        stored = [(s.project_path, s.start_time, s.last_heartbeat) for s in self.store.sessions()]
        expected = model_sessions((p, t) for p, times in self.model.beats.items() for t in times)
        assert sorted(stored) == expected
        assert_no_overlap(stored)

    @invariant()
    def whole_window_report_is_the_models(self) -> None:
        """Every step: the days of all the data, in a zone that changes its clocks in them."""
        self.days_report("Europe/Berlin", 1, 5, None)

    @invariant()
    def whole_window_breakdown_is_the_models(self) -> None:
        """Every step: time by language over all the data, so that each merge, rename, delete
        and restart, and each labelled beat landing in another's pair, is checked as it
        happens; and by branch on the first day, whose rows name their project as it is now
        (often by a folder that beat only on a later day)."""
        self.breakdown("language", "Europe/Berlin", 1, 5, None)
        self.breakdown("branch", "Europe/Berlin", 2, 1, None)

    @invariant()
    def heartbeat_details_are_the_models(self) -> None:
        rows = self.store.read(
            lambda conn: conn.execute(
                "SELECT project_path, time, entity_type, project_name, project_source, language,"
                " editor, category, branch, timestamp FROM beat_details"
            ).fetchall()
        )
        assert len(rows) == len(self.model.details)
        assert {row[:9] for row in rows} == self.model.details
        assert all(row[9] == int(row[1]) for row in rows)

    @invariant()
    def projects_are_the_models(self) -> None:
        model = self.model
        listed = self.store.read(store_projects.list_projects)
        assert {p.id for p in listed} == set(model.custom_name)
        assert not set(model.retired) & set(model.custom_name)
        for project in listed:
            paths = model.paths_of(project.id)
            assert [p.project_path for p in project.paths] == paths
            assert project.custom_name == model.custom_name[project.id]
            assert project.name == model.shown_name(project.id)
            assert set(project.identities) == {identity_of(p) for p in paths}
            assert [p.beat_count for p in project.paths] == [model.beat_count[p] for p in paths]
            assert [p.last_beat for p in project.paths] == [max(model.beats[p]) for p in paths]
            spans = [span for p in paths for span in model.sessions(p)]
            assert project.total_seconds == union_seconds(spans)
            assert project.session_count == len(spans)
        keys = [(-p.last_beat, p.id) for p in listed]
        assert keys == sorted(keys)


# too_slow: on a loaded CI machine, generating 30 steps can pass Hypothesis's time budget.
StoreMachine.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestStoreAgainstModel = StoreMachine.TestCase
