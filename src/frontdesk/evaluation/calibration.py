"""`frontdesk eval --calibrate`: choose the decision thresholds from the bot's own test set.

The test set is run once with both thresholds open (0), so every reply records the score its decision would be
judged on: the answer's confidence and the best intent's probability. Each candidate threshold is then replayed
from those scores, no re-run needed:

- answer threshold: a case is answered at t when it was answered at 0 from the knowledge with confidence >= t
  (curated FAQ matches do not depend on it). Precision = right answers (expected `answer`, and a cited source
  among the expected ones when the case lists sources) / answers given; coverage = right answers / cases that
  expect an answer.
- intent threshold: a case keeps its intent at t when its best intent's probability is >= t (messages closest
  to `out_of_scope` examples stay out of scope whatever t is). Precision = right intents / intents given;
  coverage = right intents / cases that expect an in-scope intent.

The chosen threshold is the lowest one whose precision reaches the owner's target: the most questions handled
at that precision. When no threshold reaches it, the most precise one is chosen and the report says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from frontdesk.evaluation.testset import Case
from frontdesk.understanding.intents import OUT_OF_SCOPE

GRID = tuple(round(i * 0.05, 2) for i in range(20))  # 0.00 ... 0.95


@dataclass(frozen=True)
class Point:
    threshold: float
    precision: float | None
    coverage: float | None
    handled: int  # answers (or in-scope intents) given at this threshold

    def as_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "precision": None if self.precision is None else round(self.precision, 4),
            "coverage": None if self.coverage is None else round(self.coverage, 4),
            "handled": self.handled,
        }


@dataclass(frozen=True)
class Calibration:
    name: str  # the bot.yaml key it sets
    target: float
    curve: list[Point]
    chosen: Point | None
    reached: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.name,
            "target_precision": self.target,
            "chosen": self.chosen.as_dict() if self.chosen else None,
            "target_reached": self.reached,
            "curve": [p.as_dict() for p in self.curve],
        }


def calibrate_answers(cases: Sequence[Case], results: Sequence[dict[str, Any]], target: float) -> Calibration | None:
    rows = [
        (case, result["got"])
        for case, result in zip(cases, results, strict=True)
        if case.expect.decision in ("answer", "fallback")
    ]
    expected = sum(1 for case, _ in rows if case.expect.decision == "answer")
    if not expected:
        return None
    curve = []
    for threshold in GRID:
        given = right = 0
        for case, got in rows:
            if got["decision"] != "answer":
                continue
            if got.get("reason") != "faq_match" and got["confidence"] < threshold:
                continue
            given += 1
            sources_ok = case.expect.sources is None or bool(set(case.expect.sources) & set(got["sources"]))
            right += int(case.expect.decision == "answer" and sources_ok)
        curve.append(Point(threshold, right / given if given else None, right / expected, given))
    return _choose("answer.threshold", curve, target)


def calibrate_intents(cases: Sequence[Case], results: Sequence[dict[str, Any]], target: float) -> Calibration | None:
    rows = [(case, result["got"]) for case, result in zip(cases, results, strict=True) if case.expect.intent]
    expected = sum(1 for case, _ in rows if case.expect.intent != OUT_OF_SCOPE)
    if not expected:
        return None
    curve = []
    for threshold in GRID:
        given = right = 0
        for case, got in rows:
            if got.get("out_of_scope_by") == "examples" or got.get("intent_best") is None:
                continue
            if (got.get("intent_score") or 0.0) < threshold:
                continue
            given += 1
            right += int(got["intent_best"] == case.expect.intent)
        curve.append(Point(threshold, right / given if given else None, right / expected, given))
    return _choose("intents.threshold", curve, target)


def _choose(name: str, curve: list[Point], target: float) -> Calibration:
    reaching = [p for p in curve if p.precision is not None and p.precision >= target]
    if reaching:
        return Calibration(name, target, curve, reaching[0], True)
    scored = [p for p in curve if p.precision is not None]
    best = max(scored, key=lambda p: (p.precision or 0.0, p.coverage or 0.0), default=None)
    return Calibration(name, target, curve, best, False)
