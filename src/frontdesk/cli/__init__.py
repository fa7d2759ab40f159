"""The `frontdesk` command line."""

# Importing the command modules registers their commands, in the order `frontdesk --help` lists them.
from frontdesk.cli import knowledge  # noqa: I001
from frontdesk.cli import agents, answers, inspect
from frontdesk.cli.app import app, main

__all__ = ["agents", "answers", "app", "inspect", "knowledge", "main"]
