from __future__ import annotations

from pathlib import Path

from frontdesk.bot import Bot
from frontdesk.config import load_config
from frontdesk.evaluation.runner import missed_gates, run_eval
from frontdesk.evaluation.testset import Case
from tests.kb import write_kb

SPEC_GOT_KEYS = {
    "decision",
    "sources",
    "reasons",
    "team",
    "intent",
    "sentiment",
    "actions",
    "confidence",
    "answer",
    "latency_ms",
}


def case(id: str, *turns: str, **expect: object) -> Case:
    return Case.model_validate({"id": id, "turns": list(turns), "expect": expect, "tags": ["t"]})


def test_the_report_has_the_contract_shape_and_judges_each_expectation(tmp_path: Path) -> None:
    bot = Bot.from_config(load_config(write_kb(tmp_path)), conversation_database_url="sqlite://")
    bot.ingest()
    cases = [
        case(
            "pass",
            "how do I reset my password",
            decision="answer",
            sources=["account/password.md"],
            answer_contains=["60 MINUTES"],
        ),
        case("wrong-source", "how do I reset my password", decision="answer", sources=["plans/pricing.md"]),
        case("weather", "what is the weather in Lisbon tomorrow", decision="fallback", answer_excludes=["password"]),
    ]
    report = run_eval(bot.engine, cases)
    assert report["cases"] == 3 and report["passed"] == 2
    assert [r["id"] for r in report["results"]] == ["pass", "wrong-source", "weather"]
    assert all(set(r["got"]) >= SPEC_GOT_KEYS for r in report["results"])
    assert report["results"][0]["got"]["language"] == "en" and report["results"][0]["got"]["sentiment"] == "neutral"
    assert report["results"][1]["failed"] == ["sources"]
    metrics = report["metrics"]
    assert metrics["decision_accuracy"] == 1.0 and metrics["source_hit_rate"] == 0.5
    assert metrics["answer_contains_rate"] == 1.0
    assert metrics["intent_accuracy"] is None and metrics["escalation"] is None and metrics["out_of_scope"] is None
    assert metrics["latency_ms"]["p95"] >= metrics["latency_ms"]["p50"] > 0
    assert report["slices"] == {"t": {"cases": 3, "passed": 2}}
    # eval conversations went to the throwaway store, not the bot's database
    assert bot.conversations.engine is not bot.database
    bot.close()


def test_gates_report_what_was_missed() -> None:
    report = {"metrics": {"decision_accuracy": 0.9, "source_hit_rate": None}}
    assert missed_gates(report, {"decision_accuracy": 0.95, "source_hit_rate": 0.9}) == ["decision_accuracy 0.9 < 0.95"]
    assert missed_gates(report, {"decision_accuracy": 0.9, "source_hit_rate": None}) == []


def test_escalation_metrics_count_reasons_teams_and_answerable_cases() -> None:
    from frontdesk.evaluation.runner import _metrics

    cases = [
        case("pay", "charged twice", decision="escalate", reasons=["payment", "human_requested"], team="billing"),
        case("bug", "it crashes", decision="escalate", reasons=["bug_report"], team="engineering"),
        case("how", "how do I export", decision="answer"),
        case("how2", "how do I invite", decision="answer"),
    ]

    def got(decision: str, reasons: list[str], team: str | None) -> dict[str, object]:
        return {"got": {"decision": decision, "reasons": reasons, "team": team, "intent": None, "sentiment": None,
                        "latency_ms": 1.0}, "failed": []}  # fmt: skip

    results = [
        got("escalate", ["payment"], "billing"),
        got("escalate", ["bug_report"], "support"),
        got("answer", [], None),
        got("escalate", ["payment"], "billing"),
    ]
    escalation = _metrics(cases, results)["escalation"]
    assert escalation["reason_recall"] == round(2 / 3, 4)  # payment and bug_report found, human_requested missed
    assert escalation["team_accuracy"] == 0.5
    assert escalation["answerable_not_escalated"] == 0.5
    assert escalation["precision"] == round(2 / 3, 4) and escalation["recall"] == 1.0
