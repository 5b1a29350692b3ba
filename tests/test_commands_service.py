"""``oxitrack service`` as a user runs it: a real process, HOME and XDG_CONFIG_HOME in a temporary
folder, a stand-in ``systemctl`` first on PATH that records its arguments, a real daemon."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="systemd user units are Linux's")

FAKE_SYSTEMCTL = """#!/bin/sh
echo "$@" >> "$SYSTEMCTL_LOG"
if [ "$2" = is-active ]; then echo active; fi
exit 0
"""


@pytest.fixture
def user_env(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    systemctl = bin_dir / "systemctl"
    systemctl.write_text(FAKE_SYSTEMCTL)
    systemctl.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OXITRACK_")}
    (tmp_path / "config.toml").write_text("")
    env.update(
        HOME=str(tmp_path / "home"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        SYSTEMCTL_LOG=str(tmp_path / "systemctl.log"),
        OXITRACK_CONFIG=str(tmp_path / "config.toml"),
    )
    return env


def oxitrack(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "oxitrack", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_install_status_uninstall(user_env: dict[str, str], tmp_path: Path):
    db = tmp_path / "my data" / "ox.db"
    installed = oxitrack(user_env, "service", "install", "--db", str(db), "--port", "3999")
    assert installed.returncode == 0, installed.stderr
    unit = tmp_path / "config" / "systemd" / "user" / "oxitrack.service"
    exec_start = next(
        line for line in unit.read_text().splitlines() if line.startswith("ExecStart=")
    )
    oxitrack_script = Path(sys.executable).parent / "oxitrack"
    assert exec_start == f'ExecStart={oxitrack_script} serve --db "{db}" --port 3999'
    log = tmp_path / "systemctl.log"
    assert log.read_text().splitlines() == [
        "--user daemon-reload",
        "--user enable --now oxitrack.service",
    ]
    assert f"Wrote the systemd service {unit}" in installed.stdout

    status = oxitrack(user_env, "service", "status", "--db", str(db), "--json")
    assert status.returncode == 3  # nothing answers on the service's port 3999
    report = json.loads(status.stdout)
    assert report["service"] == f"installed at {unit}; systemd says: active"
    assert report["daemon"]["answers"] is False
    assert "no database at" in report["database"]["error"]

    removed = oxitrack(user_env, "service", "uninstall")
    assert removed.returncode == 0
    assert not unit.exists()
    assert log.read_text().splitlines()[-2:] == [
        "--user disable --now oxitrack.service",
        "--user daemon-reload",
    ]


def test_install_without_systemctl_writes_the_unit_and_says_what_to_run(
    user_env: dict[str, str], tmp_path: Path
):
    user_env["PATH"] = str(tmp_path / "empty")
    installed = oxitrack(user_env, "service", "install")
    assert installed.returncode == 0
    assert (tmp_path / "config" / "systemd" / "user" / "oxitrack.service").exists()
    assert "systemctl was not found" in installed.stdout
    assert "  systemctl --user enable --now oxitrack.service" in installed.stdout


NO_BUS_SYSTEMCTL = """#!/bin/sh
echo "$@" >> "$SYSTEMCTL_LOG"
case "$2" in daemon-reload) exit 0;; esac
echo "Failed to connect to bus: No medium found" >&2
exit 1
"""


def test_a_failing_systemctl_is_reported_on_stderr(user_env: dict[str, str], tmp_path: Path):
    """A machine without a user bus (a container, ssh without lingering): the failure and the
    commands to run instead went to stdout, leaving stderr empty with exit 1."""
    (tmp_path / "bin" / "systemctl").write_text(NO_BUS_SYSTEMCTL)
    unit = tmp_path / "config" / "systemd" / "user" / "oxitrack.service"
    installed = oxitrack(user_env, "service", "install")
    assert installed.returncode == 1
    assert installed.stdout.splitlines() == [
        f"Wrote the systemd service {unit}",
        "Ran: systemctl --user daemon-reload",
    ]
    assert installed.stderr.splitlines()[:4] == [  # then notes on this shell's variables
        "oxitrack: `systemctl --user enable --now oxitrack.service` failed (exit 1):"
        " Failed to connect to bus: No medium found",
        "The file is in place; to start it at login and now, run:",
        "  systemctl --user daemon-reload",
        "  systemctl --user enable --now oxitrack.service",
    ]

    removed = oxitrack(user_env, "service", "uninstall")
    assert removed.returncode == 1
    assert removed.stdout == ""
    assert removed.stderr.splitlines()[:2] == [
        "oxitrack: `systemctl --user disable --now oxitrack.service` failed (exit 1):"
        " Failed to connect to bus: No medium found",
        f"Removed {unit} anyway; to stop it, run:",
    ]
    assert not unit.exists()


@pytest.mark.parametrize(
    ("flags", "words"),
    [(["--port", "abc"], "port must be a whole number"), (["--host", "0.0.0.0"], "API key")],
    ids=["bad-port", "public-host-without-key"],
)
def test_install_refuses_options_serve_would_refuse(
    user_env: dict[str, str], tmp_path: Path, flags: list[str], words: str
):
    installed = oxitrack(user_env, "service", "install", *flags)
    assert installed.returncode == 2
    assert installed.stderr.count("\n") == 1 and words in installed.stderr
    assert not (tmp_path / "config" / "systemd" / "user" / "oxitrack.service").exists()
    assert not (tmp_path / "systemctl.log").exists()


def _notes(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Note: ")]


@pytest.mark.parametrize("dry_run", [[], ["--print"]], ids=["install", "print"])
def test_install_mentions_variables_the_service_will_not_see(
    user_env: dict[str, str], tmp_path: Path, dry_run: list[str]
):
    del user_env["OXITRACK_CONFIG"]
    user_env.update(OXITRACK_PORT="4000", OXITRACK_API_KEY="k", OXITRACK_DB=str(tmp_path / "x.db"))
    installed = oxitrack(user_env, "service", "install", "--db", str(tmp_path / "x.db"), *dry_run)
    assert installed.returncode == 0, installed.stderr
    if dry_run:
        assert installed.stdout.startswith("# Written by")  # notes stay out of the file's text
    config = tmp_path / "config" / "oxitrack" / "config.toml"
    assert _notes(installed) == [
        "Note: the service does not see OXITRACK_PORT from this shell;"
        f" pass --port to `service install`, or set `port` in {config}.",
        "Note: the service does not see OXITRACK_API_KEY from this shell;"
        f" set `api_key` in the config file {config}.",
    ]  # none for OXITRACK_DB: --db was given, so the service gets the same database


def test_install_gives_the_service_the_database_this_shells_xdg_data_home_names(
    user_env: dict[str, str], tmp_path: Path
):
    """`oxitrack serve` run by hand for months with XDG_DATA_HOME from the shell's profile,
    then `service install`: systemd's user manager reads no shell profile, so the service
    recorded into a new, empty ~/.local/share/oxitrack/oxitrack.db while the reports (and the
    months of data) stayed in the other file. It is given that database instead."""
    installed = oxitrack(user_env, "service", "install")
    assert installed.returncode == 0, installed.stderr
    unit = tmp_path / "config" / "systemd" / "user" / "oxitrack.service"
    exec_start = next(
        line for line in unit.read_text().splitlines() if line.startswith("ExecStart=")
    )
    db = tmp_path / "data" / "oxitrack" / "oxitrack.db"
    assert exec_start == f"ExecStart={Path(sys.executable).parent / 'oxitrack'} serve --db {db}"
    without = tmp_path / "home" / ".local" / "share" / "oxitrack" / "oxitrack.db"
    assert (
        f"Note: the service is given --db {db}, the database this shell's XDG_DATA_HOME names:"
        f" systemd's user manager reads no shell profile, and without it the service would"
        f" record into {without}."
    ) in _notes(installed)

    # Without XDG_DATA_HOME (or with it at its default) the service finds the same file alone.
    del user_env["XDG_DATA_HOME"]
    installed = oxitrack(user_env, "service", "install", "--print")
    assert installed.returncode == 0, installed.stderr
    assert f"ExecStart={Path(sys.executable).parent / 'oxitrack'} serve\n" in installed.stdout
    assert not any("XDG_DATA_HOME" in note for note in _notes(installed))


def test_install_names_the_config_file_the_service_reads(user_env: dict[str, str], tmp_path):
    del user_env["XDG_DATA_HOME"]  # its own note: test above
    installed = oxitrack(user_env, "service", "install", "--print")
    config = tmp_path / "config" / "oxitrack" / "config.toml"
    assert _notes(installed) == [
        "Note: the service does not see OXITRACK_CONFIG from this shell;"
        f" it reads the config file {config}."
    ]


def test_install_on_a_public_address_says_where_the_key_goes(user_env: dict[str, str], tmp_path):
    """`install` has no --api-key and the service cannot see OXITRACK_API_KEY: the advice is the
    config file, not what `serve` would suggest."""
    user_env["OXITRACK_API_KEY"] = "k"
    installed = oxitrack(user_env, "service", "install", "--host", "0.0.0.0", "--print")
    assert installed.returncode == 2 and installed.stdout == ""
    config = tmp_path / "config" / "oxitrack" / "config.toml"
    assert installed.stderr == (
        "oxitrack: refusing to install a daemon listening on 0.0.0.0 without an API key:"
        f' put `api_key = "..."` in the config file {config}, which the service reads,'
        " or leave --host at 127.0.0.1\n"
    )
    config.parent.mkdir(parents=True)
    config.write_text('api_key = "k"\n')
    short = oxitrack(user_env, "service", "install", "--host", "0.0.0.0", "--print")
    assert short.returncode == 2 and "a 1-character API key" in short.stderr
    config.write_text('api_key = "8a2b4c6d-1e3f-4a5b-9c7d-0e1f2a3b4c5d"\n')
    config.chmod(0o600)
    assert oxitrack(user_env, "service", "install", "--host", "0.0.0.0", "--print").returncode == 0


@pytest.mark.e2e
def test_status_with_a_running_daemon(user_env: dict[str, str], tmp_path: Path):
    db = tmp_path / "daemon.db"
    daemon = DaemonProcess(db).start()
    try:
        last = int(time.time()) - 120
        for timestamp in (last - 300, last):
            answer = httpx.post(
                f"{daemon.url}/beat", json={"project_path": "/code/x", "timestamp": timestamp}
            )
            answer.raise_for_status()
        user_env["OXITRACK_PORT"] = str(daemon.port)
        # No --db: the database is the one the daemon says it uses.
        status = oxitrack(user_env, "service", "status")
        assert status.returncode == 0, status.stderr
        lines = status.stdout.splitlines()
        assert lines[0].startswith("service:  not installed")
        assert lines[1].startswith(f"daemon:   answers at {daemon.url} (version ")
        assert lines[2] == f"database: {db.resolve()}"
        assert "1 session, 1 project, 2 beats; last beat " in lines[3]
        assert lines[3].endswith("(0h 02m ago)")
        as_json = json.loads(oxitrack(user_env, "service", "status", "--json").stdout)
        assert as_json["daemon"]["health"]["db_path"] == str(db.resolve())
        assert as_json["database"]["beat_count"] == 2
        assert as_json["database"]["last_beat"] == last
    finally:
        daemon.kill()


@pytest.mark.e2e
def test_status_asks_the_daemon_where_the_installed_service_runs(
    user_env: dict[str, str], tmp_path: Path
):
    """`service install --port P --db D`, then a bare `service status` finds that daemon."""
    db = tmp_path / "service.db"
    daemon = DaemonProcess(db).start()
    try:
        installed = oxitrack(
            user_env, "service", "install", "--db", str(db), "--port", str(daemon.port)
        )
        assert installed.returncode == 0, installed.stderr
        status = oxitrack(user_env, "service", "status")
        assert status.returncode == 0, status.stdout + status.stderr
        lines = status.stdout.splitlines()
        assert lines[1].startswith(f"daemon:   answers at {daemon.url} (version ")
        assert lines[2] == f"database: {db.resolve()}"
        # An explicit flag still wins over the installed service's options.
        elsewhere = oxitrack(user_env, "service", "status", "--port", "1", "--json")
        assert elsewhere.returncode == 3
        assert json.loads(elsewhere.stdout)["daemon"]["url"] == "http://127.0.0.1:1"
    finally:
        daemon.kill()


@pytest.mark.e2e
def test_status_of_a_daemon_that_wants_an_api_key_says_it_runs_but_refuses(
    user_env: dict[str, str], tmp_path: Path
):
    """Not "does not answer" (exit 3), which would make a script start a second daemon."""
    daemon = DaemonProcess(tmp_path / "keyed.db", "--api-key", "s3cret").start()
    try:
        user_env["OXITRACK_PORT"] = str(daemon.port)
        status = oxitrack(user_env, "service", "status")
        assert status.returncode == 1, status.stdout + status.stderr
        daemon_line = status.stdout.splitlines()[1]
        assert daemon_line.startswith(f"daemon:   answers at {daemon.url}, but it refuses")
        assert "OXITRACK_API_KEY" in daemon_line
        as_json = oxitrack(user_env, "service", "status", "--json")
        assert as_json.returncode == 1
        daemon_json = json.loads(as_json.stdout)["daemon"]
        assert daemon_json["answers"] is True  # was false: "start one", to a script
        assert daemon_json["health"] is None and "OXITRACK_API_KEY" in daemon_json["refusal"]
        merge = oxitrack(user_env, "projects", "merge", "a", "b", "--via", "daemon")
        assert merge.returncode == 1
        assert "answers, but it refuses the request" in merge.stderr
        user_env["OXITRACK_API_KEY"] = "s3cret"
        assert oxitrack(user_env, "service", "status").returncode == 0
    finally:
        daemon.kill()


def test_install_with_its_own_db_says_the_reports_read_another_file(user_env, tmp_path):
    del user_env["OXITRACK_CONFIG"]
    tracked = tmp_path / "tracking" / "oxitrack.db"
    installed = oxitrack(user_env, "service", "install", "--db", str(tracked), "--print")
    assert installed.returncode == 0, installed.stderr
    config = tmp_path / "config" / "oxitrack" / "config.toml"
    default = tmp_path / "data" / "oxitrack" / "oxitrack.db"
    assert _notes(installed) == [
        f"Note: `oxitrack today` and the other reports read {default}, not {tracked};"
        f' set `db = "{tracked}"` in {config} so that they read what the service writes.'
    ]
    config.parent.mkdir(parents=True)
    config.write_text(f'db = "{tracked}"\n')
    installed = oxitrack(user_env, "service", "install", "--db", str(tracked), "--print")
    assert _notes(installed) == []


def test_a_relative_xdg_config_home_is_ignored_as_the_config_is(
    user_env: dict[str, str], tmp_path: Path
):
    """The XDG rule, as for the config file: followed, the unit landed under whatever folder the
    command ran from, where systemd never looks."""
    user_env["XDG_CONFIG_HOME"] = "rel"
    work = tmp_path / "work"
    work.mkdir()
    installed = subprocess.run(
        [sys.executable, "-m", "oxitrack", "service", "install"],
        env=user_env,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert installed.returncode == 0, installed.stderr
    assert (tmp_path / "home" / ".config" / "systemd" / "user" / "oxitrack.service").exists()
    assert not (work / "rel").exists()


def test_a_database_whose_name_is_not_utf8_is_refused_in_one_line(
    user_env: dict[str, str], tmp_path: Path
):
    """A unit file is UTF-8 text: such a name was a traceback."""
    folder = os.fsencode(tmp_path) + b"/caf\xe9"
    os.mkdir(folder)
    db = os.fsdecode(folder + b"/x.db")
    for argv in (["--print"], []):
        result = oxitrack(user_env, "service", "install", *argv, "--db", db)
        assert result.returncode == 1
        assert result.stderr == (
            f"oxitrack: cannot write a service file naming {tmp_path}/caf\ufffd/x.db: a service"
            " file is UTF-8 text, and this name is not; use a folder whose name is\n"
        )
    assert not (tmp_path / "config" / "systemd").exists()


def _help_of(*argv: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OXITRACK_")}
    env["COLUMNS"] = "500"  # one line per option
    result = subprocess.run(
        [sys.executable, "-m", "oxitrack", *argv, "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _option_line(help_text: str, flag: str) -> str:
    return next(line for line in help_text.splitlines() if line.lstrip().startswith(flag + " "))


def test_install_help_gives_the_defaults_the_service_will_have():
    """The service reads the config file, never this shell's OXITRACK_* variables: --db's help
    promised $OXITRACK_DB, and --host and --port named no default at all."""
    text = _help_of("service", "install")
    db = _option_line(text, "--db")
    assert "default: `db` in the config file" in db and "$OXITRACK_DB is not passed on" in db
    assert "(default: `host` in the config file, else 127.0.0.1)" in _option_line(text, "--host")
    assert "(default: `port` in the config file, else 3000)" in _option_line(text, "--port")


def test_status_help_says_it_looks_where_the_installed_service_runs():
    text = _help_of("service", "status")
    for flag in ("--db", "--host", "--port"):
        assert f"default: the installed service's {flag}" in _option_line(text, flag)


def test_the_db_line_the_install_note_gives_can_be_copied_into_the_config(user_env, tmp_path):
    """A folder with a quote or a backslash in its name: `db = "..."` written around it as
    it is was not TOML, and every command then refused the config file."""
    del user_env["OXITRACK_CONFIG"]
    tracked = tmp_path / 'say "hi" \\ bye' / "oxitrack.db"
    installed = oxitrack(user_env, "service", "install", "--db", str(tracked), "--print")
    assert installed.returncode == 0, installed.stderr
    [note] = _notes(installed)
    line = note.split("set `", 1)[1].split("` in ", 1)[0]
    config = tmp_path / "config" / "oxitrack" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(line + "\n")
    installed = oxitrack(user_env, "service", "install", "--db", str(tracked), "--print")
    assert (installed.returncode, _notes(installed)) == (0, [])


@pytest.mark.parametrize("earlier", [False, True], ids=["first-install", "reinstall"])
def test_a_full_disk_installs_nothing_and_leaves_no_cut_unit(
    user_env: dict[str, str], tmp_path: Path, earlier: bool
):
    """The unit was written in place: a full disk left an empty unit file (which systemd
    would not run, and `service status` called installed) and the message blamed "the
    output". Here the config folder is a small tmpfs, mounted in a mount namespace of the
    test's own, with no room left (and, on a reinstall, an earlier install's unit in it)."""
    unshare, mount = shutil.which("unshare"), shutil.which("mount")
    if unshare is None or mount is None:
        pytest.skip("needs unshare and mount (util-linux)")
    config = tmp_path / "config"
    unit = config / "systemd" / "user" / "oxitrack.service"
    config.mkdir(exist_ok=True)
    old_unit = tmp_path / "old.service"
    if earlier:
        first = oxitrack(user_env, "service", "install", "--port", "3999")
        assert first.returncode == 0, first.stderr
        old_unit.write_bytes(unit.read_bytes())
    script = (
        'mount -t tmpfs -o size=64k tmpfs "$1" && mkdir -p "$(dirname "$2")"'
        ' && { [ ! -f "$3" ] || cp "$3" "$2"; }'
        ' && { head -c 1048576 /dev/zero > "$1/fill" 2>/dev/null; true; }'
        ' && "$4" -m oxitrack service install --port 4000; code=$?;'
        ' ls -A "$(dirname "$2")" > "$5"; [ ! -f "$2" ] || cp "$2" "$6"; exit $code'
    )
    listing, after = tmp_path / "listing", tmp_path / "after.service"
    installed = subprocess.run(
        [
            *(unshare, "--mount", "--propagation", "private", "sh", "-c", script, "sh"),
            *(str(config), str(unit), str(old_unit), sys.executable, str(listing), str(after)),
        ],
        env=user_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if not listing.exists():
        pytest.skip(f"cannot mount a file system here: {installed.stderr.strip()}")
    assert installed.returncode == 1
    as_it_was = ", and the file there is as it was" if earlier else ""
    assert installed.stderr.splitlines()[0] == (
        f"oxitrack: cannot write {unit}: No space left on device; nothing was installed" + as_it_was
    )
    assert "Traceback" not in installed.stderr
    if earlier:
        assert after.read_bytes() == old_unit.read_bytes()
        assert listing.read_text().split() == ["oxitrack.service"]  # no partial beside it
    else:
        assert listing.read_text().split() == []  # no empty unit, no partial


ESCAPES = "\x1b]0;pwned\x07\x1b[2J\nFORGED LINE"


class _ForeignHealth(http.server.BaseHTTPRequestHandler):
    """Another program on the daemon's port (another account's, while the daemon is down): its
    ``/health`` says what it likes, and refuses changes with a message of its own."""

    db_path = "/tmp/elsewhere" + ESCAPES

    def do_GET(self) -> None:
        health = {"status": "ok", "version": "9" + ESCAPES, "pid": 1, "uptime_seconds": 5}
        self._answer(200, {**health, "db_path": self.db_path})

    def do_POST(self) -> None:
        self._answer(400, {"error": "bad" + ESCAPES, "message": "refused" + ESCAPES})

    def _answer(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def test_what_a_program_on_the_port_answers_reaches_the_terminal_as_escapes(
    user_env: dict[str, str], tmp_path: Path
):
    """`service status`, a report on a missing file and a projects change printed the answer
    of whichever program listens on the port as it came: a terminal's escapes (a window title,
    a cleared screen) and lines of its own reached the user's terminal."""
    handler = type("Handler", (_ForeignHealth,), {})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        user_env["OXITRACK_PORT"] = str(server.server_address[1])
        missing = str(tmp_path / "missing.db")
        results = [
            oxitrack(user_env, "service", "status"),
            oxitrack(user_env, "today", "--db", missing),
        ]
        handler.db_path = str(tmp_path / "mine.db")  # it says it records into ours: ask it
        merge = ["projects", "merge", "a", "b", "--db", handler.db_path, "--via", "daemon"]
        results.append(oxitrack(user_env, *merge))
    finally:
        server.shutdown()
        server.server_close()
    for result in results:
        said = result.stdout + result.stderr
        assert "\x1b" not in said and "\x07" not in said, said
        assert not any(line.startswith("FORGED") for line in said.splitlines()), said
    assert "version 9\\x1b]0;pwned\\x07\\x1b[2J\\nFORGED LINE," in results[0].stdout
    assert "records into /tmp/elsewhere\\x1b]0;pwned" in results[1].stderr
    assert "refused\\x1b]0;pwned\\x07\\x1b[2J\\nFORGED LINE" in results[2].stderr


class _NotAHealth(_ForeignHealth):
    def do_GET(self) -> None:
        self._answer(200, {"status": "ok", "version": [1], "db_path": ["x"], "pid": [1]})


def test_a_health_answer_that_is_not_oxitracks_is_a_daemon_that_does_not_answer(
    user_env: dict[str, str],
):
    """A list where the database's path goes, from another program on the port, failed
    `service status` with a traceback."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _NotAHealth)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        user_env["OXITRACK_PORT"] = str(server.server_address[1])
        status = oxitrack(user_env, "service", "status")
    finally:
        server.shutdown()
        server.server_close()
    assert status.returncode == 3, status.stdout + status.stderr
    assert "Traceback" not in status.stderr
    assert status.stdout.splitlines()[1].startswith("daemon:   does not answer at ")
