"""The event vocabulary: past-tense facts appended to a conversation's log.

The transcript is this log; state, analytics, audit and evaluation all read it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True)
class Event:
    type: ClassVar[str] = "event"

    def payload(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ConversationStarted(Event):
    type: ClassVar[str] = "conversation_started"
    bot: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MessageReceived(Event):
    type: ClassVar[str] = "message_received"
    text: str
    sender: str = "customer"


@dataclass(frozen=True)
class MessageUnderstood(Event):
    """What the bot made of a customer message: language, intent or out of scope, sentiment, frustration."""

    type: ClassVar[str] = "message_understood"
    language: dict[str, Any]
    intent: dict[str, Any] | None
    sentiment: dict[str, Any]
    frustration: dict[str, Any]
    supported_language: bool = True


@dataclass(frozen=True)
class PassagesRetrieved(Event):
    """The evidence behind a reply: every passage considered, with its scores and document version."""

    type: ClassVar[str] = "passages_retrieved"
    query: str
    passages: list[dict[str, Any]]
    faq_match: dict[str, Any] | None = None


@dataclass(frozen=True)
class ReplySent(Event):
    type: ClassVar[str] = "reply_sent"
    decision: str
    text: str
    confidence: float
    citations: list[dict[str, Any]]
    latency_ms: float
    reason: str = ""
    # Reasons to hand off that an answer from the knowledge was given before (the reply offers a person):
    # if the customer says it did not help, they escalate.
    deferred: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class TurnFailed(Event):
    """A failure inside a turn: the customer got the fallback; this records why."""

    type: ClassVar[str] = "turn_failed"
    error: str
    message: str


@dataclass(frozen=True)
class EscalationTriggered(Event):
    """The bot decided a person is needed: why (each reason with its evidence), for which team, and what it
    still has to ask the customer for before handing off."""

    type: ClassVar[str] = "escalation_triggered"
    reasons: list[dict[str, Any]]
    team: str
    priority: int
    missing: list[str] = field(default_factory=list)
    # What the bot would have replied instead, and how sure it was (for audits and tuning).
    instead: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DetailsCollected(Event):
    """What the customer gave while the bot gathered the handoff's details (valid values, and what was not)."""

    type: ClassVar[str] = "details_collected"
    fields: dict[str, Any]
    invalid: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    asked: bool = False  # the customer's answer to the bot's request (else: known before asking)


@dataclass(frozen=True)
class HandoffQueued(Event):
    """The handoff packet, as a team receives it (actions deliver it to Slack, ticketing, CRM)."""

    type: ClassVar[str] = "handoff_queued"
    packet: dict[str, Any]


@dataclass(frozen=True)
class AgentJoined(Event):
    type: ClassVar[str] = "agent_joined"
    agent: str


@dataclass(frozen=True)
class AgentMessageSent(Event):
    """A person's message to the customer."""

    type: ClassVar[str] = "agent_message_sent"
    agent: str
    text: str


@dataclass(frozen=True)
class NoteAdded(Event):
    """An internal note between agents; never shown to the customer."""

    type: ClassVar[str] = "note_added"
    agent: str
    text: str


@dataclass(frozen=True)
class HandedBack(Event):
    """The person gave the conversation back to the bot; what came before no longer counts for escalation."""

    type: ClassVar[str] = "handed_back"
    agent: str


@dataclass(frozen=True)
class ConversationClosed(Event):
    type: ClassVar[str] = "conversation_closed"
    agent: str
    outcome: str  # resolved | not_resolved
