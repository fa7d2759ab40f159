"""Escalation signals: cross-validated quality per reason on the project's labelled messages, baselines in the same
run, and the latency of one detect() call given the message's vector.

Nested 5-fold cross-validation on src/frontdesk/escalation/data/signals.jsonl: for each outer fold, the L2
penalty, cue scale and threshold per reason are chosen by `fit_signals.choose` (its own inner 5-fold CV) on the
other four fifths only, the heads are refitted there, and the held-out fifth is scored. Nothing about a held-out
message is seen before it is scored. Baselines, on the same messages:
- `rules_only`: the shipped rules without the model: a cue phrase that fires alone ("chargeback", "my lawyer",
  "speak to a human", "200 seats ... pricing"), and high frustration for negative_sentiment;
- `keywords`: a reason fires when any of its cue words appears (the rules plus the broad word lists).
"answerable_not_escalated" is the share of messages labelled with no reason (help-center questions, small talk,
thanks) on which nothing fires. Latency is the bundled detector's detect() on every message, given its vector,
sentiment and frustration (computed beforehand, as the turn does).

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/signals.py
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fit_signals import FOLDS, SEED, Examples, choose, final_scores, fit, prepare, prf, stratified_folds

from frontdesk.escalation.signals import CUES, REASONS, SignalDetector, cues, training_data_path

Fired = dict[str, npt.NDArray[np.bool_]]


def _summary(data: Examples, fired: Fired) -> dict[str, Any]:
    answerable = np.array([not labels for labels in data.reasons])
    escalated = np.any(np.stack([fired[reason] for reason in REASONS]), axis=0)
    per_reason = {reason: prf(fired[reason], data.gold(reason)) for reason in REASONS}
    exact = [{r for r in REASONS if fired[r][i]} == set(data.reasons[i]) for i in range(len(data.texts))]
    return {
        "per_reason": per_reason,
        "macro_precision": round(float(np.mean([row["precision"] for row in per_reason.values()])), 4),
        "macro_recall": round(float(np.mean([row["recall"] for row in per_reason.values()])), 4),
        "macro_f1": round(float(np.mean([row["f1"] for row in per_reason.values()])), 4),
        "answerable_not_escalated": round(float((~escalated[answerable]).mean()), 4),
        "needs_human_escalated": round(float(escalated[~answerable].mean()), 4),
        "exact_reason_set": round(float(np.mean(exact)), 4),
    }


def nested_cross_validation(data: Examples) -> tuple[Fired, dict[str, list[float]]]:
    n = len(data.texts)
    fired = {reason: np.zeros(n, dtype=bool) for reason in REASONS}
    thresholds: dict[str, list[float]] = {reason: [] for reason in REASONS}
    for number, fold in enumerate(stratified_folds(data.reasons, FOLDS, SEED + 1), start=1):
        held = set(fold)
        train = [i for i in range(n) if i not in held]
        inner = data.subset(train)
        choice = choose(inner)
        detector = fit(inner, choice)
        for i, by_reason in final_scores(detector, data, fold).items():
            for reason in REASONS:
                fired[reason][i] = by_reason.get(reason, 0.0) >= choice.thresholds[reason]
        for reason in REASONS:
            thresholds[reason].append(choice.thresholds[reason])
        print(f"outer fold {number}/{FOLDS} done", file=sys.stderr)
    return fired, thresholds


def baselines(data: Examples) -> tuple[Fired, Fired]:
    table = np.stack([cues(text) for text in data.texts])
    column = {name: table[:, i] > 0 for i, name in enumerate(CUES)}
    high = np.array([frustration.level == "high" for frustration in data.frustrations])
    insult = np.array(["insult" in frustration.signals for frustration in data.frustrations])
    rules, keywords = {}, {}
    for reason in REASONS:
        strong = column.get(f"{reason}_strong", np.zeros(len(data.texts), dtype=bool))
        word = column.get(f"{reason}_word", np.zeros(len(data.texts), dtype=bool))
        if reason == "negative_sentiment":
            strong = strong | high
            word = word | insult
        rules[reason] = strong
        keywords[reason] = strong | word
    return rules, keywords


def latency(data: Examples, detector: SignalDetector) -> dict[str, float]:
    def run(i: int) -> None:
        detector.detect(
            data.texts[i],
            data.vectors[i],
            sentiment=data.sentiments[i],
            frustration=data.frustrations[i],
            context={"email": "ana@example.com", "plan": "business", "attributes": {"seats": "12"}},
        )

    for i in range(min(100, len(data.texts))):  # warm-up
        run(i)
    samples = []
    for _ in range(3):
        for i in range(len(data.texts)):
            started = time.perf_counter()
            run(i)
            samples.append(time.perf_counter() - started)
    ms = np.array(samples) * 1000.0
    long_text = "my order has not arrived and I was charged twice, " * 80  # 4000 characters
    vector = data.vectors[0]
    long_samples = []
    for _ in range(50):
        started = time.perf_counter()
        detector.detect(long_text, vector, sentiment=data.sentiments[0], frustration=data.frustrations[0], context={})
        long_samples.append(time.perf_counter() - started)
    return {
        "detect_ms_p50": round(float(np.percentile(ms, 50)), 4),
        "detect_ms_p95": round(float(np.percentile(ms, 95)), 4),
        "detect_ms_p95_4000_chars": round(float(np.percentile(np.array(long_samples) * 1000.0, 95)), 4),
    }


def _ratio(a: float, b: float) -> float:
    return round(a / max(b, 1e-9), 3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args(argv)

    data = prepare(training_data_path())
    fired, thresholds = nested_cross_validation(data)
    rules, keywords = baselines(data)
    shipped = _summary(data, fired)
    rules_summary = _summary(data, rules)
    keywords_summary = _summary(data, keywords)
    report = {
        "data": str(training_data_path()),
        "messages": len(data.texts),
        "answerable": sum(1 for labels in data.reasons if not labels),
        "per_reason": {reason: int(data.gold(reason).sum()) for reason in REASONS},
        "method": "nested 5-fold CV; l2, cue scale and thresholds chosen on the training folds only",
        "shipped": {"features": f"MiniLM 384-d + {len(CUES)} cues, with the rules", **shipped},
        "thresholds_chosen_per_fold": thresholds,
        "baseline_rules_only": rules_summary,
        "baseline_keywords": keywords_summary,
        "ratio_macro_f1_vs_rules": _ratio(shipped["macro_f1"], rules_summary["macro_f1"]),
        "ratio_macro_f1_vs_keywords": _ratio(shipped["macro_f1"], keywords_summary["macro_f1"]),
        "ratio_recall_vs_rules": _ratio(shipped["macro_recall"], rules_summary["macro_recall"]),
        **latency(data, SignalDetector.bundled()),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
