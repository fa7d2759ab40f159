"""Understanding one customer message: its language, intent (or out of scope), sentiment and frustration.

Everything reads the message's one embedding (the vector retrieval uses), so the step adds well under a
millisecond of model work to a turn; docs/benchmarks.md has the measured p95.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from frontdesk.understanding.frustration import EarlierTurn, Frustration, assess_frustration
from frontdesk.understanding.intents import Intent, IntentModel
from frontdesk.understanding.language import UNDETERMINED, Language, LanguageDetector
from frontdesk.understanding.sentiment import Sentiment, SentimentModel

Floats = npt.NDArray[np.float32]


# Below this, a message "in another language" is more likely a short or odd message in the bot's own
# ("how do i hook kitewire up to zapier" scores 0.69 Polish): it is served, not told to switch language.
UNSUPPORTED_CONFIDENCE = 0.85


@dataclass(frozen=True)
class Understanding:
    text: str
    language: Language
    supported_language: bool  # the bot serves this language (undetermined counts as the default language)
    intent: Intent | None  # None when the bot declares no intents
    sentiment: Sentiment
    frustration: Frustration

    @property
    def out_of_scope(self) -> bool:
        return self.intent is not None and not self.intent.in_scope

    def as_dict(self) -> dict[str, object]:
        return {
            "language": self.language.as_dict(),
            "supported_language": self.supported_language,
            "intent": self.intent.as_dict() if self.intent else None,
            "sentiment": self.sentiment.as_dict(),
            "frustration": self.frustration.as_dict(),
        }


class Reader:
    def __init__(
        self,
        *,
        languages: Sequence[str],
        intents: IntentModel | None,
        intent_threshold: float,
        sentiment: SentimentModel | None = None,
        sentiment_vector: Callable[[str], Floats] | None = None,
    ) -> None:
        """`sentiment_vector` embeds a message for the sentiment model when the bot's own embedder is not the
        MiniLM model it was fitted on (None: the turn's vector is that embedding)."""
        self.languages = list(languages)
        self.detector = LanguageDetector(self.languages)
        self.intents = intents
        self.intent_threshold = intent_threshold
        self.sentiment = sentiment or SentimentModel.bundled()
        self.sentiment_vector = sentiment_vector

    def read(self, text: str, vector: Floats, earlier: Sequence[EarlierTurn]) -> Understanding:
        language = self.detector.detect(text)
        if (
            language.code not in (UNDETERMINED, *self.detector.supported)
            and language.confidence < UNSUPPORTED_CONFIDENCE
        ):
            language = Language(self.detector.default, language.confidence)
        supported = language.code == UNDETERMINED or language.code in self.detector.supported
        intent = self.intents.classify(text, vector, self.intent_threshold) if self.intents else None
        sentiment_vector = self.sentiment_vector(text) if self.sentiment_vector else vector
        sentiment = self.sentiment.predict(text, sentiment_vector)
        frustration = assess_frustration(text, sentiment, earlier)
        return Understanding(text, language, supported, intent, sentiment, frustration)
