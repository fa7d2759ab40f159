"""The details a team needs before a handoff: finding them in what the customer wrote, and checking them.

Short, checkable values (email, order or account id, URL) are found with patterns and validated; a value that
looks wrong is reported back to the customer. A bug report's reproduction details (steps, expected vs. actual,
environment) are free text: a message is taken to cover one when it reads like it (numbered steps or "I click",
"expected"/"instead"/"but", a browser, app or OS name).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_EMAILISH = re.compile(r"\S+@\S+")
URL = re.compile(r"\bhttps?://[^\s<>\"']+", re.IGNORECASE)
_DEFAULT_ID = r"[A-Za-z]{0,4}[-#]?\d{3,12}"
_ID_CUE = {
    "order_id": re.compile(r"\border\b\s*(?:number|no\.?|id|#)?\s*[:#]?\s*(?P<value>[A-Za-z0-9-]{3,24})", re.I),
    "account_id": re.compile(
        r"\b(?:account|workspace|customer)\s*(?:number|no\.?|id|#)\s*[:#]?\s*(?P<value>[A-Za-z0-9-]{3,36})", re.I
    ),
}
_STEPS = re.compile(
    r"(^|\n)\s*(?:\d+[.)]|-|\*|step\s*\d)\s+\w|\b(?:i|we)\s+(?:click|clicked|tap|tapped|open|opened|go|went|"
    r"press|pressed|select|selected|try|tried|add|added|upload|uploaded|log(?:ged)?\s*in)\b|\bthen\b|\bafter\s+(?:i|"
    r"clicking|opening|saving|logging)\b|\bwhen(?:ever)?\s+i\b",
    re.IGNORECASE,
)
_EXPECTED = re.compile(
    r"\b(?:expect(?:ed|ing)?|should(?:n'?t)?|supposed to|instead|but (?:it|i|the|nothing)|rather than|"
    r"it (?:just|only)|nothing happens|(?:shows?|get|see|got) (?:an? )?(?:error|blank|white|empty|spinner))",
    re.IGNORECASE,
)
_ENVIRONMENT = re.compile(
    r"\b(?:chrome|firefox|safari|edge|opera|brave|browser|ios|ipados|android|iphone|ipad|pixel|samsung|galaxy|"
    r"windows|macos|mac\s?os|macbook|linux|ubuntu|version|v\d+(?:\.\d+)+|app\s+version|desktop app|mobile app|"
    r"\d+\.\d+(?:\.\d+)?)\b",
    re.IGNORECASE,
)

_FREE_TEXT_CUES = {"steps": _STEPS, "expected": _EXPECTED, "environment": _ENVIRONMENT}
PROMPTS = {
    "email": "the email address we can reach you at",
    "name": "your name",
    "company": "your company's name",
    "order_id": "your order number",
    "account_id": "your account or workspace ID",
    "url": "the page URL where it happens",
    "steps": "the steps that lead to the problem",
    "expected": "what you expected to happen, and what happened instead",
    "environment": "your browser or app version, and your device",
}
FREE_TEXT = ("steps", "expected", "environment")
CONTEXT_KEYS = {"email": ("email",), "name": ("name",), "company": ("company",), "order_id": ("order_id", "order"),
                "account_id": ("account_id", "account", "workspace_id")}  # fmt: skip


@dataclass(frozen=True)
class Found:
    values: dict[str, str] = field(default_factory=dict)
    invalid: dict[str, str] = field(default_factory=dict)  # field -> why (shown to the customer)


def from_context(wanted: Sequence[str], context: Mapping[str, object], patterns: Mapping[str, str]) -> Found:
    """What the host page already told us (context keys such as email, order_id, account_id)."""
    values: dict[str, str] = {}
    for name in wanted:
        for key in CONTEXT_KEYS.get(name, (name,)):
            raw = context.get(key)
            if isinstance(raw, str | int) and str(raw).strip():
                value = str(raw).strip()
                if _valid(name, value, patterns) is None:
                    values[name] = value
                    break
    return Found(values)


def from_message(wanted: Sequence[str], text: str, patterns: Mapping[str, str], *, asked: bool) -> Found:
    """Values of the wanted fields found in one customer message. `asked`: the bot asked for them just before,
    so a bare answer ("ana@example.com", "KW-123456", "yes, Chrome 120 on Windows") counts."""
    values: dict[str, str] = {}
    invalid: dict[str, str] = {}
    for name in wanted:
        if name == "email":
            match = EMAIL.search(text)
            if match:
                values[name] = match.group(0).rstrip(".")
            elif asked and _EMAILISH.search(text):
                invalid[name] = "that email address doesn't look complete"
        elif name == "url":
            match = URL.search(text)
            if match:
                values[name] = match.group(0).rstrip(".,)")
        elif name in ("order_id", "account_id"):
            value = _find_id(name, text, patterns, asked=asked)
            if value is not None:
                problem = _valid(name, value, patterns)
                if problem is None:
                    values[name] = value
                else:
                    invalid[name] = problem
        elif _free_text_answers(name, text, asked=asked):
            values[name] = text.strip()
    return Found(values, invalid)


def _free_text_answers(name: str, text: str, *, asked: bool) -> bool:
    cue = _FREE_TEXT_CUES.get(name)
    if cue is not None:
        return cue.search(text) is not None
    return name in ("name", "company") and asked and 0 < len(text.strip()) <= 80


def ask_for(missing: Sequence[str], invalid: Mapping[str, str]) -> str:
    """One question for everything still missing; a value that looked wrong is named first."""
    parts = [PROMPTS[name] for name in missing if name not in invalid]
    lines = [f"Sorry, {why}: could you check it?" for why in invalid.values()]
    if parts:
        wanted = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + f" and {parts[-1]}"
        lines.append(f"So the team can help straight away, could you tell me {wanted}?")
    return " ".join(lines)


def _find_id(name: str, text: str, patterns: Mapping[str, str], *, asked: bool) -> str | None:
    pattern = patterns.get(name)
    if pattern:
        match = re.search(pattern, text)
        if match:
            return match.group(0)
    cue = _ID_CUE[name].search(text)
    if cue and any(ch.isdigit() for ch in cue["value"]):
        return cue["value"]
    if asked:
        bare = re.search(rf"(?<![\w@]){_DEFAULT_ID}(?![\w@])", text)
        if bare:
            return bare.group(0)
        token = text.strip()
        if token and len(token.split()) == 1:
            return token  # the answer to our question, even if it fails the pattern (then we say so)
    return None


def _valid(name: str, value: str, patterns: Mapping[str, str]) -> str | None:
    if name == "email":
        return None if EMAIL.fullmatch(value) else "that email address doesn't look complete"
    pattern = patterns.get(name)
    if pattern and not re.fullmatch(pattern, value):
        return f"{value!r} doesn't look like {PROMPTS.get(name, name).removeprefix('your ')}"
    return None
