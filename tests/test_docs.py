"""Docs are tested like code: every command, route and setting is documented."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from starlette.routing import Mount, Route

from oxitrack.cli import build_parser
from oxitrack.config import SPECS
from oxitrack.server import routes

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("no subcommands")


def _route_headings() -> list[str]:
    """What each route's heading in api.md must contain: ``GET /today``, or the mount's path."""
    wanted = []
    for route in routes:
        if isinstance(route, Route):
            wanted.extend(f"{method} {route.path}" for method in sorted(route.methods or ()))
        elif isinstance(route, Mount):
            wanted.append(route.path or "/")
    return [text for text in wanted if not text.startswith("HEAD ")]


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_every_command_is_in_cli_docs_with_an_example(name: str):
    text = (DOCS / "cli.md").read_text()
    assert f"oxitrack {name}" in text
    assert "Example" in (_subcommands()[name].epilog or "")


def _actions() -> dict[str, argparse.ArgumentParser]:
    """Second-level commands, such as ``projects merge`` and ``service status``."""
    found = {}
    for name, parser in _subcommands().items():
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                found.update({f"{name} {verb}": sub for verb, sub in action.choices.items()})
    return found


def test_there_are_second_level_commands_to_check():
    assert {"projects merge", "service status"} <= _actions().keys()


@pytest.mark.parametrize("name", sorted(_actions()))
def test_every_second_level_command_is_in_cli_docs_with_an_example(name: str):
    text = (DOCS / "cli.md").read_text()
    assert f"oxitrack {name}" in text
    assert "Example" in (_actions()[name].epilog or "")


# Issue 6: "each command above is in --help and the README".
EVERYDAY_COMMANDS = [
    "projects",
    "projects merge",
    "projects rename",
    "service install",
    "service uninstall",
    "service status",
    "backup",
    "check",
]


@pytest.mark.parametrize("name", EVERYDAY_COMMANDS)
def test_everyday_commands_are_in_the_readme(name: str):
    readme = (DOCS.parent / "README.md").read_text()
    assert f"oxitrack {name}" in readme


@pytest.mark.parametrize("route", _route_headings())
def test_every_route_has_a_heading_in_api_docs(route: str):
    headings = [line for line in (DOCS / "api.md").read_text().splitlines() if line.startswith("#")]
    assert any(f"`{route}`" in line or f"`{route}/" in line for line in headings), route


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_every_setting_is_in_config_docs(spec):
    text = (DOCS / "config.md").read_text()
    assert f"`{spec.name}`" in text
    assert f"`{spec.env}`" in text
    assert f"`{spec.flag}`" in text


MARKDOWN = sorted(
    [*DOCS.glob("*.md"), DOCS.parent / "README.md", DOCS.parent / "editors/vscode/README.md"]
)


@pytest.mark.parametrize(
    "page",
    MARKDOWN,
    ids=[p.name if p.parent == DOCS else str(p.relative_to(DOCS.parent)) for p in MARKDOWN],
)
def test_every_code_block_is_closed(page: Path):
    """An unclosed fence swallows the rest of the page (headings included) into one code block."""
    fences = [line for line in page.read_text().splitlines() if line.lstrip().startswith("```")]
    assert len(fences) % 2 == 0, f"{page.name} has {len(fences)} ``` lines: one block is open"
