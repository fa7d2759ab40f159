"""Tables: documents and chunks (the knowledge base), conversations and their append-only event log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class DocumentRow(Base):
    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("bot", "source_id", name="uq_documents_bot_source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bot: Mapped[str] = mapped_column(String(64), index=True)
    source_id: Mapped[str] = mapped_column(String(1024))
    source_path: Mapped[str] = mapped_column(String(2048), default="")  # the bot.yaml source it came from
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(1024))
    url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    question: Mapped[str | None] = mapped_column(Text, nullable=True)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    approval: Mapped[str] = mapped_column(String(16), default="draft")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    chunks: Mapped[list[ChunkRow]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="ChunkRow.id"
    )


class ChunkRow(Base):
    __tablename__ = "chunks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    # "passage" chunks answer questions; "question" rows are FAQ phrasings matched question-to-question.
    role: Mapped[str] = mapped_column(String(16), default="passage")
    ordinal: Mapped[int] = mapped_column(Integer)
    heading_path: Mapped[list[Any]] = mapped_column(JSON, default=list)
    text: Mapped[str] = mapped_column(Text)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    embedder: Mapped[str] = mapped_column(String(64))
    embedding: Mapped[bytes] = mapped_column(LargeBinary)
    # A passage's window vectors (knowledge/windows.py), float16 rows concatenated; b"" when it has none, NULL
    # when it was indexed before windows existed.
    windows: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)

    document: Mapped[DocumentRow] = relationship(back_populates="chunks")


class ConversationRow(Base):
    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_bot_status_team", "bot", "status", "team"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    bot: Mapped[str] = mapped_column(String(64), index=True)
    # open (the bot answers) -> collecting (gathering what a team needs) -> queued (waiting for a person)
    # -> assigned (a person holds it) -> closed; handed back, it is open again.
    status: Mapped[str] = mapped_column(String(16), default="open")
    team: Mapped[str | None] = mapped_column(String(64), nullable=True)
    assignee: Mapped[str | None] = mapped_column(String(64), nullable=True)
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EventRow(Base):
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq", name="uq_events_conversation_seq"),
        Index("ix_events_type_created", "type", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AgentRow(Base):
    """A person who takes over conversations; authenticates with a bearer token stored only as its SHA-256."""

    __tablename__ = "agents"
    __table_args__ = (
        UniqueConstraint("bot", "name", name="uq_agents_bot_name"),
        UniqueConstraint("token_hash", name="uq_agents_token_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bot: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    teams: Mapped[list[Any]] = mapped_column(JSON, default=list)
    token_hash: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
