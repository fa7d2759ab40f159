"""The turn end to end over a small knowledge base: answers, fallbacks, evidence, approval, ingest."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from frontdesk.bot import Bot
from frontdesk.config import load_config
from frontdesk.knowledge.documents import Approval
from tests.kb import write_kb


@pytest.fixture
def bot(tmp_path: Path, database_url: str) -> Iterator[Bot]:
    config = load_config(write_kb(tmp_path))
    bot = Bot.from_config(config, database_url=database_url)
    bot.ingest()
    yield bot
    bot.close()


def ask(bot: Bot, *turns: str):  # type: ignore[no-untyped-def]
    conversation = bot.engine.start({})
    reply = None
    for turn in turns:
        reply = bot.engine.handle_message(conversation.id, turn)
    return conversation.id, reply


def test_answers_from_the_matching_article_with_a_citation(bot: Bot) -> None:
    _, reply = ask(bot, "how do I reset my password")
    assert reply.decision == "answer"
    assert reply.citations[0].source == "account/password.md"
    assert "60 minutes" in reply.text


def test_an_answer_is_always_text_from_the_cited_passage(bot: Bot) -> None:
    _, reply = ask(bot, "how long does a refund take to reach my card")
    assert reply.decision == "answer"
    cited = [p.text for p in bot.index.passages if p.source_id == reply.citations[0].source]
    for line in reply.text.splitlines():
        assert any(line.strip() in text for text in cited)


def test_a_matching_faq_is_answered_verbatim(bot: Bot) -> None:
    _, reply = ask(bot, "Can I get my money back?")
    assert reply.decision == "answer"
    assert reply.text == "Annual plans can be refunded within 30 days of payment."
    assert reply.citations[0].source == "faq-refund-window"


def test_an_unrelated_question_gets_the_configured_fallback(bot: Bot) -> None:
    _, reply = ask(bot, "what will the weather be like in Lisbon tomorrow")
    assert reply.decision == "fallback"
    assert reply.text == bot.config.answer.fallback
    assert reply.citations == []


def test_a_vague_message_gets_a_clarifying_question(bot: Bot) -> None:
    _, reply = ask(bot, "hi, I have a question")
    assert reply.decision == "clarify"
    assert reply.text == bot.config.answer.clarify


def test_a_follow_up_is_searched_with_the_earlier_question(bot: Bot) -> None:
    conversation_id, reply = ask(bot, "how much is the Pro plan per user", "and for a team of 10?")
    assert reply.decision == "answer"
    assert reply.citations[0].source == "plans/pricing.md"
    queries = [e.payload["query"] for e in bot.conversations.events(conversation_id) if e.type == "passages_retrieved"]
    assert queries[1].startswith("how much is the Pro plan per user")


def test_every_reply_records_its_evidence(bot: Bot) -> None:
    conversation_id, _reply = ask(bot, "how do I reset my password")
    events = bot.conversations.events(conversation_id)
    assert [e.type for e in events] == [
        "conversation_started",
        "message_received",
        "message_understood",
        "passages_retrieved",
        "reply_sent",
    ]
    understood = events[2].payload
    assert understood["language"]["code"] == "en" and understood["sentiment"]["label"] == "neutral"
    assert understood["intent"] is None  # this bot declares no intents
    passages = events[3].payload["passages"]
    assert passages[0]["source"] == "account/password.md"
    assert len(passages[0]["document_hash"]) == 64 and passages[0]["document_version"] == 1
    assert {"score", "dense", "lexical", "coverage"} <= set(passages[0])
    assert events[4].payload["decision"] == "answer" and events[4].payload["latency_ms"] > 0


def test_retired_documents_stop_answering(bot: Bot) -> None:
    bot.knowledge.set_approval("test-bot", ["account/password.md"], Approval.RETIRED)
    bot.reload()
    _, reply = ask(bot, "how do I reset my password")
    assert all(c.source != "account/password.md" for c in reply.citations)


def test_a_failure_inside_a_turn_becomes_the_fallback_and_an_event(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(query: str) -> None:
        raise RuntimeError("index exploded")

    monkeypatch.setattr(bot.retriever, "retrieve", broken)
    conversation_id, reply = ask(bot, "how do I reset my password")
    assert reply.decision == "fallback" and reply.reason == "internal_error"
    failed = [e for e in bot.conversations.events(conversation_id) if e.type == "turn_failed"]
    assert failed and failed[0].payload["error"] == "RuntimeError"


def test_ingest_is_incremental_and_keeps_documents_that_fail_to_load(bot: Bot, tmp_path: Path) -> None:
    again = bot.ingest()
    assert again.added == [] and again.updated == [] and len(again.unchanged) == 4
    (tmp_path / "knowledge" / "account" / "password.md").write_bytes(b"\x00\x01\x02binary\x00junk\xff")
    (tmp_path / "knowledge" / "plans" / "pricing.md").write_text("# Plans\n\nEverything is free now.\n")
    report = bot.ingest()
    assert report.updated == ["plans/pricing.md"]
    assert next(f.path for f in report.failed).endswith("password.md")
    documents = {d.source_id: d for d in bot.knowledge.list_documents("test-bot")}
    assert documents["account/password.md"].approval is Approval.APPROVED  # the indexed version stays
    assert documents["plans/pricing.md"].version == 2
    _, reply = ask(bot, "how do I reset my password")
    assert reply.citations[0].source == "account/password.md"


def test_a_deleted_file_is_retired_on_the_next_ingest(bot: Bot, tmp_path: Path) -> None:
    (tmp_path / "knowledge" / "account" / "password.md").unlink()
    report = bot.ingest()
    assert report.retired == ["account/password.md"]
    documents = {d.source_id: d for d in bot.knowledge.list_documents("test-bot")}
    assert documents["account/password.md"].approval is Approval.RETIRED


def test_citations_carry_url_from_front_matter_or_url_base(bot: Bot) -> None:
    _, reply = ask(bot, "how do I reset my password")
    assert reply.citations[0].url == "https://help.example.com/account/password"
    _, reply = ask(bot, "where is the request refund button, under settings billing?")
    assert reply.citations[0].source == "billing/refunds.md"
    assert reply.citations[0].url == "https://help.example.com/billing/refunds"


def test_turns_on_one_conversation_never_interleave(bot: Bot) -> None:
    conversation = bot.engine.start({})
    questions = ["how do I reset my password", "how long does a refund take", "how much is the Pro plan"]

    def talk() -> None:
        for question in questions:
            bot.engine.handle_message(conversation.id, question)

    threads = [threading.Thread(target=talk) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    events = bot.conversations.events(conversation.id)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    # Each turn's events form one block: its message, what the bot made of it, then exactly one reply (several
    # turns alike in a row may hand the conversation off; a waiting conversation's turn is just acknowledged).
    blocks: list[list[str]] = []
    for event in events[1:]:
        if event.type == "message_received":
            blocks.append([])
        blocks[-1].append(event.type)
    assert len(blocks) == 9
    assert all(block[-1] == "reply_sent" for block in blocks)
    assert all(block.count("reply_sent") == 1 for block in blocks)
