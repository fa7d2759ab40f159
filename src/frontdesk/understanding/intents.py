"""Intent detection: which of the bot's intents a message is, or `out_of_scope`.

Two views of the examples, blended in log space:
- a softmax head on the message's MiniLM embedding (the vector retrieval computes anyway: no extra model
  call), which knows paraphrases;
- a naive-Bayes model over stemmed words and word pairs, which knows the exact phrasings an intent uses
  ("top up", "card arrival") where embeddings blur them.
The intent's own name is added as one more example of it: in few-shot sets it is often the clearest one.

A message is out of scope when `out_of_scope` examples win, or when no intent is probable enough
(`intents.threshold`, calibrated by `frontdesk eval --calibrate`). Measured on CLINC150 and Banking77 in
docs/benchmarks.md.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import yaml

from frontdesk.errors import ConfigError
from frontdesk.knowledge.terms import stem, words
from frontdesk.understanding.linear import SoftmaxModel, fit_softmax

OUT_OF_SCOPE = "out_of_scope"
MODEL_VERSION = "intents-1"
L2 = 1e-5  # fitted on unit vectors, so the penalty is small; chosen on CLINC150/Banking77 dev data
LEXICAL_WEIGHT = 0.06  # weight of the naive-Bayes log-likelihoods beside the softmax's log-probabilities
SMOOTHING = 0.5  # additive smoothing of the naive-Bayes feature counts
MAX_EXAMPLE_CHARS = 1000

Floats = npt.NDArray[np.float32]


@dataclass(frozen=True)
class IntentExample:
    text: str
    intent: str


@dataclass(frozen=True)
class Intent:
    name: str  # an intent name, or OUT_OF_SCOPE
    score: float  # probability of the best in-scope intent (of `out_of_scope` when those examples won)
    best: str  # the best in-scope intent, even when the message is judged out of scope
    alternatives: tuple[tuple[str, float], ...]  # the next most probable intents
    # Why the message is out of scope: the owner's out-of-scope examples won ("examples"), or no intent was
    # probable enough ("threshold"); None when in scope.
    out_of_scope_by: Literal["examples", "threshold"] | None = None

    @property
    def in_scope(self) -> bool:
        return self.name != OUT_OF_SCOPE

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "score": round(self.score, 4),
            "best": self.best,
            "alternatives": [[name, round(score, 4)] for name, score in self.alternatives],
            "out_of_scope_by": self.out_of_scope_by,
        }


def features(text: str) -> set[str]:
    """Stemmed words and adjacent word pairs (stop words kept: "how do i" vs "why did my" matters here)."""
    stems = [stem(w) for w in words(text)[:200]]
    return {*stems, *(f"{a} {b}" for a, b in pairwise(stems))}


@dataclass(frozen=True)
class IntentModel:
    head: SoftmaxModel
    vocabulary: dict[str, int]
    log_likelihood: Floats  # (features, classes): log P(feature | class) under the naive-Bayes model
    fingerprint: str

    @property
    def labels(self) -> tuple[str, ...]:
        return self.head.labels

    @property
    def intents(self) -> tuple[str, ...]:
        return tuple(label for label in self.labels if label != OUT_OF_SCOPE)

    def probabilities(self, text: str, vector: Floats) -> Floats:
        logits = np.log(self.head.probabilities(vector) + 1e-12)
        rows = [self.vocabulary[f] for f in features(text) if f in self.vocabulary]
        if rows:
            logits = logits + LEXICAL_WEIGHT * self.log_likelihood[rows].sum(axis=0)
        logits -= logits.max()
        exp = np.exp(logits)
        return (exp / exp.sum()).astype(np.float32)  # type: ignore[no-any-return]

    def classify(self, text: str, vector: Floats, threshold: float) -> Intent:
        probabilities = self.probabilities(text, vector)
        order = [int(i) for i in np.argsort(-probabilities)]
        in_scope = [i for i in order if self.labels[i] != OUT_OF_SCOPE]
        top = order[0]
        best = in_scope[0]
        alternatives = tuple((self.labels[i], float(probabilities[i])) for i in in_scope[1:3])
        if self.labels[top] == OUT_OF_SCOPE:
            return Intent(OUT_OF_SCOPE, float(probabilities[top]), self.labels[best], alternatives, "examples")
        score = float(probabilities[best])
        if score < threshold:
            return Intent(OUT_OF_SCOPE, score, self.labels[best], alternatives, "threshold")
        return Intent(self.labels[best], score, self.labels[best], alternatives)

    def save(self, path: Path) -> None:
        vocabulary = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        with path.open("wb") as file:
            np.savez_compressed(
                file,
                labels=np.array(self.head.labels),
                weights=self.head.weights,
                bias=self.head.bias,
                vocabulary=np.array(vocabulary, dtype=str),
                log_likelihood=self.log_likelihood,
                fingerprint=np.array(self.fingerprint),
            )

    @classmethod
    def load(cls, path: Path) -> IntentModel:
        with np.load(path, allow_pickle=False) as data:
            head = SoftmaxModel(
                labels=tuple(str(x) for x in data["labels"]),
                weights=data["weights"].astype(np.float32),
                bias=data["bias"].astype(np.float32),
            )
            vocabulary = {str(f): i for i, f in enumerate(data["vocabulary"])}
            return cls(head, vocabulary, data["log_likelihood"].astype(np.float32), str(data["fingerprint"]))


def name_as_text(intent: str) -> str:
    return intent.replace("_", " ").replace("-", " ")


def fingerprint(examples: Sequence[IntentExample], embedder_name: str) -> str:
    digest = hashlib.sha256(f"{MODEL_VERSION}\0{embedder_name}\0".encode())
    for example in examples:
        digest.update(f"{example.intent}\0{example.text}\n".encode())
    return digest.hexdigest()[:32]


def fit_intents(
    examples: Sequence[IntentExample],
    embed: Callable[[list[str]], Floats],
    *,
    embedder_name: str,
) -> IntentModel:
    """Fit both views from the examples. `embed` gets every text once (callers may cache vectors)."""
    names = sorted({e.intent for e in examples})
    if len(names) < 2:
        raise ConfigError(
            "intents need examples of at least two intents (add `out_of_scope` examples of what the bot "
            f"must not take on); found {names or 'none'}"
        )
    # The name of each intent, in words, is one more example of it ("card_arrival" -> "card arrival").
    named = [IntentExample(name_as_text(name), name) for name in names if name != OUT_OF_SCOPE]
    training = [*examples, *named]
    texts = [e.text for e in training]
    labels = [e.intent for e in training]
    vectors = embed(texts)
    # Each intent weighs the same in total, however many examples it has (thousands of `out_of_scope`
    # examples must not drown an intent with ten).
    counts = {name: labels.count(name) for name in names}
    sample_weight = np.array([len(labels) / (len(names) * counts[label]) for label in labels])
    head = fit_softmax(vectors, labels, l2=L2, sample_weight=sample_weight)

    vocabulary: dict[str, int] = {}
    feature_sets = [features(t) for t in texts]
    for feature_set in feature_sets:
        for feature in feature_set:
            vocabulary.setdefault(feature, len(vocabulary))
    class_of = {name: i for i, name in enumerate(head.labels)}
    counts_matrix = np.zeros((len(vocabulary), len(head.labels)), dtype=np.float64)
    for feature_set, label in zip(feature_sets, labels, strict=True):
        rows = [vocabulary[f] for f in feature_set]
        counts_matrix[rows, class_of[label]] += 1.0
    totals = counts_matrix.sum(axis=0)
    log_likelihood = np.log((counts_matrix + SMOOTHING) / (totals + SMOOTHING * len(vocabulary)))
    return IntentModel(head, vocabulary, log_likelihood.astype(np.float32), fingerprint(examples, embedder_name))


def load_examples(path: Path) -> list[IntentExample]:
    """Intent examples from JSON Lines (`{"text": ..., "intent": ...}` per line) or YAML (intent: [texts])."""
    if not path.is_file():
        raise ConfigError(f"intents.examples: no file at {path}")
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read intent examples ({exc})") from exc
    examples: list[IntentExample] = []
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(content) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a mapping of intent name -> list of example messages")
        for intent, texts in data.items():
            if not isinstance(texts, list):
                raise ConfigError(f"{path}: {intent}: expected a list of example messages")
            examples.extend(_example(str(t), str(intent), f"{path}: {intent}") for t in texts)
    else:
        for number, line in enumerate(content.splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{where}: not valid JSON ({exc.msg})") from exc
            if (
                not isinstance(row, dict)
                or not isinstance(row.get("text"), str)
                or not isinstance(row.get("intent"), str)
            ):
                raise ConfigError(f'{where}: expected {{"text": "...", "intent": "..."}}')
            examples.append(_example(row["text"], row["intent"], where))
    if not examples:
        raise ConfigError(f"{path}: no intent examples")
    return examples


def _example(text: str, intent: str, where: str) -> IntentExample:
    text, intent = text.strip(), intent.strip()
    if not text or not intent:
        raise ConfigError(f"{where}: an example needs a non-empty text and intent")
    return IntentExample(text[:MAX_EXAMPLE_CHARS], intent)


class IntentCache:
    """The fitted model and the examples' vectors, in the bot's data folder: a restart loads the model in
    milliseconds, and editing a few examples re-embeds only those."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.fitted = False  # whether the last load_or_fit() had to fit

    @property
    def model_path(self) -> Path:
        return self.directory / "intents.npz"

    @property
    def vectors_path(self) -> Path:
        return self.directory / "intent-vectors.npz"

    def load(self, expected_fingerprint: str) -> IntentModel | None:
        try:
            model = IntentModel.load(self.model_path)
        except (OSError, ValueError, KeyError):
            return None  # absent, or written by another version: fit again
        return model if model.fingerprint == expected_fingerprint else None

    def load_or_fit(
        self,
        examples: Sequence[IntentExample],
        embed: Callable[[list[str]], Floats],
        *,
        embedder_name: str,
        dimension: int,
    ) -> IntentModel:
        cached = self.load(fingerprint(examples, embedder_name))
        self.fitted = cached is None
        if cached is not None:
            return cached
        known = self._vectors(embedder_name)

        def embed_cached(texts: list[str]) -> Floats:
            keys = [_text_key(t) for t in texts]
            missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in known))
            for text, vector in zip(missing, embed(missing) if missing else [], strict=True):
                known[_text_key(text)] = np.asarray(vector, dtype=np.float32)
            return np.stack([known[k] for k in keys]) if keys else np.zeros((0, dimension), np.float32)

        model = fit_intents(examples, embed_cached, embedder_name=embedder_name)
        self.directory.mkdir(parents=True, exist_ok=True)
        _write_atomically(self.model_path, model.save)
        in_use = {_text_key(e.text) for e in examples} | {_text_key(name_as_text(n)) for n in model.labels}
        kept = {k: v for k, v in known.items() if k in in_use}
        _write_atomically(self.vectors_path, lambda p: _save_vectors(p, embedder_name, kept))
        return model

    def _vectors(self, embedder_name: str) -> dict[str, Floats]:
        try:
            with np.load(self.vectors_path, allow_pickle=False) as data:
                if str(data["embedder"]) != embedder_name:
                    return {}
                return {str(k): v for k, v in zip(data["keys"], data["vectors"].astype(np.float32), strict=True)}
        except (OSError, ValueError, KeyError):
            return {}


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _save_vectors(path: Path, embedder_name: str, vectors: dict[str, Floats]) -> None:
    keys = sorted(vectors)
    matrix = np.stack([vectors[k] for k in keys]) if keys else np.zeros((0, 0), np.float32)
    with path.open("wb") as file:
        np.savez_compressed(file, embedder=np.array(embedder_name), keys=np.array(keys, dtype=str), vectors=matrix)


def _write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write to a temporary file, then rename: a crash or a concurrent reader never sees half a file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
