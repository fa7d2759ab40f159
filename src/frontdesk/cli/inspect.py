"""Commands to inspect what happened and how the bot is configured: conversations, config."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from frontdesk.cli.app import (
    DEFAULT_CONFIG,
    ConfigOption,
    JsonOption,
    config_app,
    conversations_app,
    load_bot,
    out,
    print_json,
)


@conversations_app.command("list")
def conversations_list(
    config: ConfigOption = DEFAULT_CONFIG,
    as_json: JsonOption = False,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 20,
) -> None:
    """Recent conversations."""
    bot = load_bot(config)
    records = bot.conversations.recent(bot.config.name, limit=limit)
    if as_json:
        print_json(
            [
                {
                    "id": r.id,
                    "status": r.status,
                    "team": r.team,
                    "assignee": r.assignee,
                    "created_at": r.created_at.isoformat(),
                    "updated_at": r.updated_at.isoformat(),
                }
                for r in records
            ]
        )
    else:
        for r in records:
            holder = f"  {r.team or ''}{'/' + r.assignee if r.assignee else ''}" if r.team else ""
            out.print(f"{r.id}  {r.status:10}  {r.updated_at:%Y-%m-%d %H:%M}{holder}")
    bot.close()


@conversations_app.command("show")
def conversations_show(
    conversation_id: str, config: ConfigOption = DEFAULT_CONFIG, as_json: JsonOption = False
) -> None:
    """A conversation with every event: messages, retrieved passages with scores, replies."""
    from frontdesk.errors import NotFoundError

    bot = load_bot(config)
    record = bot.conversations.get(conversation_id)
    if record is None:
        raise NotFoundError(f"no conversation {conversation_id!r} (see `frontdesk conversations list`)")
    events = bot.conversations.events(conversation_id)
    if as_json:
        print_json(
            {
                "id": record.id,
                "status": record.status,
                "context": record.context,
                "events": [e.as_dict() for e in events],
            }
        )
    else:
        for e in events:
            summary = " ".join(str(e.payload.get("text") or e.payload.get("query") or "").split())
            extra = f" ({e.payload['decision']}, {e.payload['confidence']:.2f})" if e.type == "reply_sent" else ""
            out.print(f"{e.seq:>3} {e.type:20} {escape(summary[:100])}{escape(extra)}")
    bot.close()


@config_app.command("schema")
def config_schema() -> None:
    """Print the bot.yaml JSON Schema (for editor completion and validation)."""
    from frontdesk.config import BotConfig

    print_json(BotConfig.model_json_schema())


@config_app.command("check")
def config_check(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Validate a bot.yaml and say what it will do."""
    from sqlalchemy.engine import make_url

    from frontdesk.config import load_config

    bot_config = load_config(config)
    database = make_url(bot_config.database_url()).render_as_string(hide_password=True)
    out.print(f"ok: bot {bot_config.name!r}, {len(bot_config.knowledge.sources)} source(s), database {database}")
