"""How frustrated is the customer, from this message and the conversation so far?

Each signal that fires adds evidence with its own weight; the score combines them as a noisy OR,
`score = 1 - prod(1 - weight)`, so one strong signal is enough and more signals push the score towards 1
without passing it. The level is `high` from 0.6, `mild` from 0.3, else `none`.

| signal               | fires when                                                                   | weight       |
|----------------------|------------------------------------------------------------------------------|--------------|
| `negative_sentiment` | the message's sentiment label is negative                                    | 0.4 × P(neg) |
| `insult`             | an insult or profanity, word-bounded, light masking allowed ("st*pid")       | 0.6          |
| `shouting`           | two or more words of 3+ letters in capitals, and half of such words or more  | 0.35         |
| `exclamations`       | two or more "!", or "?!"                                                     | 0.2          |
| `repeated_question`  | it repeats an earlier customer message: the same stemmed content words, or   | 0.4          |
|                      | 2+ shared with a Dice overlap of 0.6 or covering 80% of the earlier message  |              |
| `bot_failed_twice`   | two of the bot's last three decisions were `fallback` or `clarify`           | 0.45         |
| `repeat_contact`     | "third time", "how many times", "again and again", "still not", "yet again", | 0.35         |
|                      | "told you before"; a bare "again" or "still" only in a negative message      |              |

Shouting, exclamations, the repeated question and repeat contact do not fire on a positive message ("THANK
YOU!!!", "second time ordering, love it"); insults and the bot's failures do.
Everything is lexical and runs in microseconds: no model call, no extra embedding.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from frontdesk.knowledge.terms import terms
from frontdesk.understanding.sentiment import Sentiment, shouting_share

__all__ = ["SIGNALS", "EarlierTurn", "Frustration", "FrustrationLevel", "assess_frustration"]

FrustrationLevel = Literal["none", "mild", "high"]

WEIGHTS: dict[str, float] = {
    "negative_sentiment": 0.4,  # times the probability of negative
    "insult": 0.6,
    "shouting": 0.35,
    "exclamations": 0.2,
    "repeated_question": 0.4,
    "bot_failed_twice": 0.45,
    "repeat_contact": 0.35,
}
SIGNALS = tuple(WEIGHTS)
MILD = 0.3
HIGH = 0.6
FAILED_DECISIONS = frozenset({"fallback", "clarify"})
_LOOKBACK = 10  # earlier customer turns compared for a repeated question


@dataclass(frozen=True)
class EarlierTurn:
    text: str  # the customer's earlier message
    decision: str | None  # the bot's decision on it: answer|clarify|fallback|escalate (None if unknown)


@dataclass(frozen=True)
class Frustration:
    score: float  # in [0, 1]
    level: FrustrationLevel
    signals: tuple[str, ...]  # codes from SIGNALS, in that order

    def as_dict(self) -> dict[str, object]:
        return {"score": round(self.score, 4), "level": self.level, "signals": list(self.signals)}


def assess_frustration(text: str, sentiment: Sentiment, earlier: Sequence[EarlierTurn]) -> Frustration:
    positive = sentiment.label == "positive"
    fired: dict[str, float] = {}
    if sentiment.label == "negative":
        fired["negative_sentiment"] = WEIGHTS["negative_sentiment"] * sentiment.negative
    if has_insult(text):
        fired["insult"] = WEIGHTS["insult"]
    if not positive and shouting_share(_TOKEN.findall(text)) >= 0.5:
        fired["shouting"] = WEIGHTS["shouting"]
    if not positive and (text.count("!") >= 2 or "?!" in text or "!?" in text):
        fired["exclamations"] = WEIGHTS["exclamations"]
    if not positive and repeats_earlier(text, [turn.text for turn in earlier[-_LOOKBACK:]]):
        fired["repeated_question"] = WEIGHTS["repeated_question"]
    recent = [turn.decision for turn in earlier[-3:]]
    if sum(1 for decision in recent if decision in FAILED_DECISIONS) >= 2:
        fired["bot_failed_twice"] = WEIGHTS["bot_failed_twice"]
    if not positive and mentions_repeat_contact(text, negative=sentiment.label == "negative"):
        fired["repeat_contact"] = WEIGHTS["repeat_contact"]

    remaining = 1.0
    for weight in fired.values():
        remaining *= 1.0 - weight
    score = min(1.0, max(0.0, 1.0 - remaining))
    level: FrustrationLevel = "high" if score >= HIGH else "mild" if score >= MILD else "none"
    return Frustration(score=score, level=level, signals=tuple(name for name in SIGNALS if name in fired))


# ---------------------------------------------------------------------------------------------------------------
# Repeated question

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def repeats_earlier(text: str, earlier_texts: Sequence[str]) -> bool:
    """True when the message says again what an earlier customer message said: the same stemmed content words,
    or two or more shared with a Dice overlap of 0.6, or nearly all (80%) of the earlier message's words."""
    current = set(terms(text))
    if not current:
        return False
    for previous_text in earlier_texts:
        previous = set(terms(previous_text))
        if not previous:
            continue
        if current == previous:
            return True
        shared = len(current & previous)
        # Reworded ("why hasn't my refund for order 1234 arrived") or repeated with more said around it.
        if shared >= 2 and (2 * shared / (len(current) + len(previous)) >= 0.6 or shared >= 0.8 * len(previous)):
            return True
    return False


# ---------------------------------------------------------------------------------------------------------------
# Repeat contact: the customer says this keeps happening or that they have asked before

_ORDINAL = (
    r"(?:third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|hundredth|umpteenth|nth|(?:[3-9]|\d{2,})(?:st|nd|rd|th))"
)
_NUMBER = r"(?:two|three|four|five|six|seven|eight|nine|ten|several|many|multiple|\d+)"
_REPEAT_CONTACT = re.compile(
    rf"""\b(?:
        (?:(?:for|this\ is|it'?s|that'?s)\ the\ (?:second|2nd)|{_ORDINAL})
        \ (?:time|call|email|message|ticket|attempt|request|complaint)
      | {_NUMBER}\ times?\ (?:now|already|today|this\ (?:week|month|year)|in\ a\ row|i'?ve|i\ have)
      | (?:asked|told|called|emailed|written|messaged|contacted|explained|chased|reported|sent)
        \ (?:(?:you|u|this|that|it|about|them|the\ same)\ ){{0,3}}(?:{_NUMBER}\ times|before|already|twice)
      | how\ many\ (?:more\ )?times
      | again\ and\ again | over\ and\ over | time\ after\ time | yet\ again | once\ again | all\ over\ again
      | still\ (?:not|no|nothing|waiting|broken|wrong|missing|down
               |haven'?t|hasn'?t|isn'?t|doesn'?t|don'?t|didn'?t|can'?t|won'?t)
      | keeps?\ (?:happening|failing|crashing|breaking|asking)
      | every\ single\ time
    )\b""",
    re.IGNORECASE | re.VERBOSE,
)
_BARE_REPEAT = re.compile(r"\b(?:again|still)\b", re.IGNORECASE)


def mentions_repeat_contact(text: str, *, negative: bool) -> bool:
    normalised = text.replace("’", "'")
    return bool(_REPEAT_CONTACT.search(normalised)) or (negative and bool(_BARE_REPEAT.search(normalised)))


# ---------------------------------------------------------------------------------------------------------------
# Insults and profanity aimed at the bot or the company. Words that also name ordinary support topics are left out
# on purpose: "scam" ("is this email a scam?"), "fraud" ("report fraud"), "garbage"/"trash" (collections), "joke".

INSULTS: tuple[str, ...] = tuple(
    """stupid stoopid idiot idiots idiotic moron morons moronic dumb dumbass useless pathetic incompetent clown clowns
    scammer scammers thieves thief crook crooks liars liar fraudsters bullshit crap crappy shit shitty shite
    fuck fucking fucked fucker wtf stfu asshole arsehole assholes bastard bastards bitch dickhead dickheads
    pissed clueless imbecile imbeciles halfwit retarded braindead loser losers bollocks wanker wankers twat
    damn goddamn""".split()
)
_INSULT_WORDS = frozenset(INSULTS)
_CANDIDATE = re.compile(r"[^\s'’\"(),;:/]+")  # a word with its symbols: "st*pid", "sh!t", "idiots!!", "#clowns"
_EDGES = ".,!?-_#@~"
_LOOK_ALIKES = str.maketrans({"4": "a", "@": "a", "3": "e", "1": "i", "|": "i", "0": "o", "5": "s", "$": "s", "7": "t"})
_MASKS = frozenset("*#%!?.")
_RUNS = re.compile(r"(.)\1{2,}")
_MAX_CANDIDATE = 30


def has_insult(text: str) -> bool:
    """An insult or profanity from INSULTS as a whole word, also written with look-alike digits ("1diot"), stretched
    ("stuuupid") or with up to half of its letters masked by a symbol each ("st*pid", "f**k", "sh!t"). Linear in
    the length of the text: each word is checked on its own, by set look-up or a tiny fixed-length comparison."""
    for match in _CANDIDATE.finditer(text):
        candidate = match.group().strip(_EDGES).lower()
        if not candidate or len(candidate) > _MAX_CANDIDATE:
            continue
        if _is_insult(candidate):
            return True
    return False


def _is_insult(candidate: str) -> bool:
    if not any(char in _MASKS for char in candidate):
        plain = candidate.translate(_LOOK_ALIKES)
        return any(form in _INSULT_WORDS for form in (plain, _RUNS.sub(r"\1", plain), _RUNS.sub(r"\1\1", plain)))
    # Masked: each symbol stands for exactly one letter; at least two real letters, at most half masked.
    masked = sum(1 for char in candidate if char in _MASKS)
    if masked * 2 > len(candidate) or len(candidate) - masked < 2 or candidate[0] in _MASKS:
        return False
    shape = candidate.translate(_LOOK_ALIKES)
    return any(
        len(word) == len(shape) and all(c in _MASKS or c == w for c, w in zip(shape, word, strict=True))
        for word in _INSULT_WORDS
    )
