"""Commands for the knowledge base: init, ingest, sources."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from frontdesk.cli.app import (
    DEFAULT_CONFIG,
    ConfigOption,
    JsonOption,
    app,
    err,
    load_bot,
    out,
    prepare_understanding,
    print_json,
    progress_bar,
    sources_app,
)
from frontdesk.errors import InvalidInputError


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Where to create bot.yaml and knowledge/.")] = Path("."),
    name: Annotated[str, typer.Option(help="The bot's name.")] = "my-support-bot",
    force: Annotated[bool, typer.Option(help="Overwrite an existing bot.yaml.")] = False,
) -> None:
    """Write a commented starter bot.yaml, a knowledge/ folder with one example article, and a test set."""
    from frontdesk.starter import write_starter

    created = write_starter(directory, name=name, force=force)
    for path in created:
        out.print(f"created {path}")
    out.print(
        "\nNext: put your help articles in knowledge/, then run [bold]frontdesk ingest[/bold] and "
        "[bold]frontdesk chat[/bold]."
    )


@app.command()
def ingest(
    config: ConfigOption = DEFAULT_CONFIG,
    as_json: JsonOption = False,
    rebuild: Annotated[
        bool,
        typer.Option("--rebuild", help="Re-chunk and re-embed every document (after changing knowledge.chunking)."),
    ] = False,
) -> None:
    """Index the bot's sources. Incremental: only new or changed documents are (re)embedded."""
    bot = load_bot(config)
    with progress_bar("Indexing", enabled=not as_json) as progress:
        report = bot.ingest(progress=progress, rebuild=rebuild)
    intents = prepare_understanding(bot, quiet=as_json)
    if as_json:
        print_json({**report.as_dict(), "intents": intents})
    else:
        data = report.as_dict()
        out.print(
            f"added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
            f"retired {len(report.retired)}, chunks indexed {report.chunks} in {data['seconds']} s"
        )
        if intents:
            how = f"fitted in {intents['seconds']} s" if intents["fitted"] else "unchanged"
            out.print(f"intents: {intents['intents']} ({how})")
        for failure in report.failed:
            err.print(f"[yellow]skipped[/yellow] {escape(failure.path)}: {escape(failure.reason)}")
    bot.close()


@sources_app.command("list")
def sources_list(config: ConfigOption = DEFAULT_CONFIG, as_json: JsonOption = False) -> None:
    """Every document known to the bot, with its approval state and version."""
    bot = load_bot(config)
    documents = bot.knowledge.list_documents(bot.config.name)
    if as_json:
        print_json(
            [
                {
                    "source": d.source_id,
                    "title": d.title,
                    "kind": d.kind,
                    "approval": d.approval.value,
                    "version": d.version,
                    "chunks": d.chunks,
                    "content_hash": d.content_hash,
                    "url": d.url,
                    "updated_at": d.updated_at.isoformat(),
                }
                for d in documents
            ]
        )
    else:
        table = Table()
        for column in ("source", "title", "approval", "version", "chunks"):
            table.add_column(column)
        for d in documents:
            table.add_row(escape(d.source_id), escape(d.title[:60]), d.approval.value, str(d.version), str(d.chunks))
        out.print(table)
    bot.close()


def _set_approval(config: Path, source_ids: list[str], state: str) -> None:
    from frontdesk.knowledge.documents import Approval

    bot = load_bot(config)
    found = bot.knowledge.set_approval(bot.config.name, source_ids, Approval(state))
    missing = sorted(set(source_ids) - set(found))
    for source_id in found:
        out.print(f"{state}: {escape(source_id)}")
    bot.close()
    if missing:
        raise InvalidInputError(f"no such source(s): {', '.join(missing)} (see `frontdesk sources list`)")


@sources_app.command("approve")
def sources_approve(
    source_ids: Annotated[list[str], typer.Argument(help="Source ids to approve.")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Let these documents answer customers."""
    _set_approval(config, source_ids, "approved")


@sources_app.command("retire")
def sources_retire(
    source_ids: Annotated[list[str], typer.Argument(help="Source ids to retire.")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Stop these documents from answering customers (kept for the record)."""
    _set_approval(config, source_ids, "retired")


@sources_app.command("draft")
def sources_draft(
    source_ids: Annotated[list[str], typer.Argument(help="Source ids to move back to draft.")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Move these documents back to draft (not used for answers)."""
    _set_approval(config, source_ids, "draft")
