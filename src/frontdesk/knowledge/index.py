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
    dense: float  # cosine similarity of the passage's own vector, in [-1, 1]
    lexical: float  # raw BM25
    coverage: float  # idf-weighted share of the query's terms found in the passage or its headings
    sentence: float = 0.0  # cosine of its best window (knowledge/windows.py); `dense` when it has none


@dataclass(frozen=True)
class Ranking:
    hits: list[Hit]
    background: float  # mean cosine of the query to every passage (its own vector): how "on topic" anything looks
    unknown: float  # idf-weighted share of the query's terms that no passage contains


# A passage's dense score in the ranking: this much of its best window's cosine (see knowledge/windows.py), the
# rest its own. Confidence reads the passage's own cosine (`Hit.dense`), as the answer-confidence model was fitted.
WINDOW_WEIGHT = 0.5
# Windows are scored for a shortlist only (the passages closest by their own vector, and the lexical pool). With
# about five windows per chunk, scoring them all would cost five full scans a query; the shortlist adds ~1.5 ms at
# 10k chunks, and ranking the top 30 or 100 this way measured the same as scoring every window.
WINDOW_SHORTLIST = 100


class KnowledgeIndex:
    def __init__(
        self,
        passages: Sequence[IndexedPassage],
        vectors: Vectors,
        questions: Sequence[FaqQuestion] = (),
        question_vectors: Vectors | None = None,
        windows: Sequence[Vectors] | None = None,
    ) -> None:
        """`windows`: each passage's window vectors, (windows, dimension), empty for a passage without windows
        (one sentence, or indexed before windows existed): its own vector stands in for its best window."""
        if len(passages) != len(vectors):
            raise ValueError("one vector per passage")
        if windows is not None and len(windows) != len(passages):
            raise ValueError("one (possibly empty) array of window vectors per passage")
        self.passages = list(passages)
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.questions = list(questions)
        dimension = self.vectors.shape[1] if self.vectors.ndim == 2 else 0
        counts = np.array([len(w) for w in windows or ()], dtype=np.int64)
        # Half precision: about five windows per chunk would otherwise take five times the passages' memory, and
        # a cosine moves by less than 1e-3. Only the shortlist's rows are widened back, per query.
        self.window_vectors = (
            np.ascontiguousarray(np.concatenate([w for w in windows if len(w)]), dtype=np.float16)
            if windows is not None and counts.sum()
            else np.zeros((0, dimension), dtype=np.float16)
        )
        self._window_counts = counts if windows is not None else np.zeros(len(self.passages), dtype=np.int64)
        self._window_starts = np.cumsum(self._window_counts) - self._window_counts  # each passage's first row
        self._positions = {passage.chunk_id: i for i, passage in enumerate(self.passages)}
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
        lexical = self.lexical.scores(query_terms)
        lexical_pool = _top(lexical, candidates) if lexical.max() > 0 else None
        own, sentence = self._similarities(query_vector, lexical_pool)
        dense = (1 - WINDOW_WEIGHT) * own + WINDOW_WEIGHT * sentence
        pool = _top(dense, candidates)
        if lexical_pool is not None:
            pool = np.union1d(pool, lexical_pool)
        fused = dense_weight * _minmax(dense[pool]) + (1 - dense_weight) * _minmax(lexical[pool])
        order = pool[np.argsort(-fused, kind="stable")][:top_k]
        fused_by_id = dict(zip(pool.tolist(), fused.tolist(), strict=True))
        weights = self._query_weights(query_terms)
        hits = [
            Hit(
                self.passages[i],
                fused_by_id[i],
                float(own[i]),
                float(lexical[i]),
                self._coverage(weights, i),
                float(sentence[i]),
            )
            for i in order.tolist()
        ]
        return Ranking(hits, float(own.mean()), self._unknown_share(weights))

    def dense(self, query_vector: Vectors) -> Vectors:
        """Each passage's similarity to the query as the ranking uses it: its own cosine blended with its best
        window's (for the shortlist; the others keep their own). Mean pooling over a long passage dilutes the one
        sentence that answers; the window keeps it."""
        own, sentence = self._similarities(query_vector, None)
        return np.asarray((1 - WINDOW_WEIGHT) * own + WINDOW_WEIGHT * sentence, dtype=np.float32)

    def window_similarities(self, chunk_id: int, query_vector: Vectors) -> list[float]:
        """The query's cosine to each window of one passage, in the order of `windows.windows(text)`; empty for a
        passage without windows. The composer picks the sentence that answers with it."""
        position = self._positions.get(chunk_id)
        if position is None or not self._window_counts[position]:
            return []
        start = int(self._window_starts[position])
        rows = self.window_vectors[start : start + int(self._window_counts[position])].astype(np.float32)
        return [float(x) for x in rows @ query_vector]

    def _similarities(self, query_vector: Vectors, also: np.ndarray | None) -> tuple[Vectors, Vectors]:
        """Every passage's own cosine, and its best window's: scored for the shortlist (and `also`), the
        passage's own cosine elsewhere."""
        own = self.vectors @ query_vector
        if not len(self.window_vectors):
            return own, own
        chosen = _top(own, WINDOW_SHORTLIST)
        if also is not None:
            chosen = np.union1d(chosen, also)
        chosen = chosen[self._window_counts[chosen] > 0]
        counts = self._window_counts[chosen]
        firsts = np.cumsum(counts) - counts  # where each chosen passage's windows start among the gathered rows
        rows = np.repeat(self._window_starts[chosen] - firsts, counts) + np.arange(int(counts.sum()))
        best = own.copy()
        if len(rows):
            similarities = self.window_vectors[rows].astype(np.float32) @ query_vector
            best[chosen] = np.maximum.reduceat(similarities, firsts)
        return own, best

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
