"""When a person is needed, for which team, how urgently, and what to ask the customer for first.

Reasons come from three places: the built-in detectors on the message (`signals.py`), the conversation's own
course (no confident answer after a clarifying question: `low_confidence`; two failures in a row:
`repeated_failure`; "yes" to the fallback's offer of a person: `human_requested`), and the owner's rules in
`escalation.reasons` (keywords, intents, context attributes). Each reason can be switched off, re-thresholded,
re-prioritised and routed in bot.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from frontdesk.config import EscalationConfig, ReasonConfig
from frontdesk.conversation.followups import is_question
from frontdesk.escalation.answer_first import CLARIFIED, answer_first
from frontdesk.escalation.signals import SENTENCE_END, LeadRules, Signal, SignalDetector, asks_to_act, plays_down
from frontdesk.understanding.frustration import Frustration
from frontdesk.understanding.reader import Understanding
from frontdesk.understanding.sentiment import Sentiment

DEFAULT_PRIORITY = {
    "legal": 4,
    "payment": 3,
    "high_value_lead": 3,
    "negative_sentiment": 3,
    "bug_report": 2,
    "account_specific": 2,
    "human_requested": 2,
    "repeated_failure": 2,
    "low_confidence": 1,
}
DEFAULT_COLLECT: dict[str, list[str]] = {
    "payment": ["email"],
    "account_specific": ["email"],
    "legal": ["email"],
    "bug_report": ["steps", "expected", "environment"],
    "high_value_lead": ["email", "company"],
    "human_requested": ["email"],
    "low_confidence": ["email"],
    "repeated_failure": ["email"],
    "negative_sentiment": [],  # an angry customer is not made to fill in a form first
}
FAILED = ("low_confidence", "out_of_scope")  # reply reasons that mean "no answer for this"
STRONGLY_NEGATIVE = 0.8  # P(negative) from the sentiment model
# Reasons that say how the customer feels or that the bot failed, not what the matter is: the team comes from a
# specific reason when there is one ("the app crashed AGAIN, FIX IT" goes to engineering, not support).
GENERIC = ("negative_sentiment", "human_requested", "low_confidence", "repeated_failure")
_MONEY = re.compile(
    r"\b(?:refund\w*|charg\w*|invoice\w*|paid|payments?|billed|billing|money|credit|fees?|currency|read.only)\b",
    re.IGNORECASE,
)
# The customer's own things, or acting for them: "our location", "for us", "my import".
_THEIR_OWN = re.compile(
    r"\b(?:my|our|for (?:me|us))\b|\b(?:the|those|these|that|this)(?: (?:last|latest|first|\d+|two|three))* "
    r"(?:import|shifts?|locations?|workspace|account|timesheets?|members?|people|staff|transfer|invites?|"
    r"invoices?|charges?|payments?|subscription)\b",
    re.IGNORECASE,
)
# Following up an open case: "the ticket I opened on Monday, #48812", "status on our request", "ticket ref 58812".
_OPEN_CASE = re.compile(
    r"\b(?:ticket|case|request|complaint)\b[^.?!]{0,40}"
    r"(?:#\s?\d{3,}|\b(?:i|we) (?:opened|raised|submitted|sent|made|logged)\b)"
    r"|\b(?:status|update|news|progress) (?:on|of|about|with) (?:my|our|the) (?:\w+ )?"
    r"(?:ticket|case|request|complaint)\b"
    r"|\b(?:ticket|case) (?:ref\w*|number|no\.?)\s*#?\s*\d{3,}",
    re.IGNORECASE,
)
# "Talk to a person" in the languages customers most often write in when the bot cannot read them.
_PERSON_ELSEWHERE = re.compile(
    r"\b(?:hablar con (?:una persona|un agente|alguien|un humano)|con un (?:agente|humano|operador)|"
    r"mit (?:einem|einer) (?:menschen|mitarbeiter(?:in)?|person)|echten menschen|"
    r"parler (?:à|a|avec) (?:un humain|une personne|quelqu'un|un conseiller|un agent)|"
    r"falar com (?:uma pessoa|um atendente|algu[eé]m|um humano)|parlare con (?:una persona|un operatore|qualcuno)|"
    r"met een (?:mens|medewerker|persoon))\b",
    re.IGNORECASE,
)
_YES = re.compile(
    r"^\s*(?:yes|yeah|yep|yup|sure|ok(?:ay)?|please|yes please|please do|go ahead|do it|that would be great|"
    r"connect me|y)\b[\s!.,]*(?:please|thanks|thank you)?[\s!.]*$",
    re.IGNORECASE,
)

_NOT_HELPED = re.compile(
    r"\b(?:(?:that|this|it|which) (?:didn'?t|did not|doesn'?t|does not|won'?t) (?:help|work|answer|fix)|"
    r"(?:didn'?t|did not|doesn'?t) (?:help|answer my question)|not (?:helpful|what i (?:asked|meant|need(?:ed)?))|"
    r"(?:that'?s|thats|that is|this is) (?:not it|wrong|not right|not what|useless|no help)|"
    r"still (?:not working|doesn'?t work|broken|the same|happening)|already tried (?:that|this|it))",
    re.IGNORECASE,
)

_PUSHBACK = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|fine|hm+|well|right|so|ah|oh|alright)\b[\s,.!]*)+(?:but|so|then|and|what about)\b|"
    r"\b(?:any way at all|(?:really|actually|seriously) no way|let me rephrase|to rephrase|you didn'?t answer|"
    r"that'?s not what i (?:asked|meant)|i asked (?:about|whether|if))",
    re.IGNORECASE,
)

# Moving past an answer to an alternative ("what about … then", "is there fingerprint clock-in then?"): what was
# answered was not what they needed, however sure the answer was.
_MOVES_ON = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|and|so)\W+)?(?:what about|how about|what if)\b|\bthen\b(?=[^.!?]*\?\W*$)|\bthen\W*$",
    re.IGNORECASE,
)

# With no confident answer, a detector reason fires from this probability (see `_no_answer_thresholds`); for a
# message the bot judged off-topic only from a stronger lean ("write me a python script" is not a bug report).
NO_ANSWER_THRESHOLD = 0.5
OFF_TOPIC_THRESHOLD = 0.7
NO_ANSWER_REASONS = (
    "account_specific",
    "payment",
    "legal",
    "bug_report",
    "human_requested",
    "high_value_lead",
    "negative_sentiment",
)
# Relaxed for questions too ("is there someone i could ring?"); a question asking staff to act on the account
# ("can you copy our staff into the new workspace?") is handed off by the asks-to-act rule instead.
NO_ANSWER_ASKS = ("human_requested",)

Floats = npt.NDArray[np.float32]


class Detector(Protocol):
    """Finds reasons in one message (the bundled `SignalDetector`; `frontdesk.testing` has a keyword fake)."""

    def detect(
        self,
        text: str,
        vector: Floats,
        *,
        sentiment: Sentiment,
        frustration: Frustration,
        context: Mapping[str, Any],
        lead: LeadRules,
        thresholds: Mapping[str, float] | None,
        disabled: Collection[str],
    ) -> list[Signal]: ...


@dataclass(frozen=True)
class PastTurn:
    """An earlier turn since the conversation was last (re)opened: the bot's decision and why."""

    decision: str
    reason: str
    deferred: tuple[Signal, ...] = ()  # reasons an answer was tried first for
    confidence: float = 1.0


@dataclass(frozen=True)
class Route:
    team: str
    priority: int
    collect: list[str]


class EscalationPolicy:
    def __init__(self, config: EscalationConfig, detector: Detector | None = None) -> None:
        self.config = config
        self.detector: Detector = detector or SignalDetector.bundled()
        self.lead = LeadRules(
            min_seats=config.lead.min_seats,
            min_employees=config.lead.min_employees,
            plans=tuple(p.lower() for p in config.lead.plans),
            min_mrr=config.lead.min_mrr,
        )
        self.disabled = {name for name, reason in config.reasons.items() if not reason.enabled}
        self.thresholds = {name: r.threshold for name, r in config.reasons.items() if r.threshold is not None}
        self.custom = {name: r for name, r in config.reasons.items() if r.enabled and _has_conditions(r)}
        self._keyword_patterns = {
            name: re.compile("|".join(rf"\b{re.escape(k.lower())}\b" for k in r.keywords), re.IGNORECASE)
            for name, r in self.custom.items()
            if r.keywords
        }

    def reasons(
        self,
        text: str,
        vector: Floats,
        understanding: Understanding,
        context: Mapping[str, Any],
        earlier: Sequence[PastTurn],
        reply_reason: str,
    ) -> list[Signal]:
        """Every reason that fires on this turn, strongest first. `reply_reason` is why the bot's own reply
        would be what it is (answered, low_confidence, underspecified, out_of_scope, ...)."""

        def detect(thresholds: Mapping[str, float]) -> list[Signal]:
            return self.detector.detect(
                text,
                vector,
                sentiment=understanding.sentiment,
                frustration=understanding.frustration,
                context=context,
                lead=self.lead,
                thresholds=thresholds,
                disabled=self.disabled,
            )

        found = detect(self.thresholds)
        previous = earlier[-1] if earlier else None
        missed_before = previous is not None and previous.reason in FAILED  # the course decides (repeated failure)
        # A lead from the context alone ("plan=enterprise") does not stop the search for what the message is about.
        if (
            all(s.from_context for s in found)
            and not missed_before
            and (relaxed := self._no_answer_thresholds(reply_reason, text))
        ):
            found = detect(relaxed)
        fired = {s.reason for s in found}
        frustration, sentiment = understanding.frustration, understanding.sentiment
        if (
            "negative_sentiment" not in fired
            and frustration.level == "high"
            and sentiment.negative >= STRONGLY_NEGATIVE
            and not plays_down(text)
        ):
            # "third email about this ... unsuspend it NOW": frustration the detector's anger model can miss.
            found.append(
                Signal("negative_sentiment", frustration.score, f"frustration high ({', '.join(frustration.signals)})")
            )
        if not fired - set(GENERIC) and asks_to_act(text) and (match := _THEIR_OWN.search(text)):
            # "can you merge them into one for us?", "can you roll back the import?": staff must act on the
            # customer's own workspace, whatever the model made of the words. Money matters are `payment`.
            # The money must be in what they ask for: "nobody can manage billing. We need ownership moved" is not.
            asked = [part for part in SENTENCE_END.split(text) if asks_to_act(part)] or [text]
            reason = "payment" if any(_MONEY.search(part) for part in asked) else "account_specific"
            found.append(Signal(reason, 0.9, f"asked staff to act on their own account: {match.group(0)!r}"))
        if not fired - set(GENERIC) and (match := _OPEN_CASE.search(text)):
            # "any news on ticket #48812?": only someone who can see the case can answer.
            found.append(Signal("account_specific", 0.9, f"asked about their open case: {match.group(0)!r}"))
        if "human_requested" not in fired and (match := _PERSON_ELSEWHERE.search(text)):
            found.append(Signal("human_requested", 1.0, f"asked for a person: {match.group(0)!r}"))
        if previous is not None and previous.decision == "answer" and (match := _NOT_HELPED.search(text)):
            # "that didn't help": the answer was not good enough; what was set aside for it comes back.
            found.append(Signal("low_confidence", 1.0, f"said the answer did not help: {match.group(0)!r}"))
            found.extend(previous.deferred)
        elif (
            previous is not None
            and previous.decision == "answer"
            and reply_reason in FAILED
            and (_PUSHBACK.search(text) or _MOVES_ON.search(text))
        ):
            # "ok but is there any way at all…" or "what about sage then" after an answer, and no answer now:
            # that answer did not help either, so this is the second miss.
            found.append(Signal("repeated_failure", 1.0, "pushed back on the answer, and no answer now"))
            found.append(Signal("low_confidence", 1.0, "no confident answer to the follow-up"))
        accepted = previous is not None and previous.decision == "fallback" and _YES.match(text) is not None
        if accepted:  # a "yes" after a fallback takes up its offer of a person; it is not another failure
            found.append(Signal("human_requested", 1.0, f"said {text.strip()[:40]!r} after the fallback"))
        elif previous is not None and reply_reason in FAILED and previous.reason in FAILED:
            # Both hold: there is no confident answer, and it is the second time in a row.
            found.append(Signal("repeated_failure", 1.0, "no answer twice in a row"))
            found.append(Signal("low_confidence", 1.0, "no confident answer, asked again"))
        elif (
            previous is not None
            and {reply_reason, previous.reason} <= {*FAILED, *CLARIFIED}
            and not (previous.reason == "greeting" and reply_reason in CLARIFIED)  # "hi", then setting the scene
            # "hi", then "write me a poem": what the owner's examples call off-topic is no miss a person could fix
            and not (previous.reason == "greeting" and _off_topic(understanding))
        ):
            found.append(Signal("low_confidence", 1.0, "no confident answer after a clarifying question"))
        for name, rule in self.custom.items():
            evidence = self._custom_evidence(name, rule, text, understanding, context)
            if evidence and name not in fired:
                found.append(Signal(name, 1.0, evidence))
        if any(s.reason not in (*GENERIC, "high_value_lead") for s in found):
            # An enterprise customer's charge, bug or workspace request is that matter, not a sale.
            found = [s for s in found if not s.from_context]
        unique: dict[str, Signal] = {}
        for signal in found:
            if signal.reason not in self.disabled and signal.reason not in unique:
                unique[signal.reason] = signal
        return sorted(unique.values(), key=lambda s: (-self.priority(s.reason), -s.score))

    def _no_answer_thresholds(self, reply_reason: str, text: str) -> Mapping[str, float] | None:
        """Lower thresholds for a turn where nothing fired and there is no answer to give. The reply would be
        the fallback's offer of a person anyway: a message that leans towards a reason (a report, a request for
        staff) goes straight to the team for it instead. A question the knowledge cannot answer ("is the app in
        spanish?") is a gap, not a bug or a bill, so only the ask for a person is relaxed for questions. The
        owner's own thresholds stay as set."""
        if reply_reason not in FAILED:
            return None
        reasons = NO_ANSWER_ASKS if is_question(text) else NO_ANSWER_REASONS
        floor = OFF_TOPIC_THRESHOLD if reply_reason == "out_of_scope" else NO_ANSWER_THRESHOLD
        relaxed = {r: floor for r in reasons if r not in self.thresholds}
        return {**relaxed, **self.thresholds} if relaxed else None

    def answer_first(
        self, reasons: Sequence[Signal], reply_reason: str, confidence: float, text: str = "", cited: str = ""
    ) -> bool:
        """The knowledge confidently settles it: answer, and hand off only if the customer comes back.
        `text` is the customer's message, `cited` the passages the answer quotes (see `answer_first.py`)."""
        return answer_first(reasons, reply_reason, confidence, text, cited)

    def route(self, reasons: Sequence[Signal]) -> Route:
        """The most urgent specific reason picks the team (feelings and failures only when there is nothing
        more specific); the priority is the most urgent of all; the fields are those every reason needs."""
        specific = [s for s in reasons if s.reason not in GENERIC] or list(reasons)
        first = max(specific, key=lambda s: self.priority(s.reason))
        collect: list[str] = []
        for signal in reasons:
            for name in self._collect(signal.reason):
                if name not in collect:
                    collect.append(name)
        return Route(self.config.team_for(first.reason), max(self.priority(s.reason) for s in reasons), collect)

    def priority(self, reason: str) -> int:
        configured = self.config.reasons.get(reason)
        if configured and configured.priority is not None:
            return configured.priority
        return DEFAULT_PRIORITY.get(reason, 2)

    def _collect(self, reason: str) -> list[str]:
        configured = self.config.reasons.get(reason)
        if configured and configured.collect is not None:
            return configured.collect
        return DEFAULT_COLLECT.get(reason, ["email"])

    def _custom_evidence(
        self, name: str, rule: ReasonConfig, text: str, understanding: Understanding, context: Mapping[str, Any]
    ) -> str | None:
        pattern = self._keyword_patterns.get(name)
        match = pattern.search(text) if pattern else None
        if match:
            return f"keyword {match.group(0)!r}"
        intent = understanding.intent
        if intent is not None and intent.name in rule.intents:
            return f"intent {intent.name}"
        for key, wanted in rule.attributes.items():
            value = context.get(key)
            options = [wanted] if isinstance(wanted, str) else wanted
            if value is not None and str(value).lower() in {o.lower() for o in options}:
                return f"context {key}={value}"
        return None


def _off_topic(understanding: Understanding) -> bool:
    return understanding.intent is not None and understanding.intent.out_of_scope_by == "examples"


def _has_conditions(reason: ReasonConfig) -> bool:
    return bool(reason.keywords or reason.intents or reason.attributes)
