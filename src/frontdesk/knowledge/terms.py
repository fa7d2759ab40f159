"""Words → index terms: lowercase, drop stop words, Snowball-stem. Shared by the lexical index, the
confidence features and the extractive composer so they all agree on what a word is."""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_STEMMER = Stemmer.Stemmer("english")

STOP_WORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been before being below
    between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each
    few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself
    him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most
    mustn't my myself no nor not of off on once only or other ought our ours ourselves out over own same shan't
    she she'd she'll she's should shouldn't so some such than that that's the their theirs them themselves then
    there there's these they they'd they'll they're they've this those through to too under until up very was
    wasn't we we'd we'll we're we've were weren't what what's when when's where where's which while who who's
    whom why why's with won't would wouldn't you you'd you'll you're you've your yours yourself yourselves
    hi hello hey thanks thank please pls plz just also really get got want wanna need know like would could
    im ive dont cant doesnt didnt isnt wont u ur ok okay yes yeah""".split()
)


def words(text: str) -> list[str]:
    return [w.replace("’", "'") for w in _WORD.findall(text.lower())]


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return str(_STEMMER.stemWord(word.replace("'", "")))


def terms(text: str) -> list[str]:
    """Index terms of a text, in order, duplicates kept (term frequency matters)."""
    return [stem(w) for w in words(text) if w not in STOP_WORDS and len(w) < 40]
