"""Conversations and their append-only event log in SQL."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Collection, Sequence
from typing import Any, TypeVar

from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from frontdesk.conversation.store import ConversationRecord, StoredEvent, Transition
from frontdesk.errors import NotFoundError
from frontdesk.events import ConversationStarted, Event
from frontdesk.storage.models import ConversationRow, EventRow, aware, utcnow

_APPEND_ATTEMPTS = 50
T = TypeVar("T")


class SqlConversationStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Called after each committed append with (conversation id, last seq): live views wake up on it.
        self.listeners: list[Callable[[str, int], None]] = []

    def _committed(self, conversation_id: str, stored: list[StoredEvent] | None) -> list[StoredEvent] | None:
        if stored:
            for listener in self.listeners:
                listener(conversation_id, stored[-1].seq)
        return stored

    def create(self, bot: str, context: dict[str, Any]) -> ConversationRecord:
        now = utcnow()
        row = ConversationRow(
            id=str(uuid.uuid4()), bot=bot, status="open", context=context, created_at=now, updated_at=now
        )
        with Session(self.engine) as session, session.begin():
            session.add(row)
            session.flush()  # the row exists before its first event refers to it
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
        stored = _retrying(lambda: self._append_once(conversation_id, events))
        self._committed(conversation_id, stored)
        return stored

    def _append_once(self, conversation_id: str, events: Sequence[Event]) -> list[StoredEvent]:
        now = utcnow()
        with Session(self.engine) as session, session.begin():
            # Taking the row's write lock first (an UPDATE) serialises appenders on PostgreSQL and on SQLite
            # alike (SQLite ignores FOR UPDATE, but an UPDATE takes its write lock).
            touched = session.execute(
                update(ConversationRow).where(ConversationRow.id == conversation_id).values(updated_at=now)
            )
            if touched.rowcount != 1:  # type: ignore[attr-defined]
                raise NotFoundError(f"no conversation {conversation_id!r}")
            return self._add_events(session, conversation_id, events, now)

    def _add_events(
        self, session: Session, conversation_id: str, events: Sequence[Event], now: Any
    ) -> list[StoredEvent]:
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
        session.flush()
        return [_event(row) for row in rows]

    def transition(self, conversation_id: str, change: Transition, events: Sequence[Event]) -> list[StoredEvent] | None:
        return self._committed(
            conversation_id, _retrying(lambda: self._transition_once(conversation_id, change, events))
        )

    def _transition_once(
        self, conversation_id: str, change: Transition, events: Sequence[Event]
    ) -> list[StoredEvent] | None:
        now = utcnow()
        values: dict[str, Any] = {"status": change.status, "updated_at": now}
        if change.team is not None:
            values["team"] = change.team
        if change.assignee is not None:
            values["assignee"] = change.assignee
        if change.clear_assignee:
            values["assignee"] = None
        if change.priority is not None:
            values["priority"] = change.priority
        guard = [ConversationRow.id == conversation_id, ConversationRow.status.in_(change.allowed)]
        if change.holder is not None:
            guard.append(ConversationRow.assignee == change.holder)
        with Session(self.engine) as session, session.begin():
            # One conditional UPDATE is the whole race: the database re-checks the guard under the row's lock,
            # so of two agents claiming at once exactly one matches a row.
            changed = session.execute(update(ConversationRow).where(*guard).values(**values))
            if changed.rowcount != 1:  # type: ignore[attr-defined]
                if session.get(ConversationRow, conversation_id) is None:
                    raise NotFoundError(f"no conversation {conversation_id!r}")
                return None
            return self._add_events(session, conversation_id, events, now)

    def queue(
        self, bot: str, *, statuses: Collection[str], teams: Collection[str] | None = None, limit: int = 200
    ) -> list[ConversationRecord]:
        query = select(ConversationRow).where(ConversationRow.bot == bot, ConversationRow.status.in_(list(statuses)))
        if teams is not None:
            query = query.where(ConversationRow.team.in_(list(teams)))
        query = query.order_by(ConversationRow.priority.desc(), ConversationRow.updated_at).limit(limit)
        with Session(self.engine) as session:
            return [_record(row) for row in session.scalars(query)]

    def latest_of_type(self, conversation_ids: Collection[str], event_type: str) -> dict[str, StoredEvent]:
        ids = list(conversation_ids)
        if not ids:
            return {}
        latest = (
            select(EventRow.conversation_id, func.max(EventRow.seq).label("seq"))
            .where(EventRow.conversation_id.in_(ids), EventRow.type == event_type)
            .group_by(EventRow.conversation_id)
            .subquery()
        )
        query = select(EventRow).join(
            latest, (EventRow.conversation_id == latest.c.conversation_id) & (EventRow.seq == latest.c.seq)
        )
        with Session(self.engine) as session:
            return {row.conversation_id: _event(row) for row in session.scalars(query)}

    def events(
        self, conversation_id: str, *, types: Collection[str] | None = None, after: int = 0
    ) -> list[StoredEvent]:
        query = select(EventRow).where(EventRow.conversation_id == conversation_id, EventRow.seq > after)
        if types is not None:
            query = query.where(EventRow.type.in_(list(types)))
        with Session(self.engine) as session:
            return [_event(row) for row in session.scalars(query.order_by(EventRow.seq))]


def _retrying(write: Callable[[], T]) -> T:
    """Run one write transaction, again after a short random wait when it collides with another writer: a
    duplicate event number (two appenders read the same last number) or a busy SQLite file. The row's write
    lock, taken first, makes collisions rare; they are retried, never surfaced."""
    for attempt in range(_APPEND_ATTEMPTS):
        try:
            return write()
        except (IntegrityError, OperationalError):
            if attempt == _APPEND_ATTEMPTS - 1:
                raise
            time.sleep(random.uniform(0.001, 0.005) * (attempt + 1))
    raise AssertionError("unreachable")


def _record(row: ConversationRow) -> ConversationRecord:
    return ConversationRecord(
        id=row.id,
        bot=row.bot,
        status=row.status,
        context=dict(row.context or {}),
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
        team=row.team,
        assignee=row.assignee,
        priority=row.priority or 0,
    )


def _event(row: EventRow) -> StoredEvent:
    return StoredEvent(seq=row.seq, type=row.type, payload=dict(row.payload or {}), created_at=aware(row.created_at))
