"""Embedders turn text into unit-length vectors; cosine similarity is then a dot product."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Maps texts to L2-normalised float32 vectors of shape (len(texts), dimension)."""

    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> Vectors: ...
