"""Commands for the people behind the bot: agents add, list, remove."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from frontdesk.cli.app import DEFAULT_CONFIG, ConfigOption, JsonOption, agents_app, err, load_bot, out, print_json


@agents_app.command("add")
def agents_add(
    name: Annotated[str, typer.Argument(help="The agent's name, shown to customers when they reply.")],
    team: Annotated[
        list[str] | None, typer.Option("--team", help="A team whose queue they work (repeat; '*' = every team).")
    ] = None,
    config: ConfigOption = DEFAULT_CONFIG,
    as_json: JsonOption = False,
) -> None:
    """Create an agent and print their API token (shown once: only its hash is stored)."""
    from frontdesk.errors import InvalidInputError

    if not name.strip() or len(name) > 64:
        raise InvalidInputError("give the agent a name of 1 to 64 characters")
    bot = load_bot(config)
    teams = team or [bot.config.escalation.default_team]
    token = bot.agents.add(bot.config.name, name.strip(), teams)
    if as_json:
        print_json({"name": name.strip(), "teams": teams, "token": token})
    else:
        out.print(f"agent [bold]{escape(name.strip())}[/bold] for {', '.join(teams)}")
        out.print(token)
        err.print("Keep this token: it is not shown again. The inbox is at /inbox on `frontdesk serve`.")
    bot.close()


@agents_app.command("list")
def agents_list(config: ConfigOption = DEFAULT_CONFIG, as_json: JsonOption = False) -> None:
    """Every agent and the teams they serve."""
    bot = load_bot(config)
    agents = bot.agents.list(bot.config.name)
    if as_json:
        print_json([{"name": a.name, "teams": list(a.teams)} for a in agents])
    else:
        for agent in agents:
            out.print(f"{escape(agent.name)}  {', '.join(agent.teams)}")
    bot.close()


@agents_app.command("remove")
def agents_remove(
    name: Annotated[str, typer.Argument(help="The agent to remove; their token stops working at once.")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Remove an agent (revokes their token)."""
    bot = load_bot(config)
    bot.agents.remove(bot.config.name, name)
    out.print(f"removed {escape(name)}")
    bot.close()
