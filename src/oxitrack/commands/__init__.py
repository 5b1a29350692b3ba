"""Subcommands. Each module exposes ``register(subparsers)``; add new modules to the list."""

from types import ModuleType

from oxitrack.commands import maintenance, projects, reports, serve, service

COMMAND_MODULES: list[ModuleType] = [serve, reports, projects, service, maintenance]
