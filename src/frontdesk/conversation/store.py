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
    status: str
    context: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class ConversationStore(Protocol):
    def create(self, bot: str, context: dict[str, Any]) -> ConversationRecord: ...

    def get(self, conversation_id: str) -> ConversationRecord | None: ...

    def recent(self, bot: str, *, limit: int = 50) -> list[ConversationRecord]: ...

    def append(self, conversation_id: str, events: Sequence[Event]) -> list[StoredEvent]:
        """Append events atomically, numbered after the last one."""
        ...

    def events(self, conversation_id: str, *, types: Collection[str] | None = None) -> list[StoredEvent]:
        """The conversation's events in order; only those of `types` when given."""
        ...
