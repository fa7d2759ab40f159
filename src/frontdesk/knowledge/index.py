"""The searchable snapshot of a bot's approved knowledge: dense vectors and BM25, fused into one ranking."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from frontdesk.knowledge.lexical import BM25Index
from frontdesk.knowledge.terms import terms
from frontdesk.providers.embedders import Vectors


@dataclass(frozen=True)
class IndexedPassage:
    chunk_id: int
    source_id: str
    title: str
    url: str | None
    kind: str  # "article" or "faq"
    heading_path: tuple[str, ...]
    text: str
    document_hash: str
    document_version: int
    answer: str | None = None  # the approved answer, for FAQ entries

    @property
    def context(self) -> str:
        return describe(self.title, self.heading_path)


def describe(title: str, heading_path: Sequence[str]) -> str:
    """Title and headings: what a passage is about, even when its text never says so."""
    return " › ".join([title, *(h for h in heading_path if h != title)])


@dataclass(frozen=True)
class FaqQuestion:
    """One phrasing of a curated FAQ question, pointing at its FAQ passage."""

    passage: int
    text: str


@dataclass(frozen=True)
class Hit:
    passage: IndexedPassage
    score: float  # fused, comparable only within one query
    dense: float  # cosine similarity, in [-1, 1]
    lexical: float  # raw BM25
    coverage: float  # idf-weighted share of the query's terms found in the passage or its headings


@dataclass(frozen=True)
class Ranking:
    hits: list[Hit]
    background: float  # mean cosine of the query to every passage: how "on topic" anything here looks
    unknown: float  # idf-weighted share of the query's terms that no passage contains


class KnowledgeIndex:
    def __init__(
        self,
        passages: Sequence[IndexedPassage],
        vectors: Vectors,
        questions: Sequence[FaqQuestion] = (),
        question_vectors: Vectors | None = None,
    ) -> None:
        if len(passages) != len(vectors):
            raise ValueError("one vector per passage")
        self.passages = list(passages)
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.questions = list(questions)
        dimension = self.vectors.shape[1] if self.vectors.ndim == 2 else 0
        self.question_vectors = (
            np.ascontiguousarray(question_vectors, dtype=np.float32)
            if question_vectors is not None and len(self.questions)
            else np.zeros((0, dimension), dtype=np.float32)
        )
        passage_terms = [terms(f"{p.context}\n{p.text}") for p in self.passages]
        self._term_sets = [frozenset(t) for t in passage_terms]
        self.lexical = BM25Index(passage_terms)

    def __len__(self) -> int:
        return len(self.passages)

    def search(
        self, query: str, query_vector: Vectors, *, top_k: int = 5, dense_weight: float = 0.7, candidates: int = 50
    ) -> Ranking:
        query_terms = terms(query)
        if not self.passages:
            return Ranking([], 0.0, 1.0 if query_terms else 0.0)
        dense = self.vectors @ query_vector
        lexical = self.lexical.scores(query_terms)
        pool = _top(dense, candidates)
        if lexical.max() > 0:
            pool = np.union1d(pool, _top(lexical, candidates))
        fused = dense_weight * _minmax(dense[pool]) + (1 - dense_weight) * _minmax(lexical[pool])
        order = pool[np.argsort(-fused, kind="stable")][:top_k]
        fused_by_id = dict(zip(pool.tolist(), fused.tolist(), strict=True))
        weights = self._query_weights(query_terms)
        hits = [
            Hit(self.passages[i], fused_by_id[i], float(dense[i]), float(lexical[i]), self._coverage(weights, i))
            for i in order.tolist()
        ]
        return Ranking(hits, float(dense.mean()), self._unknown_share(weights))

    def _query_weights(self, query_terms: Sequence[str]) -> dict[str, float]:
        """The idf of each query term that counts for coverage. A number the knowledge never mentions ("80
        people", "6 clinics") is a detail of the customer's situation, not what they ask about."""
        return {
            t: self.lexical.term_idf(t) for t in set(query_terms) if not (t.isdigit() and t not in self.lexical.idf)
        }

    def _unknown_share(self, weights: dict[str, float]) -> float:
        total = sum(weights.values())
        return sum(w for t, w in weights.items() if t not in self.lexical.idf) / total if total else 0.0

    def _coverage(self, weights: dict[str, float], passage: int) -> float:
        total = sum(weights.values())
        return sum(w for t, w in weights.items() if t in self._term_sets[passage]) / total if total else 0.0

    def match_question(self, query_vector: Vectors) -> tuple[FaqQuestion, float] | None:
        """The closest curated FAQ phrasing and its cosine similarity."""
        if not self.questions:
            return None
        similarities = self.question_vectors @ query_vector
        best = int(np.argmax(similarities))
        return self.questions[best], float(similarities[best])


def _top(values: Vectors, k: int) -> np.ndarray:
    if len(values) <= k:
        return np.arange(len(values))
    return np.sort(np.argpartition(-values, k)[:k])


def _minmax(values: Vectors) -> Vectors:
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-9:
        return np.ones_like(values) if high > 0 else np.zeros_like(values)
    return (values - low) / (high - low)
