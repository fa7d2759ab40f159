"""Which messages get the clarifying question instead of a search."""

from __future__ import annotations

import pytest

from frontdesk.understanding.vagueness import is_statement, is_vague


@pytest.mark.parametrize(
    "message",
    ["hi", "I have a question", "it's not working", "its not working right", "it is acting weird", "it won't let me"],
)
def test_messages_with_no_topic_are_vague(message: str) -> None:
    assert is_vague(message)


@pytest.mark.parametrize(
    "message", ["how do I reset my password", "the app crashes on start", "right to erasure", "refund please"]
)
def test_messages_with_a_topic_are_not_vague(message: str) -> None:
    assert not is_vague(message)


def test_the_products_own_name_names_no_topic() -> None:
    message = "hello, need a hand with kitewire pls"
    assert not is_vague(message)
    assert is_vague(message, everywhere=lambda word: word == "kitewire")


@pytest.mark.parametrize(
    "message",
    [
        "i'm the manager at our deli",
        "our team basically lives on slack",
        "thinking of cancelling our plan",
        # introducing themselves may take longer
        "We're a physiotherapy practice in Munich, so patient and staff data stays a big topic for us.",
        "Olá, we are small tattoo studio in Lisbon.",  # a greeting, then who they are
        "Hello! I manage the bookings and staff at a surf school, we just started with Kitewire last week.",
    ],
)
def test_setting_the_scene_is_a_statement(message: str) -> None:
    assert is_statement(message)


@pytest.mark.parametrize(
    "message",
    [
        "I was charged twice",  # a problem
        "the app still doesn't show my shifts",
        "can I export my data?",  # a question
        "need help with billing",
        "write a nice message to my staff",  # an instruction
        "whats a good excel formula to add up hours worked in a week",  # a question without its apostrophe
        "we are a small studio, can we use it for free",  # an introduction that goes on to ask
        "ok does it integrate with square then",
        # longer than a statement and not who they are: a report
        "I'm standing inside the pharmacy and the app says I'm outside the area. Location is on, Maps agrees.",
        "I am very unhappy with how the new layout moved everything around on the schedule page at our museum",
        "cancel my subscription",
        # as long, but not who they are: more likely a report
        "overnight the holiday balances for everyone at our north site dropped to zero, nobody touched the policy",
        "",
    ],
)
def test_questions_problems_and_instructions_are_not_statements(message: str) -> None:
    assert not is_statement(message)


def test_a_greeting_alone_is_told_from_a_vague_request() -> None:
    from frontdesk.understanding.vagueness import is_greeting

    assert is_greeting("hi") and is_greeting("Good morning team!") and is_greeting("hey there")
    assert not is_greeting("hi, I have a question") and not is_greeting("") and not is_greeting("help")
