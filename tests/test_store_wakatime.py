"""WakaTime heartbeats in SQLite: the session rule of POST /beat, the details rows, day totals."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from oxitrack.beats import BeatLabels, PostedBeat
from oxitrack.sessions import Beat
from oxitrack.store import Store
from oxitrack.store import wakatime as wakatime_store
from oxitrack.store.schema import SCHEMA_VERSION
from oxitrack.wakatime import Heartbeat, parse_heartbeat
from tests.conftest import NOW
from tests.sqlite_work import add_past_sessions, vm_steps
from tests.wakatime_recordings import go_cli_heartbeat


def heartbeat(time: float, root: str = "/code/app", **changes) -> Heartbeat:
    return parse_heartbeat(
        go_cli_heartbeat(root, time, **changes),
        now=NOW,
        user_agent=None,
        find_repo_root=lambda path: None,
    )


def record(store: Store, *heartbeats: Heartbeat):
    return store.write(
        lambda conn: wakatime_store.record_heartbeats(conn, list(heartbeats))
    ).sessions


def details(store: Store) -> list[tuple]:
    return store.read(
        lambda conn: conn.execute(
            "SELECT project_path, timestamp, time, entity_type, category, language, branch,"
            " is_write, project_name, editor, plugin, project_source FROM beat_details"
            " ORDER BY time"
        ).fetchall()
    )


def test_schema_reaches_step_three_with_the_details_table(store: Store, db_path: Path):
    assert SCHEMA_VERSION >= 3
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        columns = {row[1] for row in conn.execute("PRAGMA table_info(beat_details)")}
    assert "entity" not in columns  # file paths are not kept
    assert {"language", "branch", "editor", "category", "is_write", "entity_type"} <= columns


def test_heartbeats_make_sessions_by_the_beat_rule_and_keep_details(store: Store):
    sessions = record(store, heartbeat(NOW - 600.5), heartbeat(NOW - 0.25, is_write=False))
    [stored] = store.sessions()
    assert (stored.project_path, stored.start_time, stored.last_heartbeat) == (
        "/code/app",
        NOW - 601,
        NOW - 1,
    )
    # The first heartbeat's answer shows the session after the whole request, not before.
    assert sessions == [stored, stored]
    assert details(store) == [
        ("/code/app", NOW - 601, NOW - 600.5, "file", "coding", "Python", "main", 1, "app",
         "zed", "zed/0.165.4 zed-wakatime/0.1.9", "project_root_count"),
        ("/code/app", NOW - 1, NOW - 0.25, "file", "coding", "Python", "main", 0, "app",
         "zed", "zed/0.165.4 zed-wakatime/0.1.9", "project_root_count"),
    ]  # fmt: skip


def test_repeated_heartbeat_changes_nothing(store: Store):
    record(store, heartbeat(NOW - 100), heartbeat(NOW))
    before = (store.sessions(), details(store))
    record(store, heartbeat(NOW), heartbeat(NOW - 100))
    assert (store.sessions(), details(store)) == before


def test_recording_counts_the_heartbeats_it_stored_for_the_first_time(store: Store):
    """Every heartbeat is answered 201 (WakaTime clients send again anything else): only this
    count tells what a request added. A repeat, from an earlier request or the same one, and
    one differing only in ``is_write`` (the same heartbeat), are not new."""

    def new(*heartbeats: Heartbeat) -> int:
        recorded = store.write(lambda conn: wakatime_store.record_heartbeats(conn, heartbeats))
        return recorded.new

    assert new(heartbeat(NOW - 100), heartbeat(NOW - 50)) == 2
    assert new(heartbeat(NOW - 50), heartbeat(NOW - 100, is_write=False)) == 0
    assert new(heartbeat(NOW - 100), heartbeat(NOW - 25), heartbeat(NOW - 25), heartbeat(NOW)) == 2
    # Another project's heartbeat at the same time is another heartbeat.
    assert new(heartbeat(NOW, root="/code/lib")) == 1
    assert len(details(store)) == 5


def test_heartbeats_of_one_request_are_answered_with_the_session_they_end_up_in(store: Store):
    """The third heartbeat merges the sessions the first two landed in: all three answers name
    that merged session, not the ones they were first written to."""
    sessions = record(store, heartbeat(NOW - 1700), heartbeat(NOW), heartbeat(NOW - 850))
    [merged] = store.sessions()
    assert sessions == [merged, merged, merged]
    assert merged.duration_seconds == 1700


def test_a_late_heartbeat_bridges_two_sessions_into_one(store: Store):
    record(store, heartbeat(NOW - 1700))
    record(store, heartbeat(NOW))
    assert len(store.sessions()) == 2
    sessions = record(store, heartbeat(NOW - 850))
    [merged] = store.sessions()
    assert sessions == [merged]
    assert merged.duration_seconds == 1700


def test_details_that_repeat_are_stored_once_per_combination(store: Store):
    record(store, *(heartbeat(NOW - 600 + 30 * i) for i in range(10)))
    record(store, heartbeat(NOW - 1, is_write=True))  # same context, one more row
    counts = store.read(
        lambda conn: conn.execute(
            "SELECT (SELECT count(*) FROM beat_contexts), (SELECT count(*) FROM heartbeats)"
        ).fetchone()
    )
    assert counts == (1, 11)
    assert len(details(store)) == 11


def _heartbeat_after_history(tmp_path: Path, past_sessions: int, time: float):
    """The answer to one heartbeat after ``past_sessions`` sessions of history in its folder,
    and the SQLite work (``vm_steps``) recording it took."""
    with Store(tmp_path / f"history-{past_sessions}.db") as store:
        store.write(lambda conn: add_past_sessions(conn, "/code/app", past_sessions, NOW - 7200))
        return store.write(
            lambda conn: vm_steps(
                conn, lambda: wakatime_store.record_heartbeats(conn, [heartbeat(time)]).sessions
            )
        )


@pytest.mark.parametrize(
    "time", [NOW - 7200 + 60.5, NOW - 5 * 8 * 3600 - 1800.5], ids=["latest", "old"]
)
def test_a_heartbeats_work_does_not_grow_with_its_projects_history(tmp_path: Path, time: float):
    # Finding the session that holds the heartbeat (for its answer) must not read every earlier
    # session of the folder either: after years, each heartbeat would cost milliseconds.
    [small], small_work = _heartbeat_after_history(tmp_path, 10, time)
    [large], large_work = _heartbeat_after_history(tmp_path, 5000, time)
    assert (large.start_time, large.last_heartbeat) == (small.start_time, small.last_heartbeat)
    assert large.contains(int(time))
    assert large_work <= 2 * small_work, (small_work, large_work)


# -- POST /beat's labels ---------------------------------------------------------------------


def posted(timestamp: int, language: str | None, editor: str | None = "vscode") -> PostedBeat:
    labels = BeatLabels(language, editor) if language or editor else None
    return PostedBeat(Beat("/code/app", timestamp), labels)


def test_a_beat_naming_its_language_is_stored_as_a_heartbeat_is(store: Store):
    """In the tables WakaTime heartbeats use, so the breakdown reads both alike."""
    sessions = store.record_beats([posted(NOW - 60, "Python"), posted(NOW, "Rust", None)])
    [stored] = store.sessions()
    assert sessions == [stored._replace(last_heartbeat=NOW - 60), stored]
    assert details(store) == [beat_row(NOW - 60, "Python", "vscode"), beat_row(NOW, "Rust", None)]


def beat_row(timestamp: int, language: str | None, editor: str | None) -> tuple:
    """A labelled beat as ``details`` reads it: a file heartbeat with no category, branch,
    ``is_write``, project name or plugin, of the source ``beat``."""
    nothing = None
    row = ("/code/app", timestamp, timestamp, "file", nothing, language, nothing, nothing, nothing)
    return (*row, editor, nothing, "beat")


def test_a_beat_naming_neither_stores_no_heartbeat(store: Store):
    store.record_beats([posted(NOW - 60, None, None), Beat("/code/app", NOW)])
    assert len(store.sessions()) == 1
    assert details(store) == []


def test_a_repeated_labelled_beat_stores_nothing_new(store: Store):
    store.record_beats([posted(NOW, "Python")])
    store.record_beats([posted(NOW, "Python"), posted(NOW, "Python")])
    assert len(details(store)) == 1
    store.record_beats([posted(NOW, "Go")])  # the same second in another file: a row of its own
    assert sorted(row[5] for row in details(store)) == ["Go", "Python"]


def test_labelled_beats_of_a_failed_batch_leave_no_heartbeat(store: Store):
    """The labels are written in the beat's own transaction: all of a batch or none of it."""
    poison = Beat("/code/app", "not a time")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        store.record_beats([posted(NOW - 60, "Python"), poison])
    assert store.sessions() == []
    assert details(store) == []
