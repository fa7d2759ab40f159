"""Answer quality on the demo test set and the shared public data, against BM25-only and dense-only
baselines run in the same process. Prints one JSON object.

    .venv/bin/python benchmarks/quality.py [--suites demo,plausible,mtrag] [--scratch DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import datasets

from frontdesk.bot import Bot
from frontdesk.config import BotConfig, load_config
from frontdesk.evaluation.runner import run_eval
from frontdesk.evaluation.testset import load_testset
from frontdesk.providers.minilm import MiniLMEmbedder

VARIANTS = {"hybrid": None, "bm25_only": 0.0, "dense_only": 1.0}


def evaluate(config_path: Path, testset: Path, embedder: MiniLMEmbedder) -> dict[str, Any]:
    config = load_config(config_path)
    bot = Bot.from_config(config, embedder=embedder, conversation_database_url="sqlite://")
    ingest = bot.ingest().as_dict()
    cases = load_testset(testset)
    out: dict[str, Any] = {"cases": len(cases), "ingest": {k: ingest[k] for k in ("chunks_indexed", "seconds")}}
    for variant, weight in VARIANTS.items():
        variant_config = config if weight is None else _with_dense_weight(config, weight)
        variant_bot = Bot(variant_config, bot.database, embedder, bot.conversations.engine)
        report = run_eval(variant_bot.engine, cases)
        out[variant] = _summary(report, cases)
    bot.close()
    return out


def _with_dense_weight(config: BotConfig, weight: float) -> BotConfig:
    copy = config.model_copy(update={"retrieval": config.retrieval.model_copy(update={"dense_weight": weight})})
    copy.base_dir = config.base_dir
    return copy


def _summary(report: dict[str, Any], cases: list[Any]) -> dict[str, Any]:
    metrics = report["metrics"]
    results = report["results"]
    answerable = [r for c, r in zip(cases, results, strict=True) if c.expect.decision == "answer"]
    refusable = [r for c, r in zip(cases, results, strict=True) if c.expect.decision == "fallback"]
    return {
        "passed": report["passed"],
        "decision_accuracy": metrics["decision_accuracy"],
        "source_hit_rate": metrics["source_hit_rate"],
        # Source hit over every answerable case, refused ones counting as misses.
        "answerable_source_hit": _share(answerable, lambda r: "sources" not in r["failed"]),
        "answerable_answered": _share(answerable, lambda r: r["got"]["decision"] == "answer"),
        "self_contained_source_hit": _share(
            [r for c, r in zip(cases, results, strict=True) if "ambiguous" not in c.tags and c.expect.sources],
            lambda r: "sources" not in r["failed"],
        ),
        "unanswerable_fallback": _share(refusable, lambda r: r["got"]["decision"] == "fallback"),
        "answer_contains_rate": metrics["answer_contains_rate"],
        "latency_ms": metrics["latency_ms"],
    }


def _share(rows: list[dict[str, Any]], test: Any) -> float | None:
    return round(sum(1 for r in rows if test(r)) / len(rows), 4) if rows else None


def _ratios(result: dict[str, Any]) -> dict[str, Any]:
    ratios = {}
    for baseline in ("bm25_only", "dense_only"):
        for metric in ("decision_accuracy", "answerable_source_hit"):
            base, ours = result[baseline][metric], result["hybrid"][metric]
            if base:
                ratios[f"{metric}_vs_{baseline}"] = round(ours / base, 3)
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suites", default="demo,plausible,mtrag")
    parser.add_argument("--scratch", type=Path, default=None, help="Keep generated bots and indexes here.")
    args = parser.parse_args()
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="frontdesk-quality-"))
    embedder = MiniLMEmbedder()
    suites = args.suites.split(",")
    results: dict[str, Any] = {}
    started = time.perf_counter()
    if "demo" in suites:
        results["demo"] = evaluate(datasets.DEMO / "bot.yaml", datasets.DEMO / "testset.jsonl", embedder)
    if "plausible" in suites:
        results["plausible"] = evaluate(*datasets.plausible(scratch), embedder)
    if "mtrag" in suites:
        for domain, config, testset in datasets.mtrag(scratch):
            results[f"mtrag-{domain}"] = evaluate(config, testset, embedder)
    for result in results.values():
        result["ratios"] = _ratios(result)
    print(
        json.dumps(
            {"benchmark": "quality", "seconds": round(time.perf_counter() - started, 1), "suites": results}, indent=2
        )
    )


if __name__ == "__main__":
    main()
