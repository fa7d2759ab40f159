"""Pick a provider implementation from its config `type`."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from frontdesk.config import EmbedderConfig
from frontdesk.providers.embedders import Embedder

if TYPE_CHECKING:
    from frontdesk.providers.minilm import MiniLMEmbedder


def make_embedder(config: EmbedderConfig) -> Embedder:
    if config.type == "minilm":
        from frontdesk.providers.minilm import MiniLMEmbedder

        return MiniLMEmbedder()
    if config.type == "hash":
        from frontdesk.testing.fakes import HashEmbedder

        return HashEmbedder()
    raise AssertionError(f"unknown embedder type {config.type!r}")  # the config model rejects these first


@cache
def shared_minilm() -> MiniLMEmbedder:
    """One bundled MiniLM per process, for the parts that need its vectors whatever the bot's embedder."""
    from frontdesk.providers.minilm import MiniLMEmbedder

    return MiniLMEmbedder()
