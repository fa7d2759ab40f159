"""Intents, out-of-scope and sentiment on the shared public data, measured with `frontdesk eval`.

Each suite becomes a bot folder (bot.yaml, intents.jsonl from the training split, testset.jsonl from the
dev split) and is run through `frontdesk eval --json` in a subprocess, exactly as an owner would. Baselines in
the same run (in-process, same examples and vectors): the embedding head alone and the naive-Bayes phrases
alone. Prints one JSON object.

    .venv/bin/python benchmarks/understanding.py [--suites clinc150,banking77,banking77_10,airline] [--scratch DIR]

Suites:
- clinc150: fit on train.jsonl (intent `oos` -> `out_of_scope`), measure on val.jsonl;
- banking77: fit on train_split.csv, measure on dev_split.csv; banking77_10: ten examples per intent
  (the first ten of each intent after a seeded shuffle);
- airline: sentiment on twitter_airline_sentiment/dev.csv (measurement only: nothing is fitted on it).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from frontdesk.bot import Bot
from frontdesk.config import load_config
from frontdesk.providers.minilm import MiniLMEmbedder
from frontdesk.understanding import intents as intent_module
from frontdesk.understanding.frustration import EarlierTurn

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FRONTDESK = Path(sys.executable).with_name("frontdesk")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suites", default="clinc150,banking77,banking77_10,airline")
    parser.add_argument("--scratch", type=Path, default=None, help="keep bot folders (and cached vectors) here")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="frontdesk-understanding-"))
    scratch.mkdir(parents=True, exist_ok=True)
    embedder = MiniLMEmbedder()
    out: dict[str, Any] = {}
    for suite in args.suites.split(","):
        train, test = SUITES[suite](args.data)
        folder = scratch / suite
        _write_bot(folder, suite, train, test)
        started = time.perf_counter()
        report = _eval(folder)
        result = _summary(report)
        result["eval_seconds"] = round(time.perf_counter() - started, 1)
        if train:
            result["baselines"] = _baselines(folder, embedder, test)
            result["understanding_ms"] = _reader_latency(folder, embedder, test)
        out[suite] = result
        print(json.dumps({suite: result}), file=sys.stderr)
    print(json.dumps(out, indent=2))


def _clinc(data: Path) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    def rows(name: str) -> list[dict[str, str]]:
        lines = (data / "clinc150" / name).read_text(encoding="utf-8").splitlines()
        return [
            {"text": r["text"], "intent": "out_of_scope" if r["intent"] == "oos" else r["intent"]}
            for r in map(json.loads, lines)
        ]

    return rows("train.jsonl"), [{"text": r["text"], "expect": {"intent": r["intent"]}} for r in rows("val.jsonl")]


def _banking(data: Path, per_intent: int | None = None) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    def rows(name: str) -> list[dict[str, str]]:
        with (data / "banking77" / name).open(encoding="utf-8", newline="") as file:
            return [{"text": r["text"], "intent": r["category"]} for r in csv.DictReader(file)]

    train = rows("train_split.csv")
    if per_intent is not None:
        shuffled = train[:]
        random.Random(0).shuffle(shuffled)
        taken: dict[str, int] = {}
        train = []
        for row in shuffled:
            if taken.get(row["intent"], 0) < per_intent:
                taken[row["intent"]] = taken.get(row["intent"], 0) + 1
                train.append(row)
    return train, [{"text": r["text"], "expect": {"intent": r["intent"]}} for r in rows("dev_split.csv")]


def _airline(data: Path) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    with (data / "twitter_airline_sentiment" / "dev.csv").open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    return [], [{"text": r["text"], "expect": {"sentiment": r["airline_sentiment"]}} for r in rows]


SUITES = {
    "clinc150": _clinc,
    "banking77": _banking,
    "banking77_10": lambda data: _banking(data, 10),
    "airline": _airline,
}


def _write_bot(folder: Path, name: str, train: list[dict[str, str]], test: list[dict[str, Any]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"name: bench-{name.replace('_', '-')}", "knowledge:", "  sources: []"]
    if train:
        (folder / "intents.jsonl").write_text("".join(json.dumps(r) + "\n" for r in train), encoding="utf-8")
        lines += ["intents:", "  examples: ./intents.jsonl"]
    (folder / "bot.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cases = [
        {"id": f"{name}-{i:05d}", "turns": [case["text"]], "expect": case["expect"]} for i, case in enumerate(test)
    ]
    (folder / "testset.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")


def _eval(folder: Path) -> dict[str, Any]:
    env = {**os.environ, "FRONTDESK_DATA_DIR": str(folder / ".frontdesk")}
    command = [str(FRONTDESK), "eval", str(folder / "testset.jsonl"), "--config", str(folder / "bot.yaml"), "--json"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"frontdesk eval failed ({done.returncode}):\n{done.stderr[-3000:]}")
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def _summary(report: dict[str, Any]) -> dict[str, Any]:
    metrics = report["metrics"]
    out: dict[str, Any] = {"cases": report["cases"], "turn_latency_ms": metrics["latency_ms"]}
    for key in ("intent_accuracy", "in_scope_intent_accuracy", "out_of_scope", "sentiment_accuracy", "sentiment"):
        if metrics.get(key) is not None:
            out[key] = metrics[key]
    return out


def _baselines(folder: Path, embedder: MiniLMEmbedder, test: list[dict[str, Any]]) -> dict[str, Any]:
    """The shipped blend against each of its halves, from the same cached model and query vectors."""
    bot = Bot.from_config(load_config(folder / "bot.yaml"), embedder=embedder)
    model = bot.reader.intents
    assert model is not None, "the eval run fitted and cached the model"
    threshold = bot.reader.intent_threshold
    texts = [c["text"] for c in test]
    wanted = [c["expect"]["intent"] for c in test]
    vectors = [bot.retriever.query_vector(t) for t in texts]
    bot.close()
    results: dict[str, Any] = {}
    shipped_weight = intent_module.LEXICAL_WEIGHT
    try:
        for variant, weight in (("blend", shipped_weight), ("embedding_only", 0.0)):
            intent_module.LEXICAL_WEIGHT = weight
            got = [model.classify(t, v, threshold).name for t, v in zip(texts, vectors, strict=True)]
            results[variant] = _accuracy(got, wanted)
    finally:
        intent_module.LEXICAL_WEIGHT = shipped_weight
    lexical = [_lexical_only(model, t, threshold) for t in texts]
    results["phrases_only"] = _accuracy(lexical, wanted)
    blend = results["blend"]["in_scope_accuracy"]
    for variant in ("embedding_only", "phrases_only"):
        other = results[variant]["in_scope_accuracy"]
        results[f"blend_vs_{variant}"] = round(blend / other, 3) if other else None
    return results


def _lexical_only(model: intent_module.IntentModel, text: str, threshold: float) -> str:
    rows = [model.vocabulary[f] for f in intent_module.features(text) if f in model.vocabulary]
    if not rows:
        return "out_of_scope"
    logits = model.log_likelihood[rows].sum(axis=0)
    probabilities = np.exp(logits - logits.max())
    probabilities /= probabilities.sum()
    best = int(np.argmax(probabilities))
    label = model.labels[best]
    return label if label == "out_of_scope" or probabilities[best] >= threshold else "out_of_scope"


def _accuracy(got: list[str], wanted: list[str]) -> dict[str, Any]:
    in_scope = [(g, w) for g, w in zip(got, wanted, strict=True) if w != "out_of_scope"]
    out_of_scope = [g for g, w in zip(got, wanted, strict=True) if w == "out_of_scope"]
    return {
        "in_scope_accuracy": round(sum(g == w for g, w in in_scope) / len(in_scope), 4),
        "out_of_scope_recall": round(sum(g == "out_of_scope" for g in out_of_scope) / len(out_of_scope), 4)
        if out_of_scope
        else None,
    }


def _reader_latency(folder: Path, embedder: MiniLMEmbedder, test: list[dict[str, Any]]) -> dict[str, float]:
    """Time the whole understanding step (language, intent, sentiment, frustration over a three-turn history)
    given the turn's vector, which retrieval computes anyway: this is what understanding adds to a turn."""
    bot = Bot.from_config(load_config(folder / "bot.yaml"), embedder=embedder)
    reader = bot.reader
    texts = [c["text"] for c in test][:1000]
    vectors = [bot.retriever.query_vector(t) for t in texts]
    bot.close()
    timings = []
    for i, (text, vector) in enumerate(zip(texts, vectors, strict=True)):
        earlier = [EarlierTurn(texts[j], "fallback") for j in range(max(0, i - 3), i)]
        started = time.perf_counter()
        reader.read(text, vector, earlier)
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "p50": round(float(np.percentile(timings, 50)), 3),
        "p95": round(float(np.percentile(timings, 95)), 3),
        "embedding_ms_p50": _embedding_p50(embedder, texts[:200]),
    }


def _embedding_p50(embedder: MiniLMEmbedder, texts: list[str]) -> float:
    timings = []
    for text in texts:
        started = time.perf_counter()
        embedder.embed([text])
        timings.append((time.perf_counter() - started) * 1000)
    return round(float(np.percentile(timings, 50)), 3)


if __name__ == "__main__":
    main()
