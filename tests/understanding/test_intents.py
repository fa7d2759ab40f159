from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from frontdesk.errors import ConfigError
from frontdesk.providers.registry import shared_minilm
from frontdesk.understanding.intents import (
    OUT_OF_SCOPE,
    IntentCache,
    IntentExample,
    IntentModel,
    fit_intents,
    load_examples,
)

EXAMPLES = {
    "pricing": [
        "how much does the pro plan cost",
        "what are your prices",
        "is there a discount for annual billing",
        "how much per user per month",
        "price of the business plan",
        "do you have a cheaper plan",
        "what does it cost for a team of 20",
        "is there a free tier",
    ],
    "password_reset": [
        "I forgot my password",
        "how do I reset my password",
        "the reset link never arrived",
        "can't log in, need a new password",
        "password reset email expired",
        "change my password please",
        "locked out of my account after too many attempts",
        "where do I set a new password",
    ],
    "refund": [
        "I want my money back",
        "can I get a refund for my annual plan",
        "refund the last invoice please",
        "how long do refunds take",
        "you charged me and I want it reversed",
        "is the subscription refundable",
        "request a refund",
        "when will the refund reach my card",
    ],
    OUT_OF_SCOPE: [
        "what's the weather tomorrow",
        "tell me a joke",
        "who won the football match last night",
        "book me a flight to Paris",
        "what is the capital of Australia",
        "recommend a good pizza place",
        "play some music",
        "how tall is mount everest",
    ],
}


def examples() -> list[IntentExample]:
    return [IntentExample(text, intent) for intent, texts in EXAMPLES.items() for text in texts]


@pytest.fixture(scope="module")
def model() -> IntentModel:
    return fit_intents(examples(), shared_minilm().embed, embedder_name="all-MiniLM-L6-v2")


def classify(model: IntentModel, text: str, threshold: float = 0.35) -> str:
    return model.classify(text, shared_minilm().embed([text])[0], threshold).name


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("what would 15 seats cost me", "pricing"),
        ("I can't remember my login password", "password_reset"),
        ("please give me my money back for this month", "refund"),
        ("will it rain in Berlin on Saturday", OUT_OF_SCOPE),
    ],
)
def test_unseen_paraphrases_get_their_intent(model: IntentModel, message: str, intent: str) -> None:
    assert classify(model, message) == intent


def test_out_of_scope_examples_win_outright_and_say_so(model: IntentModel) -> None:
    text = "who is going to win the election"
    intent = model.classify(text, shared_minilm().embed([text])[0], threshold=0.0)
    assert intent.name == OUT_OF_SCOPE and intent.out_of_scope_by == "examples"
    assert intent.best in {"pricing", "password_reset", "refund"}  # the best in-scope guess is still reported


def test_an_improbable_intent_is_out_of_scope_by_threshold(model: IntentModel) -> None:
    text = "how much is a refund"  # between two intents: neither is certain
    vector = shared_minilm().embed([text])[0]
    loose = model.classify(text, vector, threshold=0.0)
    strict = model.classify(text, vector, threshold=0.999)
    assert loose.in_scope and loose.out_of_scope_by is None
    assert strict.name == OUT_OF_SCOPE and strict.out_of_scope_by == "threshold" and strict.best == loose.name


def test_the_phrase_model_knows_an_exact_wording(model: IntentModel) -> None:
    probabilities = model.probabilities("request a refund", shared_minilm().embed(["request a refund"])[0])
    assert model.labels[int(np.argmax(probabilities))] == "refund"
    assert abs(float(probabilities.sum()) - 1.0) < 1e-5


def test_a_saved_model_predicts_the_same(model: IntentModel, tmp_path: Path) -> None:
    model.save(tmp_path / "m.npz")
    loaded = IntentModel.load(tmp_path / "m.npz")
    vector = shared_minilm().embed(["refund my plan"])[0]
    assert loaded.fingerprint == model.fingerprint and loaded.labels == model.labels
    np.testing.assert_allclose(
        loaded.probabilities("refund my plan", vector), model.probabilities("refund my plan", vector)
    )


def test_the_cache_fits_once_and_reembeds_only_what_changed(tmp_path: Path) -> None:
    embedded: list[str] = []

    def embed(texts: list[str]) -> np.ndarray:
        embedded.extend(texts)
        return shared_minilm().embed(texts)

    cache = IntentCache(tmp_path)
    first = cache.load_or_fit(examples(), embed, embedder_name="m", dimension=384)
    count = len(embedded)
    assert count == len(examples()) + 3  # every example, plus the three intent names
    assert cache.fitted
    again = cache.load_or_fit(examples(), embed, embedder_name="m", dimension=384)
    assert len(embedded) == count and again.fingerprint == first.fingerprint  # loaded, not refitted
    assert not cache.fitted
    edited = [*examples(), IntentExample("what do you charge for 50 users", "pricing")]
    cache.load_or_fit(edited, embed, embedder_name="m", dimension=384)
    assert embedded[count:] == ["what do you charge for 50 users"]


def test_a_corrupt_cache_is_refitted(tmp_path: Path) -> None:
    cache = IntentCache(tmp_path)
    cache.model_path.write_bytes(b"not a model")
    model = cache.load_or_fit(examples(), shared_minilm().embed, embedder_name="m", dimension=384)
    assert set(model.labels) == set(EXAMPLES)


def test_examples_load_from_json_lines_and_yaml(tmp_path: Path) -> None:
    jsonl = tmp_path / "intents.jsonl"
    jsonl.write_text('{"text": "hi there", "intent": "greet"}\n\n{"text": " refund? ", "intent": "refund"}\n')
    assert load_examples(jsonl) == [IntentExample("hi there", "greet"), IntentExample("refund?", "refund")]
    yml = tmp_path / "intents.yaml"
    yml.write_text("greet:\n  - hi there\nrefund:\n  - refund?\n")
    assert load_examples(yml) == load_examples(jsonl)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"text": "hi", "intent": "greet"}\n{"text": "oops"\n', "intents.jsonl:2: not valid JSON"),
        ('{"text": "hi", "label": "greet"}\n', 'intents.jsonl:1: expected {"text": "...", "intent": "..."}'),
        ('{"text": "  ", "intent": "greet"}\n', "needs a non-empty text and intent"),
        ("", "no intent examples"),
    ],
)
def test_bad_example_files_name_the_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "intents.jsonl"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message.replace("{", r"\{").replace("}", r"\}").replace("?", r"\?")):
        load_examples(path)


def test_one_intent_alone_cannot_be_fitted() -> None:
    with pytest.raises(ConfigError, match="at least two intents"):
        fit_intents([IntentExample("hi", "greet")], shared_minilm().embed, embedder_name="m")
