"""Subcommands. Each module exposes ``register(subparsers, command=None)``, which adds its
commands' parsers; a module of several may add ``command``'s alone when it is one of them.

``COMMANDS`` maps every top-level command to the module that registers it, so that
``oxitrack today`` imports only the reports module and builds only its own parser, not every
command's (about 10 ms of a 40 ms budget). A new module goes into ``COMMANDS`` under each of its
names; ``tests/test_cli.py`` checks the map against what the modules really register.
"""

from __future__ import annotations

import importlib
from types import ModuleType

COMMANDS: dict[str, str] = {
    "serve": "serve",
    "today": "reports",
    "report": "reports",
    "sessions": "reports",
    "export": "exports",
    "projects": "projects",
    "service": "service",
    "backup": "maintenance",
    "check": "maintenance",
    "import": "imports",
}


def command_modules(command: str | None = None) -> list[ModuleType]:
    """The module registering ``command``, or every command module (for help and errors)."""
    names = [COMMANDS[command]] if command in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    return [importlib.import_module(f"oxitrack.commands.{name}") for name in names]
