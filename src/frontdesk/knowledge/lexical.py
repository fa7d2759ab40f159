"""BM25 over an in-memory inverted index.

Hand-written on purpose (about forty lines of NumPy): fusion needs the exact score of every passage,
not a top-k list, and the same term function (`terms.terms`) must feed the index, the confidence
features and the composer.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Scores = npt.NDArray[np.float32]


class BM25Index:
    def __init__(self, documents: Sequence[Sequence[str]], *, k1: float = 1.2, b: float = 0.75) -> None:
        self.size = len(documents)
        lengths = np.array([len(doc) for doc in documents], dtype=np.float32)
        average = float(lengths.mean()) if self.size else 1.0
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for doc_id, doc in enumerate(documents):
            norm = k1 * (1 - b + b * lengths[doc_id] / max(average, 1.0))
            for term, tf in Counter(doc).items():
                ids, weights = postings.setdefault(term, ([], []))
                ids.append(doc_id)
                weights.append(tf * (k1 + 1) / (tf + norm))
        self._postings: dict[str, tuple[npt.NDArray[np.int64], Scores]] = {}
        self.idf: dict[str, float] = {}
        for term, (ids, weights) in postings.items():
            idf = math.log(1 + (self.size - len(ids) + 0.5) / (len(ids) + 0.5))
            self.idf[term] = idf
            self._postings[term] = (np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float32) * idf)
        # A term never seen is as rare as it gets: it counts fully against coverage of a query.
        self.max_idf = math.log(1 + (self.size + 0.5) / 0.5)

    def scores(self, query_terms: Sequence[str]) -> Scores:
        result = np.zeros(self.size, dtype=np.float32)
        for term in set(query_terms):
            posting = self._postings.get(term)
            if posting is not None:
                result[posting[0]] += posting[1]
        return result

    def term_idf(self, term: str) -> float:
        return self.idf.get(term, self.max_idf)
