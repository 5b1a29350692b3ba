"""Subcommands. Each module exposes ``register(subparsers)``; add new modules to the list."""

from types import ModuleType

from oxitrack.commands import reports, serve

COMMAND_MODULES: list[ModuleType] = [serve, reports]
