"""Git layouts one developer meets in a day, against a real daemon and real repositories: where
the time lands, under which name, counted once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess
from tests.git_repos import git, make_repo
from tests.zones import midday_zone

pytestmark = pytest.mark.e2e


def beat(daemon: DaemonProcess, path: Path, timestamp: int) -> None:
    answer = httpx.post(
        f"{daemon.url}/beat", json={"project_path": str(path), "timestamp": timestamp}
    )
    answer.raise_for_status()


def beats(daemon: DaemonProcess, path: Path, first: int, last: int) -> None:
    """A beat a minute from ``first`` to ``last``, as a window being worked in sends them."""
    for timestamp in range(first, last + 1, 60):
        beat(daemon, path, timestamp)


def oxitrack(daemon: DaemonProcess, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "oxitrack", *args, "--db", str(daemon.db_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "OXITRACK_PORT": str(daemon.port)},
    )


def today(daemon: DaemonProcess, tz: str) -> list[tuple[str, str, int]]:
    answer = httpx.get(f"{daemon.url}/today", params={"tz": tz, "format": "json"}).json()
    return [
        (p["project_name"], p["project_path"], p["duration_seconds"]) for p in answer["projects"]
    ]


def test_a_monorepo_opened_whole_and_one_package_per_window_keeps_the_repository_name(
    daemon: DaemonProcess, tmp_path: Path
):
    now = int(time.time())
    tz = midday_zone(now)
    base = now - 3000
    mono = tmp_path / "mono"
    for package in ("apps/web", "apps/api", "packages/ui"):
        (mono / package).mkdir(parents=True)
    make_repo(mono)
    beats(daemon, mono, base, base + 600)  # the whole repository
    beats(daemon, mono / "apps" / "web", base + 300, base + 1200)  # a window on one package
    beats(daemon, mono / "apps" / "api", base + 1200, base + 1800)  # then one on another

    # One project, the repository's, and each minute once: 0 to 1800 s.
    assert today(daemon, tz) == [("mono", str(mono), 1800)]
    listed = oxitrack(daemon, "projects", "--json")
    assert listed.returncode == 0, listed.stderr
    [project] = json.loads(listed.stdout)["projects"]
    assert (project["name"], project["latest_path"]) == ("mono", str(mono))
    # The window's own folder still finds it, as the extension's `--project .` does.
    from_file = oxitrack(daemon, "today", "--json", "--tz", tz, "--project", "web")
    assert from_file.returncode == 0, from_file.stderr
    [found] = json.loads(from_file.stdout)["projects"]
    assert (found["project_name"], found["duration_seconds"]) == ("mono", 1800)


def test_a_folder_given_git_init_mid_day_is_named_for_itself_not_its_src_window(
    daemon: DaemonProcess, tmp_path: Path
):
    now = int(time.time())
    tz = midday_zone(now)
    base = now - 3000
    folder = tmp_path / "newproj"
    (folder / "src").mkdir(parents=True)
    beats(daemon, folder, base, base + 600)
    beats(daemon, folder / "src", base + 60, base + 660)
    make_repo(folder)  # `git init` and a first commit, the daemon running
    beats(
        daemon, folder, base + 720, base + 1500
    )  # past the 10 minutes a folder is looked at again
    beats(daemon, folder / "src", base + 1500, base + 1800)

    assert today(daemon, tz) == [("newproj", str(folder), 1800)]


def test_a_worktree_and_a_submodule_land_where_their_histories_say(
    daemon: DaemonProcess, tmp_path: Path
):
    now = int(time.time())
    tz = midday_zone(now)
    base = now - 3000
    mono = tmp_path / "mono"
    make_repo(mono)
    git(mono, "worktree", "add", "-q", str(tmp_path / "mono-feature"), "-b", "feature")
    lib = tmp_path / "lib"
    make_repo(lib)
    app = tmp_path / "app"
    make_repo(app)
    git(app, "-c", "protocol.file.allow=always", "submodule", "-q", "add", str(lib), "libs/lib")
    assert (app / "libs" / "lib" / ".git").is_file()

    beats(daemon, mono, base, base + 600)
    beats(
        daemon, tmp_path / "mono-feature", base + 600, base + 900
    )  # a worktree: its `.git` a file
    beats(daemon, app, base + 1200, base + 1500)
    beats(daemon, app / "libs" / "lib", base + 1500, base + 1800)  # a submodule: lib's history

    assert sorted(today(daemon, tz)) == [
        ("app", str(app), 300),
        ("lib", str(app / "libs" / "lib"), 300),
        ("mono-feature", str(tmp_path / "mono-feature"), 900),
    ]


def test_a_bare_clone_holding_its_worktrees_is_one_project_with_them(
    daemon: DaemonProcess, tmp_path: Path
):
    now = int(time.time())
    tz = midday_zone(now)
    base = now - 3000
    make_repo(tmp_path / "origin")
    container = tmp_path / "app"
    git(tmp_path, "clone", "-q", "--bare", str(tmp_path / "origin"), "app")
    git(container, "worktree", "add", "-q", "main", "main")
    git(container, "worktree", "add", "-q", "feature", "-b", "feature")

    beats(daemon, container / "main", base, base + 600)  # a window on one worktree
    beats(daemon, container, base + 600, base + 1200)  # one on the folder holding them all
    beats(daemon, container / "feature", base + 1200, base + 1800)

    assert today(daemon, tz) == [("app", str(container), 1800)]


def _root_count(folder: Path) -> int:
    """wakatime-cli's ``project_root_count`` for a project folder: the slashes of its path
    written with a trailing one."""
    return str(folder).rstrip("/").count("/") + 1


def test_a_worktree_kept_elsewhere_counted_by_its_main_checkout_is_the_repositorys(
    daemon: DaemonProcess, tmp_path: Path
):
    """wakatime-cli gives a worktree's files the count of its main checkout (the folder of the
    shared ``.git``): for a worktree one folder deeper, that cut gave the folder holding it."""
    now = int(time.time())
    tz = midday_zone(now)
    base = now - 3000
    main = tmp_path / "code" / "app"
    make_repo(main)
    (tmp_path / "worktrees" / "app").mkdir(parents=True)
    feature = tmp_path / "worktrees" / "app" / "feature"
    git(main, "worktree", "add", "-q", str(feature), "-b", "feature")
    # A submodule's files counted for the outer repository ([git] submodules_disabled): kept so.
    lib = tmp_path / "lib"
    make_repo(lib)
    git(main, "-c", "protocol.file.allow=always", "submodule", "-q", "add", str(lib), "libs/lib")

    heartbeats = [
        {
            "entity": str(feature / "file.txt"),
            "time": base + minute * 60,
            "type": "file",
            "project": "app",
            "project_root_count": _root_count(main),
        }
        for minute in range(11)
    ] + [
        {
            "entity": str(main / "libs" / "lib" / "file.txt"),
            "time": base + 1200 + minute * 60,
            "type": "file",
            "project": "app",
            "project_root_count": _root_count(main),
        }
        for minute in range(6)
    ]
    answer = httpx.post(f"{daemon.url}/api/v1/users/current/heartbeats.bulk", json=heartbeats)
    assert answer.status_code == 201, answer.text

    # One project, the repository's, found by its history; no project of ~/worktrees/app.
    assert today(daemon, tz) == [("app", str(main), 900)]
    listed = oxitrack(daemon, "projects", "--json")
    [project] = json.loads(listed.stdout)["projects"]
    assert sorted(path["project_path"] for path in project["paths"]) == [str(main), str(feature)]
