"""The few exceptions OxiTrack raises, so HTTP and the CLI can each map them in one place.

::

    OxitrackError
    ├── ClientError(status, code, message, field)   a request we refuse: answered as 4xx JSON
    │   └── InvalidField(field, problem)            422: one field is missing or wrong
    ├── StoreError                                  the database cannot be opened or written
    ├── FolderNotAnswering(field, message)          503: a beat's folder is on a mount that hangs
    └── ConfigError                                 settings that cannot work (port, host, key)

``server.py`` turns ``ClientError`` into the one JSON error shape; ``cli.py`` turns the others
into a one-line message and a non-zero exit code. Imports nothing but the stdlib (and, once an
error body is built, ``fields``, itself stdlib only).

``warn`` says what is not an error (a locked file waited for) through ``logging``, which it loads
only when there is something to say.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


def error_body(code: str, message: str, field: str | None = None) -> dict[str, str]:
    """The one JSON error shape: ``{"error": code, "message": text, "field": name}``, the field
    only when one is to blame. Every refusal the daemon sends is built here.

    A message may name the database, whose folder's name may not be UTF-8 (Python keeps such
    bytes as lone surrogates, which a JSON answer cannot encode: a 500): it is given as
    ``/health`` gives the path, as an editor reads it."""
    from oxitrack.fields import utf8_reading  # here: fields imports this module

    body = {"error": code, "message": utf8_reading(message)}
    if field is not None:
        body["field"] = field
    return body


class OxitrackError(Exception):
    """Base of every error OxiTrack raises on purpose."""


class ClientError(OxitrackError):
    """A request the daemon refuses, with the status and the JSON body it answers."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers  # HTTP headers the answer must carry, if any

    def to_json(self) -> dict[str, str]:
        return error_body(self.code, self.message, self.field)


class InvalidField(ClientError):
    """One field of a request is missing or wrong; the message names it and says why."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(422, "invalid_field", f"{field}: {problem}", field)
        self.problem = problem


class StoreError(OxitrackError):
    """The database cannot be opened, upgraded or written."""


class FolderNotAnswering(OxitrackError):
    """A beat's folder is on a network or FUSE mount that did not answer in time: nothing is
    wrong with the request, so it is a 503 the client keeps and sends again, never a 4xx."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class ConfigError(OxitrackError):
    """A setting that cannot work, such as a busy port or a public address without a key."""


# Run once, with ``logging`` loaded, before the first warning: how a process that has not loaded
# ``logging`` yet wants warnings shown (``cli`` adds its one-line handler).
before_first_warning: list[Callable[[], None]] = []
# Held while they run: a warning said meanwhile from another thread (the schema upgrade's notice
# is a timer's) waits for the handler they add, or it went out bare, through ``logging``'s
# last resort.
_preparing = threading.RLock()  # reentrant: one of them may warn


def warn(logger: str, message: str, *args: object) -> None:
    """``logging.getLogger(logger).warning(message, *args)``, ``logging`` imported only now.

    With the ``traceback``, ``string`` and ``weakref`` it loads, ``logging`` costs about 4 ms,
    a tenth of ``oxitrack today``'s 40 ms budget, and a command that has nothing to warn of
    never needs it. The record names the caller's line, as a logger called there would."""
    import logging

    with _preparing:  # a moment, and only when there is something to say
        while before_first_warning:
            before_first_warning.pop(0)()
    logging.getLogger(logger).warning(message, *args, stacklevel=2)
