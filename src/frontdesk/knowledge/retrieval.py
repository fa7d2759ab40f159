"""Retrieval for one query: the fused ranking, the closest curated FAQ, and how confident the evidence is."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from frontdesk.config import RetrievalConfig
from frontdesk.knowledge.index import FaqQuestion, Hit, KnowledgeIndex
from frontdesk.providers.embedders import Embedder, Vectors


@dataclass(frozen=True)
class Evidence:
    query: str
    hits: list[Hit]
    faq: FaqQuestion | None
    faq_similarity: float
    confidence: float  # in [0, 1]: how well the best passage supports an answer

    def as_dict(self) -> dict[str, object]:
        return {
            "query": self.query,
            "confidence": round(self.confidence, 4),
            "passages": [
                {
                    "chunk_id": h.passage.chunk_id,
                    "source": h.passage.source_id,
                    "title": h.passage.title,
                    "heading_path": list(h.passage.heading_path),
                    "document_hash": h.passage.document_hash,
                    "document_version": h.passage.document_version,
                    "score": round(h.score, 4),
                    "dense": round(h.dense, 4),
                    "lexical": round(h.lexical, 4),
                    "coverage": round(h.coverage, 4),
                    "text": h.passage.text,
                }
                for h in self.hits
            ],
        }


def passage_confidence(hit: Hit) -> float:
    """Absolute support of one passage for the query, from two signals that fail differently: embedding
    similarity (paraphrase-tolerant, but generous to on-topic passages that lack the fact) and idf-weighted
    term coverage (strict, and it drops when the query names something the knowledge never mentions)."""
    dense = min(max((hit.dense - 0.2) / 0.5, 0.0), 1.0)
    return min(max(0.55 * dense + 0.45 * hit.coverage, 0.0), 1.0)


class Retriever:
    def __init__(self, index: KnowledgeIndex, embedder: Embedder, config: RetrievalConfig) -> None:
        self.index = index
        self.embedder = embedder
        self.config = config
        self._cache: OrderedDict[str, Vectors] = OrderedDict()

    def embed_query(self, query: str) -> Vectors:
        vector = self._cache.get(query)
        if vector is None:
            vector = self.embedder.embed([query])[0]
            self._cache[query] = vector
            if len(self._cache) > 2048:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(query)
        return vector

    def retrieve(self, query: str) -> Evidence:
        vector = self.embed_query(query)
        hits = self.index.search(query, vector, top_k=self.config.top_k, dense_weight=self.config.dense_weight)
        match = self.index.match_question(vector)
        faq, similarity = match if match else (None, 0.0)
        confidence = max((passage_confidence(h) for h in hits[:3]), default=0.0)
        return Evidence(query=query, hits=hits, faq=faq, faq_similarity=similarity, confidence=confidence)
