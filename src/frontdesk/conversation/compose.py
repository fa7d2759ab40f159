"""The default composer: no LLM. The answer is extracted verbatim from approved passages, so it can
never say something the sources do not."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from frontdesk.knowledge.index import Hit, IndexedPassage
from frontdesk.knowledge.lexical import BM25Index
from frontdesk.knowledge.terms import terms

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class Citation:
    source: str
    title: str
    url: str | None
    passage: str

    def as_dict(self) -> dict[str, str | None]:
        return {"source": self.source, "title": self.title, "url": self.url, "passage": self.passage}


@dataclass(frozen=True)
class _Unit:
    text: str
    block: int  # units of one list, table or code block share a block number
    kind: str  # "sentence", "item", "row", "code", "heading"


# With window similarities, a sentence is chosen by its meaning; the words it shares with the question only break
# near-ties ("is it gone forever?" shares no word with "you can restore it within 30 days").
LEXICAL_SHARE = 0.1


def extract_answer(
    query: str,
    passage: IndexedPassage,
    lexical: BM25Index,
    *,
    max_chars: int = 600,
    windows: Sequence[tuple[str, float]] = (),
) -> str:
    """The span of the passage that best answers the query, kept whole where it is a list, table or code.
    `windows`: the passage's windows (knowledge/windows.py) with the query's cosine to each."""
    if passage.kind == "faq" and passage.answer:
        return passage.answer
    units = _units(passage.text)
    if not units:
        return passage.text[:max_chars]
    query_terms = set(terms(f"{query}"))
    weights = [sum(lexical.term_idf(t) for t in query_terms & set(terms(u.text))) for u in units]
    meaning = [_similarity(u, windows) for u in units]
    if any(m is not None for m in meaning):
        top = max(weights) or 1.0
        weights = [-1.0 if m is None else m + LEXICAL_SHARE * w / top for m, w in zip(meaning, weights, strict=True)]
    best = max(range(len(units)), key=lambda i: (weights[i], -i))
    if units[best].kind == "heading" and best + 1 < len(units):
        best += 1
    start = best
    # A list item or code line reads best with the sentence that introduces it.
    if units[best].kind in ("item", "row", "code"):
        while start > 0 and units[start - 1].block == units[best].block:
            start -= 1
        if start > 0 and units[start - 1].kind == "sentence":
            start -= 1
    chosen: list[_Unit] = []
    size = 0
    for index in range(start, len(units)):
        unit = units[index]
        if unit.kind == "heading":
            if chosen:
                break
            continue
        if chosen and size + len(unit.text) > max_chars:
            break
        chosen.append(unit)
        size += len(unit.text) + 1
        continues_block = index + 1 < len(units) and units[index + 1].block == unit.block and unit.kind != "sentence"
        introduces = unit.text.rstrip().endswith(":")
        if index >= best and not continues_block and not introduces and size > max_chars // 3:
            break
    return _join(chosen)[: max_chars + 200].strip()


def cite(hits: Sequence[Hit], *, limit: int, passage_chars: int = 500) -> list[Citation]:
    """One citation per source, best first."""
    seen: set[str] = set()
    citations = []
    for hit in hits:
        if hit.passage.source_id in seen:
            continue
        seen.add(hit.passage.source_id)
        text = hit.passage.text
        citations.append(
            Citation(
                hit.passage.source_id,
                hit.passage.title,
                hit.passage.url,
                text if len(text) <= passage_chars else text[:passage_chars].rstrip() + "…",
            )
        )
        if len(citations) == limit:
            break
    return citations


def _similarity(unit: _Unit, windows: Sequence[tuple[str, float]]) -> float | None:
    """The cosine of the window that holds this unit (a heading has none: it is never the answer itself)."""
    if unit.kind == "heading":
        return None
    text = unit.text.strip()
    held = [cosine for window, cosine in windows if text and (text in window or window.strip() in text)]
    return max(held) if held else None


def _units(text: str) -> list[_Unit]:
    units: list[_Unit] = []
    block = 0
    in_code = False
    previous_kind = ""
    for line in text.splitlines():
        if _FENCE.match(line):
            in_code = not in_code
            if in_code:
                block += 1
            units.append(_Unit(line, block, "code"))
            previous_kind = "code"
            continue
        if in_code:
            units.append(_Unit(line, block, "code"))
            continue
        stripped = line.strip()
        if not stripped:
            previous_kind = ""
            continue
        if _HEADING.match(line):
            block += 1
            units.append(_Unit(_HEADING.sub("", stripped), block, "heading"))
            previous_kind = "heading"
        elif _LIST_ITEM.match(line) or (line.startswith("  ") and previous_kind == "item"):
            if previous_kind != "item":
                block += 1
            units.append(_Unit(line.rstrip(), block, "item"))
            previous_kind = "item"
        elif stripped.startswith("|"):
            if previous_kind != "row":
                block += 1
            units.append(_Unit(stripped, block, "row"))
            previous_kind = "row"
        else:
            block += 1
            for sentence in _SENTENCE_END.split(stripped):
                units.append(_Unit(sentence, block, "sentence"))
            previous_kind = "sentence"
    return units


def _join(units: Sequence[_Unit]) -> str:
    out: list[str] = []
    for i, unit in enumerate(units):
        if i and unit.kind == "sentence" and units[i - 1].kind == "sentence" and units[i - 1].block == unit.block:
            out[-1] += " " + unit.text
        else:
            out.append(unit.text)
    return "\n".join(out)
