"""One turn, top to bottom: lock → load transcript → understand → retrieve → decide → compose → record."""

from __future__ import annotations

import re
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, Literal

from frontdesk.config import BotConfig
from frontdesk.conversation.compose import Citation, cite, extract_answer
from frontdesk.conversation.followups import is_follow_up, might_follow_up, with_context
from frontdesk.conversation.store import ConversationRecord, ConversationStore, StoredEvent, Transition
from frontdesk.errors import NotFoundError
from frontdesk.escalation import fields
from frontdesk.escalation.handoff import TRANSCRIPT_EVENTS, Teams, handoff_message, packet, waiting_message
from frontdesk.escalation.policy import EscalationPolicy, PastTurn
from frontdesk.escalation.signals import Signal
from frontdesk.events import (
    ConversationClosed,
    DetailsCollected,
    EscalationTriggered,
    Event,
    HandedBack,
    HandoffQueued,
    MessageReceived,
    MessageUnderstood,
    PassagesRetrieved,
    ReplySent,
    TurnFailed,
)
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
    deferred: list[Signal] = field(default_factory=list)


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
        escalation: Callable[[], EscalationPolicy] | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self._retriever = retriever  # a getter: knowledge can be re-indexed while the engine lives
        self._reader = reader
        self._escalation = escalation or (lambda: self._default_policy)
        # One lock per live conversation; an entry disappears once no turn holds it (no unbounded growth).
        self._locks: weakref.WeakValueDictionary[str, _TurnLock] = weakref.WeakValueDictionary()
        self._locks_guard = threading.Lock()

    @cached_property
    def _default_policy(self) -> EscalationPolicy:
        return EscalationPolicy(self.config.escalation)

    @cached_property
    def _team_settings(self) -> Teams:
        return Teams(self.config.escalation)

    def _teams(self) -> Teams:
        return self._team_settings

    def start(self, context: dict[str, Any] | None = None) -> ConversationRecord:
        return self.store.create(self.config.name, context or {})

    def handle_message(self, conversation_id: str, text: str) -> Reply:
        """Handle one customer message. Never raises for a failure inside the turn: the customer gets the
        fallback and the failure is recorded as an event.

        Who holds the conversation decides what happens: a person (`assigned`: the bot stays silent, the
        message is relayed), the queue (`queued`: the customer is told their message was added), the bot
        gathering a handoff's details (`collecting`), or the bot (`open`, `closed`)."""
        started = time.perf_counter()
        with self._lock(conversation_id):
            conversation = self.store.get(conversation_id)
            if conversation is None or conversation.bot != self.config.name:
                raise NotFoundError(f"no conversation {conversation_id!r}")
            history = _since_reset(self.store.events(conversation_id, types=HISTORY_EVENTS))
            if conversation.status in ("assigned", "queued"):
                reply = self._while_held(conversation, text, history, started)
                if reply is not None:
                    return reply
                conversation = self.store.get(conversation_id) or conversation  # handed back meanwhile
            self.store.append(conversation_id, [MessageReceived(text=text)])
            turn = _Turn(conversation, text, history, self._retriever(), started)
            try:
                vector = turn.retriever.query_vector(text)
                turn.understanding = self._reader().read(text, vector, _earlier_turns(history))
                if conversation.status == "collecting":
                    return self._collect_details(turn)
                if turn.understanding.supported_language:
                    turn.evidence = self._retrieve(turn.retriever, text, _earlier_searches(history))
                    turn.understanding = self._in_context(turn.understanding, turn.evidence, turn.retriever)
                outcome = self._decide(turn.understanding, turn.evidence, turn.retriever)
                reasons = self._reasons(turn, vector, outcome)
                if reasons and not self._escalation().answer_first(reasons, outcome.reason, outcome.confidence):
                    return self._escalate(turn, reasons, outcome)
                if reasons:  # answered first: offer the person the reasons call for (a curated answer stays verbatim)
                    label = self._teams().label(self._escalation().route(reasons).team)
                    offer = f"\n\nIf that doesn't solve it, tell me and I'll pass it to our {label}."
                    text = outcome.text if outcome.reason == "faq_match" else outcome.text + offer
                    outcome = replace(outcome, text=text, deferred=reasons)
            except Exception as exc:
                self.store.append(conversation_id, [TurnFailed(error=type(exc).__name__, message=str(exc)[:500])])
                language = turn.understanding.language.code if turn.understanding else None
                fallback = self.config.answer.wording("fallback", language)
                outcome = _Outcome("fallback", fallback, 0.0, [], "internal_error")
            events = [*turn.context_events(), self._reply_event(turn, outcome)]
            self.store.append(conversation_id, events)
            return turn.reply(outcome)

    # -- while a person holds the conversation, or it waits for one ------------------------------------------

    def _while_held(
        self, conversation: ConversationRecord, text: str, history: list[StoredEvent], started: float
    ) -> Reply | None:
        """The bot never answers a conversation a person holds; in the queue, it acknowledges. Either way the
        message is understood (language, sentiment) for the person and for analytics. None when the
        conversation went back to the bot between reading its status and writing (a concurrent hand-back)."""
        understood = self._understood(text, history)
        if conversation.status == "assigned":
            events: list[Event] = [MessageReceived(text=text), *understood]
            if self.store.transition(conversation.id, Transition(("assigned",), "assigned"), events) is None:
                return None
            return _held_reply(conversation, "with_agent", "", started)
        team = conversation.team or self.config.escalation.default_team
        acknowledgement = waiting_message(self._teams().label(team))
        ack = _reply_sent("escalate", acknowledgement, 1.0, started, "awaiting_agent")
        if (
            self.store.transition(
                conversation.id, Transition(("queued",), "queued"), [MessageReceived(text=text), *understood, ack]
            )
            is None
        ):
            latest = self.store.get(conversation.id)
            if latest is not None and latest.status == "assigned":
                return self._while_held(latest, text, history, started)
            return None
        return _held_reply(conversation, "awaiting_agent", acknowledgement, started)

    def _understood(self, text: str, history: list[StoredEvent]) -> list[Event]:
        try:
            understanding = self._reader().read(text, self._retriever().query_vector(text), _earlier_turns(history))
        except Exception:  # understanding a relayed message is a nicety; the relay itself must not fail
            return []
        return [_understood_event(understanding)]

    # -- escalation ------------------------------------------------------------------------------------------

    def _reasons(self, turn: _Turn, vector: Any, outcome: _Outcome) -> list[Signal]:
        """Why a person is needed, if they are. A failing detector must not cost the customer their answer:
        it is recorded and the turn goes on without escalating."""
        if turn.understanding is None:
            return []
        try:
            return self._escalation().reasons(
                turn.text,
                vector,
                turn.understanding,
                turn.conversation.context,
                _past_turns(turn.history),
                outcome.reason,
            )
        except Exception as exc:
            failed = TurnFailed(error=type(exc).__name__, message=f"escalation: {str(exc)[:480]}")
            self.store.append(turn.conversation.id, [failed])
            return []

    def _escalate(self, turn: _Turn, reasons: list[Signal], instead: _Outcome) -> Reply:
        """Start a handoff: ask for what the team needs and the bot does not know yet, or queue it now."""
        policy = self._escalation()
        route = policy.route(reasons)
        conversation = turn.conversation
        patterns = self.config.escalation.field_patterns
        known = dict(fields.from_context(route.collect, conversation.context, patterns).values)
        for message in [*_customer_messages(turn.history), turn.text]:
            for name, value in fields.from_message(route.collect, message, patterns, asked=False).values.items():
                known.setdefault(name, value)
        missing = [name for name in route.collect if name not in known]
        trigger = EscalationTriggered(
            reasons=[r.as_dict() for r in reasons],
            team=route.team,
            priority=route.priority,
            missing=missing,
            instead={
                "decision": instead.decision,
                "reason": instead.reason,
                "confidence": round(instead.confidence, 4),
                "sources": [c.source for c in instead.citations],
            },
        )
        events: list[Event] = [*turn.context_events(), trigger]
        if known:
            events.append(DetailsCollected(fields=known, missing=missing))
        label = self._teams().label(route.team)
        if missing:
            intro = _INTRO.get(reasons[0].reason, "I'll get a person from our {team} to help.").format(team=label)
            text = f"{intro} {fields.ask_for(missing, {})}"
            outcome = _Outcome("escalate", text, 1.0, [], "collecting_details")
            events.append(self._reply_event(turn, outcome))
            change = Transition(("open", "closed"), "collecting", team=route.team, priority=route.priority)
            self._write(conversation.id, change, events)
            return turn.reply(outcome, self._escalation_view(reasons, route.team, route.priority, "collecting"))
        return self._queue(turn, events, reasons, route.team, route.priority, known, ("open", "closed"))

    def _collect_details(self, turn: _Turn) -> Reply:
        """The customer answers the bot's request for details: keep what is valid, ask once more for what is
        missing or wrong, then hand off with whatever there is (a customer is never stuck in a form)."""
        trigger = next(e for e in reversed(turn.history) if e.type == EscalationTriggered.type)
        wanted = [str(name) for name in trigger.payload.get("missing", [])]
        after = [
            e
            for e in turn.history
            if e.seq > trigger.seq and e.type == DetailsCollected.type and e.payload.get("asked")
        ]
        collected: dict[str, str] = {}
        for event in after:
            collected.update(event.payload.get("fields", {}))
        still = [name for name in wanted if name not in collected]
        found = fields.from_message(still, turn.text, self.config.escalation.field_patterns, asked=True)
        collected.update(found.values)
        still = [name for name in wanted if name not in collected]
        events: list[Event] = [
            *turn.context_events(),
            DetailsCollected(fields=found.values, invalid=found.invalid, missing=still, asked=True),
        ]
        reasons = [_signal(r) for r in trigger.payload.get("reasons", [])]
        team, priority = str(trigger.payload["team"]), int(trigger.payload.get("priority", 0))
        asked_again = len(after) >= 1
        wants_person = self._asks_for_person(turn, {r.reason for r in reasons})
        reasons += wants_person
        if still and not asked_again and not wants_person and not _REFUSES.search(turn.text):
            outcome = _Outcome("escalate", fields.ask_for(still, found.invalid), 1.0, [], "collecting_details")
            events.append(self._reply_event(turn, outcome))
            self._write(turn.conversation.id, Transition(("collecting",), "collecting"), events)
            return turn.reply(outcome, self._escalation_view(reasons, team, priority, "collecting"))
        known = {**_fields_before(turn.history, trigger.seq), **collected}
        return self._queue(turn, events, reasons, team, priority, known, ("collecting",))

    def _asks_for_person(self, turn: _Turn, already: set[str]) -> list[Signal]:
        """While details are being collected, "can I just talk to someone" or an angry reply ends the questions."""
        if turn.understanding is None:
            return []
        vector = turn.retriever.query_vector(turn.text)
        fired = self._escalation().reasons(
            turn.text, vector, turn.understanding, turn.conversation.context, [], "collecting_details"
        )
        return [s for s in fired if s.reason in ("human_requested", "negative_sentiment") and s.reason not in already]

    def _queue(
        self,
        turn: _Turn,
        events: list[Event],
        reasons: list[Signal],
        team: str,
        priority: int,
        known: dict[str, str],
        allowed: tuple[str, ...],
    ) -> Reply:
        conversation = turn.conversation
        now = datetime.now(UTC)
        availability = self._teams().availability(team, now)
        email = known.get("email") or _context_email(conversation.context)
        text = handoff_message(self._teams().label(team), availability, email)
        outcome = _Outcome("escalate", text, 1.0, [], "handed_off")
        transcript_events = [*self.store.events(conversation.id, types=TRANSCRIPT_EVENTS)]
        handoff = packet(
            conversation_id=conversation.id,
            reasons=[r.as_dict() for r in reasons],
            team=team,
            priority=priority,
            fields=known,
            context=conversation.context,
            events=transcript_events,
            availability=availability,
            language=turn.understanding.language.code if turn.understanding else None,
            created_at=now,
        )
        events = [*events, HandoffQueued(packet=handoff), self._reply_event(turn, outcome)]
        self._write(conversation.id, Transition(allowed, "queued", team=team, priority=priority), events)
        return turn.reply(outcome, self._escalation_view(reasons, team, priority, "queued"))

    def _write(self, conversation_id: str, change: Transition, events: list[Event]) -> None:
        if self.store.transition(conversation_id, change, events) is None:
            # Someone else changed who holds it meanwhile (another process); keep the record, not the change.
            self.store.append(conversation_id, events)

    def _escalation_view(self, reasons: list[Signal], team: str, priority: int, status: str) -> dict[str, Any]:
        return {"reasons": [r.reason for r in reasons], "team": team, "priority": priority, "status": status}

    def _reply_event(self, turn: _Turn, outcome: _Outcome) -> ReplySent:
        reply = _reply_sent(outcome.decision, outcome.text, outcome.confidence, turn.started, outcome.reason,
                            [c.as_dict() for c in outcome.citations])  # fmt: skip
        return replace(reply, deferred=[s.as_dict() for s in outcome.deferred])

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

    def _in_context(self, understanding: Understanding, evidence: Evidence, retriever: Retriever) -> Understanding:
        """A follow-up ("even on a plane?") is about what it follows: when it was searched together with the
        earlier question, its intent is read from that same text (its vector is already computed)."""
        reader = self._reader()
        if reader.intents is None or understanding.intent is None or evidence.asked == understanding.text:
            return understanding
        intent = reader.intents.classify(
            evidence.asked, retriever.query_vector(evidence.asked), reader.intent_threshold
        )
        return replace(understanding, intent=intent)

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
        if is_vague(evidence.asked):  # "hi", "I have a question": ask what they need, whatever the intent
            return _Outcome("clarify", answer.wording("clarify", language), evidence.confidence, [], "underspecified")
        if intent is not None and intent.out_of_scope_by == "examples":
            return _Outcome("fallback", self.config.out_of_scope_reply(language), intent.score, [], "out_of_scope")
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


HISTORY_EVENTS = (
    MessageReceived.type,
    PassagesRetrieved.type,
    ReplySent.type,
    EscalationTriggered.type,
    DetailsCollected.type,
    HandedBack.type,
    ConversationClosed.type,
)
_INTRO = {
    "bug_report": "Sorry about that! I'll pass this to our {team}.",
    "payment": "I'll get our {team} to look at this for you.",
    "legal": "I'll pass this to our {team}.",
    "high_value_lead": "Happy to connect you with our {team}.",
    "human_requested": "Sure, I'll connect you with a person from our {team}.",
    "account_specific": "Someone with access to your account from our {team} will need to do this.",
    "low_confidence": "I'm not able to answer this myself, so I'll get a person from our {team} to help.",
    "repeated_failure": "I'm not able to answer this myself, so I'll get a person from our {team} to help.",
}
# "no", "skip", "just connect me": the customer would rather not give details; hand off with what there is.
_REFUSES = re.compile(
    r"^\s*(?:no|nope|skip|pass|n/?a)\b|\b(?:don'?t|do not|won'?t|will not|rather not) (?:want to )?(?:give|share|tell)|"
    r"\bjust (?:connect|get|put) me\b|\bno time\b",
    re.IGNORECASE,
)


class _Turn:
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
            events.append(_understood_event(understanding))
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

    def reply(self, outcome: _Outcome, escalation: dict[str, Any] | None = None) -> Reply:
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


def _understood_event(understanding: Understanding) -> MessageUnderstood:
    return MessageUnderstood(
        language=understanding.language.as_dict(),
        intent=understanding.intent.as_dict() if understanding.intent else None,
        sentiment=understanding.sentiment.as_dict(),
        frustration=understanding.frustration.as_dict(),
        supported_language=understanding.supported_language,
    )


def _reply_sent(
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


def _held_reply(conversation: ConversationRecord, reason: str, text: str, started: float) -> Reply:
    return Reply(
        conversation_id=conversation.id,
        decision="escalate",
        text=text,
        confidence=1.0,
        citations=[],
        latency_ms=(time.perf_counter() - started) * 1000,
        reason=reason,
        escalation={
            "reasons": [],
            "team": conversation.team,
            "priority": conversation.priority,
            "status": conversation.status,
        },
    )


def _since_reset(history: list[StoredEvent]) -> list[StoredEvent]:
    """The events since a person last handed the conversation back or closed it: what came before was dealt
    with, so it must not escalate again (no handoff loops)."""
    resets = [i for i, e in enumerate(history) if e.type in (HandedBack.type, ConversationClosed.type)]
    return history[resets[-1] + 1 :] if resets else history


def _past_turns(history: list[StoredEvent]) -> list[PastTurn]:
    return [
        PastTurn(
            str(e.payload.get("decision", "")),
            str(e.payload.get("reason", "")),
            tuple(_signal(d) for d in e.payload.get("deferred", [])),
        )
        for e in history
        if e.type == ReplySent.type
    ]


def _customer_messages(history: list[StoredEvent]) -> list[str]:
    return [str(e.payload.get("text", "")) for e in history if e.type == MessageReceived.type]


def _fields_before(history: list[StoredEvent], seq: int) -> dict[str, str]:
    """Details already collected when the handoff was triggered (from the page's context or earlier words)."""
    known: dict[str, str] = {}
    for event in history:
        if event.type == DetailsCollected.type and event.seq > seq and not event.payload.get("asked"):
            known.update(event.payload.get("fields", {}))
    return known


def _context_email(context: dict[str, Any]) -> str | None:
    value = context.get("email")
    return str(value) if isinstance(value, str) and fields.EMAIL.fullmatch(value) else None


def _signal(payload: dict[str, Any]) -> Signal:
    return Signal(str(payload.get("reason")), float(payload.get("score", 1.0)), str(payload.get("evidence", "")))
