"""Sentiment of one customer message: negative, neutral or positive.

A softmax head (`frontdesk.understanding.linear`) over the message's MiniLM embedding, which the understanding step
has already computed, plus a few cheap cues read from the raw text: affect words, negation, "still"/"again",
exclamation marks, question marks, shouting and emoji (MiniLM's tokenizer maps most emoji to [UNK], so the
cues are what sees them). Prediction given the vector is one small matrix product: microseconds.

The weights (`data/sentiment.npz`) are fitted by `benchmarks/fit_sentiment.py` on `data/sentiment.jsonl`, support
messages written and labelled for this project across industries. No third-party sentiment data is used.
Labelling rule: a complaint, or a report that something went wrong for the customer ("my order still hasn't
arrived"), is negative; a question or request is neutral even when it names a problem ("how do I cancel?");
thanks, praise and relief are positive.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from frontdesk.understanding.linear import SoftmaxModel

__all__ = [
    "CUES",
    "DIMENSION",
    "LABELS",
    "Label",
    "Sentiment",
    "SentimentModel",
    "cues",
    "features",
    "file_sha256",
    "shouting_share",
    "training_data_path",
    "weights_path",
]

Label = Literal["negative", "neutral", "positive"]
LABELS: tuple[Label, ...] = ("negative", "neutral", "positive")
DIMENSION = 384  # all-MiniLM-L6-v2

Floats = npt.NDArray[np.float32]

_DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Sentiment:
    label: Label
    score: float  # probability of `label`
    negative: float  # probability of negative, in [0, 1]

    def as_dict(self) -> dict[str, object]:
        return {"label": self.label, "score": round(self.score, 4), "negative": round(self.negative, 4)}


# ---------------------------------------------------------------------------------------------------------------
# Text cues. Each is a number in [0, 1]; their order is part of the weights file (checked at load).

_NEGATIVE_WORDS = frozenset(
    """worst terrible horrible horrendous awful useless ridiculous unacceptable disappointed disappointing
    disappointment frustrated frustrating frustration annoyed annoying angry furious livid upset rude scam scammed
    scammers pathetic joke disgusting disgraceful shocking appalling outrageous hate hated sucks poor bad waste
    wasted nightmare ugh smh wtf fail failed unhappy regret ruined incompetent garbage rubbish trash crap shame
    unbelievable cheated ignored lied liars thieves robbery ripoff unreliable sick fed worse dreadful lousy
    mess shambles insane absurd clueless avoid""".split()
)
_POSITIVE_WORDS = frozenset(
    """thank thanks thx ty tysm thankyou great love loved loving luv amazing awesome excellent perfect appreciate
    appreciated helpful brilliant fantastic wonderful lovely happy pleased best legend kudos cheers impressed glad
    delighted recommend superb outstanding smooth grateful nice sweet fab fabulous good relief yay woohoo
    exceptional enjoyed satisfied""".split()
)
_NEGATIONS = frozenset("not no never nothing nobody none nowhere without cannot".split())
_PERSISTENCE = frozenset("still again yet anymore".split())
_NEGATIVE_EMOJI = frozenset("😡😠🤬😤😞😔😢😭😩😫🙄🤦👎💩😒😑🙃😾💔")
_POSITIVE_EMOJI = frozenset("😊😀😃😄😁😍🥰😘🙏👍👏🙌🎉🥳❤💕💖💯⭐🌟✨😎🤩👌☺🙂😂")

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

CUES: tuple[str, ...] = (
    "negative_words",
    "positive_words",
    "negations",
    "persistence",
    "exclamations",
    "question",
    "shouting",
    "negative_emoji",
    "positive_emoji",
)


def cues(text: str) -> Floats:
    """The hand-made text cues of a message, in `CUES` order."""
    tokens = _WORD.findall(text)
    lower = [token.lower().replace("’", "'") for token in tokens]
    negative = sum(1 for word in lower if word in _NEGATIVE_WORDS)
    positive = sum(1 for word in lower if word in _POSITIVE_WORDS)
    negations = sum(1 for word in lower if word in _NEGATIONS or word.endswith("n't"))
    persistence = sum(1 for word in lower if word in _PERSISTENCE)
    return np.array(
        [
            min(negative, 2) / 2,
            min(positive, 2) / 2,
            min(negations, 2) / 2,
            min(persistence, 1),
            min(text.count("!"), 3) / 3,
            1.0 if "?" in text else 0.0,
            shouting_share(tokens),
            1.0 if any(char in _NEGATIVE_EMOJI for char in text) else 0.0,
            1.0 if any(char in _POSITIVE_EMOJI for char in text) else 0.0,
        ],
        dtype=np.float32,
    )


def shouting_share(tokens: Sequence[str]) -> float:
    """Share of the words of 3+ letters written in capitals, when the message has at least 10 letters and two
    such capitalised words (so "API" or "ATM" alone is not shouting)."""
    long_words = [token for token in tokens if len(token) >= 3 and token.isalpha()]
    shouted = sum(1 for token in long_words if token.isupper())
    letters = sum(len(token) for token in tokens)
    if letters < 10 or shouted < 2:
        return 0.0
    return shouted / len(long_words)


# ---------------------------------------------------------------------------------------------------------------


class SentimentModel:
    """Predicts a message's sentiment from its text and its (precomputed) 384-d MiniLM vector."""

    def __init__(self, head: SoftmaxModel, *, cue_scale: float, data_sha256: str = "") -> None:
        if tuple(head.labels) != LABELS:
            raise ValueError(f"sentiment head labels must be {LABELS}, got {head.labels}")
        if head.weights.shape != (DIMENSION + len(CUES), len(LABELS)):
            raise ValueError(f"sentiment head has weights of shape {head.weights.shape}")
        self.head = head
        self.cue_scale = float(cue_scale)
        self.data_sha256 = data_sha256

    @classmethod
    def bundled(cls) -> SentimentModel:
        """The model shipped with Frontdesk (loaded once per process)."""
        return _bundled()

    @classmethod
    def load(cls, path: str | Path) -> SentimentModel:
        with np.load(path, allow_pickle=False) as data:
            names = tuple(str(name) for name in data["cues"])
            if names != CUES:
                raise ValueError(f"{path} was fitted with cues {names}, this code computes {CUES}")
            head = SoftmaxModel(
                labels=tuple(str(label) for label in data["labels"]),
                weights=data["weights"].astype(np.float32),
                bias=data["bias"].astype(np.float32),
            )
            return cls(head, cue_scale=float(data["cue_scale"]), data_sha256=str(data["data_sha256"]))

    def save(self, path: str | Path) -> None:
        np.savez_compressed(
            path,
            labels=np.array(self.head.labels),
            weights=self.head.weights,
            bias=self.head.bias,
            cues=np.array(CUES),
            cue_scale=np.float32(self.cue_scale),
            data_sha256=np.array(self.data_sha256),
        )

    def predict(self, text: str, vector: Floats) -> Sentiment:
        vector = np.asarray(vector, dtype=np.float32)
        if vector.shape != (DIMENSION,):
            raise ValueError(f"expected a ({DIMENSION},) vector, got {vector.shape}")
        row = np.concatenate([vector, cues(text) * np.float32(self.cue_scale)])
        return _sentiment(self.head.probabilities(row))

    def predict_many(self, texts: Sequence[str], vectors: Floats) -> list[Sentiment]:
        if isinstance(texts, str):
            raise TypeError("predict_many() takes a sequence of texts, not a single string")
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.shape != (len(texts), DIMENSION):
            raise ValueError(f"expected ({len(texts)}, {DIMENSION}) vectors, got {vectors.shape}")
        if not texts:
            return []
        probabilities = self.head.probabilities(features(texts, vectors, self.cue_scale))
        return [_sentiment(row) for row in probabilities]


def features(texts: Sequence[str], vectors: Floats, cue_scale: float) -> Floats:
    """The model's input rows: each vector followed by its text's cues times `cue_scale` (shared with fitting)."""
    table = np.stack([cues(text) for text in texts]) if texts else np.zeros((0, len(CUES)), dtype=np.float32)
    return np.concatenate([np.asarray(vectors, dtype=np.float32), table * np.float32(cue_scale)], axis=1)


def _sentiment(probabilities: Floats) -> Sentiment:
    best = int(np.argmax(probabilities))
    return Sentiment(
        label=LABELS[best],
        score=float(probabilities[best]),
        negative=float(probabilities[0]),
    )


def training_data_path() -> Path:
    """The labelled messages the bundled weights are fitted on."""
    return _DATA / "sentiment.jsonl"


def weights_path() -> Path:
    return _DATA / "sentiment.npz"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@cache
def _bundled() -> SentimentModel:
    return SentimentModel.load(weights_path())
