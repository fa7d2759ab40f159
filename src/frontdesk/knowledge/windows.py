"""Windows: the short spans of a chunk that are embedded beside the chunk itself.

One vector for a whole chunk blurs the one sentence that answers a question: "is there a phone number?"
is 0.23 similar to a support page whose fourth bullet gives the phone line, because the rest of the page is
about email, hours and response times. The embedder also reads only the first 256 word pieces, so the tail of
a long chunk has no say at all. Each chunk is therefore also embedded sentence by sentence (a list item or a
table row counts as one), each after the chunk's title and headings, and the ranking blends a chunk's own cosine
with its best window's (`KnowledgeIndex`). benchmarks/retrieval_variants.py measured the choices (one sentence
or two per window, max or blend, blend weights); docs/benchmarks.md has the figures. Windows cost ingest time
(about 2.5 times the embedding work) and nothing noticeable per query.
"""

from __future__ import annotations

import re

from frontdesk.knowledge.chunking import sentences

SIZE = 1  # sentences per window (two, overlapping by one, did no better and cost more to embed)
MIN_UNIT_CHARS = 40  # a shorter sentence or line ("## Phone", "Valid values:") joins the one after it
_WORDY = re.compile(r"[^\W_]")  # a line without a letter or digit (a table's |---| row) is no sentence


def windows(text: str, size: int = SIZE) -> list[str]:
    """The windows of a chunk's text, in order. None for a chunk of one sentence: its own vector is the window."""
    spans = _units(text)
    if len(spans) <= 1:
        return []
    count = max(1, len(spans) - size + 1)
    return [text[spans[i][0] : spans[min(i + size, len(spans)) - 1][1]] for i in range(count)]


def window_texts(context: str, text: str, size: int = SIZE) -> list[str]:
    """What is embedded for each window: the chunk's title and headings, then the window."""
    return [f"{context}\n{window}" for window in windows(text, size)]


def _units(text: str) -> list[tuple[int, int]]:
    """Sentences and lines, tiny ones joined to the next (or, at the end, to the one before)."""
    spans = [(start, end) for start, end in sentences(text) if _WORDY.search(text, start, end)]
    merged: list[tuple[int, int]] = []
    pending: int | None = None
    for start, end in spans:
        begin = start if pending is None else pending
        pending = None
        if end - begin < MIN_UNIT_CHARS:
            pending = begin
            continue
        merged.append((begin, end))
    if pending is not None:
        merged[-1:] = [(merged[-1][0] if merged else pending, spans[-1][1])]
    return merged
