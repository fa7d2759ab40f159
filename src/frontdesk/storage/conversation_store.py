"""Conversations and their append-only event log in SQL."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from frontdesk.conversation.store import ConversationRecord, StoredEvent
from frontdesk.errors import NotFoundError
from frontdesk.events import ConversationStarted, Event
from frontdesk.storage.models import ConversationRow, EventRow, aware, utcnow

_APPEND_ATTEMPTS = 50


class SqlConversationStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, bot: str, context: dict[str, Any]) -> ConversationRecord:
        now = utcnow()
        row = ConversationRow(
            id=str(uuid.uuid4()), bot=bot, status="open", context=context, created_at=now, updated_at=now
        )
        with Session(self.engine) as session, session.begin():
            session.add(row)
            session.flush()
            session.add(
                EventRow(
                    conversation_id=row.id,
                    seq=1,
                    type=ConversationStarted.type,
                    payload=ConversationStarted(bot=bot, context=context).payload(),
                    created_at=now,
                )
            )
            return _record(row)

    def get(self, conversation_id: str) -> ConversationRecord | None:
        with Session(self.engine) as session:
            row = session.get(ConversationRow, conversation_id)
            return _record(row) if row else None

    def recent(self, bot: str, *, limit: int = 50) -> list[ConversationRecord]:
        with Session(self.engine) as session:
            rows = session.scalars(
                select(ConversationRow)
                .where(ConversationRow.bot == bot)
                .order_by(ConversationRow.updated_at.desc())
                .limit(limit)
            )
            return [_record(row) for row in rows]

    def append(self, conversation_id: str, events: Sequence[Event]) -> list[StoredEvent]:
        # PostgreSQL serialises appends on the conversation row lock. SQLite ignores FOR UPDATE, so two
        # writers may pick the same numbers (or find the file busy): the loser numbers again after the winner.
        for attempt in range(_APPEND_ATTEMPTS):
            try:
                return self._append_once(conversation_id, events)
            except (IntegrityError, OperationalError):
                if attempt == _APPEND_ATTEMPTS - 1:
                    raise
                time.sleep(random.uniform(0.001, 0.005) * (attempt + 1))
        raise AssertionError("unreachable")

    def _append_once(self, conversation_id: str, events: Sequence[Event]) -> list[StoredEvent]:
        now = utcnow()
        with Session(self.engine) as session, session.begin():
            conversation = session.get(ConversationRow, conversation_id, with_for_update=True)
            if conversation is None:
                raise NotFoundError(f"no conversation {conversation_id!r}")
            last = session.scalar(select(func.max(EventRow.seq)).where(EventRow.conversation_id == conversation_id))
            rows = [
                EventRow(
                    conversation_id=conversation_id,
                    seq=(last or 0) + i + 1,
                    type=event.type,
                    payload=event.payload(),
                    created_at=now,
                )
                for i, event in enumerate(events)
            ]
            session.add_all(rows)
            conversation.updated_at = now
            session.flush()
            return [_event(row) for row in rows]

    def events(self, conversation_id: str, *, types: Collection[str] | None = None) -> list[StoredEvent]:
        query = select(EventRow).where(EventRow.conversation_id == conversation_id)
        if types is not None:
            query = query.where(EventRow.type.in_(list(types)))
        with Session(self.engine) as session:
            return [_event(row) for row in session.scalars(query.order_by(EventRow.seq))]


def _record(row: ConversationRow) -> ConversationRecord:
    return ConversationRecord(
        id=row.id,
        bot=row.bot,
        status=row.status,
        context=dict(row.context or {}),
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
    )


def _event(row: EventRow) -> StoredEvent:
    return StoredEvent(seq=row.seq, type=row.type, payload=dict(row.payload or {}), created_at=aware(row.created_at))
