"""The turn's handoff steps: starting one, collecting what the team needs, queueing it, and what the bot does
while a person holds the conversation or it waits for one."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from frontdesk.config import BotConfig
from frontdesk.conversation.store import ConversationRecord, ConversationStore, StoredEvent, Transition
from frontdesk.conversation.turn import (
    Outcome,
    Reply,
    Turn,
    earlier_turns,
    held_reply,
    last_trigger,
    reply_sent,
    understood_event,
)
from frontdesk.escalation import fields
from frontdesk.escalation.handoff import TRANSCRIPT_EVENTS, Teams, handoff_message, packet, waiting_message
from frontdesk.escalation.policy import EscalationPolicy, PastTurn
from frontdesk.escalation.signals import Signal
from frontdesk.events import (
    DetailsCollected,
    EscalationTriggered,
    Event,
    HandoffQueued,
    MessageReceived,
    ReplySent,
)
from frontdesk.knowledge.retrieval import Retriever
from frontdesk.understanding.reader import Reader


class Handoff:
    def __init__(
        self,
        config: BotConfig,
        store: ConversationStore,
        policy: Callable[[], EscalationPolicy],
        reader: Callable[[], Reader],
        retriever: Callable[[], Retriever],
    ) -> None:
        self.config = config
        self.store = store
        self._policy = policy
        self._reader = reader
        self._retriever = retriever
        self.teams = Teams(config.escalation)

    def while_held(
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
            return held_reply(conversation, "with_agent", "", started, history)
        team = conversation.team or self.config.escalation.default_team
        acknowledgement = waiting_message(self.teams.label(team))
        ack = reply_sent("escalate", acknowledgement, 1.0, started, "awaiting_agent")
        if (
            self.store.transition(
                conversation.id, Transition(("queued",), "queued"), [MessageReceived(text=text), *understood, ack]
            )
            is None
        ):
            latest = self.store.get(conversation.id)
            if latest is not None and latest.status == "assigned":
                return self.while_held(latest, text, history, started)
            return None
        return held_reply(conversation, "awaiting_agent", acknowledgement, started, history)

    def _understood(self, text: str, history: list[StoredEvent]) -> list[Event]:
        try:
            understanding = self._reader().read(text, self._retriever().query_vector(text), earlier_turns(history))
        except Exception:  # understanding a relayed message is a nicety; the relay itself must not fail
            return []
        return [understood_event(understanding)]

    def escalate(self, turn: Turn, reasons: list[Signal], instead: Outcome) -> Reply:
        """Start a handoff: ask for what the team needs and the bot does not know yet, or queue it now."""
        policy = self._policy()
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
        label = self.teams.label(route.team)
        if missing:
            intro = _INTRO.get(reasons[0].reason, "I'll get a person from our {team} to help.").format(team=label)
            text = f"{intro} {fields.ask_for(missing, {})}"
            outcome = Outcome("escalate", text, 1.0, [], "collecting_details")
            events.append(self.reply_event(turn, outcome))
            change = Transition(("open", "closed"), "collecting", team=route.team, priority=route.priority)
            self._write(conversation.id, change, events)
            return turn.reply(outcome, self._escalation_view(reasons, route.team, route.priority, "collecting"))
        return self._queue(turn, events, reasons, route.team, route.priority, known, ("open", "closed"))

    def collect_details(self, turn: Turn) -> Reply:
        """The customer answers the bot's request for details: keep what is valid, ask once more for what is
        missing or wrong, then hand off with whatever there is (a customer is never stuck in a form)."""
        trigger = last_trigger(turn.history)
        assert trigger is not None, "collecting details without a handoff"  # the status says there was one
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
        wants_person = self._asks_for_person(
            turn, {r.reason for r in reasons}, answered=bool(found.values or fields.EMAIL.search(turn.text))
        )
        reasons += wants_person
        if still and not asked_again and not wants_person and not _REFUSES.search(turn.text):
            outcome = Outcome("escalate", fields.ask_for(still, found.invalid), 1.0, [], "collecting_details")
            events.append(self.reply_event(turn, outcome))
            self._write(turn.conversation.id, Transition(("collecting",), "collecting"), events)
            return turn.reply(outcome, self._escalation_view(reasons, team, priority, "collecting"))
        known = {**_fields_before(turn.history, trigger.seq), **collected}
        return self._queue(turn, events, reasons, team, priority, known, ("collecting",))

    def _asks_for_person(self, turn: Turn, already: set[str], *, answered: bool) -> list[Signal]:
        """While details are being collected, "can I just talk to someone" or an angry reply ends the questions.
        A reply that gives what was asked for ("sure, it's jo@example.com") needs a phrase to say so: the
        model alone reads a bare email address as a wish to be contacted."""
        if turn.understanding is None:
            return []
        vector = turn.retriever.query_vector(turn.text)
        fired = self._policy().reasons(
            turn.text, vector, turn.understanding, turn.conversation.context, [], "collecting_details"
        )
        return [
            s
            for s in fired
            if s.reason in ("human_requested", "negative_sentiment")
            and s.reason not in already
            and not (answered and s.evidence.startswith("model"))
        ]

    def _queue(
        self,
        turn: Turn,
        events: list[Event],
        reasons: list[Signal],
        team: str,
        priority: int,
        known: dict[str, str],
        allowed: tuple[str, ...],
    ) -> Reply:
        conversation = turn.conversation
        now = datetime.now(UTC)
        availability = self.teams.availability(team, now)
        email = known.get("email") or _context_email(conversation.context)
        text = handoff_message(self.teams.label(team), availability, email)
        outcome = Outcome("escalate", text, 1.0, [], "handed_off")
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
        events = [*events, HandoffQueued(packet=handoff), self.reply_event(turn, outcome)]
        self._write(conversation.id, Transition(allowed, "queued", team=team, priority=priority), events)
        return turn.reply(outcome, self._escalation_view(reasons, team, priority, "queued"))

    def _write(self, conversation_id: str, change: Transition, events: list[Event]) -> None:
        if self.store.transition(conversation_id, change, events) is None:
            # Someone else changed who holds it meanwhile (another process); keep the record, not the change.
            self.store.append(conversation_id, events)

    def _escalation_view(self, reasons: list[Signal], team: str, priority: int, status: str) -> dict[str, Any]:
        return {"reasons": [r.reason for r in reasons], "team": team, "priority": priority, "status": status}

    def reply_event(self, turn: Turn, outcome: Outcome) -> ReplySent:
        reply = reply_sent(outcome.decision, outcome.text, outcome.confidence, turn.started, outcome.reason,
                            [c.as_dict() for c in outcome.citations])  # fmt: skip
        return replace(reply, deferred=[s.as_dict() for s in outcome.deferred])


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


def past_turns(history: list[StoredEvent]) -> list[PastTurn]:
    return [
        PastTurn(
            str(e.payload.get("decision", "")),
            str(e.payload.get("reason", "")),
            tuple(_signal(d) for d in e.payload.get("deferred", [])),
            float(e.payload.get("confidence", 1.0)),
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
