"""One turn, top to bottom: lock → load transcript → understand → retrieve → decide → compose → record."""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from frontdesk.config import BotConfig
from frontdesk.conversation.compose import Citation, cite, extract_answer
from frontdesk.conversation.followups import is_follow_up, might_follow_up, with_context
from frontdesk.conversation.store import ConversationRecord, ConversationStore, StoredEvent
from frontdesk.errors import NotFoundError
from frontdesk.events import Event, MessageReceived, MessageUnderstood, PassagesRetrieved, ReplySent, TurnFailed
from frontdesk.knowledge.retrieval import Evidence, Retriever
from frontdesk.understanding.frustration import EarlierTurn
from frontdesk.understanding.language import unsupported_language_reply
from frontdesk.understanding.reader import Reader, Understanding
from frontdesk.understanding.vagueness import is_vague

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
    escalation: dict[str, Any] | None = None  # filled in by the escalation step (a later issue)
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
class _Outcome:
    decision: Decision
    text: str
    confidence: float
    citations: list[Citation]
    reason: str


class _TurnLock:
    """A lock that can be weakly referenced (threading.Lock cannot)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


class ConversationEngine:
    def __init__(
        self,
        config: BotConfig,
        store: ConversationStore,
        retriever: Callable[[], Retriever],
        reader: Callable[[], Reader],
    ) -> None:
        self.config = config
        self.store = store
        self._retriever = retriever  # a getter: knowledge can be re-indexed while the engine lives
        self._reader = reader
        # One lock per live conversation; an entry disappears once no turn holds it (no unbounded growth).
        self._locks: weakref.WeakValueDictionary[str, _TurnLock] = weakref.WeakValueDictionary()
        self._locks_guard = threading.Lock()

    def start(self, context: dict[str, Any] | None = None) -> ConversationRecord:
        return self.store.create(self.config.name, context or {})

    def handle_message(self, conversation_id: str, text: str) -> Reply:
        """Answer one customer message. Never raises for a failure inside the turn: the customer gets the
        fallback and the failure is recorded as an event."""
        started = time.perf_counter()
        with self._lock(conversation_id):
            conversation = self.store.get(conversation_id)
            if conversation is None or conversation.bot != self.config.name:
                raise NotFoundError(f"no conversation {conversation_id!r}")
            history = self.store.events(
                conversation_id, types=[MessageReceived.type, PassagesRetrieved.type, ReplySent.type]
            )
            self.store.append(conversation_id, [MessageReceived(text=text)])
            evidence: Evidence | None = None
            understanding: Understanding | None = None
            retriever = self._retriever()
            try:
                understanding = self._reader().read(text, retriever.query_vector(text), _earlier_turns(history))
                if understanding.supported_language:
                    evidence = self._retrieve(retriever, text, _earlier_searches(history))
                outcome = self._decide(understanding, evidence, retriever)
            except Exception as exc:
                self.store.append(conversation_id, [TurnFailed(error=type(exc).__name__, message=str(exc)[:500])])
                language = understanding.language.code if understanding else None
                fallback = self.config.answer.wording("fallback", language)
                outcome = _Outcome("fallback", fallback, 0.0, [], "internal_error")
            latency = (time.perf_counter() - started) * 1000
            events: list[Event] = []
            if understanding is not None:
                events.append(
                    MessageUnderstood(
                        language=understanding.language.as_dict(),
                        intent=understanding.intent.as_dict() if understanding.intent else None,
                        sentiment=understanding.sentiment.as_dict(),
                        frustration=understanding.frustration.as_dict(),
                        supported_language=understanding.supported_language,
                    )
                )
            evidence_dict = evidence.as_dict() if evidence is not None else {}
            if evidence is not None:
                faq = (
                    {
                        "source": retriever.index.passages[evidence.faq.passage].source_id,
                        "question": evidence.faq.text,
                        "similarity": round(evidence.faq_similarity, 4),
                    }
                    if evidence.faq
                    else None
                )
                events.append(
                    PassagesRetrieved(
                        query=evidence.query,
                        passages=evidence_dict["passages"],  # type: ignore[arg-type]
                        faq_match=faq,
                    )
                )
            events.append(
                ReplySent(
                    decision=outcome.decision,
                    text=outcome.text,
                    confidence=outcome.confidence,
                    citations=[c.as_dict() for c in outcome.citations],
                    latency_ms=latency,
                    reason=outcome.reason,
                )
            )
            self.store.append(conversation_id, events)
            return Reply(
                conversation_id=conversation_id,
                decision=outcome.decision,
                text=outcome.text,
                confidence=outcome.confidence,
                citations=outcome.citations,
                latency_ms=latency,
                reason=outcome.reason,
                intent=understanding.intent.name if understanding and understanding.intent else None,
                sentiment=understanding.sentiment.label if understanding else None,
                language=understanding.language.code if understanding else None,
                evidence=evidence_dict,
                understanding=understanding.as_dict() if understanding else {},
            )

    def _lock(self, conversation_id: str) -> _TurnLock:
        with self._locks_guard:
            lock = self._locks.get(conversation_id)
            if lock is None:
                lock = self._locks[conversation_id] = _TurnLock()
            return lock

    def _retrieve(self, retriever: Retriever, text: str, earlier: list[tuple[str, set[str]]]) -> Evidence:
        """Search the message; a follow-up is searched with the question it follows. A message that may or may
        not lean on the previous one, and finds no confident answer alone, is searched again with it: that
        evidence wins only when it is better and stays on the previous turn's documents."""
        if earlier and is_follow_up(text):
            return retriever.retrieve(with_context(text, earlier[-1][0]))
        evidence = retriever.retrieve(text)
        if earlier and evidence.confidence < self.config.answer.threshold:
            previous_query, previous_sources = earlier[-1]
            combined = retriever.retrieve(with_context(text, previous_query))
            best = combined.hits[0].passage.source_id if combined.hits else None
            if combined.confidence > evidence.confidence and (might_follow_up(text) or best in previous_sources):
                return combined
        return evidence

    def _decide(self, understanding: Understanding, evidence: Evidence | None, retriever: Retriever) -> _Outcome:
        """Language first (a message the bot cannot read is not searched), then the owner's curated FAQ, then
        scope: the owner's out-of-scope examples win outright; an intent too unlikely to name is out of scope
        only when the knowledge does not confidently answer it either."""
        answer = self.config.answer
        if evidence is None:
            text = unsupported_language_reply(understanding.language.code, self.config.supported_languages)
            return _Outcome("fallback", text, 0.0, [], "unsupported_language")
        index = retriever.index
        intent = understanding.intent
        language = understanding.language.code
        if evidence.faq is not None and evidence.faq_similarity >= self.config.retrieval.faq_match:
            passage = index.passages[evidence.faq.passage]
            citation = cite([h for h in evidence.hits if h.passage.chunk_id == passage.chunk_id], limit=1)
            if not citation:
                citation = [Citation(passage.source_id, passage.title, passage.url, passage.text)]
            return _Outcome("answer", passage.answer or passage.text, evidence.faq_similarity, citation, "faq_match")
        if intent is not None and intent.out_of_scope_by == "examples":
            return _Outcome("fallback", self.config.out_of_scope_reply(language), intent.score, [], "out_of_scope")
        if is_vague(evidence.asked):
            return _Outcome("clarify", answer.wording("clarify", language), evidence.confidence, [], "underspecified")
        confident = evidence.confidence >= answer.threshold and bool(evidence.hits)
        if intent is not None and intent.out_of_scope_by == "threshold" and not confident:
            return _Outcome("fallback", self.config.out_of_scope_reply(language), intent.score, [], "out_of_scope")
        if not confident:
            return _Outcome("fallback", answer.wording("fallback", language), evidence.confidence, [], "low_confidence")
        scored = list(zip(evidence.hits, evidence.confidences, strict=True))
        best, _ = max(scored[:3], key=lambda pair: pair[1])  # the first of equals, as ranked
        text = extract_answer(evidence.query, best.passage, index.lexical, max_chars=answer.max_chars)
        supporting = [best, *(h for h, c in scored if h is not best and c >= answer.cite_threshold)]
        return _Outcome("answer", text, evidence.confidence, cite(supporting, limit=answer.max_citations), "answered")


def _earlier_searches(history: list[StoredEvent]) -> list[tuple[str, set[str]]]:
    """What earlier turns searched for, and their top sources: a follow-up of a follow-up still carries the
    original topic."""
    return [
        (str(e.payload.get("query", "")), {str(p.get("source")) for p in e.payload.get("passages", [])[:3]})
        for e in history
        if e.type == PassagesRetrieved.type
    ]


def _earlier_turns(history: list[StoredEvent]) -> list[EarlierTurn]:
    """Each earlier customer message with the decision the bot's reply to it took (None if it got none)."""
    turns: list[EarlierTurn] = []
    for event in history:
        if event.type == MessageReceived.type and event.payload.get("sender", "customer") == "customer":
            turns.append(EarlierTurn(text=str(event.payload.get("text", "")), decision=None))
        elif event.type == ReplySent.type and turns and turns[-1].decision is None:
            turns[-1] = EarlierTurn(text=turns[-1].text, decision=str(event.payload.get("decision")))
    return turns
