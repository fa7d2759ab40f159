"""Follow-ups ("and for a team of 10?") only make sense with the previous question."""

from __future__ import annotations

import re

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
    "if we do",
    "if i do",
    "if so",
    "if not",
    "in that case",
    "does that mean",
    "would that",
    "will that",
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


_FULL_QUESTION = re.compile(
    r"^(?:is|are|do|does|did|can|could|will|would|should|how|what|where|when|why|which|who)\b(?! about\b| if\b)"
)


def stands_alone(message: str) -> bool:
    """A follow-up that is a whole question of its own once its opener is gone ("and is there a free trial?"),
    unlike a condition, a fragment or a pointer back ("and if I pay monthly?", "and for 10?", "and is it taxed?")."""
    text = message.strip().lower()
    for opener in sorted(_OPENERS, key=len, reverse=True):
        if text.startswith(opener):
            text = text[len(opener) :].lstrip(" ,")
            break
    tokens = words(text)
    points_back = any(w in _ANAPHORA and w != "there" for w in tokens)  # "is there" points nowhere; "is it" does
    return _FULL_QUESTION.match(text) is not None and len(tokens) >= 3 and not points_back


def might_follow_up(message: str) -> bool:
    """Short enough that it may lean on the previous question ("for 10 people?"): worth a second search."""
    return len(words(message)) <= SHORT


def with_context(message: str, previous_query: str) -> str:
    return f"{previous_query} {message}"


_SENTENCE = re.compile(r"[^.!?]+[.!?]*")
SCENE_SHARE = 0.75  # the question is at most this share of the message's words


# A sentence that asks although it has no question mark: "is there a phone number", "how do i add a location".
_ASKS = re.compile(
    r"^\W*(?:how|what|whats|what's|where|when|which|who|why|is|are|can|could|do|does|did|will|would|should|"
    r"any)\b",
    re.IGNORECASE,
)
MAX_QUESTIONS = 3  # searched one by one at most


def is_question(text: str) -> bool:
    """Ends with a question mark or opens like a question ("is there a phone number")."""
    text = text.strip()
    return text.endswith("?") or _ASKS.match(text) is not None


# Where one sentence turns from the scene to the question: "our stock room has zero signal, can staff still
# clock in from there", "not a huge fan of getting pinged at 3am - can I mute it at night".
_CLAUSE = re.compile(r",\s+|\s+[-–]\s+|;\s+|\s+(?:but|so)\s+")


def question_sentences(message: str) -> list[str]:
    """The questions of a message worth searching one by one: the one question in a message that also sets the
    scene ("no signal in our basement kitchen. how far ahead can i see my rota offline?", or in one sentence:
    "our stock room has zero signal, can staff still clock in from there"), or each question of a message that
    asks more than one ("can i call you guys? is there a phone number"). Empty for a single sentence that is all
    question, or a question that is most of the message anyway."""
    sentences = [s.strip() for s in _SENTENCE.findall(message) if len(words(s)) >= 3]
    questions = [s for s in sentences if is_question(s)]
    if len(questions) > 1 and len(sentences) >= 2:
        return questions[:MAX_QUESTIONS]
    if len(sentences) < 2 or not questions:
        clauses = [c.strip() for c in _CLAUSE.split(message) if c.strip()]
        questions = [c for c in clauses[1:] if _ASKS.match(c) and len(words(c)) >= 3]
        if len(questions) != 1:
            return []
    # One question: worth a second embedding only when the scene is a good part of the message.
    return questions if len(words(questions[0])) <= SCENE_SHARE * len(words(message)) else []
