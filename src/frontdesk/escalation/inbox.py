"""The agents' side of a handoff: queues per team, claiming, replying, notes, handing back, closing.

Every change is one guarded transition in the store (see `Transition`): of two agents claiming at once exactly
one wins, and only the agent holding a conversation can write to the customer, hand it back or close it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from frontdesk.conversation.store import ConversationRecord, ConversationStore, StoredEvent, Transition
from frontdesk.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from frontdesk.events import AgentJoined, AgentMessageSent, ConversationClosed, HandedBack, NoteAdded

ALL_TEAMS = "*"
MAX_AGENT_MESSAGE = 8000
Outcome = Literal["resolved", "not_resolved"]


@dataclass(frozen=True)
class Agent:
    name: str
    teams: tuple[str, ...]  # "*" = every team

    def serves(self, team: str | None) -> bool:
        return ALL_TEAMS in self.teams or (team is not None and team in self.teams)


class AgentStore(Protocol):
    def add(self, bot: str, name: str, teams: list[str]) -> str: ...

    def authenticate(self, bot: str, token: str) -> Agent | None: ...

    def list(self, bot: str) -> list[Agent]: ...

    def remove(self, bot: str, name: str) -> None: ...


class Inbox:
    def __init__(self, bot: str, store: ConversationStore) -> None:
        self.bot = bot
        self.store = store

    def queues(self, agent: Agent) -> dict[str, list[ConversationRecord]]:
        """Per team the agent serves: conversations waiting for a person, then those people hold."""
        teams = None if ALL_TEAMS in agent.teams else list(agent.teams)
        records = self.store.queue(self.bot, statuses=["queued", "assigned"], teams=teams)
        out: dict[str, list[ConversationRecord]] = {team: [] for team in agent.teams if team != ALL_TEAMS}
        for record in sorted(records, key=lambda r: r.status != "queued"):
            out.setdefault(record.team or "", []).append(record)
        return out

    def conversation(self, agent: Agent, conversation_id: str) -> tuple[ConversationRecord, list[StoredEvent]]:
        record = self._visible(agent, conversation_id)
        return record, self.store.events(conversation_id)

    def claim(self, agent: Agent, conversation_id: str) -> ConversationRecord:
        self._visible(agent, conversation_id)
        change = Transition(("queued",), "assigned", assignee=agent.name)
        if self.store.transition(conversation_id, change, [AgentJoined(agent=agent.name)]) is None:
            current = self.store.get(conversation_id)
            status = current.status if current else "gone"
            holder = current.assignee if current else None
            message = f"already claimed by {holder}" if holder else f"this conversation is {status}; not claimed"
            raise ConflictError(message, details={"status": status, "assignee": holder})
        return self._get(conversation_id)

    def reply(self, agent: Agent, conversation_id: str, text: str) -> StoredEvent:
        text = _clean(text)
        self._visible(agent, conversation_id)
        stored = self.store.transition(
            conversation_id, _holding(agent), [AgentMessageSent(agent=agent.name, text=text)]
        )
        if stored is None:
            raise ConflictError("you do not hold this conversation: claim it first")
        return stored[0]

    def note(self, agent: Agent, conversation_id: str, text: str) -> StoredEvent:
        text = _clean(text)
        self._visible(agent, conversation_id)
        return self.store.append(conversation_id, [NoteAdded(agent=agent.name, text=text)])[0]

    def hand_back(self, agent: Agent, conversation_id: str) -> ConversationRecord:
        self._visible(agent, conversation_id)
        change = Transition(("assigned",), "open", holder=agent.name, clear_assignee=True)
        if self.store.transition(conversation_id, change, [HandedBack(agent=agent.name)]) is None:
            raise ConflictError("you do not hold this conversation")
        return self._get(conversation_id)

    def close(self, agent: Agent, conversation_id: str, outcome: str) -> ConversationRecord:
        if outcome not in ("resolved", "not_resolved"):
            raise InvalidInputError("outcome must be `resolved` or `not_resolved`")
        record = self._visible(agent, conversation_id)
        # A queued conversation can be closed by any agent of its team (a duplicate, spam); a held one only by
        # its holder.
        change = (
            _holding(agent, "closed")
            if record.status == "assigned"
            else Transition(("queued", "collecting", "open"), "closed")
        )
        closed = ConversationClosed(agent=agent.name, outcome=outcome)
        if self.store.transition(conversation_id, change, [closed]) is None:
            raise ConflictError("this conversation changed hands; reload it")
        return self._get(conversation_id)

    def _visible(self, agent: Agent, conversation_id: str) -> ConversationRecord:
        record = self.store.get(conversation_id)
        if record is None or record.bot != self.bot:
            raise NotFoundError(f"no conversation {conversation_id!r}")
        if not agent.serves(record.team):
            raise ForbiddenError(f"this conversation is for team {record.team!r}, which you are not in")
        return record

    def _get(self, conversation_id: str) -> ConversationRecord:
        record = self.store.get(conversation_id)
        if record is None:
            raise NotFoundError(f"no conversation {conversation_id!r}")
        return record


def _holding(agent: Agent, status: str = "assigned") -> Transition:
    return Transition(("assigned",), status, holder=agent.name)


def _clean(text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidInputError("the message is empty")
    if len(text) > MAX_AGENT_MESSAGE:
        raise InvalidInputError(f"the message is longer than {MAX_AGENT_MESSAGE} characters")
    return text


def visible_to_customer(events: Sequence[StoredEvent]) -> list[dict[str, Any]]:
    """What the customer's live view shows: messages both ways and who is there, never notes or evidence."""
    shown = []
    for event in events:
        if event.type == "message_received":
            shown.append({"seq": event.seq, "type": "customer_message", "text": event.payload.get("text", "")})
        elif event.type == "reply_sent" and event.payload.get("text"):
            shown.append(
                {
                    "seq": event.seq,
                    "type": "bot_message",
                    "text": event.payload.get("text", ""),
                    "decision": event.payload.get("decision"),
                    "citations": event.payload.get("citations", []),
                }
            )
        elif event.type == "agent_message_sent":
            agent, text = event.payload.get("agent"), event.payload.get("text", "")
            shown.append({"seq": event.seq, "type": "agent_message", "agent": agent, "text": text})
        elif event.type in ("agent_joined", "handed_back", "conversation_closed"):
            shown.append({"seq": event.seq, "type": event.type, "agent": event.payload.get("agent")})
    return shown
