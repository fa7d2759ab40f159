"""The `frontdesk` command line."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from frontdesk import __version__
from frontdesk.errors import FrontdeskError, InvalidInputError

app = typer.Typer(
    invoke_without_command=True,
    help="Frontdesk: a support assistant that answers only from approved knowledge, with citations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
sources_app = typer.Typer(
    help="List documents and change their approval state (only approved ones answer).", no_args_is_help=True
)
conversations_app = typer.Typer(help="Inspect conversations and the evidence behind every reply.", no_args_is_help=True)
config_app = typer.Typer(help="Check a bot.yaml or print its JSON Schema.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")
app.add_typer(conversations_app, name="conversations")
app.add_typer(config_app, name="config")

out = Console()
err = Console(stderr=True)
_state = {"debug": False}

ConfigOption = Annotated[
    Path, typer.Option("--config", "-c", envvar="FRONTDESK_CONFIG", help="The bot's YAML file (or its folder).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
DEFAULT_CONFIG = Path("bot.yaml")


def main() -> None:
    try:
        app()
    except FrontdeskError as exc:
        if _state["debug"]:
            raise
        err.print(f"[red]error:[/red] {escape(exc.message)}")
        sys.exit(1)


@app.callback()
def _root(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    _state["debug"] = debug
    if version:
        out.print(f"frontdesk {__version__}")
        raise typer.Exit()
    if ctx.invoked_subcommand is None:
        out.print(ctx.get_help())
        raise typer.Exit()


def _load_bot(config_path: Path) -> Any:
    from frontdesk.bot import Bot
    from frontdesk.config import load_config

    return Bot.from_config(load_config(config_path))


@contextmanager
def _progress(label: str, enabled: bool = True) -> Iterator[Callable[[int, int, str], None]]:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("[dim]{task.fields[item]}"),
        console=err,
        transient=True,
        disable=not enabled,
    ) as bar:
        task = bar.add_task(label, total=None, item="")

        def update(done: int, total: int, item: str = "") -> None:
            bar.update(task, completed=done, total=total, item=item[-50:])

        yield update


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


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
def ingest(config: ConfigOption = DEFAULT_CONFIG, as_json: JsonOption = False) -> None:
    """Index the bot's sources. Incremental: only new or changed documents are (re)embedded."""
    bot = _load_bot(config)
    with _progress("Indexing", enabled=not as_json) as progress:
        report = bot.ingest(progress=progress)
    if as_json:
        _print_json(report.as_dict())
    else:
        data = report.as_dict()
        out.print(
            f"added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
            f"retired {len(report.retired)}, chunks indexed {report.chunks} in {data['seconds']} s"
        )
        for failure in report.failed:
            err.print(f"[yellow]skipped[/yellow] {escape(failure.path)}: {escape(failure.reason)}")
    bot.close()


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The customer's message.")],
    config: ConfigOption = DEFAULT_CONFIG,
    as_json: JsonOption = False,
    context: Annotated[list[str] | None, typer.Option("--context", help="KEY=VALUE the host page knows.")] = None,
) -> None:
    """Answer one question and exit."""
    from frontdesk.conversation.validation import clean_message

    text = clean_message(question)
    bot = _load_bot(config)
    engine = bot.engine
    conversation = engine.start(_parse_context(context or []))
    reply = engine.handle_message(conversation.id, text)
    if as_json:
        _print_json(reply.as_dict())
    else:
        _show_reply(reply)
    bot.close()


def _parse_context(pairs: list[str]) -> dict[str, str]:
    result = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InvalidInputError(f"--context takes KEY=VALUE, got {pair!r}")
        result[key.strip()] = value.strip()
    return result


def _show_reply(reply: Any) -> None:
    colour = {"answer": "green", "clarify": "cyan", "fallback": "yellow", "escalate": "magenta"}[reply.decision]
    out.print(escape(reply.text))
    out.print(
        f"[{colour}]{reply.decision}[/{colour}] [dim]confidence {reply.confidence:.2f}, {reply.latency_ms:.0f} ms[/dim]"
    )
    for i, citation in enumerate(reply.citations, start=1):
        where = f" {citation.url}" if citation.url else ""
        out.print(f"[dim][{i}] {escape(citation.title)} ({escape(citation.source)}){escape(where)}[/dim]")


@app.command()
def chat(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Talk to the bot in the terminal. Empty line or Ctrl-D to quit."""
    from frontdesk.conversation.validation import clean_message

    bot = _load_bot(config)
    engine = bot.engine
    conversation = engine.start({"channel": "cli"})
    out.print(
        f"[bold]{escape(bot.config.name)}[/bold]: ask a question (empty line to quit). "
        f"[dim]conversation {conversation.id}[/dim]"
    )
    while True:
        try:
            line = input("you> ")
        except (EOFError, KeyboardInterrupt):
            break
        if not line.strip():
            break
        try:
            reply = engine.handle_message(conversation.id, clean_message(line))
        except InvalidInputError as exc:
            err.print(f"[red]{escape(exc.message)}[/red]")
            continue
        _show_reply(reply)
    bot.close()


@app.command()
def serve(
    config: ConfigOption = DEFAULT_CONFIG,
    host: Annotated[str, typer.Option(envvar="FRONTDESK_HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="FRONTDESK_PORT")] = 8000,
    ingest_first: Annotated[bool, typer.Option("--ingest/--no-ingest", help="Index changed sources first.")] = True,
) -> None:
    """Serve the chat page and the JSON API (OpenAPI at /docs)."""
    import uvicorn

    from frontdesk.api.app import create_app

    bot = _load_bot(config)
    if ingest_first:
        with _progress("Indexing") as progress:
            report = bot.ingest(progress=progress)
        for failure in report.failed:
            err.print(f"[yellow]skipped[/yellow] {escape(failure.path)}: {escape(failure.reason)}")
    _ = bot.retriever  # load the index before the first customer waits for it
    err.print(
        f"Frontdesk [bold]{escape(bot.config.name)}[/bold] on http://{host}:{port}  "
        f"({len(bot.index)} passages; API docs at /docs)"
    )
    uvicorn.run(create_app(bot), host=host, port=port, log_level="info")


@app.command("eval")
def eval_command(
    testset: Annotated[Path | None, typer.Argument(help="JSON Lines test set (default: evaluation.testset).")] = None,
    config: ConfigOption = DEFAULT_CONFIG,
    as_json: JsonOption = False,
    failures: Annotated[bool, typer.Option(help="List failed cases.")] = True,
) -> None:
    """Run a test set, each case in a fresh conversation; exit 1 when a configured gate is missed."""
    from frontdesk.bot import Bot
    from frontdesk.config import load_config
    from frontdesk.evaluation.runner import missed_gates, run_eval
    from frontdesk.evaluation.testset import load_testset

    bot_config = load_config(config)
    path = testset or (bot_config.resolve(bot_config.evaluation.testset) if bot_config.evaluation.testset else None)
    if path is None:
        raise InvalidInputError("give a test set file, or set evaluation.testset in bot.yaml")
    cases = load_testset(path)
    # Eval conversations go to a throwaway in-memory database, not the bot's transcript store.
    bot = Bot.from_config(bot_config, conversation_database_url="sqlite://")
    with _progress("Indexing", enabled=not as_json) as progress:
        bot.ingest(progress=progress)
    with _progress("Evaluating", enabled=not as_json) as progress:
        report = run_eval(bot.engine, cases, progress=lambda d, t: progress(d, t, ""))
    missed = missed_gates(report, bot_config.evaluation.gates.model_dump())
    if as_json:
        _print_json(report)
    else:
        _show_report(report, failures)
    bot.close()
    for gate in missed:
        err.print(f"[red]gate missed:[/red] {gate}")
    if missed:
        raise typer.Exit(1)


def _show_report(report: dict[str, Any], failures: bool) -> None:
    table = Table(title=f"{report['passed']}/{report['cases']} cases passed")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in report["metrics"].items():
        if value is not None:
            table.add_row(name, json.dumps(value) if isinstance(value, dict) else str(value))
    out.print(table)
    if failures:
        for result in report["results"]:
            if not result["passed"]:
                got = result["got"]
                out.print(
                    f"[red]✗[/red] {escape(result['id'])}: failed {', '.join(result['failed'])} "
                    f"(got {got['decision']}, {got['confidence']}, sources {got['sources'][:3]})"
                )


@sources_app.command("list")
def sources_list(config: ConfigOption = DEFAULT_CONFIG, as_json: JsonOption = False) -> None:
    """Every document known to the bot, with its approval state and version."""
    bot = _load_bot(config)
    documents = bot.knowledge.list_documents(bot.config.name)
    if as_json:
        _print_json(
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

    bot = _load_bot(config)
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


@conversations_app.command("list")
def conversations_list(
    config: ConfigOption = DEFAULT_CONFIG,
    as_json: JsonOption = False,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 20,
) -> None:
    """Recent conversations."""
    bot = _load_bot(config)
    records = bot.conversations.recent(bot.config.name, limit=limit)
    if as_json:
        _print_json(
            [
                {
                    "id": r.id,
                    "status": r.status,
                    "created_at": r.created_at.isoformat(),
                    "updated_at": r.updated_at.isoformat(),
                }
                for r in records
            ]
        )
    else:
        for r in records:
            out.print(f"{r.id}  {r.status:8}  {r.updated_at:%Y-%m-%d %H:%M}")
    bot.close()


@conversations_app.command("show")
def conversations_show(
    conversation_id: str, config: ConfigOption = DEFAULT_CONFIG, as_json: JsonOption = False
) -> None:
    """A conversation with every event: messages, retrieved passages with scores, replies."""
    from frontdesk.errors import NotFoundError

    bot = _load_bot(config)
    record = bot.conversations.get(conversation_id)
    if record is None:
        raise NotFoundError(f"no conversation {conversation_id!r} (see `frontdesk conversations list`)")
    events = bot.conversations.events(conversation_id)
    if as_json:
        _print_json(
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

    _print_json(BotConfig.model_json_schema())


@config_app.command("check")
def config_check(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Validate a bot.yaml and say what it will do."""
    from sqlalchemy.engine import make_url

    from frontdesk.config import load_config

    bot_config = load_config(config)
    database = make_url(bot_config.database_url()).render_as_string(hide_password=True)
    out.print(f"ok: bot {bot_config.name!r}, {len(bot_config.knowledge.sources)} source(s), database {database}")


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
