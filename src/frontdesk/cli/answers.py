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
    prepare_understanding,
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
    prepare_understanding(bot, quiet=True)
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
    if reply.text:
        out.print(escape(reply.text))
    handoff = reply.escalation or {}
    if handoff.get("status") == "assigned":
        out.print("[dim](a person holds this conversation: your message was passed on; they reply in the inbox)[/dim]")
    detail = f"confidence {reply.confidence:.2f}, {reply.latency_ms:.0f} ms"
    if handoff.get("team"):
        reasons = ", ".join(handoff.get("reasons") or []) or "waiting"
        detail = f"{reasons} → {handoff['team']} ({handoff.get('status')}), {detail}"
    out.print(f"[{colour}]{reply.decision}[/{colour}] [dim]{escape(detail)}[/dim]")
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
    prepare_understanding(bot, quiet=True)
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
    _ = bot.retriever  # load the index and the intent model before the first customer waits for them
    prepare_understanding(bot)
    err.print(
        f"Frontdesk [bold]{escape(bot.config.name)}[/bold] on http://{host}:{port}  "
        f"({len(bot.index)} passages; API docs at /docs)"
    )
    # Live streams stay open for as long as a page is; on shutdown they are cut after a few seconds (pages
    # reconnect, resuming after the last event they saw) instead of holding the restart up.
    uvicorn.run(create_app(bot), host=host, port=port, log_level="info", timeout_graceful_shutdown=3)


@app.command("eval")
def eval_command(
    testset: Annotated[Path | None, typer.Argument(help="JSON Lines test set (default: evaluation.testset).")] = None,
    config: ConfigOption = DEFAULT_CONFIG,
    as_json: JsonOption = False,
    failures: Annotated[bool, typer.Option(help="List failed cases.")] = True,
    calibrate: Annotated[
        bool,
        typer.Option(
            "--calibrate",
            help="Choose answer.threshold and intents.threshold from this test set and write them to bot.yaml.",
        ),
    ] = False,
    target_precision: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="With --calibrate: the precision the chosen thresholds must reach.")
    ] = 0.9,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="With --calibrate: report, do not write bot.yaml.")
    ] = False,
) -> None:
    """Run a test set, each case in a fresh conversation; exit 1 when a configured gate is missed.

    With --calibrate, the cases run once with the thresholds open and the report shows precision and coverage at
    each threshold; the lowest threshold that reaches --target-precision is written to bot.yaml."""
    from frontdesk.bot import Bot
    from frontdesk.config import load_config
    from frontdesk.evaluation.runner import missed_gates, run_eval
    from frontdesk.evaluation.testset import load_testset

    bot_config = load_config(config)
    path = testset or (bot_config.resolve(bot_config.evaluation.testset) if bot_config.evaluation.testset else None)
    if path is None:
        raise InvalidInputError("give a test set file, or set evaluation.testset in bot.yaml")
    cases = load_testset(path)
    if calibrate:
        bot_config = _open_thresholds(bot_config)
    # Eval conversations go to a throwaway in-memory database, not the bot's transcript store.
    bot = Bot.from_config(bot_config, conversation_database_url="sqlite://")
    with progress_bar("Indexing", enabled=not as_json) as progress:
        bot.ingest(progress=progress)
    prepare_understanding(bot, quiet=as_json)
    with progress_bar("Evaluating", enabled=not as_json) as progress:
        report = run_eval(bot.engine, cases, progress=lambda d, t: progress(d, t, ""))
    if calibrate:
        bot.close()
        _calibrate(config, cases, report, target_precision, dry_run=dry_run, as_json=as_json)
        return
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


def _open_thresholds(config: Any) -> Any:
    """The config with both thresholds at 0, so every reply records the score its decision hangs on."""
    from frontdesk.config import BotConfig

    assert isinstance(config, BotConfig)
    opened = config.model_copy(
        update={
            "answer": config.answer.model_copy(update={"threshold": 0.0}),
            "intents": config.intents.model_copy(update={"threshold": 0.0}),
        }
    )
    opened.base_dir = config.base_dir
    return opened


def _calibrate(
    config: Path, cases: list[Any], report: dict[str, Any], target: float, *, dry_run: bool, as_json: bool
) -> None:
    from frontdesk.config import write_settings
    from frontdesk.evaluation.calibration import calibrate_answers, calibrate_intents

    results = report["results"]
    found = [c for c in (calibrate_answers(cases, results, target), calibrate_intents(cases, results, target)) if c]
    if not found:
        raise InvalidInputError(
            "nothing to calibrate: the test set needs cases that expect `answer`/`fallback` decisions or intents"
        )
    chosen = {c.name: c.chosen.threshold for c in found if c.chosen is not None}
    if chosen and not dry_run:
        write_settings(config, chosen)
    if as_json:
        print_json({"calibration": [c.as_dict() for c in found], "written": not dry_run and bool(chosen)})
        return
    for calibration in found:
        table = Table(title=f"{calibration.name} (target precision {calibration.target})")
        for column in ("threshold", "precision", "coverage", "handled"):
            table.add_column(column, justify="right")
        for point in calibration.curve:
            mark = " ◀" if point == calibration.chosen else ""
            table.add_row(
                f"{point.threshold:.2f}{mark}",
                "-" if point.precision is None else f"{point.precision:.3f}",
                "-" if point.coverage is None else f"{point.coverage:.3f}",
                str(point.handled),
            )
        out.print(table)
        if not calibration.reached:
            err.print(
                f"[yellow]{calibration.name}: no threshold reaches precision {calibration.target}; "
                "chose the most precise one. Add knowledge or examples, or lower --target-precision.[/yellow]"
            )
    verb = "would set" if dry_run else "set"
    for name, value in chosen.items():
        out.print(f"{verb} {name}: {value} in {config}")
