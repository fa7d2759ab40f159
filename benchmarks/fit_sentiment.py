"""Fit the bundled sentiment head (src/frontdesk/understanding/data/sentiment.npz) on the project's own messages.

Reads data/sentiment.jsonl (support messages written and labelled for Frontdesk), embeds them with the bundled
MiniLM, chooses the L2 penalty and the weight of the text cues by stratified 5-fold cross-validation on that file
alone (macro-F1), refits on all of it and writes the weights with the sha256 of the jsonl, which a test checks.
No other data set is read: the airline tweets in ../shared are for measuring only (benchmarks/sentiment.py).

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/fit_sentiment.py            # prints JSON, writes the npz
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/fit_sentiment.py --dry-run  # cross-validation only
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from frontdesk.providers.minilm import MiniLMEmbedder
from frontdesk.understanding.linear import fit_softmax
from frontdesk.understanding.sentiment import (
    LABELS,
    SentimentModel,
    features,
    file_sha256,
    training_data_path,
    weights_path,
)

L2_GRID = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2)
CUE_SCALES = (0.0, 0.5, 1.0, 2.0)
FOLDS = 5
SEED = 20261127


def load_examples(path: Path) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("label") not in LABELS or not isinstance(row.get("text"), str):
            raise SystemExit(f"{path}:{number}: need a text and a label in {LABELS}: {line}")
        key = " ".join(row["text"].lower().split())
        if key in seen:
            raise SystemExit(f"{path}:{number}: duplicate text: {row['text']}")
        seen.add(key)
        texts.append(row["text"])
        labels.append(row["label"])
    return texts, labels


def balanced_weights(labels: Sequence[str]) -> npt.NDArray[np.float64]:
    """Each class counts as much as the others; the weights have mean 1."""
    counts = Counter(labels)
    weights = np.array([len(labels) / (len(counts) * counts[label]) for label in labels])
    return weights / weights.mean()  # type: ignore[no-any-return]


def stratified_folds(labels: Sequence[str], folds: int, seed: int) -> list[list[int]]:
    rng = random.Random(seed)
    out: list[list[int]] = [[] for _ in range(folds)]
    for label in LABELS:
        members = [i for i, value in enumerate(labels) if value == label]
        rng.shuffle(members)
        for position, index in enumerate(members):
            out[position % folds].append(index)
    return out


def scores(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    result: dict[str, float] = {}
    f1s = []
    for label in LABELS:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p == label)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if p == label != g)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label != p)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        f1s.append(f1)
        result[f"{label}_precision"] = round(precision, 4)
        result[f"{label}_recall"] = round(recall, 4)
        result[f"{label}_f1"] = round(f1, 4)
    result["macro_f1"] = round(sum(f1s) / len(f1s), 4)
    result["accuracy"] = round(sum(1 for g, p in zip(gold, predicted, strict=True) if g == p) / len(gold), 4)
    return result


def cross_validate(
    texts: list[str], labels: list[str], vectors: npt.NDArray[np.float32], *, l2: float, cue_scale: float
) -> dict[str, float]:
    rows = features(texts, vectors, cue_scale)
    predicted = [""] * len(texts)
    for fold in stratified_folds(labels, FOLDS, SEED):
        held = set(fold)
        train = [i for i in range(len(texts)) if i not in held]
        train_labels = [labels[i] for i in train]
        head = fit_softmax(rows[train], train_labels, l2=l2, sample_weight=balanced_weights(train_labels))
        for index, probabilities in zip(fold, head.probabilities(rows[fold]), strict=True):
            predicted[index] = head.labels[int(np.argmax(probabilities))]
    return scores(labels, predicted)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="cross-validate only; do not write the weights")
    args = parser.parse_args(argv)

    data = training_data_path()
    texts, labels = load_examples(data)
    vectors = MiniLMEmbedder().embed(texts)

    grid = []
    for l2 in L2_GRID:
        for cue_scale in CUE_SCALES:
            result = cross_validate(texts, labels, vectors, l2=l2, cue_scale=cue_scale)
            grid.append({"l2": l2, "cue_scale": cue_scale, **result})
            print(json.dumps(grid[-1]), file=sys.stderr)
    best = max(grid, key=lambda row: (row["macro_f1"], row["negative_f1"]))
    l2, cue_scale = float(best["l2"]), float(best["cue_scale"])
    without_cues = max((row for row in grid if row["cue_scale"] == 0.0), key=lambda row: row["macro_f1"])

    head = fit_softmax(
        features(texts, vectors, cue_scale), labels, l2=l2, sample_weight=balanced_weights(labels), max_iter=1000
    )
    model = SentimentModel(head, cue_scale=cue_scale, data_sha256=file_sha256(data))
    report = {
        "examples": len(texts),
        "per_label": dict(sorted(Counter(labels).items())),
        "data_sha256": model.data_sha256,
        "chosen": {"l2": l2, "cue_scale": cue_scale},
        "cross_validation": best,
        "cross_validation_without_cues": without_cues,
        "training_fit": scores(labels, [p.label for p in model.predict_many(texts, vectors)]),
    }
    if not args.dry_run:
        model.save(weights_path())
        report["written"] = str(weights_path())
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
