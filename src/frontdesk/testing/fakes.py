"""Fast, deterministic stand-ins for the real providers, for tests and demos that must not load a model."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from frontdesk.providers.embedders import Vectors

__all__ = ["HashEmbedder", "KeywordDetector"]

_WORD = re.compile(r"\w+")
_TRIGRAM_WEIGHT = 0.5  # whole words dominate; trigrams make "refund" and "refunds" overlap
_NO_FEATURES = "\x00empty"  # the one feature of a text without any word characters


class HashEmbedder:
    """Feature-hashing embedder: lowercase words plus their character trigrams, hashed into `dimension` buckets.

    Texts that share words (or word stems) get a high cosine similarity, unrelated texts one near 0. Vectors are
    L2-normalised float32 and identical across processes and platforms (blake2b, not Python's salted `hash`).
    A text with no word characters maps to one fixed unit vector, so there is never a zero row or a NaN.
    """

    def __init__(self, dimension: int = 384, *, name: str = "hash") -> None:
        if dimension < 2:
            raise ValueError("dimension must be at least 2")
        self.name: str = name
        self.dimension: int = dimension

    def embed(self, texts: Sequence[str]) -> Vectors:
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts, not a single string")
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            buckets: dict[int, float] = {}  # summed in Python: per-element NumPy writes are far slower
            for feature, weight in _features(text):
                bucket, sign = self._slot(feature)
                buckets[bucket] = buckets.get(bucket, 0.0) + sign * weight
            vector = out[row]
            vector[list(buckets)] = list(buckets.values())
            norm = float(np.linalg.norm(vector))
            if norm > 0.0:
                vector /= norm
            else:  # no features, or colliding signs cancelled out
                vector[:] = 0.0
                bucket, sign = self._slot(_NO_FEATURES)
                vector[bucket] = sign
        return out

    def _slot(self, feature: str) -> tuple[int, float]:
        value = _hash(feature)
        # Random signs keep collisions from adding up, so unrelated texts stay near 0 rather than positive.
        return value % self.dimension, 1.0 if value >> 63 else -1.0


@lru_cache(maxsize=1 << 16)
def _hash(feature: str) -> int:
    return int.from_bytes(hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest(), "little")


def _features(text: str) -> list[tuple[str, float]]:
    features: list[tuple[str, float]] = []
    for word in _WORD.findall(text.lower()):
        features.append(("w:" + word, 1.0))
        padded = f"#{word}#"
        features.extend(("c:" + padded[i : i + 3], _TRIGRAM_WEIGHT) for i in range(len(padded) - 2))
    return features


class KeywordDetector:
    """An escalation detector that fires a reason when one of its phrases is in the message (no model):
    for tests of the escalation flow, and for plugin authors' tests of their own rules."""

    def __init__(self, phrases: Mapping[str, Sequence[str]], *, as_model: bool = False) -> None:
        """`as_model`: report the evidence as a model's guess ("model 1.00"), not as a rule phrase, to test
        what the policy does with model-only signals (a confident answer may come first)."""
        self.phrases = {reason: [p.lower() for p in values] for reason, values in phrases.items()}
        self.as_model = as_model

    def detect(
        self,
        text: str,
        vector: Any,
        *,
        sentiment: Any,
        frustration: Any,
        context: Mapping[str, Any],
        lead: Any,
        thresholds: Mapping[str, float] | None,
        disabled: Collection[str],
    ) -> list[Any]:
        from frontdesk.escalation.signals import Signal

        lowered = text.lower()
        found = []
        for reason, phrases in self.phrases.items():
            hit = next((p for p in phrases if p in lowered), None)
            if hit is not None and reason not in disabled:
                found.append(Signal(reason, 1.0, "model 1.00" if self.as_model else f"phrase {hit!r}"))
        return found
