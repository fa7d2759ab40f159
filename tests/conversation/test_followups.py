"""Which messages lean on the previous question, and which part of a long message is the question."""

from __future__ import annotations

import pytest

from frontdesk.conversation.followups import is_follow_up, question_sentence


@pytest.mark.parametrize(
    "message", ["and for a team of 10?", "if we do, can we come back later and will our stuff still be there?"]
)
def test_continuations_are_follow_ups(message: str) -> None:
    assert is_follow_up(message)


def test_a_new_question_is_not_a_follow_up() -> None:
    assert not is_follow_up("how do I export my timesheets to payroll software every month?")


def test_the_question_is_found_among_the_scene_setting() -> None:
    message = "no signal at all in our basement kitchen. how far ahead can i see my rota in the app when offline?"
    assert question_sentence(message) == "how far ahead can i see my rota in the app when offline?"
    assert (
        question_sentence("does it work on internet explorer? our pc is ancient")
        == "does it work on internet explorer?"
    )


@pytest.mark.parametrize(
    "message",
    ["how do I reset my password?", "how do I cancel? and how do I export my data?", "we have 12 staff. thanks"],
)
def test_no_single_question_to_pull_out(message: str) -> None:
    assert question_sentence(message) is None
