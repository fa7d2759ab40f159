"""The test-set format (../shared/spec/testset.md): JSON Lines, unknown keys rejected with their line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from frontdesk.errors import TestSetError


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["answer", "clarify", "fallback", "escalate"] | None = None
    sources: list[str] | None = None
    reasons: list[str] | None = None
    team: str | None = None
    intent: str | None = None
    sentiment: Literal["negative", "neutral", "positive"] | None = None
    actions: list[str] | None = None
    answer_contains: list[str] | None = None
    answer_excludes: list[str] | None = None

    @model_validator(mode="after")
    def _at_least_one(self) -> Expect:
        if not self.model_fields_set:
            raise ValueError("expect needs at least one key")
        return self


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    turns: list[str] = Field(min_length=1)
    context: dict[str, Any] = Field(default_factory=dict)
    expect: Expect
    tags: list[str] = Field(default_factory=list)


def load_testset(path: Path | str) -> list[Case]:
    path = Path(path)
    if not path.exists():
        raise TestSetError(f"no test set at {path}")
    cases: list[Case] = []
    seen: set[str] = set()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise TestSetError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            case = Case.model_validate(json.loads(line))
        except json.JSONDecodeError as exc:
            raise TestSetError(f"{path}:{number}: not valid JSON: {exc.msg}") from exc
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {'unknown key' if e['type'] == 'extra_forbidden' else e['msg']}"
                for e in exc.errors()[:3]
            )
            raise TestSetError(f"{path}:{number}: {problems}") from exc
        if case.id in seen:
            raise TestSetError(f"{path}:{number}: duplicate id {case.id!r}")
        seen.add(case.id)
        cases.append(case)
    if not cases:
        raise TestSetError(f"{path}: no cases")
    return cases
