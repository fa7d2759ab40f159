"""Customers rarely use the help center's words ("get my money back" for refund, "rota" for schedule).
A query that names a phrase of a synonym group is searched with the group's help-center term as well.

Groups are owner-configurable (`retrieval.synonyms`); the built-in ones cover everyday support vocabulary,
not any one product.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

# The first phrase of each group is the term help centers use; the rest are how customers say it.
BUILTIN: tuple[tuple[str, ...], ...] = (
    ("refund", "money back", "reimburse", "reimbursement", "chargeback", "charge back"),
    ("delete", "wipe", "erase", "get rid of", "shut down my account", "close my account", "remove my account"),
    ("cancel", "stop paying", "stop my subscription", "end my subscription", "unsubscribe", "quit the subscription"),
    ("remove", "kick", "kick out", "take off", "get rid of"),
    ("contact", "phone", "call you", "call someone", "talk to someone", "speak to someone", "reach you", "email you"),
    ("price", "cost", "how much", "pricing", "fee", "fees"),
    ("invoice", "receipt", "bill"),
    ("sign in", "log in", "login", "logon", "log on"),
    ("password", "passcode", "login details"),
    ("schedule", "rota", "roster", "timetable"),
    ("sub-processors", "third party", "third-party", "third parties"),
    ("two-factor authentication", "2fa", "mfa", "authenticator", "two step", "2-step"),
    ("single sign-on", "sso", "saml"),
    ("export", "download my data", "take my data", "get my data out"),
    ("trial", "try it out", "test drive"),
    ("upgrade", "higher plan", "bigger plan"),
    ("downgrade", "cheaper plan", "lower plan", "smaller plan"),
)


# Chat shorthand the embedding model reads poorly ("r u guys open on weekends", "do u take amex"), spelled out
# before searching. Whole words only; the customer's own text is kept as written everywhere else.
CHAT_SHORTHAND = {
    "u": "you", "r": "are", "ur": "your", "ya": "you", "pls": "please", "plz": "please", "thx": "thanks",
    "wanna": "want to", "gonna": "going to", "ppl": "people", "acct": "account", "msg": "message", "abt": "about",
    "b4": "before", "tmrw": "tomorrow", "bc": "because", "cuz": "because", "thru": "through",
    "mins": "minutes", "hrs": "hours", "wk": "week", "amex": "american express",
}  # fmt: skip
_SHORTHAND = re.compile(r"\b(" + "|".join(map(re.escape, CHAT_SHORTHAND)) + r")\b", re.IGNORECASE)
_WORD = re.compile(r"[\w-]+")


def spelled_out(query: str) -> str:
    """`query` with chat shorthand spelled out; a capital single letter ("R", "U") is a name, not shorthand."""

    def spell(match: re.Match[str]) -> str:
        word = match.group(1)
        return word if len(word) == 1 and word.isupper() else CHAT_SHORTHAND[word.lower()]

    return _SHORTHAND.sub(spell, query)


def expand(query: str, groups: Sequence[Sequence[str]]) -> str:
    """The query with chat shorthand spelled out, followed by the help-center term of every group it mentions
    in customer words."""
    query = spelled_out(query)
    lowered = " " + " ".join(_WORD.findall(query.lower())) + " "
    extra = [group[0] for group in groups if _mentions(lowered, tuple(group[1:])) and f" {group[0]} " not in lowered]
    return query if not extra else f"{query} ({', '.join(dict.fromkeys(extra))})"


@lru_cache(maxsize=512)
def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(rf" {re.escape(p.lower())}(?:s|es|ed|ing)? " for p in phrases))


def _mentions(lowered: str, phrases: tuple[str, ...]) -> bool:
    return bool(phrases) and _pattern(phrases).search(lowered) is not None
