"""Commands that talk to the bot: ask, chat, serve, eval."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

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
    print_json,
    progress_bar,
)
from frontdesk.errors import InvalidInputError


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
    bot = load_bot(config)
    engine = bot.engine
    _ = bot.retriever  # load the index first, so the turn's recorded latency is the turn's own
    conversation = engine.start(_parse_context(context or []))
    reply = engine.handle_message(conversation.id, text)
    if as_json:
        print_json(reply.as_dict())
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

    bot = load_bot(config)
    engine = bot.engine
    _ = bot.retriever  # load the index first, so the turn's recorded latency is the turn's own
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

    bot = load_bot(config)
    if ingest_first:
        with progress_bar("Indexing") as progress:
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
    with progress_bar("Indexing", enabled=not as_json) as progress:
        bot.ingest(progress=progress)
    with progress_bar("Evaluating", enabled=not as_json) as progress:
        report = run_eval(bot.engine, cases, progress=lambda d, t: progress(d, t, ""))
    missed = missed_gates(report, bot_config.evaluation.gates.model_dump())
    if as_json:
        print_json(report)
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
