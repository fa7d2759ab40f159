"""Follow-ups ("and for a team of 10?") only make sense with the previous question: rewrite them."""

from __future__ import annotations

from collections.abc import Sequence

from frontdesk.knowledge.terms import STOP_WORDS, words

_OPENERS = (
    "and ",
    "what about",
    "how about",
    "also",
    "but ",
    "so ",
    "same for",
    "what if",
    "and,",
    "or ",
    "does it",
    "does that",
    "is it",
    "is that",
    "can it",
    "can i also",
    "do they",
    "will it",
    "then ",
)
_ANAPHORA = frozenset({"it", "that", "this", "they", "them", "those", "these", "there", "its", "one", "same"})


def is_follow_up(message: str) -> bool:
    text = message.strip().lower()
    tokens = words(text)
    content = [w for w in tokens if w not in STOP_WORDS]
    if text.startswith(_OPENERS) and len(tokens) <= 12:
        return True
    return len(tokens) <= 8 and (len(content) <= 2 or any(w in _ANAPHORA for w in tokens))


def standalone_query(message: str, earlier: Sequence[str]) -> str:
    """The text to search for: the message itself, or, for a follow-up, the previous question with it."""
    if not earlier or not is_follow_up(message):
        return message
    return f"{earlier[-1]} {message}"
