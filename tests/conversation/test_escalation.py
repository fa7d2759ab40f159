"""The handoff as a customer lives it: reasons, details asked once, the queue, a person, and back to the bot."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from frontdesk.bot import Bot
from frontdesk.config import load_config
from frontdesk.conversation.engine import Reply
from frontdesk.escalation.inbox import Agent
from frontdesk.escalation.policy import EscalationPolicy
from frontdesk.testing.fakes import KeywordDetector
from tests.kb import BOT_YAML, write_kb

ESCALATION = """escalation:
  default_team: support
  route: {payment: billing, bug_report: engineering, legal: legal}
  field_patterns: {order_id: 'KW-\\d{6}'}
  reasons:
    payment: {collect: [email, order_id]}
    vip: {attributes: {plan: enterprise}, team: success, priority: 5, collect: []}
"""
PHRASES = {
    "payment": ["charged twice", "double charge"],
    "bug_report": ["doesn't work", "crashes"],
    "human_requested": ["talk to a human", "real person"],
    "legal": ["my lawyer"],
}
ANA = Agent("ana", ("*",))


def make_bot(root: Path, extra: str = "") -> Bot:
    path = write_kb(root, BOT_YAML + ESCALATION + extra)
    bot = Bot.from_config(load_config(path), database_url=f"sqlite:///{root / 'bot.db'}")
    bot.ingest()
    bot.__dict__["escalation"] = EscalationPolicy(bot.config.escalation, KeywordDetector(PHRASES))
    return bot


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Bot]:
    bot = make_bot(tmp_path)
    yield bot
    bot.close()


def talk(bot: Bot, *messages: str, context: dict[str, Any] | None = None) -> tuple[str, list[Reply]]:
    conversation = bot.engine.start(context or {})
    return conversation.id, [bot.engine.handle_message(conversation.id, m) for m in messages]


def test_details_are_asked_once_validated_and_the_handoff_is_queued(bot: Bot) -> None:
    conversation_id, replies = talk(
        bot, "I was charged twice this month", "it's ana@example", "ana@example.com, order KW-123456"
    )
    first, second, third = replies
    assert first.decision == "escalate" and first.reason == "collecting_details"
    assert first.escalation == {"reasons": ["payment"], "team": "billing", "priority": 3, "status": "collecting"}
    assert "email address" in first.text and "order number" in first.text
    assert second.reason == "collecting_details" and "doesn't look complete" in second.text
    assert third.reason == "handed_off" and third.escalation is not None and third.escalation["status"] == "queued"
    assert "billing team" in third.text
    record = bot.conversations.get(conversation_id)
    assert record is not None and (record.status, record.team, record.priority) == ("queued", "billing", 3)
    (queued,) = bot.conversations.events(conversation_id, types=["handoff_queued"])
    packet = queued.payload["packet"]
    assert packet["fields"] == {"email": "ana@example.com", "order_id": "KW-123456"}
    assert packet["reasons"][0]["reason"] == "payment" and "charged twice" in packet["reasons"][0]["evidence"]
    assert packet["summary"].startswith("payment: “I was charged twice this month")
    assert [line["from"] for line in packet["transcript"]][:2] == ["customer", "bot"]


def test_what_the_page_or_the_customer_already_said_is_not_asked_again(bot: Bot) -> None:
    _, (reply,) = talk(bot, "double charge on order KW-654321", context={"email": "ana@example.com"})
    assert reply.reason == "handed_off"


def test_after_one_more_try_the_customer_is_handed_off_with_what_there_is(bot: Bot) -> None:
    conversation_id, replies = talk(bot, "I was charged twice", "hmm", "no idea sorry")
    assert [r.reason for r in replies] == ["collecting_details", "collecting_details", "handed_off"]
    (queued,) = bot.conversations.events(conversation_id, types=["handoff_queued"])
    assert queued.payload["packet"]["fields"] == {}


def test_a_customer_who_would_rather_not_is_handed_off_at_once(bot: Bot) -> None:
    _, replies = talk(bot, "I was charged twice", "just connect me please")
    assert [r.reason for r in replies] == ["collecting_details", "handed_off"]


def test_a_bug_report_collects_repro_details(bot: Bot) -> None:
    conversation_id, replies = talk(
        bot,
        "the schedule page crashes",
        "I open the schedule then click publish, expected it to save but it shows an error. Chrome 131, Windows",
    )
    assert "steps" in replies[0].text and replies[0].escalation is not None
    assert replies[0].escalation["team"] == "engineering"
    assert replies[1].reason == "handed_off"
    (queued,) = bot.conversations.events(conversation_id, types=["handoff_queued"])
    assert set(queued.payload["packet"]["fields"]) == {"steps", "expected", "environment"}


def test_a_custom_reason_from_context_hands_off_without_asking(bot: Bot) -> None:
    _, (reply,) = talk(bot, "how do I reset my password", context={"plan": "Enterprise"})
    assert reply.decision == "escalate" and reply.reason == "handed_off"
    assert reply.escalation == {"reasons": ["vip"], "team": "success", "priority": 5, "status": "queued"}


def test_two_failures_in_a_row_escalate_and_yes_to_the_offer_asks_for_a_person(bot: Bot) -> None:
    _, replies = talk(bot, "what is the weather in Lisbon", "does the moon affect tides")
    assert replies[0].decision == "fallback"
    assert replies[1].decision == "escalate" and replies[1].escalation is not None
    assert replies[1].escalation["reasons"] == ["repeated_failure", "low_confidence"]
    _, replies = talk(bot, "what is the weather in Lisbon", "yes please")
    assert replies[1].escalation is not None and replies[1].escalation["reasons"] == ["human_requested"]


def test_answerable_questions_are_not_escalated(bot: Bot) -> None:
    _, replies = talk(bot, "how do I reset my password", "how long is the refund window for annual plans")
    assert [r.decision for r in replies] == ["answer", "answer"]


def test_while_waiting_the_customer_is_acknowledged_and_never_escalated_again(bot: Bot) -> None:
    conversation_id, replies = talk(
        bot, "I want to talk to a human", "ana@example.com", "hello??", "I was charged twice too"
    )
    assert [r.reason for r in replies] == ["collecting_details", "handed_off", "awaiting_agent", "awaiting_agent"]
    # The conversation's state is still the handoff: its reasons are reported, not the new message's.
    assert [r.escalation and r.escalation["reasons"] for r in replies[2:]] == [["human_requested"]] * 2
    assert len(bot.conversations.events(conversation_id, types=["handoff_queued"])) == 1
    assert len(bot.conversations.events(conversation_id, types=["escalation_triggered"])) == 1


def test_a_person_takes_over_and_the_bot_stays_silent_until_handed_back(bot: Bot) -> None:
    conversation_id, _ = talk(bot, "I want to talk to a human", "ana@example.com")
    bot.inbox.claim(ANA, conversation_id)
    reply = bot.engine.handle_message(conversation_id, "how do I reset my password")
    assert reply.reason == "with_agent" and reply.text == "" and reply.citations == []
    assert reply.escalation is not None and reply.escalation["reasons"] == ["human_requested"]
    bot.inbox.reply(ANA, conversation_id, "Hi, Ana here. Let me look.")
    bot.inbox.hand_back(ANA, conversation_id)
    # The earlier request for a person does not count any more: a plain question gets a plain answer.
    reply = bot.engine.handle_message(conversation_id, "how do I reset my password")
    assert reply.decision == "answer"
    types = [e.type for e in bot.conversations.events(conversation_id)]
    assert types.count("reply_sent") == 3  # asked for the email, handed off, (silence), the answer after it


def test_a_reopened_conversation_does_not_escalate_on_stale_failures(bot: Bot) -> None:
    conversation_id, _ = talk(bot, "what is the weather in Lisbon", "does the moon affect tides")
    bot.engine.handle_message(conversation_id, "ana@example.com")
    bot.inbox.claim(ANA, conversation_id)
    bot.inbox.close(ANA, conversation_id, "resolved")
    reply = bot.engine.handle_message(conversation_id, "what about the weather in Porto")
    assert reply.decision == "fallback"  # one failure since the reset, not the third in a row


def test_outside_business_hours_the_customer_is_told_when_and_email_is_promised_only_if_known(
    tmp_path: Path,
) -> None:
    closed_now = datetime.now(UTC).strftime("%a")  # a window on another day: closed right now
    other_day = "Sun" if closed_now != "Sun" else "Mon"
    bot = make_bot(tmp_path, f"  teams:\n    legal: {{hours: '{other_day} 09:00-10:00', timezone: UTC}}\n")
    _, replies = talk(bot, "my lawyer will be in touch", "no")
    assert replies[-1].reason == "handed_off"
    assert "offline right now" in replies[-1].text and "by email" not in replies[-1].text
    _, (reply,) = talk(bot, "my lawyer will be in touch", context={"email": "ana@example.com"})
    assert "offline right now" in reply.text and "follow up by email at ana@example.com" in reply.text
    bot.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_customer_and_an_agent_writing_at_once_lose_nothing(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    import threading

    url = f"sqlite:///{tmp_path / 'race.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    path = write_kb(tmp_path, BOT_YAML + ESCALATION)
    bot = Bot.from_config(load_config(path), database_url=url)
    bot.ingest()
    bot.__dict__["escalation"] = EscalationPolicy(bot.config.escalation, KeywordDetector(PHRASES))
    agent = Agent(f"ana-{backend}", ("*",))
    conversation_id, _ = talk(bot, "I want to talk to a human", "ana@example.com")
    bot.inbox.claim(agent, conversation_id)
    start = threading.Barrier(2)

    def customer() -> None:
        start.wait()
        for i in range(15):
            bot.engine.handle_message(conversation_id, f"customer {i}")

    def person() -> None:
        start.wait()
        for i in range(15):
            bot.inbox.reply(agent, conversation_id, f"agent {i}")

    threads = [threading.Thread(target=customer), threading.Thread(target=person)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    events = bot.conversations.events(conversation_id)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    said = [e.payload["text"] for e in events if e.type == "message_received"][2:]
    written = [e.payload["text"] for e in events if e.type == "agent_message_sent"]
    assert said == [f"customer {i}" for i in range(15)] and written == [f"agent {i}" for i in range(15)]
    after_claim = events[[e.type for e in events].index("agent_joined") :]
    assert not [e for e in after_claim if e.type == "reply_sent"]  # the bot never spoke while a person held it
    bot.close()


def test_a_confident_answer_comes_first_and_not_helping_brings_the_handoff_back(tmp_path: Path) -> None:
    bot = make_bot(tmp_path)
    bot.__dict__["escalation"] = EscalationPolicy(
        bot.config.escalation, KeywordDetector({"bug_report": ["reset my password"]}, as_model=True)
    )
    _, replies = talk(bot, "how do I reset my password", "that didn't help, still broken")
    first, second = replies
    assert first.decision == "answer" and first.citations[0].source == "account/password.md"
    assert first.text.endswith("If that doesn't solve it, tell me and I'll pass it to our engineering team.")
    assert second.decision == "escalate" and second.escalation is not None
    assert second.escalation["team"] == "engineering"
    assert set(second.escalation["reasons"]) == {"low_confidence", "bug_report"}
    bot.close()


def test_pushing_back_on_an_answer_the_bot_then_cannot_give_counts_as_a_second_miss(bot: Bot) -> None:
    _, replies = talk(bot, "how do I reset my password", "ok but is there any way at all to do it on the moon")
    assert replies[0].decision == "answer"
    assert replies[1].decision == "escalate" and replies[1].escalation is not None
    assert set(replies[1].escalation["reasons"]) == {"repeated_failure", "low_confidence"}


def test_right_after_a_miss_a_barely_confident_answer_counts_as_another_miss(tmp_path: Path) -> None:
    question = "how long is the refund window for annual plans"
    probe = make_bot(tmp_path / "probe")
    confidence = talk(probe, question)[1][0].confidence
    probe.close()
    # The same question, with the bot's threshold just under its confidence: answered on its own...
    bot = make_bot(tmp_path / "bot")
    bot.config.answer.threshold = confidence - 0.05
    assert talk(bot, question)[1][0].decision == "answer"
    # ...but after the fallback it is not confident enough to be the fix: the second miss hands off.
    _, replies = talk(bot, "what is the weather in Lisbon", question)
    assert replies[0].decision == "fallback"
    assert replies[1].decision == "escalate" and replies[1].escalation is not None
    assert "repeated_failure" in replies[1].escalation["reasons"]
    # A hello was no miss: the first real question only needs the usual threshold.
    _, replies = talk(bot, "hi there", question)
    assert [r.decision for r in replies] == ["clarify", "answer"]
    _, replies = talk(bot, "i have a question", question)  # asked what about, and it was not clearly answered
    assert replies[1].decision == "escalate"
    bot.close()


def test_a_hello_then_setting_the_scene_is_asked_what_they_need_not_handed_off(bot: Bot) -> None:
    _, replies = talk(bot, "hello", "i'm the office manager at a small bakery", "how do I reset my password")
    assert [(r.decision, r.reason) for r in replies[:2]] == [("clarify", "greeting"), ("clarify", "statement")]
    assert replies[2].decision == "answer"
    # A hello counts as the bot's question, though: no answer to what comes next is a miss after asking.
    _, replies = talk(bot, "hi", "what is the weather in Lisbon")
    assert replies[1].decision == "escalate" and replies[1].escalation is not None
    assert replies[1].escalation["reasons"] == ["low_confidence"]


def test_setting_the_scene_gets_the_clarifying_question_and_the_question_after_it_is_answered(bot: Bot) -> None:
    _, replies = talk(bot, "i'm the office manager at a small bakery", "how do I reset my password")
    assert replies[0].decision == "clarify" and replies[0].reason == "statement"
    assert replies[1].decision == "answer" and replies[1].citations[0].source == "account/password.md"


def test_an_email_given_while_details_are_asked_is_not_a_request_for_a_person(tmp_path: Path) -> None:
    # The bundled model reads a bare email address as "contact me"; only a phrase may end the questions.
    bot = make_bot(tmp_path)
    model_phrases = {**PHRASES, "human_requested": ["talk to a human", "@"]}
    bot.__dict__["escalation"] = EscalationPolicy(bot.config.escalation, KeywordDetector(model_phrases, as_model=True))
    _, replies = talk(bot, "the export crashes", "sure it's jo@example.com", "1. open export 2. it crashes")
    assert [r.reason for r in replies] == ["collecting_details", "collecting_details", "handed_off"]
    assert replies[-1].escalation is not None and replies[-1].escalation["reasons"] == ["bug_report"]
    bot.close()
