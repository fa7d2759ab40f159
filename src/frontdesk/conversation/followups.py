"""Follow-ups ("and for a team of 10?") only make sense with the previous question."""

from __future__ import annotations

from frontdesk.knowledge.terms import words

_OPENERS = (
    "and ",
    "and,",
    "what about",
    "how about",
    "also ",
    "but ",
    "so ",
    "same for",
    "what if",
    "or ",
    "then ",
    "ok and",
    "okay and",
    "ok so",
    "ok, and",
)
_ANAPHORA = frozenset({"it", "that", "this", "they", "them", "those", "these", "there", "its", "one", "same"})
SHORT = 8  # words; a longer message usually says what it is about


def is_follow_up(message: str) -> bool:
    """Clearly continues the previous question: opens like a continuation, or is short and points back."""
    text = message.strip().lower()
    tokens = words(text)
    if text.startswith(_OPENERS) and len(tokens) <= 2 * SHORT:
        return True
    return len(tokens) <= SHORT and any(w in _ANAPHORA for w in tokens)


def might_follow_up(message: str) -> bool:
    """Short enough that it may lean on the previous question ("for 10 people?"): worth a second search."""
    return len(words(message)) <= SHORT


def with_context(message: str, previous_query: str) -> str:
    return f"{previous_query} {message}"
