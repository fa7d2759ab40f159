"""Business hours per team: "Mon-Fri 09:00-17:30, Sat 10-14" in the team's time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from frontdesk.errors import ConfigError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_PART = re.compile(
    r"^\s*(?P<first>[a-z]{3})[a-z]*\s*(?:-\s*(?P<last>[a-z]{3})[a-z]*)?\s+"
    r"(?P<start>\d{1,2}(?::\d{2})?)\s*-\s*(?P<end>\d{1,2}(?::\d{2})?)\s*$"
)


@dataclass(frozen=True)
class Window:
    days: frozenset[int]  # 0 = Monday
    start: time
    end: time


@dataclass(frozen=True)
class BusinessHours:
    text: str
    windows: tuple[Window, ...]
    zone: ZoneInfo

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        now = local.time()
        return any(local.weekday() in w.days and w.start <= now < w.end for w in self.windows)


def parse_hours(text: str, timezone: str) -> BusinessHours:
    """Parse an hours string; errors say which part is wrong."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"unknown time zone {timezone!r} (use an IANA name such as Europe/Berlin)") from exc
    windows = []
    for part in text.lower().split(","):
        match = _PART.match(part)
        if not match or match["first"] not in DAYS or (match["last"] and match["last"] not in DAYS):
            raise ConfigError(f"cannot read business hours {part.strip()!r}: write them like 'Mon-Fri 09:00-17:30'")
        first = DAYS.index(match["first"])
        last = DAYS.index(match["last"]) if match["last"] else first
        days = frozenset(range(first, last + 1)) if first <= last else frozenset([*range(first, 7), *range(last + 1)])
        start, end = _clock(match["start"], part), _clock(match["end"], part)
        if end <= start:
            raise ConfigError(f"business hours {part.strip()!r} end before they start")
        windows.append(Window(days, start, end))
    return BusinessHours(text, tuple(windows), zone)


def _clock(value: str, part: str) -> time:
    hour, _, minute = value.partition(":")
    h, m = int(hour), int(minute or 0)
    if h == 24 and m == 0:
        return time(23, 59, 59)
    if not (0 <= h < 24 and 0 <= m < 60):
        raise ConfigError(f"business hours {part.strip()!r}: {value} is not a time of day")
    return time(h, m)
