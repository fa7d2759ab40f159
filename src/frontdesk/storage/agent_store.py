"""Agents and their API tokens. A token is shown once when created; only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontdesk.errors import ConflictError, NotFoundError
from frontdesk.escalation.inbox import Agent
from frontdesk.storage.models import AgentRow


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SqlAgentStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, bot: str, name: str, teams: list[str]) -> str:
        """Create an agent; returns the bearer token (not stored anywhere)."""
        token = "fd_" + secrets.token_urlsafe(32)
        row = AgentRow(bot=bot, name=name, teams=list(teams), token_hash=token_hash(token), active=True)
        try:
            with Session(self.engine) as session, session.begin():
                session.add(row)
        except IntegrityError as exc:
            raise ConflictError(
                f"an agent named {name!r} already exists; remove it first or pick another name"
            ) from exc
        return token

    def authenticate(self, bot: str, token: str) -> Agent | None:
        with Session(self.engine) as session:
            row = session.scalar(
                select(AgentRow).where(AgentRow.bot == bot, AgentRow.token_hash == token_hash(token), AgentRow.active)
            )
            return Agent(row.name, tuple(row.teams)) if row else None

    def list(self, bot: str) -> list[Agent]:
        with Session(self.engine) as session:
            rows = session.scalars(select(AgentRow).where(AgentRow.bot == bot).order_by(AgentRow.name))
            return [Agent(row.name, tuple(row.teams)) for row in rows if row.active]

    def remove(self, bot: str, name: str) -> None:
        with Session(self.engine) as session, session.begin():
            row = session.scalar(select(AgentRow).where(AgentRow.bot == bot, AgentRow.name == name))
            if row is None:
                raise NotFoundError(f"no agent named {name!r}")
            session.delete(row)
