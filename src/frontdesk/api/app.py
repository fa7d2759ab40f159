"""The FastAPI app, built from a Bot by a factory: nothing is read from the environment here."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from frontdesk import __version__
from frontdesk.api.errors import install_error_handlers
from frontdesk.api.inbox import install_inbox
from frontdesk.api.limits import RequestSizeLimit
from frontdesk.api.schemas import (
    ConversationIn,
    ConversationOut,
    ConversationWithEventsOut,
    ErrorOut,
    EventOut,
    MessageIn,
    ReplyOut,
)
from frontdesk.bot import Bot
from frontdesk.conversation.store import ConversationRecord
from frontdesk.conversation.validation import clean_message
from frontdesk.errors import NotFoundError

WEB = Path(__file__).resolve().parent.parent / "web"
MAX_REQUEST_BYTES = 64 * 1024
ERRORS: dict[int | str, dict[str, Any]] = {status: {"model": ErrorOut} for status in (400, 404, 413, 422)}


def create_app(bot: Bot, *, max_request_bytes: int = MAX_REQUEST_BYTES) -> FastAPI:
    app = FastAPI(
        title=f"Frontdesk: {bot.config.name}",
        version=__version__,
        description="Cited answers from approved knowledge, or a safe fallback.",
    )
    app.state.bot = bot
    install_error_handlers(app)
    app.add_middleware(RequestSizeLimit, max_bytes=max_request_bytes)
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    _ = bot.notifier  # listen for other processes' updates from the start
    install_inbox(app, bot, ErrorOut)

    @app.get("/inbox", include_in_schema=False)
    def inbox_page() -> FileResponse:
        return FileResponse(WEB / "static" / "inbox.html", media_type="text/html")

    @app.get("/", include_in_schema=False)
    def chat_page() -> FileResponse:
        return FileResponse(WEB / "static" / "chat.html", media_type="text/html")

    @app.get("/healthz", tags=["ops"])
    def health() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], responses={503: {"model": ErrorOut}})
    def ready() -> JSONResponse:
        """The database answers and the knowledge index is loaded."""
        try:
            with bot.database.connect() as connection:
                connection.execute(text("select 1"))
            passages = len(bot.index)
        except Exception as exc:
            return JSONResponse(
                {"error": {"code": "not_ready", "message": f"not ready: {type(exc).__name__}", "details": {}}},
                status_code=503,
            )
        return JSONResponse({"status": "ready", "bot": bot.config.name, "passages": passages})

    @app.post(
        "/api/conversations", status_code=201, response_model=ConversationOut, tags=["conversations"], responses=ERRORS
    )
    def create_conversation(body: ConversationIn | None = None) -> ConversationOut:
        """Start a conversation, with what the host page knows about the customer."""
        record = bot.engine.start(dict((body or ConversationIn()).context))
        return _conversation_out(record)

    @app.get(
        "/api/conversations/{conversation_id}",
        response_model=ConversationWithEventsOut,
        tags=["conversations"],
        responses=ERRORS,
    )
    def get_conversation(conversation_id: str) -> ConversationWithEventsOut:
        """A conversation with its events: messages, the evidence behind each reply, the replies."""
        record = _own(bot, conversation_id)
        events = [
            EventOut(seq=e.seq, type=e.type, payload=e.payload, created_at=e.created_at.isoformat())
            for e in bot.conversations.events(conversation_id)
        ]
        return ConversationWithEventsOut(**_conversation_out(record).model_dump(), events=events)

    @app.post(
        "/api/conversations/{conversation_id}/messages",
        response_model=ReplyOut,
        tags=["conversations"],
        responses=ERRORS,
    )
    def post_message(conversation_id: str, body: MessageIn) -> ReplyOut:
        """Send a customer message; the reply says whether it answered, asked, or fell back, and why."""
        _own(bot, conversation_id)
        reply = bot.engine.handle_message(conversation_id, clean_message(body.text))
        return ReplyOut(**reply.as_dict())

    @app.post("/api/conversations/{conversation_id}/messages/stream", tags=["conversations"], responses=ERRORS)
    def post_message_stream(conversation_id: str, body: MessageIn, request: Request) -> StreamingResponse:
        """Like /messages, as Server-Sent Events: `delta` events carry the answer text as it is produced,
        then one `reply` event carries the full reply."""
        _own(bot, conversation_id)
        reply = ReplyOut(**bot.engine.handle_message(conversation_id, clean_message(body.text)).as_dict())

        def events() -> Iterator[str]:
            for piece in re.findall(r"\S+\s*", reply.answer):
                yield _sse("delta", {"text": piece})
            yield _sse("reply", reply.model_dump())

        return StreamingResponse(
            events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        )

    return app


def _own(bot: Bot, conversation_id: str) -> ConversationRecord:
    record = bot.conversations.get(conversation_id)
    if record is None or record.bot != bot.config.name:
        raise NotFoundError(f"no conversation {conversation_id!r}")
    return record


def _conversation_out(record: ConversationRecord) -> ConversationOut:
    return ConversationOut(
        id=record.id,
        bot=record.bot,
        status=record.status,
        team=record.team,
        assignee=record.assignee,
        context=record.context,
        created_at=record.created_at.isoformat(),
    )


def _sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
