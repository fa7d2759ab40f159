"""Retrieval for one query: the fused ranking, the closest curated FAQ, and how confident the evidence is."""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from frontdesk.config import RetrievalConfig
from frontdesk.knowledge.index import FaqQuestion, Hit, KnowledgeIndex, Ranking
from frontdesk.knowledge.synonyms import BUILTIN, expand
from frontdesk.providers.embedders import Embedder, Vectors

# Logistic model of "this passage answers the query", over signals that fail differently: embedding
# similarity (paraphrase-tolerant but generous to on-topic passages that lack the fact), its lift over the
# query's similarity to everything (generic chit-chat is similar to everything), idf-weighted term coverage
# (strict), and the share of the query's terms the knowledge never mentions (names of other products, topics
# the bot has no documents on). Fitted by benchmarks/fit_confidence.py; see docs/benchmarks.md.
SIGNALS = ("dense", "lift", "coverage", "unknown")
WEIGHTS = {"bias": -4.849, "dense": 5.714, "lift": 3.379, "coverage": 3.803, "unknown": -0.86}


@dataclass(frozen=True)
class Evidence:
    asked: str  # the text searched for, before synonym expansion
    query: str
    ranking: Ranking
    confidences: list[float]  # passage_confidence of each hit, in ranking order
    faq: FaqQuestion | None
    faq_similarity: float
    quoted: tuple[str, ...] = ()  # what the message quotes or the error codes it reports (see `quotes`)

    @property
    def hits(self) -> list[Hit]:
        return self.ranking.hits

    @property
    def confidence(self) -> float:
        """In [0, 1]: how well the best of the top 3 passages supports an answer."""
        return max(self.confidences[:3], default=0.0)

    def as_dict(self) -> dict[str, object]:
        return {
            "query": self.query,
            "confidence": round(self.confidence, 4),
            "background": round(self.ranking.background, 4),
            "unknown": round(self.ranking.unknown, 4),
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
                    "sentence": round(h.sentence, 4),
                    "lexical": round(h.lexical, 4),
                    "coverage": round(h.coverage, 4),
                    "confidence": round(confidence, 4),
                    "text": h.passage.text,
                }
                for h, confidence in zip(self.hits, self.confidences, strict=True)
            ],
        }


def signals(hit: Hit, ranking: Ranking) -> dict[str, float]:
    return {
        "dense": hit.dense,
        "lift": hit.dense - ranking.background,
        "coverage": hit.coverage,
        "unknown": ranking.unknown,
    }


def passage_confidence(hit: Hit, ranking: Ranking, weights: dict[str, float] = WEIGHTS) -> float:
    values = signals(hit, ranking)
    z = weights["bias"] + sum(weights[name] * values[name] for name in SIGNALS)
    return 1.0 / (1.0 + math.exp(-z))


# A message quoting what the product said ("keeps saying 'pay period not found'", "getting 429 errors"): the
# passage that has those words or that error code verbatim is the one about it, so among the first few it goes
# first, and it is at least fairly confident (VERBATIM_CONFIDENCE) however casual the rest of the message is.
# Quotes are six characters or more, so a quoted label like 'OK' does not count; codes are HTTP client errors
# (4xx) said as errors, the ones API documentation explains.
_QUOTED = re.compile(r"(?:^|(?<=[\s:(]))[\"“'‘]([^\"”'’]{6,80})[\"”'’]")
_ERROR_CODE = re.compile(
    r"\b(4\d\d)\b(?=\W+(?:\w+\W+)?(?:errors?|responses?|status|codes?)\b)"
    r"|\b(?:errors?|status|code|returns?|returning|returned|throws?|throwing|responds? with)\W+(?:\w+\W+)?(4\d\d)\b",
    re.IGNORECASE,
)
QUOTE_REACH = 5  # how far down the ranking a passage with the quoted words is brought up from
VERBATIM_CONFIDENCE = 0.6


def quotes(asked: str) -> list[str]:
    """What the message quotes, and the error codes it reports, lower-cased."""
    codes = [m.group(1) or m.group(2) for m in _ERROR_CODE.finditer(asked)]
    return [m.group(1).lower() for m in _QUOTED.finditer(asked)] + list(dict.fromkeys(codes))


def holds_quote(hit: Hit, quoted: Sequence[str]) -> bool:
    text = hit.passage.text.lower()
    return any(re.search(rf"(?<!\w){re.escape(q)}(?!\w)", text) for q in quoted)


def quoted_first(ranking: Ranking, quoted: Sequence[str]) -> Ranking:
    if not quoted:
        return ranking
    head, tail = ranking.hits[:QUOTE_REACH], ranking.hits[QUOTE_REACH:]
    quoting = [h for h in head if holds_quote(h, quoted)]
    if not quoting or quoting[0] is head[0]:
        return ranking
    return replace(ranking, hits=[*quoting, *(h for h in head if all(h is not q for q in quoting)), *tail])


def _confidences(ranking: Ranking, quoted: Sequence[str]) -> list[float]:
    return [
        max(c, VERBATIM_CONFIDENCE) if quoted and rank < QUOTE_REACH and holds_quote(h, quoted) else c
        for rank, (h, c) in enumerate((h, passage_confidence(h, ranking)) for h in ranking.hits)
    ]


CACHED_QUERIES = 2048  # query vectors kept, least recently used dropped first


class Retriever:
    def __init__(self, index: KnowledgeIndex, embedder: Embedder, config: RetrievalConfig) -> None:
        self.index = index
        self.embedder = embedder
        self.config = config
        self._cache: OrderedDict[str, Vectors] = OrderedDict()
        self.synonyms = [*config.synonyms, *(BUILTIN if config.builtin_synonyms else ())]

    def embed_query(self, query: str) -> Vectors:
        vector = self._cache.get(query)
        if vector is None:
            vector = self.embedder.embed([query])[0]
            self._remember([query], [vector])
        else:
            self._cache.move_to_end(query)
        return vector

    def prefetch(self, asked: Sequence[str]) -> None:
        """Embed in one call every text a turn may search for: the embedder's cost is mostly reading its
        weights, so two texts in one batch cost far less than two calls (about 23 against 38 ms here)."""
        queries = [q for q in dict.fromkeys(expand(a, self.synonyms) for a in asked) if q not in self._cache]
        if len(queries) < 2:
            return
        self._remember(queries, list(self.embedder.embed(queries)))

    def _remember(self, queries: Sequence[str], vectors: Sequence[Vectors]) -> None:
        for query, vector in zip(queries, vectors, strict=True):
            self._cache[query] = vector
        while len(self._cache) > CACHED_QUERIES:
            self._cache.popitem(last=False)

    def query_vector(self, asked: str) -> Vectors:
        """The vector `retrieve(asked)` searches with (cached): understanding reads the same one, so a turn
        embeds its message once."""
        return self.embed_query(expand(asked, self.synonyms))

    def retrieve(self, asked: str) -> Evidence:
        query = expand(asked, self.synonyms)
        vector = self.embed_query(query)
        ranking = self.index.search(query, vector, top_k=self.config.top_k, dense_weight=self.config.dense_weight)
        quoted = tuple(quotes(asked))
        ranking = quoted_first(ranking, quoted)
        match = self.index.match_question(vector)
        faq, similarity = match if match else (None, 0.0)
        return Evidence(
            asked=asked,
            query=query,
            ranking=ranking,
            confidences=_confidences(ranking, quoted),
            faq=faq,
            faq_similarity=similarity,
            quoted=quoted,
        )
