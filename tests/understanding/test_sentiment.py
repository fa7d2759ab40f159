"""The bundled sentiment model: right on clear messages it was not fitted on, fresh, fast and robust."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from frontdesk.providers.minilm import MiniLMEmbedder
from frontdesk.understanding.frustration import EarlierTurn, assess_frustration
from frontdesk.understanding.sentiment import (
    CUES,
    DIMENSION,
    LABELS,
    Sentiment,
    SentimentModel,
    cues,
    file_sha256,
    training_data_path,
)
from tests.conftest import SHARED

NEGATIVE = [
    "I've been waiting for my replacement card for 3 weeks and the app still shows in production",
    "the courier dumped my parcel in a puddle",
    "nobody has replied to my ticket since Monday",
    "it's the second time this month my groceries came without the milk",
    "oh wonderful, my train is cancelled again",
    "the invoice is wrong for the third month running",
    "this is a disgrace, I want to speak to your supervisor",
    "@northwind your app ate my booking and now the price is higher. cheers for that",
]
IMPLICIT_COMPLAINTS = [
    "my tv package lost all the sports channels overnight",
    "the parcel I ordered on the 2nd still hasn't turned up",
    "your checkout page keeps throwing an error when I enter my card",
    "I was billed for two months even though I cancelled in January",
]
NEUTRAL = [
    "do you have a branch in Leeds",
    "can I change my plan to the cheaper one",
    "what's the baggage allowance on long haul flights",
    "could you tell me the opening hours of the Bristol store",
]
NEUTRAL_WITH_PROBLEM_WORDS = [
    "how do I request a refund",
    "what is your cancellation policy for hotel bookings",
    "how can I update the card on my subscription",
    "where do I send a complaint letter",
    "what should I do if my luggage is delayed",
]
POSITIVE = [
    "thank you, the new router works a treat",
    "really pleased with how quickly you fixed my bill",
    "the delivery driver was a star, thanks!",
    "fantastic support as always, cheers",
    "the chat assistant sorted my booking in two minutes, impressive 👏",
]
ODD = ["", "   ", "😊🎉", "🙄", "?!?!", "a" * 4000, "word " * 800, "数据 données ✈️ " * 50]
CONVERSATION = ["how do I change my delivery slot", "WHY IS MY ORDER STILL NOT HERE, I asked you yesterday!!"]
ALL = NEGATIVE + IMPLICIT_COMPLAINTS + NEUTRAL + NEUTRAL_WITH_PROBLEM_WORDS + POSITIVE + ODD + CONVERSATION


def _normalised(text: str) -> str:
    return " ".join(text.lower().split())


@pytest.fixture(scope="module")
def model() -> SentimentModel:
    return SentimentModel.bundled()


@pytest.fixture(scope="module")
def vectors() -> dict[str, np.ndarray]:
    texts = list(dict.fromkeys(ALL))
    return dict(zip(texts, MiniLMEmbedder().embed(texts), strict=True))


def _predict(model: SentimentModel, vectors: dict[str, np.ndarray], text: str) -> Sentiment:
    return model.predict(text, vectors[text])


def _training_texts() -> set[str]:
    lines = training_data_path().read_text(encoding="utf-8").splitlines()
    return {_normalised(json.loads(line)["text"]) for line in lines if line.strip()}


def test_the_examples_here_are_not_in_the_training_file() -> None:
    assert not {_normalised(text) for text in ALL} & _training_texts()


@pytest.mark.parametrize("text", NEGATIVE)
def test_clear_complaints_are_negative(model: SentimentModel, vectors: dict[str, np.ndarray], text: str) -> None:
    assert _predict(model, vectors, text).label == "negative"


@pytest.mark.parametrize("text", IMPLICIT_COMPLAINTS)
def test_implicit_complaints_are_negative(model: SentimentModel, vectors: dict[str, np.ndarray], text: str) -> None:
    sentiment = _predict(model, vectors, text)
    assert sentiment.label == "negative"
    assert sentiment.negative >= 0.5


@pytest.mark.parametrize("text", NEUTRAL + NEUTRAL_WITH_PROBLEM_WORDS)
def test_questions_are_neutral_even_when_they_name_a_problem(
    model: SentimentModel, vectors: dict[str, np.ndarray], text: str
) -> None:
    sentiment = _predict(model, vectors, text)
    assert sentiment.label == "neutral"
    assert sentiment.negative < 0.5


@pytest.mark.parametrize("text", POSITIVE)
def test_thanks_and_praise_are_positive(model: SentimentModel, vectors: dict[str, np.ndarray], text: str) -> None:
    assert _predict(model, vectors, text).label == "positive"


def test_sentiment_feeds_frustration_calm_then_angry(model: SentimentModel, vectors: dict[str, np.ndarray]) -> None:
    calm, angry = CONVERSATION
    first = assess_frustration(calm, _predict(model, vectors, calm), [])
    second = assess_frustration(angry, _predict(model, vectors, angry), [EarlierTurn(calm, "fallback")])
    assert first.level == "none"
    assert second.level == "high"
    assert {"negative_sentiment", "shouting", "exclamations", "repeat_contact"} <= set(second.signals)


def test_prediction_is_deterministic_and_matches_the_batch_path(
    model: SentimentModel, vectors: dict[str, np.ndarray]
) -> None:
    texts = NEGATIVE + NEUTRAL + POSITIVE
    matrix = np.stack([vectors[text] for text in texts])
    first = [model.predict(text, vectors[text]) for text in texts]
    again = [model.predict(text, vectors[text]) for text in texts]
    batch = model.predict_many(texts, matrix)
    assert first == again
    for one, many in zip(first, batch, strict=True):
        assert one.label == many.label
        assert one.score == pytest.approx(many.score, abs=1e-6)
        assert one.negative == pytest.approx(many.negative, abs=1e-6)


@pytest.mark.parametrize(
    "text", ODD, ids=["empty", "blank", "emoji", "eyeroll", "punctuation", "4000a", "long", "mixed"]
)
def test_odd_and_very_long_messages_get_a_valid_sentiment(
    model: SentimentModel, vectors: dict[str, np.ndarray], text: str
) -> None:
    sentiment = _predict(model, vectors, text)
    assert sentiment.label in LABELS
    assert 0.0 <= sentiment.negative <= 1.0
    assert 1 / 3 - 1e-6 <= sentiment.score <= 1.0
    assert set(sentiment.as_dict()) == {"label", "score", "negative"}


def test_a_vector_of_the_wrong_shape_is_refused(model: SentimentModel) -> None:
    with pytest.raises(ValueError, match="384"):
        model.predict("hello", np.zeros(128, dtype=np.float32))
    with pytest.raises(ValueError):
        model.predict_many(["a", "b"], np.zeros((3, DIMENSION), dtype=np.float32))
    assert model.predict_many([], np.zeros((0, DIMENSION), dtype=np.float32)) == []


def test_the_bundled_model_is_loaded_once() -> None:
    assert SentimentModel.bundled() is SentimentModel.bundled()


def test_the_bundled_weights_were_fitted_on_the_current_training_file(model: SentimentModel) -> None:
    """If this fails, refit: OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/fit_sentiment.py"""
    assert model.data_sha256 == file_sha256(training_data_path())


def test_a_weights_file_round_trips(model: SentimentModel, tmp_path: Path) -> None:
    model.save(tmp_path / "copy.npz")
    copy = SentimentModel.load(tmp_path / "copy.npz")
    assert copy.data_sha256 == model.data_sha256
    assert copy.cue_scale == pytest.approx(model.cue_scale)
    assert np.array_equal(copy.head.weights, model.head.weights)


def test_the_training_file_is_large_balanced_and_clean() -> None:
    rows = [json.loads(line) for line in training_data_path().read_text(encoding="utf-8").splitlines() if line]
    assert len(rows) >= 900
    assert all(set(row) == {"text", "label"} and row["label"] in LABELS for row in rows)
    counts = {label: sum(1 for row in rows if row["label"] == label) for label in LABELS}
    assert min(counts.values()) >= 200, counts
    assert len({_normalised(row["text"]) for row in rows}) == len(rows)


def test_the_training_file_shares_no_text_with_the_airline_tweets() -> None:
    """The airline tweets are licensed for evaluation only: nothing of them may be in what we ship."""
    folder = SHARED / "data" / "twitter_airline_sentiment"
    if not folder.is_dir():
        pytest.skip("the shared airline data is not on this machine")
    tweets: set[str] = set()
    for name in ("train.csv", "dev.csv"):
        with (folder / name).open(encoding="utf-8", newline="") as file:
            tweets |= {_normalised(row["text"]) for row in csv.DictReader(file)}
    assert not _training_texts() & tweets


def test_cues_see_emoji_shouting_and_exclamations() -> None:
    table = dict(zip(CUES, cues("WHERE IS MY REFUND!!! 😡"), strict=True))
    assert table["shouting"] == 1.0
    assert table["exclamations"] == 1.0
    assert table["negative_emoji"] == 1.0
    calm = dict(zip(CUES, cues("Is the API down? I need the CSV export"), strict=True))
    assert calm["shouting"] < 0.5  # two acronyms among seven words
    assert calm["question"] == 1.0
