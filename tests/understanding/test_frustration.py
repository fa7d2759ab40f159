"""Frustration: each signal fires on a conversation built for it, and a calm conversation stays calm."""

from __future__ import annotations

import time

import pytest

from frontdesk.understanding.frustration import (
    SIGNALS,
    EarlierTurn,
    Frustration,
    assess_frustration,
    has_insult,
    mentions_repeat_contact,
    repeats_earlier,
)
from frontdesk.understanding.sentiment import Sentiment

CALM = Sentiment(label="neutral", score=0.9, negative=0.05)
UPSET = Sentiment(label="negative", score=0.9, negative=0.9)
HAPPY = Sentiment(label="positive", score=0.95, negative=0.01)

ANSWERED = [
    EarlierTurn("how do I reset my password", "answer"),
    EarlierTurn("and can I change my email address too?", "answer"),
]


def test_a_calm_conversation_shows_no_frustration() -> None:
    result = assess_frustration("what are your opening hours on Sunday?", CALM, ANSWERED)
    assert result == Frustration(score=0.0, level="none", signals=())


def test_a_first_calm_message_shows_no_frustration() -> None:
    assert assess_frustration("Hi, I'd like to update my billing address", CALM, []).level == "none"


def test_negative_sentiment_alone_is_mild() -> None:
    result = assess_frustration("my parcel arrived damaged", UPSET, ANSWERED)
    assert result.signals == ("negative_sentiment",)
    assert result.level == "mild"
    assert result.score == pytest.approx(0.4 * 0.9)


@pytest.mark.parametrize(
    "text",
    [
        "you stupid bot",
        "this is st*pid",
        "what a useless b0t, you IDIOTS",
        "f**k this app",
        "what the f***ing hell",
        "sh!t service",
        "wtf",
        "you 1diots",
        "stuuuupid thing",
        "#clowns",
    ],
)
def test_insults_and_profanity_fire_even_when_lightly_masked(text: str) -> None:
    result = assess_frustration(text, CALM, [])
    assert "insult" in result.signals
    assert result.level == "high"


@pytest.mark.parametrize(
    "text",
    [
        "is this email a scam?",
        "I want to report fraud on my card",
        "when is the trash collected",
        "it's... fine",
        "I need a dumbbell set",
        "we're based in Scunthorpe",
        "class starts at 9",
        "hello, can you assess my claim",
    ],
)
def test_ordinary_words_are_not_insults(text: str) -> None:
    assert not has_insult(text)


def test_insult_detection_stays_linear_on_adversarial_text() -> None:
    for text in ["s" + "*" * 4000, " i" + "." * 4000 + "x", "st*pid " * 600, "f" + "!" * 4000]:
        started = time.perf_counter()
        has_insult(text)
        assert time.perf_counter() - started < 0.05


def test_shouting_fires_on_capitals_but_not_on_acronyms() -> None:
    assert "shouting" in assess_frustration("WHERE IS MY REFUND", CALM, []).signals
    assert "shouting" not in assess_frustration("Is the API down? I need the CSV export", CALM, []).signals
    assert "shouting" not in assess_frustration("OK", CALM, []).signals


def test_exclamation_marks_fire() -> None:
    assert "exclamations" in assess_frustration("answer me!!", CALM, []).signals
    assert "exclamations" in assess_frustration("are you serious?!", CALM, []).signals
    assert "exclamations" not in assess_frustration("thanks!", CALM, []).signals


def test_capitals_and_exclamations_of_joy_are_not_frustration() -> None:
    result = assess_frustration("THANK YOU SO MUCH!!! AMAZING SERVICE", HAPPY, [])
    assert result.signals == ()
    assert result.level == "none"


def test_asking_the_same_question_again_fires() -> None:
    earlier = [EarlierTurn("Where is my order 4471?", "fallback")]
    result = assess_frustration("where is my order 4471??", CALM, earlier)
    assert "repeated_question" in result.signals


def test_a_reworded_repeat_fires_and_a_new_question_does_not() -> None:
    earlier = [EarlierTurn("I'm still waiting for the refund on order 1234", "answer")]
    assert repeats_earlier("why hasn't my refund for order 1234 arrived", [t.text for t in earlier])
    assert not repeats_earlier("can I cancel my order", ["where is my order"])
    assert "repeated_question" not in assess_frustration("and do you ship to Norway?", CALM, ANSWERED).signals


def test_the_bot_failing_twice_fires() -> None:
    earlier = [
        EarlierTurn("can I move my booking", "answer"),
        EarlierTurn("to a later date I mean", "fallback"),
        EarlierTurn("the booking for next week", "clarify"),
    ]
    result = assess_frustration("the one on the 14th", CALM, earlier)
    assert result.signals == ("bot_failed_twice",)
    assert result.level == "mild"


def test_one_failure_or_an_escalation_is_not_the_bot_failing_twice() -> None:
    earlier = [EarlierTurn("a", "fallback"), EarlierTurn("b", "answer"), EarlierTurn("c", "escalate")]
    assert "bot_failed_twice" not in assess_frustration("ok", CALM, earlier).signals
    unknown = [EarlierTurn("a", None), EarlierTurn("b", None)]
    assert assess_frustration("ok", CALM, unknown).signals == ()


@pytest.mark.parametrize(
    "text",
    [
        "this is the third time I'm asking",
        "for the second time, my card is blocked",
        "5th email about this",
        "I've called 4 times now",
        "how many times do I have to explain this",
        "it keeps happening again and again",
        "still not working",
        "I already told you this before",
        "yet again the app crashed",
    ],
)
def test_saying_it_happened_before_fires(text: str) -> None:
    assert mentions_repeat_contact(text, negative=False)
    assert "repeat_contact" in assess_frustration(text, CALM, []).signals


def test_happy_repeat_customers_are_not_frustrated() -> None:
    assert assess_frustration("second time ordering from you, love it", HAPPY, []).signals == ()


def test_a_bare_still_or_again_counts_only_in_a_negative_message() -> None:
    assert "repeat_contact" not in assess_frustration("is the store still open?", CALM, []).signals
    assert "repeat_contact" not in assess_frustration("can you send it again?", CALM, []).signals
    assert (
        "repeat_contact" not in assess_frustration("second time using the app, how do I add a card?", CALM, []).signals
    )
    assert "repeat_contact" in assess_frustration("the parcel is lost again", UPSET, []).signals


def test_signals_add_up_to_high_frustration() -> None:
    earlier = [
        EarlierTurn("where is my refund for order 88", "fallback"),
        EarlierTurn("order 88 refund", "clarify"),
    ]
    result = assess_frustration("WHERE IS MY REFUND FOR ORDER 88!!! THIRD TIME I ASK, useless bot", UPSET, earlier)
    assert result.level == "high"
    assert result.score > 0.95
    assert set(result.signals) == {
        "negative_sentiment",
        "insult",
        "shouting",
        "exclamations",
        "repeated_question",
        "bot_failed_twice",
        "repeat_contact",
    }
    assert list(result.signals) == [name for name in SIGNALS if name in result.signals]
    assert result.as_dict() == {"score": round(result.score, 4), "level": "high", "signals": list(result.signals)}


def test_odd_and_very_long_messages_do_not_crash_and_stay_fast() -> None:
    earlier = [EarlierTurn("x " * 2000, "fallback")] * 20
    for text in ["", "   ", "😡😡😡", "!" * 4000, "a" * 4000, "STOP " * 800]:
        started = time.perf_counter()
        result = assess_frustration(text, CALM, earlier)
        assert time.perf_counter() - started < 0.05
        assert 0.0 <= result.score <= 1.0
        assert result.level in ("none", "mild", "high")
