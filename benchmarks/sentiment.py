"""Sentiment quality on tweets to airline support accounts, and the latency of sentiment (given the vector) and
frustration per turn.

The shipped model (MiniLM embedding + text cues, fitted on the project's own messages) against a baseline fitted
in the same run on the same messages with the text cues alone (no embedding). The airline tweets
(../shared/data/twitter_airline_sentiment/dev.csv, CC BY-NC-SA) are only measured on: nothing is fitted, tuned
or thresholded on them. Their embeddings are cached in --scratch.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/sentiment.py --scratch /tmp/frontdesk-sentiment
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fit_sentiment import balanced_weights, load_examples, scores

from frontdesk.providers.minilm import MiniLMEmbedder
from frontdesk.understanding.frustration import EarlierTurn, assess_frustration
from frontdesk.understanding.linear import fit_softmax
from frontdesk.understanding.sentiment import CUES, SentimentModel, cues, training_data_path

AIRLINE_DEV = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "twitter_airline_sentiment" / "dev.csv"


def _airline(path: Path) -> tuple[list[str], list[str]]:
    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    return [row["text"] for row in rows], [row["airline_sentiment"] for row in rows]


def _embed_cached(texts: list[str], scratch: Path, embedder: MiniLMEmbedder) -> npt.NDArray[np.float32]:
    key = hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:16]
    cache = scratch / f"sentiment-vectors-{key}.npy"
    if cache.is_file():
        return np.load(cache)  # type: ignore[no-any-return]
    scratch.mkdir(parents=True, exist_ok=True)
    vectors = embedder.embed(texts)
    np.save(cache, vectors)
    return vectors


def _p95_ms(samples: list[float]) -> float:
    return round(float(np.percentile(np.array(samples) * 1000.0, 95)), 4)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/frontdesk-sentiment"))
    parser.add_argument("--data", type=Path, default=AIRLINE_DEV)
    args = parser.parse_args(argv)

    texts, gold = _airline(args.data)
    embedder = MiniLMEmbedder()
    vectors = _embed_cached(texts, args.scratch, embedder)
    model = SentimentModel.bundled()

    started = time.perf_counter()
    shipped = [s.label for s in model.predict_many(texts, vectors)]
    batch_seconds = time.perf_counter() - started

    # Baseline: the same softmax head and the same training messages, text cues only.
    own_texts, own_labels = load_examples(training_data_path())
    own_cues = np.stack([cues(text) for text in own_texts])
    cue_head = fit_softmax(own_cues, own_labels, l2=1e-3, sample_weight=balanced_weights(own_labels))
    cue_rows = np.stack([cues(text) for text in texts])
    baseline = [cue_head.labels[int(i)] for i in np.argmax(cue_head.probabilities(cue_rows), axis=1)]

    # Latency of one prediction given its vector (cues + matrix product), as the engine calls it.
    for text, vector in zip(texts[:50], vectors[:50], strict=True):  # warm-up
        model.predict(text, vector)
    single: list[float] = []
    for _ in range(3):
        for text, vector in zip(texts, vectors, strict=True):
            started = time.perf_counter()
            model.predict(text, vector)
            single.append(time.perf_counter() - started)

    # Frustration on top, with a four-turn history of earlier messages (lexical only).
    history = [EarlierTurn(texts[i], "fallback" if i % 2 else "answer") for i in range(4)]
    both: list[float] = []
    for text, vector in zip(texts, vectors, strict=True):
        started = time.perf_counter()
        assess_frustration(text, model.predict(text, vector), history)
        both.append(time.perf_counter() - started)

    shipped_scores = scores(gold, shipped)
    baseline_scores = scores(gold, baseline)
    report = {
        "data": str(args.data),
        "messages": len(texts),
        "per_label": {label: gold.count(label) for label in ("negative", "neutral", "positive")},
        "shipped": {"features": f"MiniLM 384-d + {len(CUES)} text cues", **shipped_scores},
        "baseline_cues_only": {"features": f"{len(CUES)} text cues", **baseline_scores},
        "ratio_negative_f1": round(shipped_scores["negative_f1"] / max(baseline_scores["negative_f1"], 1e-9), 3),
        "ratio_macro_f1": round(shipped_scores["macro_f1"] / max(baseline_scores["macro_f1"], 1e-9), 3),
        "predict_ms_p50": round(float(np.percentile(np.array(single) * 1000.0, 50)), 4),
        "predict_ms_p95": _p95_ms(single),
        "predict_many_ms_per_message": round(batch_seconds * 1000.0 / len(texts), 4),
        "predict_and_frustration_ms_p95": _p95_ms(both),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
