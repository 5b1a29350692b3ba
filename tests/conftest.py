"""Fixtures, named for what they give: db_path, store, clock, app, client, daemon, midday_daemon."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from oxitrack.config import Settings
from oxitrack.server import create_app
from oxitrack.store import Store
from tests.daemon_process import DaemonProcess
from tests.zones import midday_zone

NOW = 1_764_100_000  # 2025-11-25T19:46:40Z, a fixed "now" for the fake clock


def pytest_report_header() -> str:
    return f"sqlite {sqlite3.sqlite_version}"


@pytest.fixture(scope="session")
def empty_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An existing, empty config file: "no settings" without the warning a missing one gets."""
    path = tmp_path_factory.mktemp("config") / "config.toml"
    path.write_text("")
    return path


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, empty_config: Path) -> None:
    """No test sees the developer's OXITRACK_* settings or config file, nor the width of the
    terminal the tests run in (tables fit ``$COLUMNS``)."""
    for name in list(os.environ):
        if name.startswith("OXITRACK_") or name == "COLUMNS":
            monkeypatch.delenv(name)
    monkeypatch.setenv("OXITRACK_CONFIG", str(empty_config))


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, under which new files are readable by everyone unless made private."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


class FakeClock:
    """A settable clock: ``clock.now = ...``; calling it returns the current value."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "oxitrack.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with Store(db_path) as opened:
        yield opened


@pytest.fixture
def settings(db_path: Path) -> Settings:
    return Settings(db=db_path)


@pytest.fixture
def app(store: Store, settings: Settings, clock: FakeClock):  # type: ignore[no-untyped-def]
    return create_app(store, settings=settings, clock=clock)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url="http://127.0.0.1:3000") as test_client:
        yield test_client


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[DaemonProcess]:
    """A real ``oxitrack serve`` process on a free loopback port with its own database."""
    process = DaemonProcess(tmp_path / "daemon.db").start()
    try:
        yield process
    finally:
        process.kill()


@pytest.fixture
def midday_daemon(tmp_path: Path) -> Iterator[DaemonProcess]:
    """The ``daemon`` in a zone where it is now midday: the last hour's beats are all today's,
    and none of its sessions runs past midnight, whenever the tests run."""
    process = DaemonProcess(tmp_path / "daemon.db", env={"TZ": midday_zone(time.time())}).start()
    try:
        yield process
    finally:
        process.kill()
