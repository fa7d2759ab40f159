"""Request and response bodies of the JSON API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ConversationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    context: dict[str, str | int | float | bool | None] = Field(
        default_factory=dict, description="What the host page knows: email, name, plan, company, locale…", max_length=50
    )


class ConversationOut(BaseModel):
    id: str
    bot: str
    status: str = Field(description="open, collecting (details for a handoff), queued, assigned (a person) or closed")
    team: str | None = Field(None, description="The team a handoff went to.")
    assignee: str | None = Field(None, description="The agent holding the conversation.")
    context: dict[str, Any]
    created_at: str


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The customer's message (1–4000 characters).", max_length=100_000)


class CitationOut(BaseModel):
    source: str
    title: str
    url: str | None
    passage: str


class ReplyOut(BaseModel):
    conversation_id: str
    decision: Literal["answer", "clarify", "fallback", "escalate"]
    answer: str
    citations: list[CitationOut]
    confidence: float
    intent: str | None
    sentiment: str | None
    language: str | None
    escalation: dict[str, Any] | None
    reason: str
    latency_ms: float


class EventOut(BaseModel):
    seq: int
    type: str
    payload: dict[str, Any]
    created_at: str


class ConversationWithEventsOut(ConversationOut):
    events: list[EventOut]


class ErrorBody(BaseModel):
    code: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorOut(BaseModel):
    """The one shape of every error response."""

    error: ErrorBody
