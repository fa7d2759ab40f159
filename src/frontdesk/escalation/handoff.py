"""The handoff packet a team receives, and what the customer is told happens next."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from frontdesk.config import EscalationConfig
from frontdesk.conversation.store import StoredEvent
from frontdesk.errors import ConfigError
from frontdesk.escalation.hours import BusinessHours, parse_hours
from frontdesk.understanding.vagueness import is_vague

TRANSCRIPT_EVENTS = ("message_received", "reply_sent", "agent_message_sent")
_SUMMARY_CHARS = 280


@dataclass(frozen=True)
class Availability:
    open: bool
    hours: str | None
    response_time: str | None


class Teams:
    """Business hours and customer-facing names per team, read once from bot.yaml."""

    def __init__(self, config: EscalationConfig) -> None:
        self.config = config
        self._hours: dict[str, BusinessHours] = {}
        for name, team in config.teams.items():
            if team.hours:
                try:
                    self._hours[name] = parse_hours(team.hours, team.timezone)
                except ConfigError as exc:
                    raise ConfigError(f"escalation.teams.{name}: {exc}") from exc

    def availability(self, team: str, moment: datetime) -> Availability:
        settings = self.config.teams.get(team)
        hours = self._hours.get(team)
        return Availability(
            open=hours.is_open(moment) if hours else True,
            hours=f"{hours.text}, {hours.zone.key} time" if hours else None,
            response_time=settings.response_time if settings else None,
        )

    def label(self, team: str) -> str:
        settings = self.config.teams.get(team)
        if settings and settings.label:
            return settings.label
        return f"{team.replace('_', ' ').replace('-', ' ')} team"


def transcript(events: Sequence[StoredEvent]) -> list[dict[str, str]]:
    lines = []
    for event in events:
        if event.type == "message_received":
            lines.append({"from": "customer", "text": str(event.payload.get("text", ""))})
        elif event.type == "reply_sent" and event.payload.get("text"):
            lines.append({"from": "bot", "text": str(event.payload.get("text", ""))})
        elif event.type == "agent_message_sent":
            lines.append({"from": f"agent:{event.payload.get('agent')}", "text": str(event.payload.get("text", ""))})
    return lines


def summary(customer_messages: Sequence[str], reasons: Sequence[Mapping[str, Any]]) -> str:
    """One line for the queue: why, and the customer's own words (the first message with substance, and the
    latest one when it differs)."""
    substantive = [m for m in customer_messages if not is_vague(m)] or list(customer_messages)
    words = [substantive[0]] if substantive else []
    if len(substantive) > 1 and substantive[-1] != substantive[0]:
        words.append(substantive[-1])
    quoted = " … ".join(_clip(m, _SUMMARY_CHARS // max(1, len(words))) for m in words)
    why = ", ".join(str(r.get("reason")) for r in reasons)
    return f"{why}: “{quoted}”" if quoted else why


def packet(
    *,
    conversation_id: str,
    reasons: Sequence[Mapping[str, Any]],
    team: str,
    priority: int,
    fields: Mapping[str, str],
    context: Mapping[str, Any],
    events: Sequence[StoredEvent],
    availability: Availability,
    language: str | None,
    created_at: datetime,
) -> dict[str, Any]:
    lines = transcript(events)
    return {
        "conversation_id": conversation_id,
        "team": team,
        "priority": priority,
        "reasons": list(reasons),
        "summary": summary([line["text"] for line in lines if line["from"] == "customer"], reasons),
        "fields": dict(fields),
        "context": dict(context),
        "language": language,
        "transcript": lines,
        "team_available": availability.open,
        "created_at": created_at.isoformat(),
    }


def handoff_message(team_label: str, availability: Availability, email: str | None) -> str:
    """What happens next, honestly: a follow-up by email is promised only when an email is known."""
    if availability.open:
        when = f" They usually reply {availability.response_time}." if availability.response_time else ""
        return f"Thanks, I've passed this to our {team_label} with the details. Someone will reply here shortly.{when}"
    hours = f" (they're available {availability.hours})" if availability.hours else ""
    text = (
        f"Thanks, I've passed this to our {team_label} with the details. They're offline right now{hours}, "
        "and will pick it up as soon as they're back."
    )
    if email:
        text += f" They'll also follow up by email at {email}."
    return text


def waiting_message(team_label: str) -> str:
    return f"Thanks, I've added that to your request. Someone from our {team_label} will reply here."


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: max(1, limit - 1)].rstrip() + "…"
