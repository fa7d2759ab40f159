"""The reference docs keep up with the code: every config key, CLI command, option and API route is documented."""

from __future__ import annotations

import re
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import pytest
import typer
from pydantic import BaseModel

from frontdesk.cli import app as cli_app
from frontdesk.config import BotConfig

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"


def _read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _models_in(annotation: Any) -> Iterator[tuple[str, type[BaseModel]]]:
    """Models reachable from a field's type, with the path suffix to reach their fields ("", "[]", ".*")."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield "", annotation
        return
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (list, set, frozenset, tuple):
        for arg in args:
            for suffix, model in _models_in(arg):
                yield "[]" + suffix, model
    elif origin is dict and len(args) == 2:
        for suffix, model in _models_in(args[1]):
            yield ".*" + suffix, model
    elif origin in (Union, types.UnionType) or args:  # unions, Annotated[...], Optional[...]
        for arg in args:
            yield from _models_in(arg)


def _field_paths(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        yield path
        for suffix, nested in _models_in(field.annotation):
            yield from _field_paths(nested, f"{path}{suffix}.")


def _command_names(typer_app: typer.Typer, prefix: str = "") -> Iterator[str]:
    for command in typer_app.registered_commands:
        assert command.callback is not None
        yield prefix + (command.name or command.callback.__name__.replace("_", "-"))
    for group in typer_app.registered_groups:
        assert group.name is not None and group.typer_instance is not None
        yield from _command_names(group.typer_instance, f"{prefix}{group.name} ")


def _built_commands(command: Any, path: str = "frontdesk") -> Iterator[tuple[str, Any]]:
    """The commands as Typer builds them (Typer ships its own click, so this goes by attributes, not types)."""
    yield path, command
    for name, sub in (getattr(command, "commands", None) or {}).items():
        yield from _built_commands(sub, f"{path} {name}")


BOT_CONFIG_PATHS = sorted(set(_field_paths(BotConfig)))
COMMANDS = sorted(set(_command_names(cli_app)))


def test_the_config_walk_reaches_fields_nested_in_lists_and_unions() -> None:
    assert "knowledge.sources[].url_base" in BOT_CONFIG_PATHS
    assert "knowledge.sources[].approve" in BOT_CONFIG_PATHS
    assert "evaluation.gates.decision_accuracy" in BOT_CONFIG_PATHS


@pytest.mark.parametrize("path", BOT_CONFIG_PATHS)
def test_every_bot_yaml_key_is_documented_in_the_bot_yaml_reference(path: str) -> None:
    assert f"`{path}`" in _read("bot-yaml.md"), f"document `{path}` in docs/bot-yaml.md"


@pytest.mark.parametrize("variable", ["FRONTDESK_CONFIG", "FRONTDESK_DATA_DIR", "FRONTDESK_DATABASE_URL"])
def test_every_environment_variable_is_documented_in_the_bot_yaml_reference(variable: str) -> None:
    assert f"`{variable}`" in _read("bot-yaml.md")


def test_the_cli_walk_finds_groups_and_their_subcommands() -> None:
    assert {"init", "eval", "sources approve", "config schema"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_cli_command_is_documented_in_the_cli_reference(name: str) -> None:
    pattern = rf"frontdesk {re.escape(name)}(?![\w-])"
    assert re.search(pattern, _read("cli.md")), f"document `frontdesk {name}` in docs/cli.md"


@pytest.mark.parametrize(
    ("command", "option"),
    [
        (path, option)
        for path, command in _built_commands(typer.main.get_command(cli_app))
        for param in command.params
        for option in param.opts + param.secondary_opts
        if option.startswith("--") and option != "--help"
    ],
)
def test_every_cli_option_is_documented_in_its_command_s_section_of_the_cli_reference(
    command: str, option: str
) -> None:
    text = _read("cli.md")
    if command != "frontdesk":
        section = re.search(rf"^## {re.escape(command)}\n(.*?)(?=^## |\Z)", text, flags=re.MULTILINE | re.DOTALL)
        assert section, f"docs/cli.md needs a section `## {command}`"
        text = section.group(1)
    assert re.search(rf"{re.escape(option)}(?![\w-])", text), f"document {option} under `## {command}` in docs/cli.md"


def _api_paths() -> list[str]:
    from frontdesk.api.app import create_app
    from frontdesk.bot import Bot
    from frontdesk.storage.database import open_database
    from frontdesk.testing.fakes import HashEmbedder

    bot = Bot(BotConfig(name="docs"), open_database("sqlite://"), HashEmbedder())
    try:
        return sorted(create_app(bot).openapi()["paths"])
    finally:
        bot.close()


def test_every_api_route_is_documented_in_the_api_reference() -> None:
    paths = _api_paths()
    assert "/api/conversations/{conversation_id}/messages/stream" in paths
    missing = [path for path in paths if f"`{path}`" not in _read("api.md")]
    assert not missing, f"document these routes in docs/api.md: {missing}"


def test_every_event_type_is_documented_in_the_api_reference() -> None:
    from frontdesk import events

    types_ = [cls.type for cls in vars(events).values() if isinstance(cls, type) and issubclass(cls, events.Event)]
    missing = [name for name in types_ if name != "event" and f"`{name}`" not in _read("api.md")]
    assert not missing, f"document these events in docs/api.md: {missing}"


def test_every_reply_field_is_documented_in_the_api_reference() -> None:
    from frontdesk.api.schemas import ReplyOut

    missing = [name for name in ReplyOut.model_fields if f"`{name}`" not in _read("api.md")]
    assert not missing, f"document these reply fields in docs/api.md: {missing}"


def test_the_readme_s_first_two_commands_run_scripts_that_exist() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", readme, flags=re.DOTALL)
    commands = [line.strip() for block in blocks for line in block.splitlines() if line.strip()][:2]
    assert len(commands) == 2, "the README should open with two commands"
    for command in commands:
        script = next((word for word in command.split() if word.endswith(".sh")), None)
        assert script is not None, f"{command!r} does not run a script"
        assert (REPO / script).is_file(), f"{command!r}: no such script {script}"


@pytest.mark.parametrize("page", ["quickstart.md", "bot-yaml.md", "cli.md", "api.md"])
def test_every_link_between_docs_pages_points_at_a_page_that_exists(page: str) -> None:
    targets = re.findall(r"\]\(([\w.-]+\.md)(?:#[\w-]*)?\)", _read(page))
    missing = [target for target in targets if not (DOCS / target).is_file()]
    assert not missing, f"{page} links to missing pages: {missing}"
