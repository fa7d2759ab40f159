"""What the conversation engine needs from storage. Implemented in `frontdesk.storage.conversation_store`."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from frontdesk.events import Event


@dataclass(frozen=True)
class StoredEvent:
    seq: int
    type: str
    payload: dict[str, Any]
    created_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "type": self.type, "payload": self.payload, "created_at": self.created_at.isoformat()}


@dataclass(frozen=True)
class ConversationRecord:
    id: str
    bot: str
    status: str  # open | collecting | queued | assigned | closed
    context: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    team: str | None = None
    assignee: str | None = None
    priority: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "bot": self.bot,
            "status": self.status,
            "team": self.team,
            "assignee": self.assignee,
            "priority": self.priority,
            "context": self.context,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True)
class Transition:
    """A guarded change of who holds a conversation: it happens only if the status is one of `allowed` (and,
    when `holder` is set, the assignee is that agent). Fields left None are unchanged; `clear_assignee` empties
    the assignee."""

    allowed: tuple[str, ...]
    status: str
    team: str | None = None
    assignee: str | None = None
    priority: int | None = None
    holder: str | None = None
    clear_assignee: bool = False


class ConversationStore(Protocol):
    def create(self, bot: str, context: dict[str, Any]) -> ConversationRecord: ...

    def get(self, conversation_id: str) -> ConversationRecord | None: ...

    def recent(self, bot: str, *, limit: int = 50) -> list[ConversationRecord]: ...

    def append(self, conversation_id: str, events: Sequence[Event]) -> list[StoredEvent]:
        """Append events atomically, numbered after the last one."""
        ...

    def events(
        self, conversation_id: str, *, types: Collection[str] | None = None, after: int = 0
    ) -> list[StoredEvent]:
        """The conversation's events in order (those numbered after `after`); only those of `types` when given."""
        ...

    def transition(self, conversation_id: str, change: Transition, events: Sequence[Event]) -> list[StoredEvent] | None:
        """Apply `change` and append `events` in one transaction; None (nothing written) when its guard fails.
        Exactly one of several concurrent callers with the same guard wins."""
        ...

    def queue(
        self, bot: str, *, statuses: Collection[str], teams: Collection[str] | None = None, limit: int = 200
    ) -> list[ConversationRecord]:
        """Conversations in these statuses (and teams), most urgent first: priority, then oldest."""
        ...

    def latest_of_type(self, conversation_ids: Collection[str], event_type: str) -> dict[str, StoredEvent]:
        """For each conversation, its latest event of this type (one query for all, for list views)."""
        ...
