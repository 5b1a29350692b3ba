"""Files written by every earlier schema version are upgraded in place without loss.

Each ``fixtures/oxitrack-vN.db`` was written by the real older OxiTrack (the commit named in
``fixtures/make_old_db.py``), through its own daemon, and ``oxitrack-vN.json`` beside it holds
what that version reported and every row it stored. Three of them say ``user_version = 3`` with
different tables: step 2 was a placeholder and step 3 changed shape while those were in use.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from oxitrack.sessions import Beat
from oxitrack.store import Store
from oxitrack.store import read_only as store_read_only
from oxitrack.store import schema as store_schema
from oxitrack.store.ownership import APPLICATION_ID
from oxitrack.store.schema import SCHEMA_VERSION
from tests.daemon_process import DaemonProcess
from tests.fixtures import make_old_db
from tests.sqlite_work import vm_steps

FIXTURES = Path(__file__).parent / "fixtures"
VERSIONS = list(make_old_db.COMMITS)
SEED_QUERY = (
    "SELECT project_path, MAX(last_heartbeat) - start_time FROM sessions GROUP BY project_path"
)
# The columns of a heartbeat's details, as the ``beat_details`` view shows them today.
DETAIL_COLUMNS = (
    "project_path, time, entity_type, category, language, branch, is_write, project_name,"
    " editor, plugin, project_source"
)


def _record(version: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"oxitrack-{version}.json").read_text())


def _query(db_path: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _sessions(db_path: Path) -> list[tuple[Any, ...]]:
    return _query(
        db_path, "SELECT id, project_path, start_time, last_heartbeat FROM sessions ORDER BY id"
    )


def _header(db_path: Path) -> tuple[int, int]:
    version, application_id = _query(
        db_path, "SELECT * FROM pragma_user_version, pragma_application_id"
    )[0]
    return int(version), int(application_id)


def _recorded_details(record: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Every heartbeat's details as the old version stored them, in today's column order."""
    tables = record["tables"]
    if "heartbeats" in tables:  # contexts + one row per heartbeat (today's step 3)
        contexts = {row[0]: row[1:] for row in tables["beat_contexts"]}
        details = []
        for time, context_id, is_write in tables["heartbeats"]:
            path, entity_type, *labels = contexts[context_id]
            category, language, branch, name, editor, plugin, source = labels
            row = (path, time, entity_type, category, language, branch, is_write, name)
            details.append((*row, editor, plugin, source))
        return sorted(details, key=repr)
    # One wide row per heartbeat: id, project_path, timestamp, time, entity_type, category,
    # language, branch, is_write, project_name, editor, plugin, project_source.
    return sorted([(row[1], *row[3:]) for row in tables.get("beat_details", [])], key=repr)


def _details(db_path: Path) -> list[tuple[Any, ...]]:
    return sorted(_query(db_path, f"SELECT {DETAIL_COLUMNS} FROM beat_details"), key=repr)


def _digest(db_path: Path) -> tuple[str, int]:
    return hashlib.sha256(db_path.read_bytes()).hexdigest(), db_path.stat().st_mtime_ns


@pytest.fixture(params=VERSIONS)
def version(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def old_db(tmp_path: Path, version: str) -> Path:
    copy = tmp_path / f"oxitrack-{version}.db"
    shutil.copyfile(FIXTURES / copy.name, copy)
    return copy


@pytest.fixture
def served(old_db: Path) -> Iterator[DaemonProcess]:
    """A real ``oxitrack serve`` on the old file: it upgrades it as it opens it."""
    daemon = DaemonProcess(old_db).start()
    try:
        yield daemon
    finally:
        daemon.kill()


def _get(daemon: DaemonProcess, path: str) -> Any:
    answer = httpx2.get(daemon.url + path, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


# -- the fixtures are what the old code wrote ------------------------------------------------


def test_fixture_holds_the_rows_its_record_lists(version: str):
    db_path = FIXTURES / f"oxitrack-{version}.db"
    record = _record(version)
    assert record["commit"] == make_old_db.COMMITS[version]
    assert [list(row) for row in _sessions(db_path)] == record["tables"]["sessions"]
    assert _header(db_path)[0] == int(version[1])
    for suffix in ("-wal", "-shm", "-journal"):
        assert not Path(f"{db_path}{suffix}").exists()
    assert db_path.stat().st_size < 100_000


# -- upgraded by today's code ----------------------------------------------------------------


def test_upgrade_keeps_every_session_with_its_id(old_db: Path, version: str):
    Store(old_db).close()
    assert _header(old_db) == (SCHEMA_VERSION, APPLICATION_ID)
    assert [list(row) for row in _sessions(old_db)] == _record(version)["tables"]["sessions"]


def _schema(db_path: Path) -> set[tuple[str, str, str]]:
    rows = _query(db_path, "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL")
    return {(kind, name, " ".join(sql.split())) for kind, name, sql in rows}


def _new_file(tmp_path: Path) -> Path:
    Store(tmp_path / "new.db").close()
    return tmp_path / "new.db"


def test_upgraded_file_has_exactly_the_tables_of_a_new_file(old_db: Path, tmp_path: Path):
    Store(old_db).close()
    assert _schema(old_db) == _schema(_new_file(tmp_path))


def test_upgrade_keeps_every_heartbeat_detail(old_db: Path, version: str):
    Store(old_db).close()
    assert _details(old_db) == _recorded_details(_record(version))


def test_seed_query_still_works_after_upgrade(old_db: Path, version: str):
    expected = _query(old_db, SEED_QUERY)
    Store(old_db).close()
    assert sorted(_query(old_db, SEED_QUERY)) == sorted(expected)


def test_opening_the_upgraded_file_again_changes_nothing(old_db: Path):
    Store(old_db).close()
    before = _digest(old_db)
    Store(old_db).close()
    assert _digest(old_db) == before


def test_upgraded_file_takes_beats_and_heartbeats(old_db: Path):
    with Store(old_db) as store:
        session = store.record_beat(Beat(make_old_db.APP, make_old_db.T + 2500))
    assert (session.start_time, session.last_heartbeat) == (make_old_db.T, make_old_db.T + 2500)


def _assert_reports_the_same(old: Any, new: Any, *, changed_on_purpose: frozenset[str]) -> None:
    """Every value ``old`` had is in ``new`` (fields added since are not compared), except the
    keys in ``changed_on_purpose``."""
    if isinstance(old, dict):
        assert isinstance(new, dict)
        for key, value in old.items():
            if key not in changed_on_purpose:
                assert key in new, key
                _assert_reports_the_same(value, new[key], changed_on_purpose=changed_on_purpose)
    elif isinstance(old, list):
        assert isinstance(new, list) and len(new) == len(old), (old, new)
        for old_item, new_item in zip(old, new, strict=True):
            _assert_reports_the_same(old_item, new_item, changed_on_purpose=changed_on_purpose)
    else:
        assert new == old


def _covered_seconds(spans: list[tuple[int, int]]) -> int:
    total, reached = 0, None
    for start, last in sorted(spans):
        if reached is None or start > reached:
            total, reached = total + last - start, last
        elif last > reached:
            total, reached = total + last - reached, last
    return total


def _assert_days_as_reported(version: str, days: Any) -> None:
    """``days`` (``GET /api/days``, ``report --json``) says what the old version's did."""
    # Totals now count time in two projects at once once (CHANGELOG, #4): the sum of the
    # sessions' union, where the old version added the projects' times. Before projects, a
    # WakaTime project known by its name was shown as its key, "wakatime:<name>".
    changed = {"total_seconds"}
    if version not in make_old_db.HAS_PROJECTS:
        changed.add("project_name")
        names = {row["project_path"]: row["project_name"] for row in days["projects"]}
        assert names["wakatime:Reading"] == "Reading"
        assert names[make_old_db.UNICODE] == "café-日本"
    record = _record(version)
    _assert_reports_the_same(
        record["reported"]["days"], days, changed_on_purpose=frozenset(changed)
    )
    spans = [(row[2], row[3]) for row in record["tables"]["sessions"]]
    assert days["total_seconds"] == _covered_seconds(spans)


def test_daemon_on_the_old_file_reports_what_the_old_version_reported(
    served: DaemonProcess, version: str
):
    reported = _record(version)["reported"]
    if "projects" in reported:
        assert _get(served, "/api/projects") == reported["projects"]
    if "days" in reported:
        dates = f"from={make_old_db.FIRST_DATE}&to={make_old_db.LAST_DATE}&tz=UTC"
        _assert_days_as_reported(version, _get(served, f"/api/days?{dates}"))
        # A session is shown with its project's name (a rename, a merge) where the old version
        # showed its folder's.
        sessions = _get(served, f"/api/sessions?{dates}&limit=100")
        _assert_reports_the_same(
            reported["sessions"], sessions, changed_on_purpose=frozenset({"project_name"})
        )


def test_commands_on_the_old_file_report_what_the_old_version_reported(old_db: Path, version: str):
    reported = _record(version)["reported"]
    if "projects" in reported:
        result = _oxitrack("projects", "--db", str(old_db), "--json")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == reported["projects"]
    if "days" in reported:
        dates = ["--from", make_old_db.FIRST_DATE, "--to", make_old_db.LAST_DATE]
        result = _oxitrack("report", "--db", str(old_db), "--json", "--tz", "UTC", *dates)
        assert result.returncode == 0, result.stderr
        _assert_days_as_reported(version, json.loads(result.stdout))


def _post_heartbeat(daemon: DaemonProcess, heartbeat: dict[str, Any]) -> Any:
    answer = httpx2.post(
        daemon.url + "/api/v1/users/current/heartbeats",
        json=heartbeat,
        headers={"User-Agent": make_old_db.VSCODE},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["data"]


def test_daemon_on_the_old_file_takes_wakatime_heartbeats_into_the_old_sessions(
    served: DaemonProcess, version: str
):
    T = make_old_db.T
    file_heartbeat = {
        "entity": make_old_db.WAKA_ROOT + "/src/new.py",
        "type": "file",
        "time": T + 5600.5,
        "project_root_count": 5,
        "language": "Python",
    }
    _post_heartbeat(served, file_heartbeat)
    sessions = {row[1]: row[0] for row in _record(version)["tables"]["sessions"]}
    if "wakatime:Reading" in sessions:
        # A project known only by its name goes on under the key the old version gave it.
        named = {"entity": "https://docs.python.org", "type": "domain", "time": T + 6100}
        answer = _post_heartbeat(served, {**named, "project": "Reading"})
        assert answer["session_id"] == sessions["wakatime:Reading"]
        assert answer["duration_seconds"] == 100
    assert served.stop() == 0
    assert served.db_path is not None
    details = _query(served.db_path, "SELECT language, time FROM beat_details ORDER BY time")
    assert ("Python", T + 5600.5) in details


def test_check_on_the_upgraded_file_finds_it_consistent(old_db: Path):
    Store(old_db).close()
    result = _oxitrack("check", "--db", str(old_db))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "are consistent" in result.stdout
    assert "note:" not in result.stdout + result.stderr


def test_a_wide_details_file_upgraded_without_its_tables_gets_them_and_its_heartbeats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # What OxiTrack did to the v3b file before it looked at its tables: version 4, the wide
    # beat_details table kept, no beat_contexts (every WakaTime heartbeat then got a 503).
    db_path = tmp_path / "upgraded-by-4.db"
    shutil.copyfile(FIXTURES / "oxitrack-v3b.db", db_path)
    with monkeypatch.context() as patch:
        patch.setattr(store_schema, "_complete_early_shapes", lambda conn, version: None)
        patch.setattr(store_schema, "MIGRATIONS", store_schema.MIGRATIONS[:4])
        for module in (store_schema, store_read_only):
            patch.setattr(module, "SCHEMA_VERSION", 4)
        Store(db_path).close()
    assert _header(db_path)[0] == 4
    assert _query(db_path, "SELECT type FROM sqlite_master WHERE name = 'beat_details'") == [
        ("table",)
    ]
    Store(db_path).close()
    assert _schema(db_path) == _schema(_new_file(tmp_path))
    assert _details(db_path) == _recorded_details(_record("v3b"))


def test_wide_details_rows_told_apart_only_by_empty_or_missing_labels_are_all_kept(
    tmp_path: Path,
):
    # The contexts' unique index takes a missing label and an empty one as the same, as a new
    # heartbeat's lookup does: both rows must find that one context, not only the first.
    db_path = tmp_path / "empty-labels.db"
    shutil.copyfile(FIXTURES / "oxitrack-v3b.db", db_path)
    conn = sqlite3.connect(db_path)
    try:
        with conn:
            for time, label in ((make_old_db.T + 7000.5, None), (make_old_db.T + 7001.5, "")):
                conn.execute(
                    "INSERT INTO beat_details (project_path, timestamp, time, entity_type,"
                    " category, language, branch, is_write, project_name, editor, plugin,"
                    " project_source)"
                    " VALUES (?, ?, ?, 'app', ?, ?, ?, NULL, ?, ?, ?, 'project_name')",
                    (make_old_db.APP, int(time), time, label, label, label, label, label, label),
                )
        (wide_rows,) = conn.execute("SELECT count(*) FROM beat_details").fetchone()
    finally:
        conn.close()
    Store(db_path).close()
    assert _query(db_path, "SELECT count(*) FROM heartbeats") == [(wide_rows,)]


def _wide_file_with_branches(db_path: Path, count: int) -> Path:
    """The v3b file plus ``count`` heartbeats of one project, each on a branch of its own: as
    many contexts as rows, all sharing project, entity type and source."""
    shutil.copyfile(FIXTURES / "oxitrack-v3b.db", db_path)
    conn = sqlite3.connect(db_path)
    try:
        with conn:
            conn.executemany(
                "INSERT INTO beat_details (project_path, timestamp, time, entity_type, branch,"
                " project_source) VALUES (?, ?, ?, 'file', ?, 'project_root_count')",
                (
                    (make_old_db.APP, make_old_db.T + 9000 + n, make_old_db.T + 9000 + n, f"b{n}")
                    for n in range(count)
                ),
            )
    finally:
        conn.close()
    return db_path


def _upgrade_steps(db_path: Path) -> tuple[int, int]:
    """SQLite instructions the whole upgrade of ``db_path`` runs, and the heartbeats it then
    holds (the upgrade is rolled back)."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        _, steps = vm_steps(conn, lambda: store_schema.upgrade(str(db_path), conn))
        (heartbeats,) = conn.execute("SELECT count(*) FROM heartbeats").fetchone()
        conn.execute("ROLLBACK")
    finally:
        conn.close()
    return steps, heartbeats


def test_moving_wide_details_finds_each_context_through_its_index(tmp_path: Path):
    """A year of heavy use is ~100k wide rows: each must find its context by the contexts'
    unique index, not by reading every context (rows x contexts). Four times the rows may cost
    about four times the work, not sixteen."""
    kept = len(_recorded_details(_record("v3b")))
    work = {}
    for count in (0, 300, 1200):
        steps, heartbeats = _upgrade_steps(
            _wide_file_with_branches(tmp_path / f"{count}.db", count)
        )
        assert heartbeats == kept + count
        work[count] = steps
    small, large = work[300] - work[0], work[1200] - work[0]
    assert large < 8 * small, (small, large)


# -- before any upgrade ----------------------------------------------------------------------


def _oxitrack(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "oxitrack", *args], capture_output=True, text=True, timeout=60
    )


def test_check_on_the_old_file_notes_its_older_schema_and_changes_nothing(
    old_db: Path, version: str
):
    before = _digest(old_db)
    result = _oxitrack("check", "--db", str(old_db))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"schema {version[1]} is older than {SCHEMA_VERSION}" in result.stdout
    assert "PROBLEM" not in result.stdout + result.stderr
    assert _digest(old_db) == before
    for suffix in ("-wal", "-shm", "-journal"):
        assert not Path(f"{old_db}{suffix}").exists()


def test_today_on_the_old_file_works(old_db: Path, version: str):
    result = _oxitrack("today", "--db", str(old_db), "--json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    json.loads(result.stdout)
    assert [list(row) for row in _sessions(old_db)] == _record(version)["tables"]["sessions"]
