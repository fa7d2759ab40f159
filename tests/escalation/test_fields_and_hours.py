from __future__ import annotations

from datetime import UTC, datetime

import pytest

from frontdesk.errors import ConfigError
from frontdesk.escalation import fields
from frontdesk.escalation.hours import parse_hours


def test_an_email_is_found_and_a_broken_one_is_reported_only_when_asked() -> None:
    found = fields.from_message(["email"], "sure, it's Ana.Lima@example.co.uk.", {}, asked=True)
    assert found.values == {"email": "Ana.Lima@example.co.uk"}
    broken = fields.from_message(["email"], "ana@example", {}, asked=True)
    assert broken.values == {} and "email" in broken.invalid
    assert fields.from_message(["email"], "ping me @ana on slack", {}, asked=False).invalid == {}


def test_ids_follow_the_owners_pattern() -> None:
    patterns = {"order_id": r"KW-\d{6}"}
    assert fields.from_message(["order_id"], "my order KW-123456 never came", patterns, asked=False).values == {
        "order_id": "KW-123456"
    }
    wrong = fields.from_message(["order_id"], "12345", patterns, asked=True)
    assert wrong.values == {} and "doesn't look like" in wrong.invalid["order_id"]
    assert fields.from_message(["order_id"], "order number 88812", {}, asked=False).values == {"order_id": "88812"}
    assert fields.from_message(["account_id"], "hello there", {}, asked=False).values == {}


def test_repro_details_are_recognised_from_how_people_describe_bugs() -> None:
    message = (
        "1. open the schedule 2. drag a shift to friday. I expected it to move but it just snaps back. "
        "Chrome 131 on Windows 11"
    )
    found = fields.from_message(["steps", "expected", "environment"], message, {}, asked=True)
    assert set(found.values) == {"steps", "expected", "environment"}
    vague = fields.from_message(["steps", "expected", "environment"], "it's broken", {}, asked=True)
    assert vague.values == {}


def test_context_fills_what_the_page_already_knows() -> None:
    found = fields.from_context(["email", "order_id"], {"email": "ana@example.com", "order": "A-1234"}, {})
    assert found.values == {"email": "ana@example.com", "order_id": "A-1234"}
    assert fields.from_context(["email"], {"email": "not-an-email"}, {}).values == {}


def test_the_question_names_what_is_missing_and_what_looked_wrong() -> None:
    text = fields.ask_for(["email", "steps"], {"email": "that email address doesn't look complete"})
    assert text.startswith("Sorry, that email address doesn't look complete: could you check it?")
    assert "the steps that lead to the problem" in text
    assert fields.ask_for(["email", "order_id"], {}).endswith(
        "the email address we can reach you at and your order number?"
    )


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (datetime(2026, 11, 27, 8, 30, tzinfo=UTC), True),  # Friday 09:30 in Berlin
        (datetime(2026, 11, 27, 16, 45, tzinfo=UTC), False),  # Friday 17:45
        (datetime(2026, 11, 28, 9, 30, tzinfo=UTC), True),  # Saturday 10:30
        (datetime(2026, 11, 29, 11, 0, tzinfo=UTC), False),  # Sunday
    ],
)
def test_business_hours_are_read_in_the_teams_time_zone(moment: datetime, open_: bool) -> None:
    hours = parse_hours("Mon-Fri 09:00-17:30, Sat 10-14", "Europe/Berlin")
    assert hours.is_open(moment) is open_


@pytest.mark.parametrize(
    ("text", "zone", "message"),
    [
        ("weekdays 9-5", "UTC", "write them like 'Mon-Fri 09:00-17:30'"),
        ("Mon-Fri 17-9", "UTC", "end before they start"),
        ("Mon-Fri 9-25", "UTC", "not a time of day"),
        ("Mon-Fri 9-17", "Mars/Olympus", "unknown time zone"),
    ],
)
def test_unreadable_hours_say_how_to_write_them(text: str, zone: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_hours(text, zone)
