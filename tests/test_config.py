"""Settings resolution: flags > OXITRACK_* > config file > defaults, with clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from oxitrack.config import SPECS, Settings, is_loopback_host, resolve
from oxitrack.errors import ConfigError


def test_defaults_listen_on_loopback_port_3000_with_db_in_user_data(tmp_path: Path):
    settings = resolve({}, environ={"XDG_DATA_HOME": str(tmp_path)}, config_path=tmp_path / "none")
    assert (settings.host, settings.port, settings.api_key) == ("127.0.0.1", 3000, None)
    assert Path(settings.db).name == "oxitrack.db"
    assert Path(settings.db).parent.name == "oxitrack"


def test_flags_beat_environment_beats_file_beats_defaults(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text('port = 4001\nhost = "localhost"\nallow_hosts = ["a.test", "b.test"]\n')
    env = {"OXITRACK_PORT": "4002", "OXITRACK_DB": str(tmp_path / "env.db")}
    from_file_and_env = resolve({}, environ=env, config_path=config)
    assert from_file_and_env.port == 4002
    assert from_file_and_env.host == "localhost"
    assert from_file_and_env.allow_hosts == ("a.test", "b.test")
    assert from_file_and_env.db == str(tmp_path / "env.db")
    from_flags = resolve({"port": "4003", "db": str(tmp_path / "flag.db")}, env, config)
    assert from_flags.port == 4003
    assert from_flags.db == str(tmp_path / "flag.db")


def test_config_file_path_comes_from_oxitrack_config(tmp_path: Path):
    config = tmp_path / "custom.toml"
    config.write_text("verbose = true\n")
    assert resolve({}, environ={"OXITRACK_CONFIG": str(config)}).verbose is True


@pytest.mark.parametrize(
    ("text", "verbose"),
    [
        ("1", True),
        (" Yes ", True),
        ("ON", True),
        ("0", False),
        (" False ", False),
        ("no", False),
        ("Off", False),
        ("", False),
    ],
)
def test_verbose_takes_the_usual_words_for_on_and_off(empty_config: Path, text: str, verbose):
    """OXITRACK_VERBOSE=off must turn it off: not be refused, nor read as on."""
    environ = {"OXITRACK_CONFIG": str(empty_config), "OXITRACK_VERBOSE": text}
    assert resolve({}, environ=environ).verbose is verbose


@pytest.mark.parametrize(
    ("text", "number"),
    [("sunday", 6), (" Sunday ", 6), ("SUN", 6), ("monday", 0), ("sat", 5), ("Wednesday", 2)],
)
def test_weeks_start_on_the_day_named_in_full_or_by_three_letters(
    empty_config: Path, text: str, number: int
):
    environ = {"OXITRACK_CONFIG": str(empty_config), "OXITRACK_WEEK_START": text}
    assert resolve({}, environ=environ).week_start == number


def test_weeks_start_on_monday_unless_the_file_or_a_flag_says_otherwise(tmp_path: Path):
    config = tmp_path / "config.toml"
    assert resolve({}, environ={}, config_path=config).week_start == 0
    config.write_text('week_start = "sunday"\n')
    assert resolve({}, environ={}, config_path=config).week_start == 6
    assert resolve({"week_start": "fri"}, environ={}, config_path=config).week_start == 4


@pytest.mark.parametrize("text", ["funday", "", "0", "7", "mo", "sundays"])
def test_a_week_start_that_is_no_day_is_refused_naming_where_it_came_from(
    tmp_path: Path, text: str
):
    with pytest.raises(ConfigError, match="OXITRACK_WEEK_START: must be a day of the week"):
        resolve({}, environ={"OXITRACK_WEEK_START": text}, config_path=tmp_path / "none")
    config = tmp_path / "config.toml"
    config.write_text("week_start = 7\n")
    with pytest.raises(ConfigError, match=r"config.toml: week_start: must be a day of the week"):
        resolve({}, environ={}, config_path=config)


def test_verbose_is_off_unless_asked_for(empty_config: Path):
    assert resolve({}, environ={"OXITRACK_CONFIG": str(empty_config)}).verbose is False


def test_a_list_of_names_may_have_spaces_and_empty_entries(empty_config: Path):
    """An empty entry must not become a name: an empty Host would then pass the guard."""
    environ = {"OXITRACK_CONFIG": str(empty_config), "OXITRACK_ALLOW_HOSTS": "a.lan, ,b.lan ,"}
    assert resolve({}, environ=environ).allow_hosts == ("a.lan", "b.lan")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OXITRACK_PORT": "http"}, "OXITRACK_PORT: port must be a whole number"),
        ({"OXITRACK_PORT": "70000"}, "between 0 and 65535"),
        ({"OXITRACK_PORT": "\uff13\uff10\uff10\uff10"}, "OXITRACK_PORT: port must be a whole"),
        ({"OXITRACK_PORT": "3_000"}, "OXITRACK_PORT: port must be a whole number"),
        ({"OXITRACK_PORT": "9" * 5000}, "between 0 and 65535, not 9{20}\\.\\.\\.$"),
        ({"OXITRACK_PORT": "65536"}, "OXITRACK_PORT: port must be between 0 and 65535, not 65536$"),
        ({"OXITRACK_PORT": "100000"}, "between 0 and 65535, not 100000$"),
        ({"OXITRACK_PORT": "0000000070000"}, "between 0 and 65535, not 0000000070000$"),
        ({"OXITRACK_PORT": "-1"}, "OXITRACK_PORT: port must be between 0 and 65535, not -1$"),
        ({"OXITRACK_PORT": "x" * 5000}, "whole number, not 'x{20}'\\.\\.\\.$"),
        ({"OXITRACK_DB": "/tmp/data/"}, "OXITRACK_DB: '/tmp/data/' ends with a slash, so"),
        ({"OXITRACK_DB": "/tmp/x\nExecStartPre=/bin/sh"}, r"OXITRACK_DB: has a control .*'\\n'"),
        (
            {"OXITRACK_DB": "/tmp/\x1b[31mx.db"},
            r"OXITRACK_DB: has a control character or line break \('\\x1b'\)",
        ),
        ({"OXITRACK_DB": "/tmp/a\u2028b.db"}, r"OXITRACK_DB: has a control .*'\\u2028'"),
        ({"OXITRACK_HOST": "localhost:3000"}, "OXITRACK_HOST: 'localhost:3000' has a port; give"),
        ({"OXITRACK_HOST": "[::1]:3000"}, r"has a port; give the address alone \(::1\)"),
        ({"OXITRACK_HOST": "http://127.0.0.1"}, "OXITRACK_HOST: 'http://127.0.0.1' is a URL"),
        ({"OXITRACK_HOST": "[ ]"}, "OXITRACK_HOST: must not be empty"),
        ({"OXITRACK_API_KEY": "\u5bc6\u7801" * 12}, "OXITRACK_API_KEY: has '\\\\u5bc6', which"),
        ({"OXITRACK_API_KEY": "key\x1b[2J"}, "OXITRACK_API_KEY: has '\\\\x1b', which an HTTP"),
        ({"OXITRACK_VERBOSE": "maybe"}, "true or false"),
        ({"OXITRACK_HOST": "0.0.0.0"}, "without an API key"),
        ({"OXITRACK_HOST": "0.0.0.0", "OXITRACK_API_KEY": " "}, "without an API key"),
    ],
    ids=[
        "port-not-a-number",
        "port-out-of-range",
        "port-in-fullwidth-digits",
        "port-with-underscore",
        "port-of-5000-digits",
        "port-one-past-the-end",
        "port-of-six-digits",
        "port-too-large-behind-zeros",
        "port-negative",
        "port-of-5000-letters",
        "db-ending-with-a-slash",
        "db-with-a-newline",
        "db-with-an-escape",
        "db-with-a-line-separator",
        "host-with-a-port",
        "host-with-a-port-ipv6",
        "host-as-a-url",
        "host-empty-brackets",
        "key-an-http-header-cannot-carry",
        "key-with-a-control-character",
        "bad-boolean",
        "public-without-key",
        "blank-key",
    ],
)
def test_bad_settings_raise_config_error_naming_the_source(tmp_path, env, message):
    with pytest.raises(ConfigError, match=message):
        resolve({}, environ=env, config_path=tmp_path / "none")


def test_a_blank_api_key_is_no_key(tmp_path: Path):
    """The guard asks for a key whenever one is set: a blank one (``OXITRACK_API_KEY=" "``)
    taken as set would refuse every client, none of which can send an empty key."""
    settings = resolve({}, environ={"OXITRACK_API_KEY": " \t"}, config_path=tmp_path / "none")
    assert settings.api_key is None


def test_a_public_host_without_a_key_is_told_how_to_set_one_out_of_sight(tmp_path: Path):
    """The flag puts the key in every user's `ps`; the advice leads with the env and the file."""
    with pytest.raises(ConfigError) as refused:
        resolve({}, environ={"OXITRACK_HOST": "0.0.0.0"}, config_path=tmp_path / "none")
    advice = str(refused.value).split("database. ")[1]
    assert advice.startswith("Set OXITRACK_API_KEY or `api_key` in the config file")
    assert "--api-key works too, but other users see it in `ps`" in advice


@pytest.mark.parametrize(
    "key",
    ["a" * 20, "uVdeNYzeYK0vv_o4XhgzKwH5ii4eUVMz", "8a2b4c6d-1e3f-4a5b-9c7d-0e1f2a3b4c5d"],
    ids=["20-characters", "token-urlsafe-24", "uuid4-for-wakatime"],
)
def test_public_host_is_allowed_with_a_long_api_key(tmp_path: Path, key: str):
    env = {"OXITRACK_HOST": "0.0.0.0", "OXITRACK_API_KEY": key}
    assert resolve({}, environ=env, config_path=tmp_path / "none").api_key == key


@pytest.mark.parametrize(
    "key",
    ["pass word~", "~tilde first", "caf\u00e9 \u00a0nbsp", "\u00ff-last-latin-1"],
    ids=["space-and-tilde", "tilde-first", "latin-1", "last-latin-1"],
)
def test_a_key_a_header_can_carry_is_taken_as_typed(tmp_path: Path, key: str):
    """Every printable ASCII and Latin-1 character fits in a header, the ends of each range too."""
    env = {"OXITRACK_API_KEY": key}
    assert resolve({}, environ=env, config_path=tmp_path / "none").api_key == key


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.7", "::"])
def test_public_host_refuses_a_key_that_could_be_guessed(tmp_path: Path, host: str):
    """~6k guesses a second get through a short key; the refusal says how to make a good one."""
    env = {"OXITRACK_HOST": host, "OXITRACK_API_KEY": "a" * 19}
    with pytest.raises(ConfigError) as refused:
        resolve({}, environ=env, config_path=tmp_path / "none")
    message = str(refused.value)
    assert "\n" not in message
    assert "a 19-character API key" in message and "20 or more" in message
    assert "python3 -c 'import secrets; print(secrets.token_urlsafe(24))'" in message
    assert "uuid.uuid4()" in message  # what WakaTime clients accept


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_loopback_takes_any_key(tmp_path: Path, host: str):
    env = {"OXITRACK_HOST": host, "OXITRACK_API_KEY": "k"}
    assert resolve({}, environ=env, config_path=tmp_path / "none").api_key == "k"


@pytest.mark.parametrize(
    ("content", "message"),
    [("port = [", "cannot read the config file"), ("colour = 'red'", "unknown setting 'colour'")],
    ids=["broken-toml", "unknown-key"],
)
def test_bad_config_file_is_reported(tmp_path: Path, content: str, message: str):
    config = tmp_path / "config.toml"
    config.write_text(content)
    with pytest.raises(ConfigError, match=message):
        resolve({}, environ={}, config_path=config)


def test_config_path_that_is_a_folder_is_refused_not_skipped(tmp_path: Path):
    with pytest.raises(ConfigError, match="it is a folder, not a file"):
        resolve({}, environ={"OXITRACK_CONFIG": str(tmp_path)})


def test_config_file_that_is_not_utf8_is_reported_in_one_line(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_bytes(b"port = \xff\xfe\n")
    with pytest.raises(ConfigError, match="it is not UTF-8 text"):
        resolve({}, environ={}, config_path=config)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("localhost", True),
        ("app.localhost", True),
        ("LOCALHOST", True),  # names are not case-sensitive: not refused as public
        ("App.LocalHost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("192.168.1.2", False),
        ("example.com", False),
        ("localhost.example.com", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool):
    assert is_loopback_host(host) is loopback


def test_every_setting_has_an_env_variable_and_a_flag():
    assert {spec.env for spec in SPECS} >= {"OXITRACK_DB", "OXITRACK_PORT", "OXITRACK_API_KEY"}
    assert all(spec.flag.startswith("--") for spec in SPECS)
    assert Settings(db="x.db").port == 3000


def test_user_folders_follow_xdg_on_linux(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    import platformdirs

    from oxitrack.user_folders import default_config_path, default_db_path

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert default_db_path() == os.path.join(platformdirs.user_data_dir("oxitrack"), "oxitrack.db")
    assert default_config_path() == os.path.join(
        platformdirs.user_config_dir("oxitrack"), "config.toml"
    )
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("XDG_CONFIG_HOME", "")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_db_path() == os.path.join(platformdirs.user_data_dir("oxitrack"), "oxitrack.db")
    assert default_config_path() == os.path.join(
        platformdirs.user_config_dir("oxitrack"), "config.toml"
    )


@pytest.mark.parametrize("variable", ["OXITRACK_HOST", "OXITRACK_DB"])
@pytest.mark.parametrize("value", ["", "  "], ids=["empty", "blank"])
def test_an_empty_host_or_db_is_refused_by_name(tmp_path: Path, variable: str, value: str):
    """An empty host would mean every address, an empty db the current folder."""
    with pytest.raises(ConfigError, match=f"{variable}: must not be empty"):
        resolve({}, environ={variable: value}, config_path=tmp_path / "none")


def test_a_missing_file_named_by_oxitrack_config_is_one_warning_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    missing = tmp_path / "nope.toml"
    settings = resolve({}, environ={"OXITRACK_CONFIG": str(missing)})
    assert settings.port == 3000  # it goes on with the defaults
    assert capsys.readouterr().err == (
        f"oxitrack: warning: the config file {missing} named by OXITRACK_CONFIG does not exist;"
        " going on without it\n"
    )


def test_a_missing_default_config_file_is_silent(tmp_path: Path, capsys):
    resolve({}, environ={"XDG_CONFIG_HOME": str(tmp_path)})
    assert capsys.readouterr().err == ""


def test_serve_warns_about_a_missing_config_file_it_was_pointed_at(tmp_path: Path):
    """`OXITRACK_CONFIG=/tmp/nope.toml oxitrack serve` started silently, without the settings
    the user meant. A real daemon: the warning comes before the one ready line."""
    missing = tmp_path / "nope.toml"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OXITRACK_")}
    env["OXITRACK_CONFIG"] = str(missing)
    process = subprocess.Popen(
        [sys.executable, "-m", "oxitrack", "serve", "--port", "0", "--db", str(tmp_path / "x.db")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        assert "oxitrack listening on http://127.0.0.1:" in process.stdout.readline()
    finally:
        process.terminate()
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0
    assert err == (
        f"oxitrack: warning: the config file {missing} named by OXITRACK_CONFIG does not exist;"
        " going on without it\n"
    )


def test_an_empty_config_file_means_no_settings_and_costs_no_toml_parser(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text("")
    code = (
        "import sys; from oxitrack.config import resolve; "
        f"resolve({{}}, environ={{'OXITRACK_CONFIG': {str(config)!r}}}); "
        "print('tomllib' in sys.modules, 'typing' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (result.stdout, result.stderr) == ("False False\n", "")


KEY = "uVdeNYzeYK0vv_o4XhgzKwH5ii4eUVMz"


@pytest.mark.skipif(os.name != "posix", reason="mode bits are POSIX")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660], ids=oct)
def test_a_config_file_with_the_key_that_others_can_read_is_one_warning_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: int
):
    config = tmp_path / "config.toml"
    config.write_text(f'api_key = "{KEY}"\n')
    config.chmod(mode)
    assert resolve({}, environ={}, config_path=config).api_key == KEY  # still used
    assert capsys.readouterr().err == (
        f"oxitrack: warning: the config file {config} holds api_key and other users of this"
        f" machine can open it (mode {mode:o}); run: chmod 600 {config}\n"
    )


@pytest.mark.skipif(os.name != "posix", reason="mode bits are POSIX")
@pytest.mark.parametrize(
    ("content", "mode"),
    [(f'api_key = "{KEY}"\n', 0o600), (f'api_key = "{KEY}"\n', 0o400), ("port = 3001\n", 0o644)],
    ids=["key-owner-only", "key-read-only", "no-key-readable"],
)
def test_a_config_file_is_silent_when_private_or_without_a_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, mode: int
):
    config = tmp_path / "config.toml"
    config.write_text(content)
    config.chmod(mode)
    resolve({}, environ={}, config_path=config)
    assert capsys.readouterr().err == ""


@pytest.mark.skipif(os.name != "posix", reason="mode bits are POSIX")
def test_the_warning_quotes_a_path_a_shell_would_split(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    config = tmp_path / "my config.toml"
    config.write_text(f'api_key = "{KEY}"\n')
    config.chmod(0o644)
    resolve({}, environ={}, config_path=config)
    assert capsys.readouterr().err.endswith(f"run: chmod 600 '{config}'\n")


@pytest.mark.parametrize(("text", "port"), [(" 3001 ", 3001), ("0003001", 3001), ("0", 0)])
def test_a_port_of_ascii_digits_is_taken_with_spaces_and_leading_zeros(
    tmp_path: Path, text: str, port: int
):
    assert resolve({}, environ={"OXITRACK_PORT": text}, config_path=tmp_path / "none").port == port


@pytest.mark.parametrize("variable", ["XDG_DATA_HOME", "XDG_CONFIG_HOME"])
@pytest.mark.parametrize(
    "value", ["relative/dir", "~/data", ""], ids=["relative", "tilde", "empty"]
)
def test_a_relative_xdg_folder_is_ignored_as_the_xdg_rule_says(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, value: str
):
    """Followed, it made the database a different file in every folder a command ran from."""
    from oxitrack.user_folders import default_config_path, default_db_path

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv(variable, value)
    assert default_db_path() == str(tmp_path / ".local/share/oxitrack/oxitrack.db")
    assert default_config_path() == str(tmp_path / ".config/oxitrack/config.toml")


@pytest.mark.parametrize("home", ["", None], ids=["empty", "unset"])
def test_without_home_the_user_folders_are_in_the_password_databases_home(
    monkeypatch: pytest.MonkeyPatch, home: str | None
):
    """An empty HOME is no home: it used to make ``/.local/share/oxitrack``."""
    import pwd

    from oxitrack.user_folders import default_db_path

    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    if home is None:
        monkeypatch.delenv("HOME", raising=False)
    else:
        monkeypatch.setenv("HOME", home)
    expected = os.path.join(pwd.getpwuid(os.getuid()).pw_dir, ".local/share/oxitrack/oxitrack.db")
    assert default_db_path() == expected


@pytest.mark.parametrize("value", ["x.db", "./data/x.db"])
def test_a_relative_db_in_the_config_file_is_beside_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str
):
    """From the current folder, it named another database in every folder a command ran from."""
    config = tmp_path / "conf" / "config.toml"
    config.parent.mkdir()
    config.write_text(f'db = "{value}"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    settings = resolve({}, environ={"OXITRACK_CONFIG": str(config)})
    assert os.path.normpath(settings.db) == str(config.parent / value.removeprefix("./"))


@pytest.mark.parametrize("value", ["$HOME/tracking/x.db", "${XDG_DATA_HOME}/x.db", "~/$USER/x.db"])
def test_a_db_naming_a_variable_in_the_config_file_is_refused_and_nothing_made(
    tmp_path: Path, value: str
):
    """TOML expands no variable: `db = "$HOME/tracking/x.db"` was a relative path, beside the
    config file, so `serve` made a folder named `$HOME` in the config folder and recorded there,
    while the user's backups and scripts looked for ~/tracking/x.db."""
    config = tmp_path / "config" / "oxitrack" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'db = "{value}"\n')
    result = subprocess.run(
        [_oxitrack_script(), "today"],
        capture_output=True,
        text=True,
        env=_clean_env(tmp_path),
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(f"oxitrack: {config}: db: {value!r} names a variable"), (
        result.stderr
    )
    assert result.stderr.count("\n") == 1
    assert sorted(p.name for p in config.parent.iterdir()) == ["config.toml"]
    assert not (tmp_path / "data").exists()


def test_a_db_whose_folder_has_a_dollar_not_starting_a_name_is_taken(tmp_path: Path):
    """A Windows share's `C$`, a price in a folder's name: no variable there."""
    for value in ("/srv/share/C$/x.db", "/tmp/cost $5/x.db", "./$HOME/x.db"):
        environ = {"OXITRACK_DB": value}
        assert resolve({}, environ=environ, config_path=tmp_path / "none").db == value


def test_a_relative_db_from_the_environment_or_a_flag_is_from_the_current_folder(tmp_path: Path):
    """Paths typed in a shell mean what every command means by them."""
    assert resolve({}, environ={"OXITRACK_DB": "x.db"}, config_path=tmp_path / "none").db == "x.db"
    assert resolve({"db": "y.db"}, environ={}, config_path=tmp_path / "none").db == "y.db"


def test_a_latin1_key_that_clients_can_send_is_kept(tmp_path: Path):
    """Python's client sends it as Latin-1 bytes, which the daemon reads back: it worked."""
    settings = resolve({}, environ={"OXITRACK_API_KEY": " cl\u00e9 "}, config_path=tmp_path / "x")
    assert settings.api_key == "cl\u00e9"


@pytest.mark.parametrize(
    ("typed", "host"), [(" 127.0.0.1 ", "127.0.0.1"), ("[::1]", "::1"), ("::1", "::1")]
)
def test_a_loopback_host_with_spaces_or_brackets_is_loopback(tmp_path: Path, typed: str, host: str):
    """`[::1]` was taken as loopback, then could not be listened on; " 127.0.0.1 " was refused
    as a public address without an API key."""
    settings = resolve({}, environ={"OXITRACK_HOST": typed}, config_path=tmp_path / "none")
    assert settings.host == host and settings.is_loopback


def test_without_home_nor_a_user_entry_the_user_folders_are_absolute(
    monkeypatch: pytest.MonkeyPatch,
):
    """A container's uid with no passwd entry: ``~`` stayed as typed, a relative database."""
    import pwd

    from oxitrack.user_folders import default_db_path

    def no_entry(uid: int) -> pwd.struct_passwd:
        raise KeyError(uid)

    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setattr(pwd, "getpwuid", no_entry)
    assert default_db_path() == "/.local/share/oxitrack/oxitrack.db"


@pytest.mark.parametrize("port", ["0", "65535", " 00065535 ", "-0"])
def test_ports_at_the_ends_of_the_range_are_taken(tmp_path: Path, port: str):
    settings = resolve({}, environ={"OXITRACK_PORT": port}, config_path=tmp_path / "none")
    assert settings.port == int(port)


def _oxitrack_script() -> str:
    """The installed console script, as users run it."""
    return str(Path(sys.executable).with_name("oxitrack"))


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OXITRACK_")}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    return env


@pytest.mark.skipif(os.name != "posix", reason="process substitution is a POSIX shell's")
def test_a_config_given_by_process_substitution_is_read(tmp_path: Path):
    """`OXITRACK_CONFIG=<(...)` is a pipe: its size is 0 until read, and it was taken for an
    empty file, its settings dropped without a word."""
    wanted = tmp_path / "from-the-pipe.db"
    script = (
        f"""OXITRACK_CONFIG=<(printf 'db = "%s"\\n' {str(wanted)!r}) {_oxitrack_script()} today"""
    )
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env=_clean_env(tmp_path), timeout=60
    )
    assert (result.returncode, result.stdout) == (1, "")
    # The line goes on to name the file a daemon answering on this machine records into, if any.
    assert result.stderr.startswith(f"oxitrack: no database at {wanted}")
    assert result.stderr.count("\n") == 1


@pytest.mark.skipif(os.name != "posix", reason="/dev/stdin")
def test_a_config_piped_to_dev_stdin_is_read(tmp_path: Path):
    env = {**_clean_env(tmp_path), "OXITRACK_CONFIG": "/dev/stdin"}
    result = subprocess.run(
        [_oxitrack_script(), "projects", "--via", "file"],  # reads the port, to ask the daemon
        input="port = 'abc'\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "oxitrack: /dev/stdin: port: port must be a whole number, not 'abc'\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_written_after_the_command_starts_is_waited_for(tmp_path: Path):
    import threading

    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)

    def write_when_read() -> None:
        with open(fifo, "w") as writer:  # blocks until resolve opens the FIFO
            writer.write("port = 4321\n")

    writer = threading.Thread(target=write_when_read)
    writer.start()
    try:
        assert resolve({}, environ={"OXITRACK_CONFIG": str(fifo)}).port == 4321
    finally:
        if writer.is_alive():  # never opened for reading: release the writer's open
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
        writer.join(timeout=30)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_nothing_writes_is_refused_after_the_wait_not_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from oxitrack import config_file

    monkeypatch.setattr(config_file, "PIPE_WAIT_SECONDS", 0.2)
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError) as refused:
        resolve({}, environ={"OXITRACK_CONFIG": str(fifo)})
    assert str(refused.value) == (
        f"cannot read the config file {fifo}: nothing wrote it to its end within 0.2 s"
        " (a pipe or device that stays open)"
    )


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_device_that_never_ends_is_refused_not_ignored():
    with pytest.raises(ConfigError, match="cannot read the config file /dev/zero: it goes on past"):
        resolve({}, environ={"OXITRACK_CONFIG": "/dev/zero"})


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="terminals are POSIX")
def test_a_terminal_is_refused_rather_than_waited_on():
    leader, follower = os.openpty()
    try:
        terminal = os.ttyname(follower)
        with pytest.raises(ConfigError) as refused:
            resolve({}, environ={"OXITRACK_CONFIG": terminal})
    finally:
        os.close(leader)
        os.close(follower)
    assert str(refused.value).startswith(
        f"cannot read the config file {terminal}: it is a terminal"
    )


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_dev_null_as_the_config_file_means_no_settings(tmp_path: Path):
    no_file = resolve({}, environ={}, config_path=tmp_path / "none.toml")
    assert resolve({}, environ={"OXITRACK_CONFIG": "/dev/null"}) == no_file


@pytest.mark.skipif(not os.path.isdir("/dev/fd"), reason="needs /dev/fd")
def test_a_pipe_read_twice_in_one_process_gives_the_same_settings():
    """`service install` resolves twice; a pipe can be read once, and the second reading was
    empty: the two halves of the command worked from different settings."""
    read_end, write_end = os.pipe()
    os.write(write_end, b"port = 4322\n")
    os.close(write_end)
    try:
        environ = {"OXITRACK_CONFIG": f"/dev/fd/{read_end}"}
        assert [resolve({}, environ=environ).port for _ in range(2)] == [4322, 4322]
    finally:
        os.close(read_end)


@pytest.mark.skipif(os.name != "posix", reason="symlinks and ENOTDIR as POSIX has them")
@pytest.mark.parametrize("kind", ["symlink-loop", "file-as-folder"])
def test_a_config_path_that_leads_nowhere_is_the_one_missing_file_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
):
    if kind == "symlink-loop":
        config = tmp_path / "loop"
        config.symlink_to(tmp_path / "loop")
    else:
        (tmp_path / "plain").write_text("")
        config = tmp_path / "plain" / "config.toml"
    resolve({}, environ={"OXITRACK_CONFIG": str(config)})
    assert capsys.readouterr().err == (
        f"oxitrack: warning: the config file {config} named by OXITRACK_CONFIG does not exist;"
        " going on without it\n"
    )
