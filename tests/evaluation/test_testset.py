from __future__ import annotations

from pathlib import Path

import pytest

from frontdesk.errors import TestSetError
from frontdesk.evaluation.testset import load_testset


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_reads_cases_in_file_order_and_skips_blank_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '{"id": "a", "turns": ["hi"], "expect": {"decision": "clarify"}}',
        "",
        '{"id": "b", "turns": ["x", "y"], "context": {"plan": "pro"}, "expect": {"sources": ["s.md"]}, "tags": ["t"]}',
    )
    cases = load_testset(path)
    assert [c.id for c in cases] == ["a", "b"]
    assert cases[1].context == {"plan": "pro"} and cases[1].expect.sources == ["s.md"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "a", "turns": ["hi"], "expect": {"decison": "answer"}}', "cases.jsonl:2: expect.decison: unknown key"),
        (
            '{"id": "a", "turns": ["hi"], "expect": {"decision": "answer"}, "note": 1}',
            "cases.jsonl:2: note: unknown key",
        ),
        ('{"id": "a", "turns": [], "expect": {"decision": "answer"}}', "cases.jsonl:2: turns"),
        ('{"id": "a", "turns": ["hi"], "expect": {}}', "cases.jsonl:2: expect"),
        ('{"id": "a", "turns": ["hi"], "expect": {"decision": "maybe"}}', "cases.jsonl:2: expect.decision"),
        ('{"id": "a", "turns": ["hi"]', "cases.jsonl:2: not valid JSON"),
        ('{"id": "ok", "turns": ["hi"], "expect": {"decision": "answer"}}', "cases.jsonl:2: duplicate id 'ok'"),
    ],
)
def test_a_bad_line_is_an_error_naming_the_line(tmp_path: Path, line: str, message: str) -> None:
    path = write(tmp_path, '{"id": "ok", "turns": ["hi"], "expect": {"decision": "answer"}}', line)
    with pytest.raises(TestSetError) as error:
        load_testset(path)
    assert message in error.value.message


def test_an_empty_or_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TestSetError, match="no cases"):
        load_testset(write(tmp_path, ""))
    with pytest.raises(TestSetError, match="no test set"):
        load_testset(tmp_path / "missing.jsonl")


def test_the_demo_test_set_is_valid_and_large_enough() -> None:
    cases = load_testset(Path(__file__).resolve().parents[2] / "examples" / "helpcenter" / "testset.jsonl")
    decisions = [c.expect.decision for c in cases]
    assert len(cases) >= 80
    assert {"answer", "clarify", "fallback"} <= set(decisions)
