"""The turn with understanding: scope, intents agreeing with knowledge, language, sentiment and frustration."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from frontdesk.bot import Bot
from frontdesk.config import BUILTIN_REASONS, load_config
from frontdesk.conversation.engine import Reply
from tests.kb import BOT_YAML, write_kb

INTENTS = {
    "refund": ["can I get a refund", "I want my money back", "refund my annual plan", "how long does a refund take"],
    "password_reset": ["I forgot my password", "reset my password", "the reset link expired", "can't sign in"],
    "pricing": ["how much is the pro plan", "what are your prices", "price per user", "volume pricing for teams"],
    "shipping": ["where is my parcel", "when will my order be delivered", "track my package", "delivery is late"],
    "out_of_scope": [
        "what's the weather like",
        "tell me a joke",
        "who won the game last night",
        "write me a poem",
        "what is the capital of France",
        "recommend a movie",
    ],
}


# These tests are about understanding; handing off is tested in test_escalation.py, so it is switched off here.
NO_ESCALATION = "escalation:\n  reasons:\n" + "".join(f"    {r}: {{enabled: false}}\n" for r in BUILTIN_REASONS)


def bot_yaml(extra: str = "", answer: str = "") -> str:
    yaml = BOT_YAML.replace("    type: hash", "    type: minilm").replace("answer:\n", "answer:\n" + answer)
    return (
        yaml
        + "use_cases: [billing and refunds, passwords and sign-in, plans and pricing]\n"
        + "intents:\n  examples: ./intents.jsonl\n"
        + NO_ESCALATION
        + extra
    )


def make_bot(root: Path, extra: str = "", answer: str = "") -> Bot:
    path = write_kb(root, bot_yaml(extra, answer))
    lines = [json.dumps({"text": t, "intent": name}) for name, texts in INTENTS.items() for t in texts]
    (root / "intents.jsonl").write_text("\n".join(lines) + "\n")
    bot = Bot.from_config(load_config(path), database_url=f"sqlite:///{root / 'bot.db'}")
    bot.ingest()
    return bot


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    bot = make_bot(tmp_path_factory.mktemp("understanding"))
    yield bot
    bot.close()


def say(bot: Bot, *messages: str) -> tuple[str, Reply]:
    conversation = bot.engine.start()
    reply = None
    for message in messages:
        reply = bot.engine.handle_message(conversation.id, message)
    assert reply is not None
    return conversation.id, reply


def test_an_out_of_scope_message_gets_the_scope_wording(bot: Bot) -> None:
    _, reply = say(bot, "tell me a funny joke about cats")
    assert reply.decision == "fallback" and reply.reason == "out_of_scope" and reply.intent == "out_of_scope"
    assert reply.text == (
        "Sorry, that's outside what I can help with here. "
        "I can help with billing and refunds, passwords and sign-in and plans and pricing."
    )
    assert reply.citations == []


def test_an_in_scope_question_is_answered_with_its_intent(bot: Bot) -> None:
    _, reply = say(bot, "I forgot my password, how do I reset it?")
    assert reply.decision == "answer" and reply.intent == "password_reset"
    assert reply.citations[0].source == "account/password.md"


def test_an_in_scope_intent_without_supporting_knowledge_is_not_answered(bot: Bot) -> None:
    _, reply = say(bot, "my parcel still hasn't been delivered, where is it?")
    assert reply.intent == "shipping"
    assert reply.decision == "fallback" and reply.reason == "low_confidence"


def test_a_language_the_bot_does_not_serve_is_told_which_it_does_in_that_language(bot: Bot) -> None:
    conversation_id, reply = say(bot, "Ich habe mein Passwort vergessen, wie kann ich es zurücksetzen?")
    assert reply.decision == "fallback" and reply.reason == "unsupported_language" and reply.language == "de"
    assert "Englisch" in reply.text
    types = [e.type for e in bot.conversations.events(conversation_id)]
    assert "passages_retrieved" not in types  # not searched: the answer would be in a language it cannot read


def test_a_configured_language_is_served_with_its_own_wording(tmp_path: Path) -> None:
    bot = make_bot(
        tmp_path,
        "languages: [en, de]\n",
        answer="  translations:\n    de:\n      out_of_scope: Dabei kann ich leider nicht helfen.\n",
    )
    assert bot.config.answer.threshold == 0.35  # the rest of the section is untouched
    _, reply = say(bot, "Ich habe mein Passwort vergessen, wie kann ich es zurücksetzen?")
    assert reply.language == "de" and reply.reason != "unsupported_language"
    _, reply = say(bot, "Erzähl mir bitte einen Witz über Katzen")
    assert reply.reason == "out_of_scope" and reply.text == "Dabei kann ich leider nicht helfen."
    _, reply = say(bot, "tell me a joke about cats")
    assert reply.text.startswith("Sorry, that's outside what I can help with here.")
    bot.close()


@pytest.mark.parametrize(
    "message",
    ["😡😡😡", "🙂", "asdf qwer zxcv", "Hallo, I need hilfe mit meinem password reset please", "refund " * 500],
)
def test_odd_messages_are_handled_without_a_crash(bot: Bot, message: str) -> None:
    conversation_id, reply = say(bot, message.strip())
    assert reply.reason != "internal_error"
    assert reply.decision in ("answer", "clarify", "fallback")
    types = [e.type for e in bot.conversations.events(conversation_id)]
    assert "turn_failed" not in types and "message_understood" in types


def test_every_turn_records_sentiment_and_frustration(bot: Bot) -> None:
    conversation_id, reply = say(
        bot,
        "where is my parcel?",
        "where is my parcel??",
        "THIS IS THE THIRD TIME I ASK. WHERE IS MY PARCEL!!!",
    )
    assert reply.sentiment == "negative"
    understood = [e.payload for e in bot.conversations.events(conversation_id) if e.type == "message_understood"]
    assert len(understood) == 3
    assert understood[0]["frustration"]["level"] == "none"
    assert "repeated_question" in understood[1]["frustration"]["signals"]
    last = understood[-1]["frustration"]
    assert last["level"] == "high"
    assert {"bot_failed_twice", "shouting", "repeat_contact"} <= set(last["signals"])
    assert understood[-1]["language"]["code"] == "en"


def test_a_calm_question_is_neutral_with_no_frustration(bot: Bot) -> None:
    conversation_id, reply = say(bot, "how much is the pro plan per user?")
    assert reply.sentiment == "neutral"
    understood = next(e.payload for e in bot.conversations.events(conversation_id) if e.type == "message_understood")
    assert understood["frustration"] == {"score": 0.0, "level": "none", "signals": []}


def test_a_message_quoting_the_knowledge_word_for_word_is_never_off_topic(bot: Bot) -> None:
    from dataclasses import replace

    from frontdesk.understanding.intents import Intent

    engine = bot.engine
    retriever = engine._retriever()
    off_topic = Intent("out_of_scope", 0.8, "password_reset", (), out_of_scope_by="examples")
    for text, kept in [
        ('my phone says "the reset link is valid for 60 minutes" but it isn\'t, what do I do', True),
        ("what's the weather like in Lisbon, asking for a trip", False),
    ]:
        understanding = replace(engine._reader().read(text, retriever.query_vector(text), []), intent=off_topic)
        outcome = engine._decide(understanding, engine._retrieve(retriever, text, []), retriever, 0.0)
        assert (outcome.reason != "out_of_scope") is kept


def test_setting_the_scene_is_asked_what_they_need_even_when_it_sounds_off_topic(bot: Bot) -> None:
    # Close to the owner's off-topic "who won the game last night", but it asks for nothing yet.
    _, reply = say(bot, "we all watched the game last night at the office")
    assert (reply.decision, reply.reason) == ("clarify", "statement")
    _, reply = say(bot, "who won the game last night")
    assert reply.reason == "out_of_scope"
