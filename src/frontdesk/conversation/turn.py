"""What one turn carries: the reply it returns, the outcome it decided, and the events it records."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

from frontdesk.conversation.compose import Citation
from frontdesk.conversation.store import ConversationRecord, StoredEvent
from frontdesk.escalation.signals import Signal
from frontdesk.events import (
    EscalationTriggered,
    Event,
    MessageReceived,
    MessageUnderstood,
    PassagesRetrieved,
    ReplySent,
)
from frontdesk.knowledge.retrieval import Evidence, Retriever
from frontdesk.understanding.frustration import EarlierTurn
from frontdesk.understanding.reader import Understanding

Decision = Literal["answer", "clarify", "fallback", "escalate"]


@dataclass(frozen=True)
class Reply:
    conversation_id: str
    decision: Decision
    text: str
    confidence: float
    citations: list[Citation]
    latency_ms: float
    reason: str = ""
    intent: str | None = None
    sentiment: str | None = None
    language: str | None = None
    escalation: dict[str, Any] | None = None  # reasons, team, priority, status of a handoff
    evidence: dict[str, Any] = field(default_factory=dict, compare=False)
    understanding: dict[str, Any] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "decision": self.decision,
            "answer": self.text,
            "citations": [c.as_dict() for c in self.citations],
            "confidence": round(self.confidence, 4),
            "intent": self.intent,
            "sentiment": self.sentiment,
            "language": self.language,
            "escalation": self.escalation,
            "reason": self.reason,
            "latency_ms": round(self.latency_ms, 2),
        }


@dataclass(frozen=True)
class Outcome:
    decision: Decision
    text: str
    confidence: float
    citations: list[Citation]
    reason: str
    deferred: list[Signal] = field(default_factory=list)


class Turn:
    """What one turn has gathered so far, and how to turn it into events and a reply."""

    def __init__(
        self,
        conversation: ConversationRecord,
        text: str,
        history: list[StoredEvent],
        retriever: Retriever,
        started: float,
    ) -> None:
        self.conversation = conversation
        self.text = text
        self.history = history
        self.retriever = retriever
        self.started = started
        self.understanding: Understanding | None = None
        self.evidence: Evidence | None = None

    def context_events(self) -> list[Event]:
        events: list[Event] = []
        understanding, evidence = self.understanding, self.evidence
        if understanding is not None:
            events.append(understood_event(understanding))
        if evidence is not None:
            faq = (
                {
                    "source": self.retriever.index.passages[evidence.faq.passage].source_id,
                    "question": evidence.faq.text,
                    "similarity": round(evidence.faq_similarity, 4),
                }
                if evidence.faq
                else None
            )
            events.append(
                PassagesRetrieved(
                    query=evidence.query,
                    passages=evidence.as_dict()["passages"],  # type: ignore[arg-type]
                    faq_match=faq,
                )
            )
        return events

    def reply(self, outcome: Outcome, escalation: dict[str, Any] | None = None) -> Reply:
        understanding = self.understanding
        return Reply(
            conversation_id=self.conversation.id,
            decision=outcome.decision,
            text=outcome.text,
            confidence=outcome.confidence,
            citations=outcome.citations,
            latency_ms=(time.perf_counter() - self.started) * 1000,
            reason=outcome.reason,
            intent=understanding.intent.name if understanding and understanding.intent else None,
            sentiment=understanding.sentiment.label if understanding else None,
            language=understanding.language.code if understanding else None,
            escalation=escalation,
            evidence=self.evidence.as_dict() if self.evidence is not None else {},
            understanding=understanding.as_dict() if understanding else {},
        )


def understood_event(understanding: Understanding) -> MessageUnderstood:
    return MessageUnderstood(
        language=understanding.language.as_dict(),
        intent=understanding.intent.as_dict() if understanding.intent else None,
        sentiment=understanding.sentiment.as_dict(),
        frustration=understanding.frustration.as_dict(),
        supported_language=understanding.supported_language,
    )


def reply_sent(
    decision: str,
    text: str,
    confidence: float,
    started: float,
    reason: str,
    citations: list[dict[str, Any]] | None = None,
) -> ReplySent:
    return ReplySent(
        decision=decision,
        text=text,
        confidence=confidence,
        citations=citations or [],
        latency_ms=(time.perf_counter() - started) * 1000,
        reason=reason,
    )


def held_reply(
    conversation: ConversationRecord, reason: str, text: str, started: float, history: list[StoredEvent]
) -> Reply:
    """The reply while a person holds or is about to take the conversation: its state is still the handoff, so
    the handoff's reasons are reported with it (not the last message's, which a person reads)."""
    return Reply(
        conversation_id=conversation.id,
        decision="escalate",
        text=text,
        confidence=1.0,
        citations=[],
        latency_ms=(time.perf_counter() - started) * 1000,
        reason=reason,
        escalation={
            "reasons": handoff_reasons(history),
            "team": conversation.team,
            "priority": conversation.priority,
            "status": conversation.status,
        },
    )


def last_trigger(history: list[StoredEvent]) -> StoredEvent | None:
    """The latest handoff's trigger in `history` (None if there was none)."""
    return next((e for e in reversed(history) if e.type == EscalationTriggered.type), None)


def handoff_reasons(history: list[StoredEvent]) -> list[str]:
    """The reasons of the latest handoff in `history`, most urgent first (empty if there was none)."""
    trigger = last_trigger(history)
    return [str(r.get("reason")) for r in trigger.payload.get("reasons", [])] if trigger else []


def earlier_turns(history: list[StoredEvent]) -> list[EarlierTurn]:
    """Each earlier customer message with the decision the bot's reply to it took (None if it got none)."""
    turns: list[EarlierTurn] = []
    for event in history:
        if event.type == MessageReceived.type and event.payload.get("sender", "customer") == "customer":
            turns.append(EarlierTurn(text=str(event.payload.get("text", "")), decision=None))
        elif event.type == ReplySent.type and turns and turns[-1].decision is None:
            turns[-1] = EarlierTurn(text=turns[-1].text, decision=str(event.payload.get("decision")))
    return turns
