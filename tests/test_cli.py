"""The command line as a newcomer uses it: init, ingest, ask, sources, conversations, eval, config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from frontdesk.cli import app, main
from tests.kb import write_kb

runner = CliRunner()


@pytest.fixture
def bot_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_kb(tmp_path)
    monkeypatch.setenv("FRONTDESK_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def test_ask_prints_the_reply_contract_as_json(bot_dir: Path) -> None:
    code, out = run("ingest", "--config", str(bot_dir / "bot.yaml"), "--json")
    assert code == 0 and json.loads(out)["added"]
    code, out = run("ask", "--config", str(bot_dir / "bot.yaml"), "--json", "how do I reset my password")
    reply = json.loads(out)
    assert code == 0
    assert {"decision", "answer", "citations", "confidence", "intent", "sentiment", "escalation"} <= set(reply)
    assert set(reply["citations"][0]) == {"source", "title", "url", "passage"}
    assert reply["decision"] == "answer"


def test_sources_can_be_listed_retired_and_approved(bot_dir: Path) -> None:
    config = str(bot_dir / "bot.yaml")
    run("ingest", "--config", config)
    code, out = run("sources", "list", "--config", config, "--json")
    assert code == 0
    listed = {d["source"]: d for d in json.loads(out)}
    assert listed["account/password.md"]["approval"] == "approved" and listed["account/password.md"]["version"] == 1
    assert run("sources", "retire", "account/password.md", "--config", config)[0] == 0
    code, out = run("sources", "list", "--config", config, "--json")
    assert code == 0
    assert {d["source"]: d["approval"] for d in json.loads(out)}["account/password.md"] == "retired"


def test_a_conversation_can_be_shown_with_its_evidence(bot_dir: Path) -> None:
    config = str(bot_dir / "bot.yaml")
    run("ingest", "--config", config)
    run("ask", "--config", config, "how do I reset my password")
    code, out = run("conversations", "list", "--config", config, "--json")
    conversation = json.loads(out)[0]["id"]
    assert code == 0
    code, out = run("conversations", "show", conversation, "--config", config, "--json")
    assert code == 0
    events = json.loads(out)["events"]
    assert [e["type"] for e in events][-2:] == ["passages_retrieved", "reply_sent"]


def test_eval_exits_1_when_a_gate_is_missed(bot_dir: Path) -> None:
    cases = bot_dir / "cases.jsonl"
    cases.write_text('{"id": "a", "turns": ["how do I reset my password"], "expect": {"sources": ["nope.md"]}}\n')
    (bot_dir / "bot.yaml").write_text(
        (bot_dir / "bot.yaml").read_text() + "evaluation:\n  gates:\n    source_hit_rate: 0.9\n"
    )
    code, out = run("eval", str(cases), "--config", str(bot_dir / "bot.yaml"), "--json")
    assert code == 1 and json.loads(out)["metrics"]["source_hit_rate"] == 0.0
    cases.write_text(
        '{"id": "a", "turns": ["how do I reset my password"], "expect": {"sources": ["account/password.md"]}}\n'
    )
    assert run("eval", str(cases), "--config", str(bot_dir / "bot.yaml"), "--json")[0] == 0


def test_eval_calibrate_reports_the_curve_and_writes_the_threshold(bot_dir: Path) -> None:
    config = bot_dir / "bot.yaml"
    cases = bot_dir / "cases.jsonl"
    cases.write_text(
        '{"id": "a", "turns": ["how do I reset my password"], "expect": {"decision": "answer", '
        '"sources": ["account/password.md"]}}\n'
        '{"id": "b", "turns": ["what is the weather in Lisbon tomorrow"], "expect": {"decision": "fallback"}}\n'
    )
    before = config.read_text()
    code, out = run("eval", str(cases), "--config", str(config), "--calibrate", "--dry-run", "--json")
    report = json.loads(out)
    assert code == 0 and report["written"] is False and config.read_text() == before
    (answers,) = report["calibration"]
    assert answers["key"] == "answer.threshold" and answers["target_precision"] == 0.9
    assert answers["target_reached"] and answers["chosen"]["precision"] == 1.0
    assert [p["threshold"] for p in answers["curve"]][:3] == [0.0, 0.05, 0.1]
    chosen = answers["chosen"]["threshold"]
    code, out = run("eval", str(cases), "--config", str(config), "--calibrate")
    assert code == 0 and f"set answer.threshold: {chosen}" in out
    assert f"  threshold: {chosen}\n" in config.read_text()
    assert config.read_text().replace(f"threshold: {chosen}", "threshold: 0.35") == before


def test_init_writes_a_starter_bot_that_validates(tmp_path: Path) -> None:
    code, _ = run("init", str(tmp_path / "new"), "--name", "acme")
    assert code == 0
    for name in ("bot.yaml", "knowledge/getting-started.md", "faq.yaml", "testset.jsonl"):
        assert (tmp_path / "new" / name).exists()
    code, out = run("config", "check", "--config", str(tmp_path / "new" / "bot.yaml"))
    assert code == 0 and "acme" in out
    assert run("init", str(tmp_path / "new"))[0] != 0  # never overwrites without --force


def test_errors_are_one_line_with_a_fix_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bot.yaml").write_text("name: x\nanswr:\n  threshold: 0.5\n")
    monkeypatch.setattr("sys.argv", ["frontdesk", "config", "check", "--config", str(tmp_path / "bot.yaml")])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "bot.yaml:2" in err and "did you mean 'answer'" in err and "Traceback" not in err


def test_config_schema_is_json_schema_of_bot_yaml() -> None:
    code, out = run("config", "schema")
    schema = json.loads(out)
    assert code == 0 and schema["title"] == "BotConfig" and "knowledge" in schema["properties"]


def test_help_lists_every_command() -> None:
    code, out = run("--help")
    assert code == 0
    for command in ("init", "ingest", "ask", "chat", "serve", "eval", "sources", "conversations", "config"):
        assert command in out


@pytest.mark.parametrize("message", ["", "   ", "bell\x07character", "x" * 5000])
def test_ask_refuses_bad_messages_with_a_clear_line(
    bot_dir: Path, message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.argv", ["frontdesk", "ask", "--config", str(bot_dir / "bot.yaml"), message])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the message") and "Traceback" not in err
