"""Retrieval variants measured side by side before any goes into the product: recall@1 and recall@3 of a gold
source (a top-k chunk from a gold document) per suite. Prints one JSON object.

    .venv/bin/python benchmarks/retrieval_variants.py [--suites demo,plausible,mtrag] [--scratch DIR]

Suites: the demo test set's answerable cases, Plausible's FAQ-style questions (not the 19 "What's next?" ones,
which any of 19 pages answers), each MTRAG domain's answerable and partial turns. Every suite is ingested by the
product (`Bot.ingest`, a scratch database) and searched with the product's query (synonym expansion) and its
fusion (0.7 dense + 0.3 BM25, min-max over the top-50 pools); only the dense score and the turns vary.

Dense scoring of a chunk:
- `whole`: the cosine to the chunk's one vector (title and headings, then its text), as shipped before windows;
- `max:<w>`, `blend:<w>`: chunks also get one vector per window of their text (`knowledge/windows.py`), `w` =
  `s1` (each sentence, list item or table row) or `s2` (two consecutive ones), each after the title and headings.
  The chunk's dense score is max(whole, best window), or 0.5 whole + 0.5 best window (`blend.3`: 0.7 / 0.3,
  `blend.7`: 0.3 / 0.7); `blend:s1+s2` takes the best window of both kinds; `s1bare` windows are embedded
  without the title and headings (cheaper). `blend:s1@k` scores windows for the top k chunks only. The product
  ranks with `blend:s1` (windows scored for a shortlist).

Turns (multi-turn MTRAG tasks and demo follow-ups; the eval feeds the user's turns only):
- `last`: the last user turn alone;
- `product`: the last turn, or "previous query + turn" when `is_follow_up` says it continues (as the engine);
- `fuse:a/b/c`: the last turn's fused scores plus the turn before's times b, the one before that times c
  (score-level fusion of the per-turn rankings, not one concatenated query).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import datasets

from frontdesk.bot import Bot
from frontdesk.config import load_config
from frontdesk.conversation.followups import is_follow_up, with_context
from frontdesk.evaluation.testset import load_testset
from frontdesk.knowledge.index import KnowledgeIndex
from frontdesk.knowledge.synonyms import BUILTIN, expand
from frontdesk.knowledge.terms import terms
from frontdesk.knowledge.windows import windows
from frontdesk.providers.minilm import MiniLMEmbedder

Array = np.ndarray
DECAYS = {"fuse:1/.3/.1": (1.0, 0.3, 0.1), "fuse:1/.2/0": (1.0, 0.2, 0.0), "fuse:1/.5/.25": (1.0, 0.5, 0.25)}


def _embed_cached(embedder: MiniLMEmbedder, texts: list[str], cache: Path) -> tuple[Array, float]:
    key = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    path = cache.with_name(f"{cache.name}-{key}.npy")
    if path.exists():
        return np.load(path), float("nan")
    started = time.perf_counter()
    vectors = embedder.embed(texts) if texts else np.zeros((0, embedder.dimension), np.float32)
    seconds = time.perf_counter() - started
    np.save(path, vectors)
    return vectors, seconds


class WindowVectors:
    """Every chunk's window vectors, contiguous per chunk, and the best window cosine per chunk."""

    def __init__(
        self, index: KnowledgeIndex, size: int, embedder: MiniLMEmbedder, cache: Path, *, prefix: bool = True
    ) -> None:
        texts: list[str] = []
        counts: list[int] = []
        for passage in index.passages:
            found = windows(passage.text, size)
            texts.extend(f"{passage.context}\n{w}" if prefix else w for w in found)
            counts.append(len(found))
        self.vectors, self.embed_seconds = _embed_cached(embedder, texts, cache)
        self.counts = np.array(counts)
        self.has = self.counts > 0
        self.starts = np.cumsum(self.counts) - self.counts
        self.offsets = self.starts[self.has]
        self.total = len(texts)
        self.chars = sum(len(t) for t in texts)

    def best(self, query_vector: Array, whole: Array, shortlist: int | None = None) -> Array:
        """Best window cosine per chunk (its own cosine without windows); with `shortlist`, only for the chunks
        whose own cosine is among the top `shortlist`."""
        result = whole.copy()
        if not self.total:
            return result
        if shortlist is None:
            result[self.has] = np.maximum.reduceat(self.vectors @ query_vector, self.offsets)
            return result
        chosen = _top(whole, shortlist)
        chosen = chosen[self.has[chosen]]
        counts = self.counts[chosen]
        starts = self.starts[chosen]
        rows = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        result[chosen] = np.maximum.reduceat(self.vectors[rows] @ query_vector, np.cumsum(counts) - counts)
        return result


def fused_scores(dense: Array, lexical: Array, dense_weight: float = 0.7, candidates: int = 50) -> Array:
    """The product's fusion (KnowledgeIndex.search) over every chunk: 0 outside the candidate pools."""
    pool = _top(dense, candidates)
    if lexical.max() > 0:
        pool = np.union1d(pool, _top(lexical, candidates))
    out = np.zeros(len(dense), dtype=np.float64)
    out[pool] = dense_weight * _minmax(dense[pool]) + (1 - dense_weight) * _minmax(lexical[pool]) + 1e-9
    return out


def _top(values: Array, k: int) -> Array:
    return np.arange(len(values)) if len(values) <= k else np.sort(np.argpartition(-values, k)[:k])


def _minmax(values: Array) -> Array:
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-9:
        return np.ones_like(values) if high > 0 else np.zeros_like(values)
    return (values - low) / (high - low)


def _ranked(scores: Array) -> list[int]:
    order = np.argsort(-scores, kind="stable")
    return [int(i) for i in order[:3] if scores[i] > 0]


class Suite:
    def __init__(self, name: str, config: Path, testset: Path, embedder: MiniLMEmbedder, scratch: Path) -> None:
        self.name = name
        bot = Bot.from_config(
            load_config(config), embedder=embedder, database_url=f"sqlite:///{scratch / f'variants-{name}.db'}"
        )
        report = bot.ingest()
        self.index = bot.index
        self.synonyms = [*bot.config.retrieval.synonyms, *(BUILTIN if bot.config.retrieval.builtin_synonyms else ())]
        self.embedder = embedder
        # "What's next?" heads 19 Plausible pages: any of them counts, so it would only measure ties.
        self.cases = [
            c
            for c in load_testset(testset)
            if c.expect.decision == "answer" and c.expect.sources is not None and "ambiguous" not in c.tags
        ]
        self.windows = {
            f"s{size}": WindowVectors(self.index, size, embedder, scratch / f"variants-{name}-s{size}")
            for size in (1, 2)
        }
        self.windows["s1bare"] = WindowVectors(
            self.index, 1, embedder, scratch / f"variants-{name}-s1bare", prefix=False
        )
        self.ingest_seconds = report.seconds
        self.chunk_chars = sum(len(p.context) + len(p.text) + 1 for p in self.index.passages)
        self._vectors: dict[str, Array] = {}

    def query_vector(self, text: str) -> Array:
        if text not in self._vectors:
            self._vectors[text] = self.embedder.embed([text])[0]
        return self._vectors[text]

    def turn_scores(self, text: str, dense_of: Callable[[Array, Array], Array]) -> Array:
        query = expand(text, self.synonyms)
        vector = self.query_vector(query)
        whole = self.index.vectors @ vector
        return fused_scores(dense_of(vector, whole), self.index.lexical.scores(terms(query)))

    def run(self) -> dict[str, Any]:
        dense_variants: dict[str, Callable[[Array, Array], Array]] = {"whole": lambda v, w: w}
        for key, wv in self.windows.items():
            dense_variants[f"max:{key}"] = lambda v, w, wv=wv: wv.best(v, w)
            dense_variants[f"blend:{key}"] = lambda v, w, wv=wv: 0.5 * w + 0.5 * wv.best(v, w)
            dense_variants[f"blend.3:{key}"] = lambda v, w, wv=wv: 0.7 * w + 0.3 * wv.best(v, w)
            dense_variants[f"blend.7:{key}"] = lambda v, w, wv=wv: 0.3 * w + 0.7 * wv.best(v, w)
        one, two = self.windows["s1"], self.windows["s2"]
        for k in (30, 100):
            dense_variants[f"blend:s1@{k}"] = lambda v, w, k=k: 0.5 * w + 0.5 * one.best(v, w, k)
        dense_variants["blend:s1+s2"] = lambda v, w: 0.5 * w + 0.5 * np.maximum(one.best(v, w), two.best(v, w))
        out: dict[str, Any] = {"cases": len(self.cases), "multi_turn": sum(len(c.turns) > 1 for c in self.cases)}
        for dense_name, dense_of in dense_variants.items():
            for turn_name in ("last", "product", *DECAYS):
                hits1 = hits3 = 0
                for case in self.cases:
                    top = _ranked(self._case_scores(case.turns, turn_name, dense_of))
                    sources = [self.index.passages[i].source_id for i in top]
                    gold = set(case.expect.sources or [])
                    hits1 += bool(sources[:1]) and sources[0] in gold
                    hits3 += bool(gold & set(sources[:3]))
                n = max(len(self.cases), 1)
                out[f"{dense_name}|{turn_name}"] = {"r@1": round(hits1 / n, 3), "r@3": round(hits3 / n, 3)}
        out["cost"] = self.cost()
        return out

    def _case_scores(self, turns: Sequence[str], turn_name: str, dense_of: Callable[[Array, Array], Array]) -> Array:
        if turn_name == "last" or len(turns) == 1:
            return self.turn_scores(turns[-1], dense_of)
        if turn_name == "product":
            query = turns[0]
            for turn in turns[1:]:
                query = with_context(turn, query) if is_follow_up(turn) else turn
            return self.turn_scores(query, dense_of)
        total = np.zeros(len(self.index), dtype=np.float64)
        for weight, turn in zip(DECAYS[turn_name], reversed(turns), strict=False):
            if weight:
                total += weight * self.turn_scores(turn, dense_of)
        return total

    def cost(self) -> dict[str, Any]:
        probe = self.query_vector("how do I change my plan")
        whole = self.index.vectors @ probe
        cost: dict[str, Any] = {
            "chunks": len(self.index),
            "chunk_chars": self.chunk_chars,
            "chunk_ingest_seconds": round(self.ingest_seconds, 2),
        }
        for key, wv in self.windows.items():
            started = time.perf_counter()
            for _ in range(50):
                wv.best(probe, whole)
            cost[key] = {
                "windows": wv.total,
                "windows_per_chunk": round(wv.total / max(len(self.index), 1), 2),
                "window_chars": wv.chars,
                "embed_seconds": None if np.isnan(wv.embed_seconds) else round(wv.embed_seconds, 2),
                "windows_per_second": None if np.isnan(wv.embed_seconds) else round(wv.total / wv.embed_seconds, 1),
                "max_window_ms_per_query": round((time.perf_counter() - started) / 50 * 1000, 3),
            }
        return cost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suites", default="demo,plausible,mtrag")
    parser.add_argument("--scratch", type=Path, default=None, help="Keep generated bots, databases and vectors here.")
    args = parser.parse_args()
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="frontdesk-variants-"))
    scratch.mkdir(parents=True, exist_ok=True)
    embedder = MiniLMEmbedder()
    wanted = args.suites.split(",")
    specs: list[tuple[str, Path, Path]] = []
    if "demo" in wanted:
        specs.append(("demo", datasets.DEMO / "bot.yaml", datasets.DEMO / "testset.jsonl"))
    if "plausible" in wanted:
        specs.append(("plausible", *datasets.plausible(scratch)))
    if "mtrag" in wanted:
        specs.extend((f"mtrag-{domain}", config, testset) for domain, config, testset in datasets.mtrag(scratch))
    started = time.perf_counter()
    results = {name: Suite(name, config, testset, embedder, scratch).run() for name, config, testset in specs}
    print(
        json.dumps(
            {"benchmark": "retrieval_variants", "seconds": round(time.perf_counter() - started, 1), "suites": results},
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
