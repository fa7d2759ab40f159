"""Curated FAQ entries (YAML, JSON, JSON Lines or CSV) into `Document(kind="faq")`.

A bad entry becomes a `LoadFailure` naming its entry number and line; the other entries still load.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from frontdesk.knowledge.documents import Document, LoadFailure

FAQ_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".jsonl", ".ndjson", ".csv"})
_LIST_KEYS = ("faqs", "entries")
_KNOWN_FIELDS = frozenset({"id", "question", "answer", "alternatives", "url", "title"})
_MAX_SLUG = 60


class FaqFileError(ValueError):
    """The file as a whole cannot be read as an FAQ; the message is the LoadFailure reason."""


class _EntryError(ValueError):
    pass


@dataclass(frozen=True)
class _Entry:
    number: int
    line: int | None
    data: Any

    @property
    def where(self) -> str:
        return f"entry {self.number}" + (f" (line {self.line})" if self.line else "")


def faq_documents(text: str, suffix: str, label: str) -> Iterator[Document | LoadFailure]:
    """Parse FAQ `text` in the format named by `suffix`; failures carry `label` as their path."""
    try:
        entries = _parse(text, suffix.lower())
    except FaqFileError as exc:
        yield LoadFailure(label, str(exc))
        return
    first_use: dict[str, str] = {}
    for entry in entries:
        try:
            document = _to_document(entry.data)
        except _EntryError as exc:
            yield LoadFailure(label, f"{entry.where}: {exc}")
            continue
        if document.source_id in first_use:
            yield LoadFailure(
                label,
                f"{entry.where}: duplicate id {document.source_id!r} (first used by {first_use[document.source_id]})",
            )
            continue
        first_use[document.source_id] = entry.where
        yield document


def _parse(text: str, suffix: str) -> list[_Entry]:
    if suffix in {".yaml", ".yml"}:
        return _parse_yaml(text)
    if suffix == ".json":
        return _parse_json(text)
    if suffix in {".jsonl", ".ndjson"}:
        return _parse_json_lines(text)
    if suffix == ".csv":
        return _parse_csv(text)
    raise FaqFileError(f"unsupported FAQ format {suffix!r} (expected one of {', '.join(sorted(FAQ_SUFFIXES))})")


def _parse_yaml(text: str) -> list[_Entry]:
    try:
        data = yaml.safe_load(text)
        # Composing again gives each entry's line; safe_load keeps no positions.
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark, problem = getattr(exc, "problem_mark", None), getattr(exc, "problem", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise FaqFileError(f"invalid YAML{where}" + (f": {problem}" if problem else "")) from exc
    items = _entry_list(data)
    nodes = root.value if isinstance(root, yaml.SequenceNode) else []
    if isinstance(root, yaml.MappingNode):
        nodes = next(
            (
                value.value
                for key, value in root.value
                if key.value in _LIST_KEYS and isinstance(value, yaml.SequenceNode)
            ),
            [],
        )
    lines = [node.start_mark.line + 1 for node in nodes] if len(nodes) == len(items) else [None] * len(items)
    return [_Entry(number, line, item) for number, (line, item) in enumerate(zip(lines, items, strict=True), 1)]


def _parse_json(text: str) -> list[_Entry]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FaqFileError(f"invalid JSON (line {exc.lineno}): {exc.msg}") from exc
    return [_Entry(number, None, item) for number, item in enumerate(_entry_list(data), 1)]


def _entry_list(data: Any) -> list[Any]:
    if data is None:
        return []
    if isinstance(data, dict):
        data = next((data[key] for key in _LIST_KEYS if key in data), None)
    if not isinstance(data, list):
        raise FaqFileError("expected a list of entries, or a mapping with a 'faqs' or 'entries' list")
    return data


def _parse_json_lines(text: str) -> list[_Entry]:
    entries: list[_Entry] = []
    for line_number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            data: Any = json.loads(line)
        except json.JSONDecodeError as exc:
            data = _EntryError(f"invalid JSON: {exc.msg}")
        entries.append(_Entry(len(entries) + 1, line_number, data))
    return entries


def _parse_csv(text: str) -> list[_Entry]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        fields = [name.strip().lower() for name in reader.fieldnames or []]
    except csv.Error as exc:
        raise FaqFileError(f"invalid CSV: {exc}") from exc
    if not {"question", "answer"} <= set(fields):
        raise FaqFileError("CSV header must name 'question' and 'answer' columns")
    reader.fieldnames = fields
    entries: list[_Entry] = []
    line = reader.line_num + 1
    try:
        for row in reader:
            cells = {key: value for key, value in row.items() if isinstance(key, str) and value not in (None, "")}
            if "alternatives" in cells:
                cells["alternatives"] = cells["alternatives"].split("|")
            entries.append(_Entry(len(entries) + 1, line, cells))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise FaqFileError(f"invalid CSV (line {reader.line_num}): {exc}") from exc
    return entries


def _to_document(data: Any) -> Document:
    if isinstance(data, _EntryError):
        raise data
    if not isinstance(data, dict):
        raise _EntryError(f"expected a mapping, got {type(data).__name__}")
    question = _text(data, "question", required=True)
    answer = _text(data, "answer", required=True)
    assert question is not None and answer is not None
    raw_id = data.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int | type(None)):
        raise _EntryError("'id' must be text or a number")
    source_id = str(raw_id).strip() if raw_id is not None and str(raw_id).strip() else f"faq-{slugify(question)}"
    metadata = {
        str(key): str(value)
        for key, value in data.items()
        if key not in _KNOWN_FIELDS and isinstance(value, str | int | float) and str(value).strip()
    }
    return Document(
        source_id=source_id,
        title=_text(data, "title") or question,
        text=f"{question}\n\n{answer}",
        kind="faq",
        url=_text(data, "url"),
        question=question,
        answer=answer,
        alternatives=_alternatives(data.get("alternatives")),
        metadata=metadata,
    )


def _text(data: dict[Any, Any], key: str, *, required: bool = False) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise _EntryError(f"{key!r} must be text")
    value = (value or "").replace("\r\n", "\n").strip()
    if required and not value:
        raise _EntryError(f"missing {key!r}")
    return value or None


def _alternatives(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.split("|")
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _EntryError("'alternatives' must be a list of text")
    return tuple(item.strip() for item in value if item.strip())


def slugify(text: str) -> str:
    """A lower-case, dash-separated slug of at most 60 characters (Unicode letters are kept)."""
    slug = re.sub(r"[\W_]+", "-", text.lower()).strip("-")
    if len(slug) > _MAX_SLUG:
        cut = slug[: _MAX_SLUG + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else slug[:_MAX_SLUG]
    return slug or hashlib.sha256(text.encode()).hexdigest()[:12]
