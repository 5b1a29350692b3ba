"""Docs are tested like code: every command, route and setting is documented."""

from __future__ import annotations

import argparse
import ast
import json
import re
import shlex
import tomllib
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


# Pages a user reads: every concrete claim below is checked on all of them.
PAGES = sorted(
    [*MARKDOWN, DOCS.parent / "bench/README.md"],
    key=lambda page: str(page.relative_to(DOCS.parent)),
)
_PAGE_IDS = [str(page.relative_to(DOCS.parent)) for page in PAGES]


def _fenced_lines(page: Path) -> list[str]:
    """The lines inside the page's fenced code blocks, ``\\``-continued lines joined."""
    lines, inside, pending = [], False, ""
    for line in page.read_text().splitlines():
        if line.lstrip().startswith("```"):
            inside = not inside
            continue
        if not inside:
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        lines.append(pending + line)
        pending = ""
    return lines


_COMMAND = re.compile(r"""(?:^|[\s;&|(="'])(?:\S*/)?oxitrack(?=\s|$)([^#|;&)\n]*)""")


def _command_lines(page: Path) -> list[str]:
    """Each ``oxitrack …`` command in the page's code blocks, as typed: up to a comment, a pipe,
    a redirection or the end of the line. Its arguments after ``oxitrack``."""
    return _commands_in(_fenced_lines(page))


def _commands_in(lines: list[str]) -> list[str]:
    found = []
    for line in lines:
        line = re.sub(r"\$\([^)]*\)", "X", line)  # $(date +%F): any word stands for it
        line = re.sub(r"(^|\s)#.*", "", line)  # a comment, or the output shown beside a command
        line = re.sub(r"\s\d*[<>]&?\S*", " ", line)  # 2>/dev/null, > FILE, >&-
        # Not oxitrack-today, oxitrack.db, oxitrack.internal, ~/.config/oxitrack/: the command.
        for match in _COMMAND.finditer(line):
            found.append(match.group(1).strip())
    return found


def _help_examples() -> list[str]:
    """The commands in the ``Example:`` lines of every ``--help``."""
    parsers = {**_subcommands(), **_actions()}
    return _commands_in([line for p in parsers.values() for line in (p.epilog or "").splitlines()])


def _refused_by_the_parser(commands: list[str], capsys: pytest.CaptureFixture[str]) -> list[str]:
    refused = []
    for arguments in commands:
        words = shlex.split(arguments)
        if not words or words == ["--version"]:
            continue
        try:
            build_parser().parse_args(words)
        except SystemExit as exit:
            if exit.code != 0:
                refused.append(f"oxitrack {arguments}: {capsys.readouterr().err.strip()}")
    return refused


@pytest.mark.parametrize("page", PAGES, ids=_PAGE_IDS)
def test_every_command_line_in_a_code_block_parses(page: Path, capsys: pytest.CaptureFixture[str]):
    """A flag renamed or removed, a command that no longer exists, a value argparse refuses:
    an example a reader copies must at least get past the parser."""
    refused = _refused_by_the_parser(_command_lines(page), capsys)
    assert not refused, "\n".join(refused)


def test_every_example_in_help_parses(capsys: pytest.CaptureFixture[str]):
    examples = _help_examples()
    assert "service status --json" in examples
    refused = _refused_by_the_parser(examples, capsys)
    assert not refused, "\n".join(refused)


def test_command_lines_are_found_in_the_pages():
    """The test above checks something: the examples it reads are there."""
    lines = [line for page in PAGES for line in _command_lines(page)]
    assert "today --json" in lines
    assert any(line.startswith("service install --db") for line in lines)
    assert len(lines) > 50


# Codes no client is meant to meet: a 500 is a bug (api.md says so), and "http_error" is what
# an HTTP status without a code of its own would be called, which no route raises.
_NOT_ANSWERED_TO_CLIENTS = {"internal_error", "http_error"}
# Where the daemon names its error codes: (callable, index of the code among its arguments).
_CODE_ARGUMENTS = {"ClientError": 1, "error_body": 0, "_answer": 1}


def _error_codes_in_source() -> dict[str, set[int | None]]:
    """Every error code the daemon's source can answer, with its statuses where they are
    written beside it: the calls above, the guard's ``(status, code, message)`` refusals and
    the table of HTTP statuses Starlette raises."""
    codes: dict[str, set[int | None]] = {}

    def add(code: ast.expr, status: ast.expr | None) -> None:
        if isinstance(code, ast.Constant) and isinstance(code.value, str):
            status_value = status.value if isinstance(status, ast.Constant) else None
            if isinstance(status_value, str):  # "503 Service Unavailable"
                status_value = int(status_value.split()[0])
            codes.setdefault(code.value, set()).add(status_value)

    for path in (DOCS.parent / "src/oxitrack").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", None))
                index = _CODE_ARGUMENTS.get(str(name))
                if index is not None and len(node.args) > index:
                    status = node.args[0] if index == 1 else None
                    add(node.args[index], status)
            elif isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
                parts = node.value.elts
                if len(parts) == 3 and isinstance(parts[0], ast.Constant):
                    add(parts[1], parts[0])
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
                target = node.targets[0]
                if isinstance(target, ast.Name) and target.id == "_HTTP_CODES":
                    for key, value in zip(node.value.keys, node.value.values, strict=True):
                        assert key is not None
                        add(value, key)
    for code in _NOT_ANSWERED_TO_CLIENTS:
        codes.pop(code, None)
    return codes


def _error_table() -> dict[str, set[int]]:
    """api.md's table of errors: each code with the statuses it is listed under."""
    table: dict[str, set[int]] = {}
    for line in (DOCS / "api.md").read_text().splitlines():
        row = re.match(r"\| (\d{3}) \| `([a-z_]+)` \|", line)
        if row:
            table.setdefault(row[2], set()).add(int(row[1]))
    return table


def test_the_source_scan_finds_the_error_codes():
    codes = _error_codes_in_source()
    assert {"invalid_field", "forbidden_host", "too_many_connections", "reports_busy"} <= set(codes)
    assert codes["forbidden_host"] == {403}


@pytest.mark.parametrize("code", sorted(_error_codes_in_source()))
def test_every_error_code_the_daemon_answers_is_in_the_api_table(code: str):
    """A client meeting an error code looks it up in one table, under the status it got."""
    table = _error_table()
    assert code in table, f"{code} is not in docs/api.md's table of errors"
    statuses = {status for status in _error_codes_in_source()[code] if status is not None}
    assert statuses <= table[code], f"{code}: answered {statuses}, listed {table[code]}"


def test_every_error_code_in_the_api_table_is_answered():
    assert set(_error_table()) <= set(_error_codes_in_source())


def _anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as dashes."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _prose(page: Path) -> str:
    return re.sub(r"```.*?```", "", page.read_text(), flags=re.S)


@pytest.mark.parametrize("page", [*PAGES, DOCS / "wakatime.md"], ids=[*_PAGE_IDS, "wakatime.md"])
def test_every_link_between_pages_leads_somewhere(page: Path):
    """A page renamed or a heading reworded leaves links that land nowhere (or at the top)."""
    broken = []
    for link in re.findall(r"\]\(([^)\s]+)\)", _prose(page)):
        if re.match(r"[a-z]+:", link):
            continue  # http:, https:, mailto:
        path, _, anchor = link.partition("#")
        target = (page.parent / path).resolve() if path else page
        if not target.exists():
            broken.append(link)
        elif anchor and target.suffix == ".md":
            headings = [line.lstrip("#") for line in _prose(target).splitlines() if line[:1] == "#"]
            if anchor not in {_anchor(heading) for heading in headings}:
                broken.append(link)
    assert not broken, broken


# Variables read by other programs than the settings' resolver: the config file's place, and the
# editor extension's test-only time scale.
_OTHER_VARIABLES = {"OXITRACK_CONFIG", "OXITRACK_TIME_SCALE"}


@pytest.mark.parametrize("page", PAGES, ids=_PAGE_IDS)
def test_every_oxitrack_variable_named_exists(page: Path):
    """A variable renamed in the code but not on a page is one a user sets in vain."""
    known = {spec.env for spec in SPECS} | _OTHER_VARIABLES
    named = set(re.findall(r"\bOXITRACK_[A-Z_]*[A-Z]", page.read_text()))
    assert named <= known, named - known


def test_config_file_examples_use_only_known_keys():
    """What config.md shows in a TOML block is what ``serve`` reads: no key it would ignore."""
    blocks = re.findall(r"```toml\n(.*?)```", (DOCS / "config.md").read_text(), flags=re.S)
    assert blocks
    for block in blocks:
        assert set(tomllib.loads(block)) <= {spec.name for spec in SPECS}, block


def _curl_examples() -> list[tuple[str, dict[str, object] | None]]:
    """api.md's ``curl`` commands in page order, each with the JSON answer shown under it (the
    first ``json`` block before the next command or heading), if any."""
    examples: list[tuple[str, dict[str, object] | None]] = []
    blocks = re.finditer(
        r"^(#+ [^\n]*)$|^```(\w*)\n(.*?)^```$", (DOCS / "api.md").read_text(), re.M | re.S
    )
    for block in blocks:
        heading, language, body = block.groups()
        if heading is not None:
            examples.append(("", None))  # an answer never belongs to a command above a heading
        elif language == "sh" and "curl" in body:
            examples.append((body.replace("\\\n", " "), None))
        elif language == "json" and examples and examples[-1][0] and examples[-1][1] is None:
            # "[ …totals… ]" and a line "…," stand for items left out: no items shown.
            shown = re.sub(r"^\s*…,\n", "", re.sub(r"\[ …[^\]]*\]", "[]", body), flags=re.M)
            examples[-1] = (examples[-1][0], json.loads(shown))
    return [example for example in examples if example[0]]


def _shape(value: object) -> object:
    """The field names of a JSON value, nested, with a list standing for its first item."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value and isinstance(value[0], dict | list) else []
    return None


def _same_fields(documented: object, answered: object) -> bool:
    """Whether the fields shown are the fields answered; a list shown or answered empty, or
    shown with ``…`` in place of its items, is not compared."""
    if isinstance(documented, dict) and isinstance(answered, dict):
        return documented.keys() == answered.keys() and all(
            _same_fields(documented[key], answered[key]) for key in documented
        )
    if isinstance(documented, list) and isinstance(answered, list):
        return not documented or not answered or _same_fields(documented[0], answered[0])
    return documented == answered


def _send(client, command: str):  # type: ignore[no-untyped-def]
    """Send one ``curl -s URL [-H 'Name: value']… [-d BODY]`` line through ``client``."""
    words = shlex.split(command, comments=True)
    path = next(word for word in words if word.startswith("localhost:3000"))
    path = path.removeprefix("localhost:3000")
    given = [(word, words[index + 1]) for index, word in enumerate(words) if word in {"-H", "-d"}]
    headers = dict(value.split(": ", 1) for option, value in given if option == "-H")
    bodies = [value for option, value in given if option == "-d"]
    if bodies:
        return client.post(path, content=bodies[0].encode(), headers=headers)
    return client.get(path, headers=headers)


def test_api_examples_answer_the_fields_they_show(client, clock):
    """Each curl command of api.md, sent in page order to a daemon with what the earlier ones
    recorded, is answered (2xx), with the very fields the page shows under it."""
    clock.now = 1735219200 + 60  # just after the beats of the examples
    for folder in ["/home/you/old/api", "/home/you/code/api"]:  # what the merge example names
        assert client.post("/beat", json={"project_path": folder}).status_code == 200
    compared = []
    for block, documented in _curl_examples():
        commands = re.split(r"\n(?=curl )", block.strip())
        answers = [_send(client, command) for command in commands]
        for command, answer in zip(commands, answers, strict=True):
            assert answer.status_code < 300, (command, answer.text)
        if documented is not None:
            compared.append(commands[0])
            shown, answered = _shape(documented), _shape(answers[0].json())
            assert _same_fields(shown, answered), (commands[0], shown, answered)
    assert len(compared) >= 8


def _flag_lists() -> dict[str, set[str]]:
    """cli.md's "Flags: `--db`, …" sentences, by the command of the section holding each."""
    found = {}
    for section in re.split(r"^#+ ", (DOCS / "cli.md").read_text(), flags=re.M):
        command = re.match(r"`oxitrack (\w+)", section)
        listed = re.search(r"Flags:\s+((?:`--[a-z-]+`(?:,|\s|and|or)*)+)", section)
        if command and listed:
            found[command[1]] = set(re.findall(r"--[a-z-]+", listed[1]))
    return found


def test_flag_lists_in_cli_docs_are_whole():
    """A "Flags:" sentence reads as the whole list: no flag of the command missing, none extra."""
    lists = _flag_lists()
    assert {"serve", "backup", "projects", "check"} <= lists.keys()
    for name, listed in lists.items():
        options = {
            option
            for action in _subcommands()[name]._actions
            for option in action.option_strings
            if option.startswith("--") and option != "--help"
        }
        assert listed == options, name
