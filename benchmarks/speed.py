"""Speed: turn latency at several knowledge sizes, ingestion rate and embedding throughput, with BM25-only and
dense-only baselines run in the same process. No LLM. Prints one JSON object; progress goes to stderr.

    .venv/bin/python benchmarks/speed.py [--sizes 1000,10000,100000] [--queries 200] [--scratch DIR]

Chunk vectors come from the real MiniLM embedder and are cached in the scratch folder, keyed by a hash of each text,
so only the first run at a size pays for embedding it (and a change to the chunker only re-embeds what it changed).
`--warm-cache [--shard K/N]` fills that cache and exits: run N of them niced in the background on a cold machine.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import hashlib
import itertools
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus

from frontdesk.config import BotConfig, DirectorySource, KnowledgeConfig, RetrievalConfig
from frontdesk.conversation.engine import ConversationEngine
from frontdesk.knowledge.index import FaqQuestion, IndexedPassage, KnowledgeIndex
from frontdesk.knowledge.ingest import ingest_sources
from frontdesk.knowledge.lexical import BM25Index
from frontdesk.knowledge.retrieval import Evidence, Retriever
from frontdesk.knowledge.terms import terms
from frontdesk.providers.embedders import Embedder, Vectors
from frontdesk.providers.minilm import MiniLMEmbedder
from frontdesk.storage.conversation_store import SqlConversationStore
from frontdesk.storage.database import open_database
from frontdesk.storage.knowledge_store import SqlKnowledgeStore
from frontdesk.understanding.reader import Reader

VARIANTS = {"hybrid": 0.7, "bm25_only": 0.0, "dense_only": 1.0}
BLOCK = 1000  # texts per cached vector file; the default sizes are multiples, so every block is shared
BOT = "speed"
NOTES = [
    "turn_ms: wall time of ConversationEngine.handle_message, SQLite event reads and writes included; no LLM.",
    "The variants differ only in dense_weight: each one embeds the query and runs both scorers, so their costs match."
    " bm25_scorer / dense_scorer are the scorers alone: what a retriever without the other half would spend.",
    "query_embedding_ms per turn adds up every embedding in the turn: a later message that finds nothing alone is"
    " searched again with the previous question (see turns_by_retrieval_count).",
    "Percentiles are nearest-rank over the measured turns; variants alternate query by query, in rotating order.",
    "The machine is shared: see load averages and each phase's cpu_s / wall_s (about 2 means both cores were ours).",
]


class Blas:
    """OpenBLAS's thread count, read and set at run time through the library NumPy loaded (None if not found).

    Under CPU contention OpenBLAS's multi-threaded GEMMs lose badly, and its idle worker threads spin on the
    core the rest of the turn needs, so the benchmark reports (and can change) the setting."""

    def __init__(self) -> None:
        self._get: Any = None
        self._set: Any = None
        for path in sorted((Path(np.__file__).parent.parent / "numpy.libs").glob("*openblas*")):
            library = ctypes.CDLL(str(path))  # already loaded by NumPy: same handle, same global state
            for prefix, suffix in (
                ("scipy_openblas", "64_"),
                ("scipy_openblas", ""),
                ("openblas", "64_"),
                ("openblas", ""),
            ):
                getter = getattr(library, f"{prefix}_get_num_threads{suffix}", None)
                setter = getattr(library, f"{prefix}_set_num_threads{suffix}", None)
                if getter is not None and setter is not None:
                    self._get, self._set = getter, setter
                    return

    @property
    def threads(self) -> int | None:
        return int(self._get()) if self._get is not None else None

    @threads.setter
    def threads(self, count: int) -> None:
        if self._set is None:
            raise RuntimeError("cannot find OpenBLAS to set its thread count")
        self._set(ctypes.c_int(count))


BLAS = Blas()


def log(message: str) -> None:
    print(f"[speed {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux reports KiB


def rss_mb() -> float | None:
    """Current resident memory (Linux), after a full collection so freed objects do not count."""
    gc.collect()
    try:
        return round(int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)
    except (OSError, ValueError):
        return None


def summary(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {}

    def pct(p: float) -> float:  # nearest-rank percentile: an observed value, never an interpolation
        return ordered[min(len(ordered) - 1, max(0, int(np.ceil(p / 100 * len(ordered))) - 1))]

    return {
        "n": len(ordered),
        "p50": round(pct(50), 2),
        "p95": round(pct(95), 2),
        "p99": round(pct(99), 2),
        "mean": round(statistics.fmean(ordered), 2),
        "max": round(ordered[-1], 2),
    }


def ratio(ours: float | None, base: float | None) -> float | None:
    return round(ours / base, 3) if ours and base else None


@dataclass
class Phase:
    """Wall and CPU time of a phase: CPU well below wall for single-threaded work means other processes
    were taking the cores (the machine is shared)."""

    name: str
    wall: float = 0.0
    cpu: float = 0.0
    load: list[float] = field(default_factory=list)

    def __enter__(self) -> Phase:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu
        self.load = load_average()

    def as_dict(self) -> dict[str, Any]:
        return {"wall_s": round(self.wall, 2), "cpu_s": round(self.cpu, 2), "load_after": self.load}


# --- chunk vectors, cached -------------------------------------------------------------------------------------


def cached_embed(
    embedder: Embedder, texts: Sequence[str], cache: Path, shard: tuple[int, int] = (0, 1)
) -> tuple[Vectors, dict[str, Any]]:
    """Vectors for `texts` from a cache keyed by a hash of each text: files of up to BLOCK vectors, each written as
    soon as it is embedded (an interrupted cold run keeps its progress). With shard (k, n) only the texts whose key
    is k modulo n are embedded, so n processes can fill the cache together; the other rows stay zero."""
    cache.mkdir(parents=True, exist_ok=True)
    keys = [hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()[:16] for text in texts]
    rows: dict[bytes, list[int]] = {}
    for row, key in enumerate(keys):
        rows.setdefault(key, []).append(row)
    out = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    missing = dict(rows)
    for path in sorted(cache.glob("*.npz")):
        with np.load(path) as stored:
            # Raw bytes, not .tolist(): NumPy strips trailing NUL bytes from "S" strings, which would lose digests.
            raw = stored["keys"].view(np.uint8).tobytes()
            for row, vector in enumerate(stored["vectors"]):
                key = raw[row * 16 : row * 16 + 16]
                if key in missing:
                    out[missing.pop(key)] = vector
    # Unique missing texts in corpus order; a shard takes texts by key, so shards started at different times (and
    # so seeing different caches) still split the work without gaps.
    todo = [(key, where[0]) for key, where in missing.items() if key[0] % shard[1] == shard[0]]
    computed = 0
    seconds = 0.0
    for start in range(0, len(todo), BLOCK):
        block = todo[start : start + BLOCK]
        began = time.perf_counter()
        vectors = embedder.embed([texts[row] for _, row in block])
        seconds += time.perf_counter() - began
        computed += len(block)
        block_keys = np.frombuffer(b"".join(key for key, _ in block), dtype=np.uint8).reshape(len(block), 16)
        name = hashlib.sha256(block_keys.tobytes()).hexdigest()[:24]
        np.savez(cache / f"{name}.tmp.npz", keys=block_keys, vectors=vectors)
        (cache / f"{name}.tmp.npz").replace(cache / f"{name}.npz")
        for (key, _), vector in zip(block, vectors, strict=True):
            out[rows[key]] = vector
        log(f"embedded {computed}/{len(todo)} missing texts ({computed / seconds:.1f}/s)")
    stats = {
        "texts": len(texts),
        "cached": len(texts) - sum(len(missing[k]) for k in missing),
        "embedded_now": computed,
        "embedding_s": round(seconds, 1),
    }
    return out, stats


def corpus_vectors(
    embedder: Embedder, chunks: Sequence[corpus.CorpusChunk], scratch: Path, shard: tuple[int, int] = (0, 1)
) -> tuple[Vectors, list[Vectors], list[str], Vectors, dict[str, Any]]:
    """Passage vectors, each passage's window vectors, and the FAQ phrasings (unique, in order of first use) with
    theirs."""
    cache = scratch / "vectors" / f"{embedder.name}-{embedder.dimension}"
    passage_vectors, passage_stats = cached_embed(embedder, [c.embedding_text for c in chunks], cache, shard)
    window_lists = [c.window_texts for c in chunks]
    flat, window_stats = cached_embed(embedder, [t for texts in window_lists for t in texts], cache, shard)
    bounds = np.cumsum([0, *(len(texts) for texts in window_lists)])
    windows = [flat[start:end] for start, end in itertools.pairwise(bounds)]
    questions = list(dict.fromkeys(c.question for c in chunks if c.question))
    question_vectors, question_stats = cached_embed(embedder, questions, cache, shard)
    stats = {"passages": passage_stats, "windows": window_stats, "faq_questions": question_stats}
    return passage_vectors, windows, questions, question_vectors, stats


def build_index(
    chunks: Sequence[corpus.CorpusChunk],
    vectors: Vectors,
    windows: Sequence[Vectors],
    questions: list[str],
    question_vectors: Vectors,
) -> KnowledgeIndex:
    passages = [
        IndexedPassage(
            chunk_id=number + 1,
            source_id=c.source_id,
            title=c.title,
            url=None,
            kind=c.kind,
            heading_path=c.heading_path,
            text=c.text,
            document_hash=hashlib.sha256(c.text.encode()).hexdigest(),
            document_version=1,
            answer=c.answer,
        )
        for number, c in enumerate(chunks)
    ]
    row_of = {q: i for i, q in enumerate(questions)}
    faq = [(number, row_of[c.question]) for number, c in enumerate(chunks) if c.question]
    faq_questions = [FaqQuestion(passage=number, text=chunks[number].question or "") for number, _ in faq]
    faq_vectors = question_vectors[[row for _, row in faq]] if faq else None
    return KnowledgeIndex(passages, vectors[: len(chunks)], faq_questions, faq_vectors, windows[: len(chunks)])


# --- timing wrappers: the real engine and retriever, with the time of each step recorded ----------------------


class TimedStore(SqlConversationStore):
    """The SQL conversation store with the time of a turn's reads and writes added up. The overrides pass any
    arguments through, so the benchmark keeps working when the store's signatures change."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.seconds = 0.0

    def _timed(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return call(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - began

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._timed(super().get, *args, **kwargs)

    def append(self, *args: Any, **kwargs: Any) -> Any:
        return self._timed(super().append, *args, **kwargs)

    def events(self, *args: Any, **kwargs: Any) -> Any:
        return self._timed(super().events, *args, **kwargs)


class TimedRetriever(Retriever):
    def __init__(self, index: KnowledgeIndex, embedder: Embedder, config: RetrievalConfig) -> None:
        super().__init__(index, embedder, config)
        self.embed_seconds = 0.0
        self.embed_in_retrieve_seconds = 0.0  # the part of embed_seconds spent inside retrieve()
        self.retrieve_seconds = 0.0
        self.retrievals = 0
        self._retrieving = False

    # Arguments pass through untouched, so the benchmark survives renames in the Retriever's signatures.
    def embed_query(self, *args: Any, **kwargs: Any) -> Vectors:
        began = time.perf_counter()
        try:
            return super().embed_query(*args, **kwargs)
        finally:
            spent = time.perf_counter() - began
            self.embed_seconds += spent
            if self._retrieving:
                self.embed_in_retrieve_seconds += spent

    def prefetch(self, *args: Any, **kwargs: Any) -> None:
        began = time.perf_counter()
        try:
            super().prefetch(*args, **kwargs)
        finally:
            self.embed_seconds += time.perf_counter() - began

    def retrieve(self, *args: Any, **kwargs: Any) -> Evidence:
        self.retrievals += 1
        began = time.perf_counter()
        self._retrieving = True
        try:
            return super().retrieve(*args, **kwargs)
        finally:
            self._retrieving = False
            self.retrieve_seconds += time.perf_counter() - began


def _constant(retriever: Retriever) -> Callable[[], Retriever]:
    return lambda: retriever


def variant_config(weight: float) -> BotConfig:
    return BotConfig(name=BOT, retrieval=RetrievalConfig(dense_weight=weight))


# --- measurements -------------------------------------------------------------------------------------------------


def measure_turns(
    index: KnowledgeIndex,
    embedder: Embedder,
    queries: Sequence[str],
    warmup: int,
    turns_per_conversation: int,
    database: Path,
) -> dict[str, Any]:
    """Full turns through ConversationEngine.handle_message against a SQLite file. Variants take turns query by
    query (in rotating order), so a burst of load from other processes hits all of them alike."""
    database.unlink(missing_ok=True)
    engine_db = open_database(f"sqlite:///{database}")
    engines: dict[str, ConversationEngine] = {}
    stores: dict[str, TimedStore] = {}
    retrievers: dict[str, TimedRetriever] = {}
    # Every turn is the full product turn: understanding (language, sentiment, frustration) and the escalation
    # detectors run too, on the turn's one embedding.
    reader = Reader(languages=["en"], intents=None, intent_threshold=0.0)
    for variant, weight in VARIANTS.items():
        config = variant_config(weight)
        stores[variant] = TimedStore(engine_db)
        retrievers[variant] = TimedRetriever(index, embedder, config.retrieval)
        retriever = retrievers[variant]
        engines[variant] = ConversationEngine(config, stores[variant], _constant(retriever), lambda: reader)
    rows: dict[str, dict[str, list[float]]] = {v: {} for v in VARIANTS}
    decisions: dict[str, dict[str, int]] = {v: {} for v in VARIANTS}
    retrievals: dict[str, dict[str, int]] = {v: {} for v in VARIANTS}
    conversation: dict[str, str] = {}
    names = list(VARIANTS)
    for number, query in enumerate(queries):
        order = names[number % len(names) :] + names[: number % len(names)]
        for variant in order:
            engine, store, retriever = engines[variant], stores[variant], retrievers[variant]
            if number % turns_per_conversation == 0:
                conversation[variant] = engine.start().id
            before = (
                store.seconds,
                retriever.embed_seconds,
                retriever.retrieve_seconds,
                retriever.retrievals,
                retriever.embed_in_retrieve_seconds,
            )
            began = time.perf_counter()
            reply = engine.handle_message(conversation[variant], query)
            total = (time.perf_counter() - began) * 1000
            if number < warmup:
                continue
            storage = (store.seconds - before[0]) * 1000
            embed = (retriever.embed_seconds - before[1]) * 1000
            retrieve = (retriever.retrieve_seconds - before[2]) * 1000
            embed_in_retrieve = (retriever.embed_in_retrieve_seconds - before[4]) * 1000
            row = rows[variant]
            # The turn embeds the message once, for understanding and retrieval alike (query_vector); retrieve()
            # then finds it cached, and embeds again only for a search with the previous question.
            for key, value in (
                ("turn_ms", total),
                ("engine_reported_ms", reply.latency_ms),  # excludes the final event write
                ("query_embedding_ms", embed),
                ("retrieve_without_embedding_ms", retrieve - embed_in_retrieve),
                ("conversation_store_ms", storage),
                ("understand_decide_compose_ms", total - retrieve - storage - (embed - embed_in_retrieve)),
            ):
                row.setdefault(key, []).append(value)
            decisions[variant][reply.decision] = decisions[variant].get(reply.decision, 0) + 1
            # The engine searches a second time (embedding again) when a later message finds nothing alone.
            searches = str(retriever.retrievals - before[3])
            retrievals[variant][searches] = retrievals[variant].get(searches, 0) + 1
    engine_db.dispose()
    out: dict[str, Any] = {}
    for variant in VARIANTS:
        out[variant] = {key: summary(values) for key, values in rows[variant].items()}
        out[variant]["decisions"] = dict(sorted(decisions[variant].items()))
        out[variant]["turns_by_retrieval_count"] = dict(sorted(retrievals[variant].items()))
    return out


def measure_retrieval(
    index: KnowledgeIndex, embedder: Embedder, queries: Sequence[str], query_vectors: Vectors
) -> dict[str, Any]:
    """Retriever.retrieve on first-seen queries (so it embeds each), and index.search with the query vector
    already computed, per variant; plus the two scorers on their own: what BM25-only and dense-only retrieval
    would cost if the other half were not computed at all."""
    retrievers = {v: Retriever(index, embedder, RetrievalConfig(dense_weight=w)) for v, w in VARIANTS.items()}
    retrieve: dict[str, list[float]] = {v: [] for v in VARIANTS}
    search: dict[str, list[float]] = {v: [] for v in VARIANTS}
    names = list(VARIANTS)
    for number, (query, vector) in enumerate(zip(queries, query_vectors, strict=True)):
        for variant in names[number % len(names) :] + names[: number % len(names)]:
            retriever = retrievers[variant]
            began = time.perf_counter()
            retriever.retrieve(query)
            retrieve[variant].append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            index.search(query, vector, top_k=retriever.config.top_k, dense_weight=retriever.config.dense_weight)
            index.match_question(vector)
            search[variant].append((time.perf_counter() - began) * 1000)
    out: dict[str, Any] = {
        v: {"retrieve_ms": summary(retrieve[v]), "search_and_faq_match_ms": summary(search[v])} for v in VARIANTS
    }
    lexical, dense = [], []
    for query, vector in zip(queries, query_vectors, strict=True):
        began = time.perf_counter()
        scores = index.lexical.scores(terms(query))
        np.argpartition(-scores, min(49, len(scores) - 1))[:50]
        lexical.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        similarities = index.vectors @ vector
        np.argpartition(-similarities, min(49, len(similarities) - 1))[:50]
        index.question_vectors @ vector
        dense.append((time.perf_counter() - began) * 1000)
    out["components"] = {
        "bm25_score_and_top50_ms": summary(lexical),
        "dense_dot_top50_and_faq_dot_ms": summary(dense),
    }
    return out


def measure_size(
    size: int,
    chunks: Sequence[corpus.CorpusChunk],
    vectors: Vectors,
    windows: Sequence[Vectors],
    questions: list[str],
    question_vectors: Vectors,
    embedder: Embedder,
    queries: Sequence[str],
    query_vectors: Vectors,
    args: argparse.Namespace,
) -> dict[str, Any]:
    subset = chunks[:size]
    used_questions = list(dict.fromkeys(c.question for c in subset if c.question))
    result: dict[str, Any] = {"corpus": corpus.describe(subset)}
    before = rss_mb()
    with Phase("index") as build:
        index = build_index(subset, vectors, windows, used_questions, question_vectors[: len(used_questions)])
    after = rss_mb()
    # The BM25 part alone, from terms computed beforehand (the rest of the build is mostly `terms`).
    with Phase("terms") as tokenize:
        passage_terms = [terms(f"{p.context}\n{p.text}") for p in index.passages]
    with Phase("bm25") as bm25:
        BM25Index(passage_terms)
    del passage_terms
    result["index_build"] = {
        "knowledge_index_s": round(build.wall, 3),
        "terms_s": round(tokenize.wall, 3),
        "bm25_index_s": round(bm25.wall, 3),
        "faq_questions": len(index.questions),
        # Passage vectors are a view of the benchmark's array, so this is the rest: passages, term sets, postings,
        # FAQ-question vectors.
        "memory_mb_beyond_vectors": round(after - before, 1) if after is not None and before is not None else None,
    }
    log(f"{size}: index built in {build.wall:.1f}s; {len(queries)} turns x {len(VARIANTS)} variants")
    with Phase("turns") as turns_phase:
        result["turns"] = measure_turns(
            index, embedder, queries, args.warmup, args.turns_per_conversation, args.scratch / f"turns-{size}.db"
        )
    result["turns"]["phase"] = turns_phase.as_dict()
    measured = queries[args.warmup :]
    with Phase("retrieval") as retrieval_phase:
        # Fresh retrievers: their query caches are empty, so every retrieve() embeds, as in a turn.
        result["retrieval"] = measure_retrieval(index, embedder, measured, query_vectors[args.warmup :])
    result["retrieval"]["phase"] = retrieval_phase.as_dict()
    result["ratios"] = size_ratios(result)
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def size_ratios(result: dict[str, Any]) -> dict[str, float | None]:
    """hybrid / baseline at p95. The engine's variants differ only in fusion weights (every one embeds the query and
    runs both scorers), so the scorer-alone components are the cost of a true single-method retriever."""
    turns, retrieval = result["turns"], result["retrieval"]
    out: dict[str, float | None] = {}
    for baseline in ("bm25_only", "dense_only"):
        pairs = {
            "turn": (turns["hybrid"]["turn_ms"], turns[baseline]["turn_ms"]),
            "retrieve": (retrieval["hybrid"]["retrieve_ms"], retrieval[baseline]["retrieve_ms"]),
            "search": (retrieval["hybrid"]["search_and_faq_match_ms"], retrieval[baseline]["search_and_faq_match_ms"]),
        }
        for name, (ours, base) in pairs.items():
            out[f"{name}_p95_hybrid_vs_{baseline}"] = ratio(ours["p95"], base["p95"])
    components = retrieval["components"]
    hybrid_search = retrieval["hybrid"]["search_and_faq_match_ms"]["p95"]
    out["search_p95_hybrid_vs_bm25_scorer_alone"] = ratio(hybrid_search, components["bm25_score_and_top50_ms"]["p95"])
    out["search_p95_hybrid_vs_dense_scorer_alone"] = ratio(
        hybrid_search, components["dense_dot_top50_and_faq_dot_ms"]["p95"]
    )
    return out


def scale(sizes: dict[str, Any]) -> dict[str, Any]:
    """The p95 curves across sizes, per variant, and the two scorers alone."""
    components = {"bm25_scorer": "bm25_score_and_top50_ms", "dense_scorer": "dense_dot_top50_and_faq_dot_ms"}
    return {
        "turn_p95_ms": {v: {n: r["turns"][v]["turn_ms"]["p95"] for n, r in sizes.items()} for v in VARIANTS},
        "retrieve_p95_ms": {
            v: {n: r["retrieval"][v]["retrieve_ms"]["p95"] for n, r in sizes.items()} for v in VARIANTS
        },
        "search_p95_ms": {
            v: {n: r["retrieval"][v]["search_and_faq_match_ms"]["p95"] for n, r in sizes.items()} for v in VARIANTS
        },
        **{
            f"{name}_p95_ms": {n: r["retrieval"]["components"][key]["p95"] for n, r in sizes.items()}
            for name, key in components.items()
        },
        "knowledge_index_build_s": {n: r["index_build"]["knowledge_index_s"] for n, r in sizes.items()},
    }


class CountingEmbedder:
    """The real embedder, with the time spent embedding added up (to split ingestion into model vs the rest)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.seconds = 0.0

    def embed(self, texts: Sequence[str]) -> Vectors:
        began = time.perf_counter()
        try:
            return self.inner.embed(texts)
        finally:
            self.seconds += time.perf_counter() - began


def measure_ingestion(embedder: Embedder, scratch: Path) -> dict[str, Any]:
    """The real `ingest_sources` path (load, chunk, embed, save to SQLite) on the Plausible help centre, from an
    empty database; then loading the index back, as the first turn after an ingest does."""
    database = scratch / "ingest.db"
    database.unlink(missing_ok=True)
    config = BotConfig(name=BOT, knowledge=KnowledgeConfig(sources=[DirectorySource(path=corpus.PLAUSIBLE_DOCS)]))
    engine = open_database(f"sqlite:///{database}")
    store = SqlKnowledgeStore(engine)
    counting = CountingEmbedder(embedder)
    with Phase("ingest") as phase:
        report = ingest_sources(config, store, counting)
    with Phase("load") as load:
        index = store.load_index(BOT, embedder.name)
    engine.dispose()
    files = sum(1 for p in corpus.PLAUSIBLE_DOCS.rglob("*") if p.is_file())
    return {
        "source": f"plausible_docs ({files} files)",
        "documents": len(report.added),
        "chunks": report.chunks,
        "seconds": round(report.seconds, 2),
        "chunks_per_second": round(report.chunks / report.seconds, 1),
        "embedding_s": round(counting.seconds, 2),
        "load_chunk_store_s": round(report.seconds - counting.seconds, 2),
        "chunks_per_second_without_embedding": round(report.chunks / max(report.seconds - counting.seconds, 1e-9), 1),
        "load_index_s": round(load.wall, 3),
        "indexed_passages": len(index),
        "phase": phase.as_dict(),
    }


def measure_embedding(
    embedder: Embedder, chunks: Sequence[corpus.CorpusChunk], queries: Sequence[str]
) -> dict[str, Any]:
    """Raw model throughput: a batch of chunks (as ingest embeds them) and single queries (as a turn does). Single
    queries also run with one BLAS thread, alternating query by query with the configured count, for comparison."""
    sample = random.Random(7).sample(list(chunks), min(256, len(chunks)))
    texts = [c.embedding_text for c in sample]
    with Phase("chunks") as batch:
        embedder.embed(texts)
    configured = BLAS.threads
    settings = {"configured": configured} if configured in (None, 1) else {"configured": configured, "one_thread": 1}
    single: dict[str, list[float]] = {"configured": [], "one_thread": []}
    for query in queries:
        for setting, threads in settings.items():
            if threads is not None:
                BLAS.threads = threads
            began = time.perf_counter()
            embedder.embed([query])
            single[setting].append((time.perf_counter() - began) * 1000)
    if configured is not None:
        BLAS.threads = configured
    return {
        "blas_threads": configured,
        "chunk_sample": len(texts),
        "chunk_mean_chars": round(statistics.fmean(len(t) for t in texts), 1),
        "chunks_per_second": round(len(texts) / batch.wall, 1),
        "chunk_batch_cpu_per_wall": round(batch.cpu / batch.wall, 2),
        "single_query_ms": summary(single["configured"]),
        "single_query_ms_one_blas_thread": summary(single["one_thread"]) or None,
        "query_mean_chars": round(statistics.fmean(len(q) for q in queries), 1),
    }


def environment() -> dict[str, Any]:
    # Others change src while benchmarks run: a hash of its Python files tells which code a result belongs to.
    source = Path(__file__).resolve().parents[1] / "src" / "frontdesk"
    digest = hashlib.sha256()
    for path in sorted(source.rglob("*.py")):
        digest.update(path.relative_to(source).as_posix().encode() + b"\x00" + path.read_bytes())
    return {
        "src_fingerprint": digest.hexdigest()[:16],
        "cpus": os.cpu_count(),
        "load_average_at_start": load_average(),
        "blas_threads_env": {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")},
        "blas_threads": BLAS.threads,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="Comma-separated knowledge sizes in chunks.")
    parser.add_argument("--queries", type=int, default=200, help="Measured turns per variant and size.")
    parser.add_argument("--warmup", type=int, default=20, help="Unmeasured turns first, per variant and size.")
    parser.add_argument("--turns-per-conversation", type=int, default=4)
    parser.add_argument("--faq-share", type=float, default=0.25, help="Share of FAQ entries in every corpus size.")
    parser.add_argument("--scratch", type=Path, default=None, help="Vector cache and SQLite files (kept).")
    parser.add_argument("--warm-cache", action="store_true", help="Only compute and cache the chunk vectors.")
    parser.add_argument("--shard", default="0/1", help="With --warm-cache: K/N, embed the K-th of N parts.")
    parser.add_argument("--blas-threads", type=int, default=None, help="Set OpenBLAS's thread count (default: as is).")
    parser.add_argument("--skip-ingest", action="store_true", help="Skip the ingestion measurement.")
    args = parser.parse_args()
    args.scratch = (args.scratch or Path(tempfile.gettempdir()) / "frontdesk-speed").resolve()
    args.scratch.mkdir(parents=True, exist_ok=True)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if args.blas_threads is not None:
        BLAS.threads = args.blas_threads
    started = time.perf_counter()
    out: dict[str, Any] = {"benchmark": "speed", "environment": environment(), "notes": NOTES}

    embedder = MiniLMEmbedder()
    chunks, corpus_info = corpus.build_corpus(max(sizes), args.faq_share)
    log(f"corpus: {corpus_info}")
    with Phase("vectors") as vector_phase:
        part, parts = (int(x) for x in args.shard.split("/")) if args.warm_cache else (0, 1)
        vectors, windows, questions, question_vectors, cache_stats = corpus_vectors(
            embedder, chunks, args.scratch, (part, parts)
        )
    cache_stats["phase"] = vector_phase.as_dict()
    if args.warm_cache:
        print(json.dumps({"benchmark": "speed", "warm_cache": cache_stats}, indent=2))
        return
    queries, query_sources = corpus.customer_questions(args.warmup + args.queries)
    out["corpus"] = {
        "description": corpus.__doc__.strip() if corpus.__doc__ else "",
        "faq_share": args.faq_share,
        "largest": corpus_info,
        "queries": {"measured": args.queries, "warmup": args.warmup, "by_source": query_sources},
        "vector_cache": cache_stats,
    }
    log("embedding throughput")
    out["embedding"] = measure_embedding(embedder, chunks[: min(len(chunks), 10_000)], queries[args.warmup :])
    if not args.skip_ingest:
        log("ingestion")
        out["ingestion"] = measure_ingestion(embedder, args.scratch)
    # Query vectors for the search-only timings: computed once, the same for every size.
    query_vectors = embedder.embed(queries)
    out["sizes"] = {}
    for size in sizes:
        log(f"size {size}")
        out["sizes"][str(size)] = measure_size(
            size, chunks, vectors, windows, questions, question_vectors, embedder, queries, query_vectors, args
        )
        log(f"size {size}: p95 turn hybrid {out['sizes'][str(size)]['turns']['hybrid']['turn_ms']['p95']} ms")
    out["scale"] = scale(out["sizes"])
    if "10000" in out["sizes"]:
        p95 = out["sizes"]["10000"]["turns"]["hybrid"]["turn_ms"]["p95"]
        out["requirement"] = {
            "target": "p95 turn latency <= 50 ms at 10k chunks",
            "hybrid_p95_ms": p95,
            "met": p95 <= 50,
        }
    out["environment"]["load_average_at_end"] = load_average()
    out["peak_rss_mb"] = peak_rss_mb()
    out["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
