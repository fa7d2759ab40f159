"""Pick a provider implementation from its config `type`."""

from __future__ import annotations

from frontdesk.config import EmbedderConfig
from frontdesk.providers.embedders import Embedder


def make_embedder(config: EmbedderConfig) -> Embedder:
    if config.type == "minilm":
        from frontdesk.providers.minilm import MiniLMEmbedder

        return MiniLMEmbedder()
    if config.type == "hash":
        from frontdesk.testing.fakes import HashEmbedder

        return HashEmbedder()
    raise AssertionError(f"unknown embedder type {config.type!r}")  # the config model rejects these first
