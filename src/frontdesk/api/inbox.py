"""The agent inbox API: queues, claim, reply, notes, hand back, close; and live streams for both sides.

Agents authenticate with `Authorization: Bearer <token>` (tokens from `frontdesk agents add`). Customers need
no token: a conversation id is a random UUID only its customer knows, and their live view never includes
internal notes or retrieval evidence.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from frontdesk.bot import Bot
from frontdesk.conversation.store import ConversationRecord, StoredEvent
from frontdesk.errors import AuthError, NotFoundError
from frontdesk.escalation.inbox import Agent, visible_to_customer
from frontdesk.storage.notifications import KEEPALIVE_SECONDS

ERRORS: dict[int | str, dict[str, Any]] = {}


class AgentText(BaseModel):
    text: str = Field(min_length=1, max_length=8000)


class CloseIn(BaseModel):
    outcome: str = Field(pattern="^(resolved|not_resolved)$", description="resolved or not_resolved")


def install_inbox(app: FastAPI, bot: Bot, error_model: Any) -> None:
    errors: dict[int | str, dict[str, Any]] = {s: {"model": error_model} for s in (401, 403, 404, 409, 422)}
    router = APIRouter(prefix="/api/agent", tags=["agent inbox"], responses=errors)

    def agent(authorization: str = Header("", description="Bearer <agent token>")) -> Agent:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("send the agent's token as `Authorization: Bearer <token>` (frontdesk agents add)")
        found = bot.agents.authenticate(bot.config.name, token.strip())
        if found is None:
            raise AuthError("unknown or revoked agent token")
        return found

    @router.get("/me")
    def me(who: Agent = Depends(agent)) -> dict[str, Any]:
        """The authenticated agent and the teams they serve."""
        return {"name": who.name, "teams": list(who.teams)}

    @router.get("/queues")
    def queues(who: Agent = Depends(agent)) -> dict[str, Any]:
        """Per team: conversations waiting for a person (most urgent first), then those people hold."""
        queues = bot.inbox.queues(who)
        handoffs = bot.conversations.latest_of_type(
            [record.id for records in queues.values() for record in records], "handoff_queued"
        )
        return {
            "teams": {
                team: [_summary(record, handoffs.get(record.id)) for record in records]
                for team, records in queues.items()
            }
        }

    @router.get("/conversations/{conversation_id}")
    def conversation(conversation_id: str, who: Agent = Depends(agent)) -> dict[str, Any]:
        """The conversation with every event: transcript, evidence, handoff packet, notes."""
        record, events = bot.inbox.conversation(who, conversation_id)
        return {**record.as_dict(), "handoff": _packet(events), "events": [e.as_dict() for e in events]}

    @router.post("/conversations/{conversation_id}/claim")
    def claim(conversation_id: str, who: Agent = Depends(agent)) -> dict[str, Any]:
        """Take the conversation; 409 when another agent was first. From now on the bot stays silent."""
        return bot.inbox.claim(who, conversation_id).as_dict()

    @router.post("/conversations/{conversation_id}/messages", status_code=201)
    def reply(conversation_id: str, body: AgentText, who: Agent = Depends(agent)) -> dict[str, Any]:
        """Write to the customer (only the agent holding the conversation)."""
        return bot.inbox.reply(who, conversation_id, body.text).as_dict()

    @router.post("/conversations/{conversation_id}/notes", status_code=201)
    def note(conversation_id: str, body: AgentText, who: Agent = Depends(agent)) -> dict[str, Any]:
        """An internal note for other agents; the customer never sees it."""
        return bot.inbox.note(who, conversation_id, body.text).as_dict()

    @router.post("/conversations/{conversation_id}/handback")
    def hand_back(conversation_id: str, who: Agent = Depends(agent)) -> dict[str, Any]:
        """Give the conversation back to the bot; earlier failures no longer count towards escalating."""
        return bot.inbox.hand_back(who, conversation_id).as_dict()

    @router.post("/conversations/{conversation_id}/close")
    def close(conversation_id: str, body: CloseIn, who: Agent = Depends(agent)) -> dict[str, Any]:
        """Close with an outcome: resolved or not_resolved."""
        return bot.inbox.close(who, conversation_id, body.outcome).as_dict()

    @router.get("/conversations/{conversation_id}/stream")
    async def agent_stream(
        conversation_id: str,
        request: Request,
        after: int = Query(0, ge=0),
        last_event_id: str | None = Header(None, alias="Last-Event-ID"),
        who: Agent = Depends(agent),
    ) -> StreamingResponse:
        """Server-Sent Events: every new event of the conversation (`event: conversation_event`)."""
        await run_in_threadpool(bot.inbox.conversation, who, conversation_id)  # 403/404 before streaming
        start = _resume_from(after, last_event_id)
        return _stream(bot, conversation_id, start, request, lambda events: [e.as_dict() for e in events])

    app.include_router(router)

    @app.get("/api/conversations/{conversation_id}/stream", tags=["conversations"], responses=errors)
    async def customer_stream(
        conversation_id: str,
        request: Request,
        after: int = Query(0, ge=0),
        last_event_id: str | None = Header(None, alias="Last-Event-ID"),
    ) -> StreamingResponse:
        """Server-Sent Events for the customer's page: bot and agent messages, an agent joining or leaving,
        the conversation closing (`event: conversation_event`). Resume with `?after=<last seq seen>`."""
        record = await run_in_threadpool(bot.conversations.get, conversation_id)
        if record is None or record.bot != bot.config.name:
            raise NotFoundError(f"no conversation {conversation_id!r}")
        return _stream(bot, conversation_id, _resume_from(after, last_event_id), request, visible_to_customer)


def _resume_from(after: int, last_event_id: str | None) -> int:
    """A browser's EventSource reconnects on its own, sending the last `id:` it saw as Last-Event-ID."""
    if last_event_id is not None and last_event_id.strip().isdigit():
        return max(after, int(last_event_id.strip()))
    return after


def _stream(
    bot: Bot,
    conversation_id: str,
    after: int,
    request: Request,
    view: Callable[[list[StoredEvent]], list[dict[str, Any]]],
) -> StreamingResponse:
    async def events() -> AsyncIterator[str]:
        seen = after
        waiter = bot.notifier.subscribe(conversation_id)
        try:
            while not await request.is_disconnected():
                waiter.clear()  # before reading: a commit after this read sets it again, so nothing is missed
                new = await run_in_threadpool(bot.conversations.events, conversation_id, after=seen)
                if new:
                    seen = new[-1].seq
                    for item in view(new):
                        yield f"id: {item['seq']}\nevent: conversation_event\ndata: {json.dumps(item)}\n\n"
                try:
                    await asyncio.wait_for(waiter.wait(), timeout=KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield ": keep-alive\n\n"
        finally:
            bot.notifier.unsubscribe(conversation_id, waiter)

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )


def _summary(record: ConversationRecord, handoff: StoredEvent | None) -> dict[str, Any]:
    packet = handoff.payload.get("packet", {}) if handoff else {}
    return {
        **record.as_dict(),
        "summary": packet.get("summary"),
        "reasons": packet.get("reasons", []),
        "queued_at": packet.get("created_at"),
    }


def _packet(events: list[StoredEvent]) -> dict[str, Any] | None:
    handoffs = [e for e in events if e.type == "handoff_queued"]
    return dict(handoffs[-1].payload.get("packet", {})) if handoffs else None
