from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from frontdesk.config import load_config, write_settings
from frontdesk.errors import ConfigError
from frontdesk.evaluation.calibration import calibrate_answers, calibrate_intents
from frontdesk.evaluation.testset import Case


def case(id: str, **expect: object) -> Case:
    return Case.model_validate({"id": id, "turns": ["q"], "expect": expect})


def result(decision: str, confidence: float, sources: list[str] | None = None, **got: Any) -> dict[str, Any]:
    return {"got": {"decision": decision, "confidence": confidence, "sources": sources or [], **got}}


def test_the_answer_threshold_is_the_lowest_that_reaches_the_precision() -> None:
    cases = [
        case("a1", decision="answer", sources=["a.md"]),
        case("a2", decision="answer", sources=["b.md"]),
        case("a3", decision="answer", sources=["c.md"]),
        case("f1", decision="fallback"),
        case("f2", decision="fallback"),
    ]
    results = [
        result("answer", 0.9, ["a.md"]),
        result("answer", 0.7, ["b.md"]),
        result("answer", 0.35, ["wrong.md"]),  # answered from the wrong source: a wrong answer
        result("answer", 0.4),  # should have been a fallback
        result("answer", 0.2),
    ]
    calibration = calibrate_answers(cases, results, target=0.99)
    assert calibration is not None and calibration.reached
    assert calibration.chosen is not None and calibration.chosen.threshold == 0.45
    assert calibration.chosen.coverage == pytest.approx(2 / 3) and calibration.chosen.handled == 2
    at_zero = calibration.curve[0]
    assert at_zero.precision == pytest.approx(2 / 5) and at_zero.handled == 5


def test_faq_matches_do_not_depend_on_the_answer_threshold() -> None:
    cases = [case("a", decision="answer"), case("f", decision="fallback")]
    results = [result("answer", 0.1, reason="faq_match"), result("answer", 0.3)]
    calibration = calibrate_answers(cases, results, target=1.0)
    assert calibration is not None and calibration.chosen is not None
    assert calibration.chosen.threshold == 0.35 and calibration.chosen.coverage == 1.0


def test_an_unreachable_target_picks_the_most_precise_and_says_so() -> None:
    cases = [case("a", decision="answer"), case("f", decision="fallback")]
    results = [result("answer", 0.5), result("answer", 0.9)]
    calibration = calibrate_answers(cases, results, target=0.95)
    assert calibration is not None and not calibration.reached
    assert calibration.chosen is not None and calibration.chosen.precision == 0.5


def test_intent_threshold_counts_right_intents_and_keeps_example_matches_out() -> None:
    cases = [
        case("p", intent="pricing"),
        case("r", intent="refund"),
        case("o1", intent="out_of_scope"),
        case("o2", intent="out_of_scope"),
    ]
    results = [
        result("answer", 0, intent_best="pricing", intent_score=0.9),
        result("answer", 0, intent_best="refund", intent_score=0.5),
        result("fallback", 0, intent_best="pricing", intent_score=0.3),
        result("fallback", 0, intent_best="refund", intent_score=0.95, out_of_scope_by="examples"),
    ]
    calibration = calibrate_intents(cases, results, target=1.0)
    assert calibration is not None and calibration.chosen is not None
    assert calibration.chosen.threshold == 0.35 and calibration.chosen.coverage == 1.0


def test_nothing_to_calibrate_without_matching_cases() -> None:
    assert calibrate_answers([case("c", decision="clarify")], [result("clarify", 0.1)], 0.9) is None
    assert calibrate_intents([case("c", decision="clarify")], [result("clarify", 0.1)], 0.9) is None


def test_settings_are_written_in_place_keeping_comments(tmp_path: Path) -> None:
    path = tmp_path / "bot.yaml"
    path.write_text("# my bot\nname: demo  # its name\nanswer:\n  # how sure\n  threshold: 0.5  # keep me\n")
    write_settings(path, {"answer.threshold": 0.42, "intents.threshold": 0.3, "answer.max_chars": 700})
    text = path.read_text()
    assert text.startswith("# my bot\nname: demo  # its name\nanswer:\n  # how sure\n")
    assert "  threshold: 0.42  # keep me\n" in text and "  max_chars: 700\n" in text
    config = load_config(path)
    assert config.answer.threshold == 0.42 and config.intents.threshold == 0.3 and config.answer.max_chars == 700


def test_a_write_that_would_break_the_config_leaves_it_untouched(tmp_path: Path) -> None:
    path = tmp_path / "bot.yaml"
    original = "name: demo\nanswer:\n  threshold: 0.5\n"
    path.write_text(original)
    with pytest.raises(ConfigError):
        write_settings(path, {"answer.threshold": 7.0})
    assert path.read_text() == original
    assert not list(tmp_path.glob(".*tmp"))
