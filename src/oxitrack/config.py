"""Settings, resolved in one place: command-line flags > ``OXITRACK_*`` variables > file > defaults.

The file is TOML at ``$OXITRACK_CONFIG`` or ``<user config dir>/oxitrack/config.toml``, with the
same keys as the settings below (``port = 3001``). A missing default file means "no settings"; a
missing file that ``OXITRACK_CONFIG`` names is probably a typo, so ``resolve`` says so on stderr
(one line) and goes on with the defaults; ``config_file`` reads the file (a pipe too).
``SPECS`` lists every setting once, so the CLI, the docs test and ``docs/config.md`` all read the
same list.

Paths are strings here (``os.path``), not ``pathlib``: every command resolves its settings at
start, and ``pathlib`` with the ``urllib.parse`` it loads costs ~4 ms of ``oxitrack today``'s
40 ms budget.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Callable, Collection, Iterator, Mapping

from oxitrack.config_file import read_config_file, warn_if_others_can_read
from oxitrack.errors import ConfigError
from oxitrack.fields import LINE_BREAK_OR_CONTROL
from oxitrack.host_names import allowed_host_names
from oxitrack.records import TYPE_CHECKING, Record
from oxitrack.user_folders import default_config_path, default_db_path

if TYPE_CHECKING:
    from typing import Any

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3000


class Settings(Record):
    """Everything the daemon and the CLI can be told; see ``SPECS`` for docs.

    A NamedTuple rather than a dataclass: ``dataclasses`` alone costs ~6 ms of start-up, and
    ``oxitrack today`` has a 40 ms budget.
    """

    db: str
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    api_key: str | None = None
    verbose: bool = False
    allow_hosts: tuple[str, ...] = ()
    allow_origins: tuple[str, ...] = ()
    week_start: int = 0  # Monday, as ``date.weekday()`` numbers the days

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(self.host)


class Spec(Record):
    """One setting: its name (flag ``--name``, key ``name``), env variable and meaning."""

    name: str
    parse: Callable[[str], Any]
    help: str

    @property
    def env(self) -> str:
        return "OXITRACK_" + self.name.upper()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


def _port(text: str) -> int:
    """Digits only: ``int`` also takes ``3_000`` and fullwidth or other scripts' digits, and
    thousands of digits make a message of thousands."""
    digits = text.strip()
    number = digits.removeprefix("-")
    if not (number.isascii() and number.isdigit()):
        shown = repr(text) if len(text) <= 20 else repr(text[:20]) + "..."
        raise ConfigError(f"port must be a whole number, not {shown}")
    significant = number.lstrip("0")
    if (digits.startswith("-") and significant) or int(significant[:6] or "0") > 65535:
        shown = digits if len(digits) <= 20 else digits[:20] + "..."
        raise ConfigError(f"port must be between 0 and 65535, not {shown}")
    return int(number)


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"expected true or false, not {text!r}")


#: The days a week may start on, as ``date.weekday()`` numbers them; a setting may also give
#: a name's first three letters (``sun``).
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _weekday(text: str) -> int:
    """A day's name, in English, any case: ``week_start = "sunday"`` (or ``sun``)."""
    name = text.strip().lower()
    for number, day in enumerate(WEEKDAYS):
        if name in (day, day[:3]):
            return number
    raise ConfigError(f"must be a day of the week such as monday or sunday, not {text!r}")


#: A path part that starts as a shell variable does: ``$HOME``, ``${XDG_DATA_HOME}``.
_VARIABLE_IN_PATH = re.compile(r"(?:^|[/\\])\$(?:\{|[A-Za-z_])")


def _db_path(text: str) -> str:
    """A database file path; not a name SQLite reads its own way, which the store (opening a
    file, making its folder) half followed: ``:memory:`` made a stray file of that name before
    failing, and ``file:/x?mode=ro`` a folder ``file:``."""
    if text == ":memory:":
        raise ConfigError(
            "':memory:' is SQLite's database in memory, gone at exit; give a file path"
            " (./:memory: for a file of that name)"
        )
    if text.startswith("file:"):
        raise ConfigError(
            f"{text!r} is a SQLite URI, not a file path; give a file path"
            f" (./{text} for a file of that name)"
        )
    control = LINE_BREAK_OR_CONTROL.search(text)
    if control:
        # SQLite would take it, but every line naming the file would break where it is: the
        # service file (a second directive after a newline), messages (an ESC sequence).
        raise ConfigError(
            f"has a control character or line break ({control.group()!a}); give a path without one"
        )
    if not text.startswith("./") and _VARIABLE_IN_PATH.search(text):
        # Nothing here expands variables (a TOML file, a service's Environment=, a quoted
        # argument): taken as written, `$HOME/x.db` was a folder `$HOME` beside the config file.
        raise ConfigError(
            f"{text!r} names a variable, which is not expanded here; write the path itself"
            f" (~/ is expanded), or ./{text} for a folder of that name"
        )
    if text.endswith(("/", os.sep)):
        # A folder, by its spelling: SQLite made a file of that name without the slash.
        raise ConfigError(
            f"{text!r} ends with a slash, so names a folder; give a file path such as"
            f" {os.path.join(text, 'oxitrack.db')}"
        )
    return os.path.expanduser(text)


def _host(text: str) -> str:
    """An address to listen on, as typed: spaces around it and IPv6 brackets (``[::1]``) are
    dropped; a URL or an address with a port is refused, where it was taken for a public name
    (``localhost:3000``: "refusing to listen ... without an API key")."""
    host = text.strip()
    if "://" in host:
        raise ConfigError(f"{text!r} is a URL; give the address alone, such as 127.0.0.1")
    bracketed = host.startswith("[") and host.endswith("]")
    if bracketed:
        host = host[1:-1].strip()
        if not host:
            raise ConfigError("must not be empty (give an address such as 127.0.0.1)")
    elif host.count(":") == 1 or (host.startswith("[") and "]:" in host):
        address = host.rsplit(":", 1)[0].strip("[]")
        raise ConfigError(
            f"{text!r} has a port; give the address alone ({address}) and the port as --port,"
            " OXITRACK_PORT or `port`"
        )
    return host


def _api_key(text: str) -> str | None:
    """A key HTTP clients can send. A header carries Latin-1 at most (Python's and Node's
    clients refuse to send more), so a daemon started with ``密码`` refused every client, and
    the CLI took it for no daemon at all; a control character cannot be typed in a header."""
    key = text.strip()
    for character in key:
        if not (" " <= character <= "~" or "\u00a0" <= character <= "\u00ff"):
            raise ConfigError(
                f"has {character!a}, which an HTTP header cannot carry; use ASCII letters,"
                " digits and punctuation, such as python3 -c 'import secrets;"
                " print(secrets.token_urlsafe(24))' makes"
            )
    return key or None


def _not_empty(parse: Callable[[str], Any], what: str) -> Callable[[str], Any]:
    """``parse``, refusing an empty value (``OXITRACK_HOST=``) that would otherwise mean "every
    address" or "the current folder"."""

    def parse_not_empty(text: str) -> Any:
        if not text.strip():
            raise ConfigError(f"must not be empty (give {what})")
        return parse(text)

    return parse_not_empty


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


SPECS: tuple[Spec, ...] = (
    Spec(
        "db",
        _not_empty(_db_path, "a database file path"),
        "SQLite database file",
    ),
    Spec(
        "host",
        _not_empty(_host, "an address such as 127.0.0.1"),
        "address to listen on; anything but loopback needs an API key",
    ),
    Spec("port", _port, "TCP port to listen on"),
    Spec(
        "api_key",
        _api_key,
        "require `Authorization: Bearer KEY` on every API request",
    ),
    Spec("verbose", _bool, "log every beat to stderr"),
    Spec("allow_hosts", allowed_host_names, "extra Host names accepted besides loopback"),
    Spec(
        "allow_origins",
        _names,
        "extra Origin values not refused, for clients outside a browser (comma-separated)",
    ),
    Spec(
        "week_start",
        _weekday,
        "the day weeks start on: `report --week`, WakaTime's This Week and Last Week",
    ),
)


def resolve(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_path: str | os.PathLike[str] | None = None,
    *,
    checked: bool = True,
    used: Collection[str] | None = None,
    command: str = "this command",
) -> Settings:
    """Settings from flags (``None`` = not given) over the environment over the file.

    ``checked=False`` leaves ``check`` to the caller, for one that explains a refusal in its
    own words (``service install`` has no ``--api-key``).

    ``used`` names the settings ``command`` reads (``None``: all of them). A bad value of
    another one is said in one warning line and left at its default, not refused: a typo in
    ``week_start`` made ``oxitrack today``, which has no weeks, exit 2, and every status bar
    polling it went blank.
    """
    environ = os.environ if environ is None else environ
    flags = flags or {}
    values: dict[str, Any] = {}
    path = os.fspath(config_path) if config_path else _config_path(environ)
    if not config_path and environ.get("OXITRACK_CONFIG") and not os.path.exists(path):
        # Named on purpose, so a typo must not pass for "no settings": say so (one line), then
        # go on as if there were no file.
        print(
            f"oxitrack: warning: the config file {path} named by OXITRACK_CONFIG does not"
            " exist; going on without it",
            file=sys.stderr,
        )
    for key, raw in read_config_file(path).items():
        spec = _spec(key, source=path)
        with _tolerated(spec, used, command):
            values[key] = _parse_file_value(spec, raw, path)
    if values.get("api_key"):
        warn_if_others_can_read(path)
    for spec in SPECS:
        if spec.env in environ:
            with _tolerated(spec, used, command):
                values[spec.name] = _parse(spec, environ[spec.env], spec.env)
    for spec in SPECS:
        value = flags.get(spec.name)
        if value is not None:
            values[spec.name] = _parse(spec, value, spec.flag) if isinstance(value, str) else value
    if "db" not in values:
        values["db"] = default_db_path()
    settings = Settings(**values)
    if checked:
        check(settings)
    return settings


@contextlib.contextmanager
def _tolerated(spec: Spec, used: Collection[str] | None, command: str) -> Iterator[None]:
    """A bad value of ``spec``, a setting ``command`` does not read (not in ``used``), said in
    a warning line: the setting keeps its default, or the value a lower source gave."""
    try:
        yield
    except ConfigError as exc:
        if used is None or spec.name in used:
            raise
        print(
            f"oxitrack: warning: {exc}; ignored, as {command} does not use {spec.name}",
            file=sys.stderr,
        )


# Off loopback the key is all that keeps the network out, and a guess costs one request
# (thousands a second). 20 characters of even lowercase letters are ~94 bits; a UUID, which
# WakaTime clients insist on, has 36 and token_urlsafe(24) 32.
MIN_NETWORK_KEY_CHARS = 20


KEY_MAKER_ADVICE = (
    "made with python3 -c 'import secrets; print(secrets.token_urlsafe(24))' (or, for WakaTime"
    " clients, python3 -c 'import uuid; print(uuid.uuid4())')"
)


def short_loopback_key_warning(settings: Settings) -> str | None:
    """What to say when a loopback daemon's key is short. Only this machine reaches it, but
    its key is what keeps the machine's other accounts out, and a guess costs them one request:
    a short key is taken (refusing it would stop a daemon that ran yesterday), with a warning."""
    if not settings.api_key or not settings.is_loopback:
        return None
    length = len(settings.api_key)
    if length >= MIN_NETWORK_KEY_CHARS:
        return None
    return (
        f"the {length}-character API key could be guessed by another account on this machine"
        f" in little time: use {MIN_NETWORK_KEY_CHARS} characters or more, {KEY_MAKER_ADVICE}"
    )


def check(settings: Settings) -> None:
    """Refuse settings that would expose the daemon: a public address needs a long API key.

    Loopback daemons take any key (``short_loopback_key_warning``): only this machine can
    reach them.
    """
    if settings.is_loopback:
        return
    if not settings.api_key:
        raise ConfigError(
            f"refusing to listen on {settings.host} without an API key: any machine on the network "
            "could write to your database. Set OXITRACK_API_KEY or `api_key` in the config file"
            " (--api-key works too, but other users see it in `ps`), or use 127.0.0.1"
        )
    if len(settings.api_key) < MIN_NETWORK_KEY_CHARS:
        raise ConfigError(
            f"refusing to listen on {settings.host} with a {len(settings.api_key)}-character API"
            f" key: the network could guess it. Use {MIN_NETWORK_KEY_CHARS} or more,"
            f" {KEY_MAKER_ADVICE}"
        )


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` (a name or address, maybe in [brackets]) means this machine only."""
    name = host.strip("[]").lower()
    if name in ("localhost", "127.0.0.1", "::1") or name.endswith(".localhost"):
        return True  # the defaults, answered without importing ipaddress (~1 ms of start-up)
    import ipaddress  # lazily: the CLI's report commands never need it

    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _config_path(environ: Mapping[str, str]) -> str:
    explicit = environ.get("OXITRACK_CONFIG")
    return os.path.expanduser(explicit) if explicit else default_config_path()


def _spec(name: str, *, source: str) -> Spec:
    for spec in SPECS:
        if spec.name == name:
            return spec
    known = ", ".join(spec.name for spec in SPECS)
    raise ConfigError(f"unknown setting {name!r} in {source} (known: {known})")


def _parse(spec: Spec, text: str, source: str) -> Any:
    try:
        return spec.parse(text)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def _parse_file_value(spec: Spec, raw: Any, path: str) -> Any:
    if isinstance(raw, list):
        raw = ",".join(str(item) for item in raw)
    elif isinstance(raw, bool):
        raw = "true" if raw else "false"
    value = _parse(spec, str(raw), f"{path}: {spec.name}")
    if spec.name == "db" and not os.path.isabs(value):
        # Relative to the file that says it: from the current folder, `db = "oxitrack.db"` was
        # another database in every folder a command ran from, and the service's own.
        value = os.path.join(os.path.dirname(os.path.abspath(path)), value)
    return value


assert {spec.name for spec in SPECS} == set(Settings._fields)
