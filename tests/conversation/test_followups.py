"""Which messages lean on the previous question, and which part of a long message is the question."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontdesk.bot import Bot
from frontdesk.config import load_config
from frontdesk.conversation.followups import is_follow_up, question_sentences, stands_alone
from tests.kb import BOT_YAML, write_kb


@pytest.mark.parametrize(
    "message", ["and for a team of 10?", "if we do, can we come back later and will our stuff still be there?"]
)
def test_continuations_are_follow_ups(message: str) -> None:
    assert is_follow_up(message)


def test_a_new_question_is_not_a_follow_up() -> None:
    assert not is_follow_up("how do I export my timesheets to payroll software every month?")


def test_the_question_is_found_among_the_scene_setting() -> None:
    message = "no signal at all in our basement kitchen. how far ahead can i see my rota in the app when offline?"
    assert question_sentences(message) == ["how far ahead can i see my rota in the app when offline?"]
    assert question_sentences("does it work on internet explorer? our pc is ancient") == [
        "does it work on internet explorer?"
    ]


def test_the_question_clause_of_a_one_sentence_message_is_found_after_the_scene() -> None:
    message = "our stock room downstairs has zero signal, can staff still clock in from there"
    assert question_sentences(message) == ["can staff still clock in from there"]
    assert question_sentences("hi, how do i export my data, is it a zip") == []  # two asks: not one question


def test_each_question_of_a_message_that_asks_more_than_one_is_searched() -> None:
    assert question_sentences("can i call you guys? is there a phone number") == [
        "can i call you guys?",
        "is there a phone number",
    ]


@pytest.mark.parametrize(
    "message",
    ["how do I reset my password?", "how do I reset my password? thanks", "we have 12 staff. thanks"],
)
def test_no_question_to_pull_out(message: str) -> None:
    assert question_sentences(message) == []


def test_a_follow_up_turn_embeds_the_message_and_its_search_in_one_call(tmp_path: Path) -> None:
    path = write_kb(tmp_path, BOT_YAML)
    bot = Bot.from_config(load_config(path), database_url=f"sqlite:///{tmp_path / 'bot.db'}")
    bot.ingest()
    calls: list[int] = []
    embed = bot.embedder.embed
    bot.embedder.embed = lambda texts: calls.append(len(texts)) or embed(texts)  # type: ignore[method-assign]
    conversation = bot.engine.start()
    bot.engine.handle_message(conversation.id, "how long is the refund window for annual plans")
    calls.clear()
    reply = bot.engine.handle_message(conversation.id, "and for monthly ones?")
    assert calls == [2]  # the message and "previous question + message", together
    assert reply.decision in ("answer", "fallback")
    bot.close()


@pytest.mark.parametrize(
    ("message", "alone"),
    [
        ("and is there a free trial?", True),
        ("and how do I reset my password?", True),
        ("and if I pay monthly?", False),
        ("and what about 2fa?", False),
        ("and for a team of 10?", False),
    ],
)
def test_a_follow_up_that_is_a_whole_question_stands_alone(message: str, alone: bool) -> None:
    assert stands_alone(message) is alone


def test_a_whole_new_question_after_and_is_not_searched_with_the_previous_one(tmp_path: Path) -> None:
    path = write_kb(tmp_path, BOT_YAML)
    bot = Bot.from_config(load_config(path), database_url=f"sqlite:///{tmp_path / 'bot.db'}")
    bot.ingest()
    conversation = bot.engine.start()
    first = bot.engine.handle_message(conversation.id, "how much does the pro plan cost per user")
    assert first.citations[0].source == "plans/pricing.md"
    reply = bot.engine.handle_message(conversation.id, "and how do I reset my password?")
    assert reply.decision == "answer" and reply.citations[0].source == "account/password.md"
    bot.close()


def test_a_question_that_points_back_does_not_stand_alone() -> None:
    assert not stands_alone("and is it taxed in the uk?")
    assert stands_alone("and is there a free trial?")
