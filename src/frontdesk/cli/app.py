"""The `frontdesk` app, its shared options and helpers. Commands live in the modules beside this one."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from frontdesk import __version__
from frontdesk.errors import FrontdeskError

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
agents_app = typer.Typer(
    help="People who take over conversations in the inbox, and their API tokens.", no_args_is_help=True
)
app.add_typer(conversations_app, name="conversations")
app.add_typer(agents_app, name="agents")
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
    # One BLAS thread per process: the embedder's small matrix products gain nothing from a second thread, and
    # two threads collapse (5-15x slower) when the machine is busy. Set OPENBLAS_NUM_THREADS to override.
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
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


def load_bot(config_path: Path) -> Any:
    from frontdesk.bot import Bot
    from frontdesk.config import load_config

    return Bot.from_config(load_config(config_path))


@contextmanager
def progress_bar(label: str, enabled: bool = True) -> Iterator[Callable[[int, int, str], None]]:
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


def prepare_understanding(bot: Any, *, quiet: bool = False) -> dict[str, Any] | None:
    """Load (or fit, with a status line) the intent model before the first customer waits for it; a summary
    for the command's output, or None when the bot declares no intents."""
    if bot.config.intents.examples is None:
        return None
    started = time.perf_counter()
    if quiet:
        reader = bot.reader
    else:
        with err.status("Loading intents (fitting them when the examples changed)"):
            reader = bot.reader
    model = reader.intents
    assert model is not None
    return {
        "intents": len(model.intents),
        "out_of_scope_examples": "out_of_scope" in model.labels,
        "fitted": bot.intents_fitted,
        "seconds": round(time.perf_counter() - started, 2),
    }


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
