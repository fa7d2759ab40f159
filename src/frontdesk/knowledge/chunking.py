"""Structure-aware chunking of cleaned Markdown-like text.

Text is split at headings first, then blocks (paragraphs, whole lists, whole tables, whole fenced
code blocks) are grouped up to a target size. A block is only cut when it alone exceeds `max_chars`,
and then at the gentlest boundary its kind allows. Chunk offsets index `Document.text` exactly so a
citation can always be traced back to the source text.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from frontdesk.knowledge.documents import Chunk, Document

MIN_SECTION_CHARS = 150  # smaller sections join a following sibling; smaller tails join their predecessor

_FENCE = re.compile(r"^( *)(`{3,}|~{3,})")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))??(?:[ \t]+#+)?[ \t]*$")
_LIST_ITEM = re.compile(r"^( *)(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)")
_TABLE_SEPARATOR = re.compile(r"^ *\|? *:?-+:? *(?:\| *:?-+:? *)*\|? *$")
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)|(?=\n)")
_WORD = re.compile(r"\S+")

BlockKind = Literal["heading", "code", "table", "list", "paragraph"]
# How an oversized block is cut, gentlest boundary first.
_SPLIT_LEVELS: dict[BlockKind, tuple[str, ...]] = {
    "code": ("lines", "words", "chars"),
    "table": ("lines", "words", "chars"),
    "list": ("items", "sentences", "words", "chars"),
    "paragraph": ("sentences", "words", "chars"),
    "heading": ("words", "chars"),
}

Span = tuple[int, int]


@dataclass(frozen=True)
class _Block:
    kind: BlockKind
    start: int
    end: int
    level: int = 0
    title: str = ""


@dataclass
class _Section:
    path: tuple[str, ...]
    blocks: list[_Block] = field(default_factory=list)

    @property
    def start(self) -> int:
        return self.blocks[0].start

    @property
    def end(self) -> int:
        return self.blocks[-1].end


def chunk_document(doc: Document, target_chars: int = 900, max_chars: int = 1500) -> list[Chunk]:
    """Cut `doc` into retrievable chunks; `doc.text[c.start:c.end] == c.text` for every chunk.

    FAQ entries stay whole (one chunk); an empty document gives no chunks. A chunk exceeds `max_chars`
    only by the heading lines glued to a block that itself fits.
    """
    if not 0 < target_chars <= max_chars:
        raise ValueError("need 0 < target_chars <= max_chars")
    text = doc.text
    if not text.strip():
        return []
    if doc.kind == "faq":
        start, end = _trim(text, 0, len(text))
        return [Chunk(doc.source_id, 0, (), text[start:end], start, end)]
    spans: list[tuple[tuple[str, ...], Span]] = []
    sections = _merge_tiny_sections(_attach_bare_headings(_sections(_parse_blocks(text))), max_chars)
    for section in sections:
        spans.extend((section.path, span) for span in _pack_section(text, section, target_chars, max_chars))
    return [
        Chunk(doc.source_id, ordinal, path, text[start:end], start, end)
        for ordinal, (path, (start, end)) in enumerate(spans)
    ]


def _lines(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int, str]]:
    """(start, end, content) per line of text[start:end], newline excluded."""
    end = len(text) if end is None else end
    pos = start
    while pos < end:
        newline = text.find("\n", pos, end)
        line_end = end if newline == -1 else newline
        yield pos, line_end, text[pos:line_end].rstrip("\r")
        pos = line_end + 1


def _indent(line: str) -> int:
    expanded = line.expandtabs(4)
    return len(expanded) - len(expanded.lstrip())


def _trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _parse_blocks(text: str) -> list[_Block]:
    lines = list(_lines(text))
    blocks: list[_Block] = []
    i = 0
    while i < len(lines):
        line = lines[i][2]
        fence, heading, item = _FENCE.match(line), _ATX.match(line), _LIST_ITEM.match(line)
        kind: BlockKind
        if not line.strip():
            i += 1
            continue
        if fence:  # at any indent: cleaned text has no indented code blocks, but MDX may indent fences
            kind, last = "code", _fence_close(lines, i, fence.group(2))
        elif heading:
            title = (heading.group(2) or "").replace("`", "").strip()
            start, end = _trim(text, lines[i][0], lines[i][1])
            blocks.append(_Block("heading", start, end, len(heading.group(1)), title))
            i += 1
            continue
        elif _is_table_start(lines, i):
            kind, last = "table", i
            while last + 1 < len(lines) and lines[last + 1][2].strip() and "|" in lines[last + 1][2]:
                last += 1
        elif item and len(item.group(1)) <= 3:
            kind, last = "list", _list_end(lines, i)
        else:
            kind, last = "paragraph", i
            while last + 1 < len(lines) and not _interrupts_paragraph(lines[last + 1][2]):
                last += 1
        start, end = _trim(text, lines[i][0], lines[last][1])
        blocks.append(_Block(kind, start, end))
        i = last + 1
    return blocks


def _fence_close(lines: list[tuple[int, int, str]], start: int, marker: str) -> int:
    closing = re.compile(rf"^ *{re.escape(marker[0])}{{{len(marker)},}}[ \t]*$")
    return next((j for j in range(start + 1, len(lines)) if closing.match(lines[j][2])), len(lines) - 1)


def _is_table_start(lines: list[tuple[int, int, str]], i: int) -> bool:
    line = lines[i][2]
    if line.lstrip().startswith("|"):
        return True
    following = lines[i + 1][2] if i + 1 < len(lines) else ""
    return "|" in line and "-" in following and bool(_TABLE_SEPARATOR.match(following))


def _interrupts_paragraph(line: str) -> bool:
    fence, item = _FENCE.match(line), _LIST_ITEM.match(line)
    return (
        not line.strip()
        or bool(_ATX.match(line))
        or line.lstrip().startswith("|")
        or bool(fence)
        or bool(item and len(item.group(1)) <= 3 and line.strip())
    )


def _list_end(lines: list[tuple[int, int, str]], first: int) -> int:
    """Index of the last line of the list starting at `first` (items, continuations, nested code)."""
    last, k = first, first + 1
    while k < len(lines):
        line = lines[k][2]
        if not line.strip():
            following = next((m for m in range(k + 1, len(lines)) if lines[m][2].strip()), None)
            if following is None or not (_LIST_ITEM.match(lines[following][2]) or _indent(lines[following][2]) >= 2):
                break
            k = following
            continue
        fence = _FENCE.match(line)
        if _ATX.match(line) or (fence and _indent(line) < 2):
            break
        last = _fence_close(lines, k, fence.group(2)) if fence else k
        k = last + 1
    return last


def _sections(blocks: list[_Block]) -> list[_Section]:
    sections: list[_Section] = []
    stack: list[tuple[int, str]] = []
    current = _Section(())
    for block in blocks:
        if block.kind == "heading":
            if current.blocks:
                sections.append(current)
            while stack and stack[-1][0] >= block.level:
                stack.pop()
            stack.append((block.level, block.title))
            current = _Section(tuple(title for _, title in stack if title), [block])
        else:
            current.blocks.append(block)
    if current.blocks:
        sections.append(current)
    return sections


def _attach_bare_headings(sections: list[_Section]) -> list[_Section]:
    """A heading with no content of its own (a parent of subsections) joins the section after it."""
    attached: list[_Section] = []
    carried: list[_Block] = []
    for index, section in enumerate(sections):
        following = sections[index + 1] if index + 1 < len(sections) else None
        bare = all(block.kind == "heading" for block in section.blocks)
        if bare and following is not None and _follows_within(section.path, following.path):
            carried.extend(section.blocks)
        else:
            attached.append(_Section(section.path, [*carried, *section.blocks]))
            carried = []
    return attached


def _merge_tiny_sections(sections: list[_Section], max_chars: int) -> list[_Section]:
    """A tiny section (a lone heading, a one-line answer) joins the sibling or child sections after it."""
    merged: list[_Section] = []
    i = 0
    while i < len(sections):
        group = [sections[i]]
        while (
            i + len(group) < len(sections)
            and group[-1].end - group[0].start < MIN_SECTION_CHARS
            and _follows_within(group[0].path, sections[i + len(group)].path)
            and sections[i + len(group)].end - group[0].start <= max_chars
        ):
            group.append(sections[i + len(group)])
        merged.append(_Section(_common_prefix([s.path for s in group]), [b for s in group for b in s.blocks]))
        i += len(group)
    return merged


def _follows_within(first: tuple[str, ...], other: tuple[str, ...]) -> bool:
    """`other` is a sibling of `first` (same parent) or one of its descendants."""
    sibling = len(other) == len(first) and other[:-1] == first[:-1]
    return sibling or (len(other) > len(first) and other[: len(first)] == first)


def _common_prefix(paths: list[tuple[str, ...]]) -> tuple[str, ...]:
    prefix = paths[0]
    for path in paths[1:]:
        size = 0
        while size < min(len(prefix), len(path)) and prefix[size] == path[size]:
            size += 1
        prefix = prefix[:size]
    return prefix


def _pack_section(text: str, section: _Section, target: int, max_chars: int) -> list[Span]:
    units = _units(text, section.blocks, target, max_chars)
    chunks: list[Span] = []
    for start, end in units:
        # A short lead-in ("Valid metrics are:") may stretch to max_chars to stay with what it introduces.
        lead_in = bool(chunks) and chunks[-1][1] - chunks[-1][0] < MIN_SECTION_CHARS
        if chunks and end - chunks[-1][0] <= (max_chars if lead_in else target):
            chunks[-1] = (chunks[-1][0], end)
        else:
            chunks.append((start, end))
    tail_fits = len(chunks) > 1 and chunks[-1][1] - chunks[-2][0] <= max_chars
    if tail_fits and chunks[-1][1] - chunks[-1][0] < MIN_SECTION_CHARS:
        chunks[-2:] = [(chunks[-2][0], chunks[-1][1])]
    return chunks


def _units(text: str, blocks: list[_Block], target: int, max_chars: int) -> list[Span]:
    """Blocks as indivisible spans (oversized ones pre-cut). A heading is glued to what follows it, and so
    is a paragraph ending in ":" ("Make sure that:") when both fit in max_chars."""
    units: list[Span] = []
    heading: Span | None = None  # consecutive heading lines waiting for their content
    lead_in = False
    for block in blocks:
        if block.kind == "heading" and block.end - block.start <= max_chars:
            heading = (heading[0] if heading else block.start, block.end)
            lead_in = False
            continue
        if block.end - block.start <= max_chars:
            pieces = [(block.start, block.end)]
        else:
            first_budget = max(target - (block.start - heading[0] if heading else 0), target // 2)
            pieces = _split(text, block.start, block.end, _SPLIT_LEVELS[block.kind], target, max_chars, first_budget)
        if heading:
            pieces[0] = (heading[0], pieces[0][1])
            heading = None
        elif lead_in and pieces[0][1] - units[-1][0] <= max_chars:
            pieces[0] = (units.pop()[0], pieces[0][1])
        units.extend(pieces)
        lead_in = block.kind == "paragraph" and text[block.end - 1] == ":"
    if heading:
        units.append(heading)
    return units


def _split(
    text: str, start: int, end: int, levels: tuple[str, ...], target: int, max_chars: int, first_budget: int
) -> list[Span]:
    atoms: list[Span] = []
    for atom in _atoms(text, start, end, levels[0], target):
        if atom[1] - atom[0] > max_chars and len(levels) > 1:
            atoms.extend(_split(text, atom[0], atom[1], levels[1:], target, max_chars, target))
        else:
            atoms.append(atom)
    packed: list[Span] = []
    for atom_start, atom_end in atoms:
        if packed and atom_end - packed[-1][0] <= (first_budget if len(packed) == 1 else target):
            packed[-1] = (packed[-1][0], atom_end)
        else:
            packed.append((atom_start, atom_end))
    return packed


def _atoms(text: str, start: int, end: int, level: str, target: int) -> list[Span]:
    if level == "lines":
        spans = [(line_start, line_end) for line_start, line_end, _ in _lines(text, start, end)]
    elif level == "items":
        spans = _list_items(text, start, end)
    elif level == "sentences":
        spans = _sentence_bounds(text, start, end)
    elif level == "words":
        spans = [m.span() for m in _WORD.finditer(text, start, end)]
    else:
        spans = [(pos, min(pos + target, end)) for pos in range(start, end, target)]
    return [span for span in (_trim(text, *s) for s in spans) if span[1] > span[0]]


def sentences(text: str) -> list[Span]:
    """Sentences and lines (list items, table rows) of a text, trimmed, empty ones left out."""
    return [span for span in (_trim(text, *s) for s in _sentence_bounds(text, 0, len(text))) if span[1] > span[0]]


def _sentence_bounds(text: str, start: int, end: int) -> list[Span]:
    return list(itertools.pairwise([start, *(m.end() for m in _SENTENCE_END.finditer(text, start, end)), end]))


def _list_items(text: str, start: int, end: int) -> list[Span]:
    lines = list(_lines(text, start, end))
    base = _indent(lines[0][2])
    starts: list[int] = []
    fence: str | None = None
    for line_start, _, line in lines:
        opener = _FENCE.match(line)
        if fence:
            if re.match(rf"^ *{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", line):
                fence = None
        elif opener:
            fence = opener.group(2)
        elif _LIST_ITEM.match(line) and _indent(line) <= base + 1:
            starts.append(line_start)
    bounds = [start, *(s for s in starts if s > start), end]
    return list(itertools.pairwise(bounds))
