"""Turn the shared public data sets into Frontdesk bots and test sets (bot.yaml + testset.jsonl).

Nothing here is shipped: the files are written to a scratch folder for `frontdesk eval` to run.
"""

from __future__ import annotations

import json
from pathlib import Path

from frontdesk.config import BUILTIN_REASONS

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
DEMO = REPO / "examples" / "helpcenter"
# These suites measure answering from knowledge. Handing off to a person is measured on the demo's escalation
# sets; here a handoff (two misses in a row, a finance question read as a payment matter) would turn every later
# turn of a conversation into a miss, so the bots are built without one.
NO_HANDOFF = "escalation:\n  reasons:\n" + "".join(f"    {r}: {{enabled: false}}\n" for r in BUILTIN_REASONS)


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _bot(folder: Path, name: str, sources: list[dict[str, str]], extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"name: {name}", "knowledge:", "  sources:"]
    for source in sources:
        lines.append(f"    - type: {source['type']}")
        lines.append(f"      path: {json.dumps(source['path'])}")
    (folder / "bot.yaml").write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return folder / "bot.yaml"


def plausible(scratch: Path) -> tuple[Path, Path]:
    """Plausible Analytics' help centre with its FAQ-style questions (all answerable)."""
    root = SHARED / "plausible_docs"
    items = [json.loads(line) for line in (root / "faq_questions.jsonl").read_text(encoding="utf-8").splitlines()]
    # The same question is asked of several pages ("How do I get an invoice?" is in two): any of them answers it.
    # "What's next?" heads 19 pages: without the page around it no answer is right, so it is tagged "ambiguous"
    # and reported apart.
    pages: dict[str, set[str]] = {}
    for item in items:
        pages.setdefault(item["question"].strip().lower(), set()).add(item["doc"].removeprefix("docs/"))
    rows = []
    for number, item in enumerate(items):
        sources = sorted(pages[item["question"].strip().lower()])
        tags = [item["kind"], "ambiguous" if len(sources) > 3 else "self-contained"]
        expect = {"decision": "answer", "sources": sources}
        rows.append({"id": f"plausible-{number:03d}", "turns": [item["question"]], "expect": expect, "tags": tags})
    docs = [{"type": "directory", "path": str(root / "docs")}]
    config = _bot(scratch / "plausible", "plausible", docs, NO_HANDOFF)
    return config, _write(scratch / "plausible" / "testset.jsonl", rows)


def mtrag(scratch: Path) -> list[tuple[str, Path, Path]]:
    """One bot per MTRAG domain over its passages; the user's turns only, as the issue asks."""
    root = SHARED / "mtrag"
    passages = [json.loads(line) for line in (root / "passages_dev.jsonl").read_text(encoding="utf-8").splitlines()]
    tasks = [json.loads(line) for line in (root / "tasks_dev.jsonl").read_text(encoding="utf-8").splitlines()]
    result = []
    for domain in sorted({p["domain"] for p in passages}):
        folder = scratch / f"mtrag-{domain}"
        kb = folder / "kb"
        kb.mkdir(parents=True, exist_ok=True)
        for passage in passages:
            if passage["domain"] == domain:
                title = (passage.get("title") or "").replace("\n", " ").strip() or passage["passage_id"]
                body = f"---\ntitle: {json.dumps(title)}\n---\n\n{passage['text']}\n"
                (kb / f"{passage['passage_id']}.md").write_text(body, encoding="utf-8")
        rows = []
        for task in tasks:
            if task["domain"] != domain:
                continue
            kind = task["answerability"][0]
            if kind == "CONVERSATIONAL":
                continue
            turns = [t["text"] for t in task["input"] if t["speaker"] == "user"]
            if kind == "UNANSWERABLE":
                expect: dict[str, object] = {"decision": "fallback"}
            else:
                expect = {"decision": "answer", "sources": [f"{pid}.md" for pid in task["gold_passage_ids"]]}
            rows.append({"id": task["task_id"], "turns": turns, "expect": expect, "tags": [kind.lower()]})
        config = _bot(folder, f"mtrag-{domain}", [{"type": "directory", "path": str(kb)}], NO_HANDOFF)
        result.append((domain, config, _write(folder / "testset.jsonl", rows)))
    return result
