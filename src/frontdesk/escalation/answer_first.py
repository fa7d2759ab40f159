"""When an answer from approved knowledge comes before the handoff.

A reason the detectors' model saw (no rule phrase such as "my lawyer", no page context) may be settled by the
knowledge: a known issue's fix, the published refund policy or DPA. The answer comes first, with the offer of a
person, and "that didn't help" hands off. What never waits for an answer: asking staff to act, a request for a
person, anger, legal matters, and a malfunction the knowledge only describes as working.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from frontdesk.conversation.followups import is_question
from frontdesk.escalation.signals import Signal, asks_to_act

# The bot asked what the customer needs: after "hi", after "I have a question", after setting the scene.
CLARIFIED = ("greeting", "underspecified", "statement")

# Reasons the knowledge may settle when only the detector's model saw them (no rule phrase such as "my lawyer"
# or "350 employees", no context attribute): a confident answer from approved sources comes first (a known
# issue's fix, the published SLA or DPA), and the customer can still ask for a person. The answer confidence
# needed per reason; chosen on the demo's escalation test set.
ANSWER_FIRST = {"high_value_lead": 0.6, "bug_report": 0.85, "account_specific": 0.95, "payment": 0.9, "legal": 0.95}
# Never held back, even by a curated FAQ answer: the customer asked for a person, is angry, or it is legal.
NEVER_ANSWER_FIRST = ("human_requested", "negative_sentiment", "legal", "repeated_failure", "low_confidence")
# A question the model reads as wanting a person ("do we get phone support on pro?") is answered first only when
# the knowledge is this sure; a phrase that asks for one ("can I speak to someone?") never waits.
ABOUT_PEOPLE = 0.8
# Below ANSWER_FIRST, an answer as confident as this still comes first when the message itself says the knowledge
# is what is wanted: the customer asks how to do it themselves, or quotes a symptom the article documents.
SETTLED = 0.5
# "how do I…", "is it…", "I want to…", "cancel my plan": what to do or what happens, not asking staff to act.
_SELF_SERVICE = re.compile(
    r"\b(?:how (?:do|can|should|would) (?:i|we)|how (?:i|we) (?:can|could|do)|how to|"
    r"what (?:do|should|can) (?:i|we) do|what happens|how long (?:until|till|til|before|will|do|does)|"
    r"is (?:it|there|this)|are (?:they|there)|can (?:i|we)|where (?:do|can|is)|"
    r"(?:i|we) (?:want|wanna|need|would like|'d like) to)\b"
    # an instruction about one's own account the article shows how to carry out: "cancel my subscription"
    r"|^\W*(?:cancel|delete|close|shut down|remove|wipe|erase|deactivate|downgrade|upgrade|export|change|reset|"
    r"turn off|switch)\b[^.?!]{0,30}\b(?:my|our)\b",
    re.IGNORECASE,
)
# "is that normal?", "is this a mistake?": whether something is how the product works.
_WHETHER_EXPECTED = re.compile(
    r"\b(?:is|was|are) (?:that|this|it|they) (?:a mistake|an error|a bug|a glitch|a fault|right|correct|normal|"
    r"expected|intended|on purpose|supposed to)\b"
    # "…why did that happen?", "what happens then?": how the product behaves, which an article explains
    r"|\bwhy (?:did|does|would|do) (?:that|this|it|they) (?:happen|do that)\b"
    r"|\bwhat happens (?:then|if|when|after)\b"
    # "is the payroll export broken or do unapproved hours just not show up?"
    r"|\b(?:is|are) (?:the|my|our|it|this|that)\b[^.?!]{0,30}\b(?:broken|a bug|bugged|normal|expected) or\b"
    # "…or have we set it up wrong?", "is that a setting?", "what am i doing wrong"
    r"|\bor (?:is (?:that|this|it) )?(?:a )?setting\b|\b(?:have|did) (?:we|i) set (?:it|this|that|\w+) up wrong\b"
    r"|\bwhat (?:am i|are we) doing wrong\b|\b(?:am i|are we) doing (?:something|anything) wrong\b",
    re.IGNORECASE,
)
# A charge or record of the customer's own: an amount or a reference ("$1,920", "KW-60417").
_PARTICULAR = re.compile(r"[$£€]\s?\d|\d\s?(?:usd|eur|gbp)\b|\b\d+[.,]\d{2}\b|\b[a-z]{1,4}-?\d{3,}\b", re.IGNORECASE)
# A symptom specific enough to look up: an error code or a quoted message ("429", "'Workspace suspended'").
_SYMPTOM = re.compile(r"\b\d{3,}\b|(?:^|(?<=[\s:(]))[\"“'‘]([^\"”'’]{6,80})[\"”'’]")
# A question about what the terms say ("is the DPA part of our contract?", "does your DPA include the SCCs?"),
# not a formal request or an authority's demand, which a person answers.
_ASKS_ABOUT_TERMS = re.compile(
    r"\b(?:is|are) (?:the|your|a|an|there)\b|\bdoes (?:your|the|it|kitewire|a|an)\b|\bdo (?:we|i) (?:need|have) to\b|"
    r"\bdo you (?:have|offer|provide|include|sign|support)\b|"
    r"\b(?:wants?|needs?|would like) to know (?:if|whether|where|what|how|which|who|when)\b|"
    r"\bhow (?:do|can|would) (?:we|i) (?:get|sign|find|download|see|read)\b|\bwhere (?:can|do|would) (?:we|i)\b",
    re.IGNORECASE,
)
# A question about the billing policy ("is there any kind of refund window on yearly plans?", "do you refund monthly
# plans?"), not a request for the customer's own money, which billing handles.
_ASKS_ABOUT_POLICY = re.compile(
    r"\b(?:is|are) there (?:a|an|any)\b[^.?!]{0,30}\b(?:refund|money.back|cooling.off|grace|credit|pro-?rat\w*)"
    r"|\bdo (?:you|you guys|kitewire) (?:refund|offer|give|do|pro-?rate)\b"
    r"|\bhow (?:long|many days)\b[^.?!]{0,30}\b(?:refund|money back|cancel)"
    r"|\bwhat(?:'s| is) (?:your|the) (?:refund|cancellation|billing) (?:policy|window|period|rules?)\b"
    r"|\b(?:do|would|will) (?:we|i) (?:get|be) (?:a |any )?(?:refund\w*|credit\w*|money back|pro-?rat\w*)\b[^.?!]{0,40}"
    r"\b(?:if|when)\b",
    re.IGNORECASE,
)
_FORMAL = re.compile(
    r"\bart(?:icle)?\.? ?\d+|\b(?:statutory|subpoena|court|police|warrant|authorit(?:y|ies)|inspector\w*|regulator)\b",
    re.IGNORECASE,
)
# What only this customer's case has: a date, time, code or duration, a quoted label, a file name, a name
# mid-sentence ("12-16 May", "0 minutes", "'All time'", "members.csv", "Jonas"); not a count ("2 of my cooks").
# A troubleshooting article explains a generic symptom; a report whose particulars it never mentions is a
# malfunction for engineering to look at.
_PARTICULARS = re.compile(
    r"\b\d+[:./-]\d+(?:[:./-]\d+)*\b|\b\d{3,}\b|\b\d+\s?(?:min(?:ute)?s?|h(?:ou)?rs?|days?|weeks?|%|am|pm)\b|"
    r"[\"“'‘]([^\"”'’]{2,80})[\"”'’]|\b[\w-]+\.(?:csv|zip|pdf|xlsx?|json|txt)\b|"
    r"(?<=[a-z,] )[A-Z][a-z]+\b"
)
# Knowledge about something going wrong: a troubleshooting section, a known issue, what an error means. A
# malfunction reported against a page that only says how a feature works is a bug, however close the match.
_TROUBLESHOOTING = re.compile(
    r"\b(?:troubleshoot\w*|problems?|issues?|not (?:working|syncing|arriving|showing|loading|updating)|"
    r"(?:doesn't|don't|isn't|won't|can't) (?:work|load|sync|arrive|show|open|update|connect)\w*|fails?|failed|"
    r"errors?|rejected|duplicates?|duplicated|missing|fix\w*|if you see|stuck|expired?|offline|out of sync|"
    r"if (?:it|they|this|that|you|the \w+) (?:doesn't|don't|isn't|aren't|can't|won't|still))\b",
    re.IGNORECASE,
)


def answer_first(reasons: Sequence[Signal], reply_reason: str, confidence: float, text: str, cited: str) -> bool:
    """The knowledge confidently settles every reason: answer, and hand off only if the customer comes back.
    `text` is the customer's message, `cited` the titles and passages the answer quotes."""
    if reply_reason in CLARIFIED:  # "it's not working": ask what is wrong first; the answer may escalate
        return all(s.evidence.startswith("model") and s.reason not in NEVER_ANSWER_FIRST for s in reasons)
    if asks_to_act(text):  # "please remove 2FA", "could you send a quote": a person acts; an article does not
        return False
    if reply_reason == "faq_match":  # the owner curated an answer to this very question
        return not any(s.reason in NEVER_ANSWER_FIRST or s.evidence.startswith("context") for s in reasons)
    if not all(s.evidence.startswith("model") for s in reasons):
        return False  # a rule phrase, the page's context or the conversation's course said so
    return reply_reason == "answered" and all(
        _asks_about_people(s.reason, confidence, text) or _settles(s.reason, confidence, text, cited) for s in reasons
    )


def _asks_about_people(reason: str, confidence: float, text: str) -> bool:
    """A question about the support on offer ("is there phone support at weekends?"), confidently answered."""
    return reason == "human_requested" and confidence >= ABOUT_PEOPLE and is_question(text)


def _settles(reason: str, confidence: float, text: str, cited: str) -> bool:
    if _asks_whether_expected(reason, text) and confidence >= SETTLED:
        return True  # "it wouldn't let her clock in 25 mins early, is that a bug or a setting?": the article says
    if reason == "bug_report" and _unexplained(text, cited):
        return False  # "approved time off for Jonas 12-16 May but…": particulars no article explains
    # A malfunction matched to a page that only says how the feature works is a bug, however close the match.
    about_trouble = reason != "bug_report" or _TROUBLESHOOTING.search(cited) is not None
    if reason in ANSWER_FIRST and confidence >= ANSWER_FIRST[reason] and about_trouble:
        return True
    return confidence >= SETTLED and _settled_by_knowledge(reason, text, cited)


def _settled_by_knowledge(reason: str, text: str, cited: str) -> bool:
    """The message asks for what the cited knowledge gives: how to do something on one's own account ("I want
    to cancel", "is it gone forever?"), what a documented error means ("getting 429 errors"), or whether
    something is how it works ("no VAT on our invoice, is that a mistake?") with no charge of theirs named."""
    if reason == "legal":
        return _ASKS_ABOUT_TERMS.search(text) is not None and _FORMAL.search(text) is None
    if reason == "payment":  # the published policy answers it when no charge of theirs is named
        return _ASKS_ABOUT_POLICY.search(text) is not None and not _PARTICULAR.search(text)
    if reason == "account_specific":  # `answer_first` has already handed off whatever asks staff to act
        return _SELF_SERVICE.search(text) is not None
    if reason == "bug_report":
        cited = cited.lower()
        return any((m.group(1) or m.group(0)).lower() in cited for m in _SYMPTOM.finditer(text))
    return False


def _asks_whether_expected(reason: str, text: str) -> bool:
    """The customer asks whether it is how the product works, with no charge or record of theirs named."""
    return reason in ("payment", "bug_report") and bool(_WHETHER_EXPECTED.search(text)) and not _PARTICULAR.search(text)


def _unexplained(text: str, cited: str) -> list[str]:
    """The message's particulars that the cited passages never mention."""
    cited = cited.lower()
    found = ((m.group(1) or m.group(0)).lower() for m in _PARTICULARS.finditer(text))
    return [p for p in found if not re.search(rf"(?<!\w){re.escape(p)}(?!\w)", cited)]
