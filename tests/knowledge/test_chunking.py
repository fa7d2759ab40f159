"""Structure-aware chunking: offsets, headings, unsplittable blocks and size limits."""

from __future__ import annotations

import random
import re
import textwrap
from pathlib import Path

import pytest

from frontdesk.knowledge.chunking import chunk_document
from frontdesk.knowledge.documents import Chunk, Document
from frontdesk.knowledge.loaders import load_directory

FENCED_CODE = re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1[ \t]*$", re.MULTILINE | re.DOTALL)


def article(text: str, source_id: str = "doc.md") -> Document:
    return Document(source_id=source_id, title="Doc", text=textwrap.dedent(text).strip("\n"))


def assert_well_formed(doc: Document, chunks: list[Chunk]) -> None:
    """Exact offsets, in order, no overlap, and every non-space character of the document in some chunk."""
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    previous_end = 0
    for chunk in chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert chunk.text == chunk.text.strip() and chunk.text
        assert chunk.start >= previous_end
        assert doc.text[previous_end : chunk.start].strip() == ""  # nothing between chunks is lost
        assert chunk.source_id == doc.source_id
        previous_end = chunk.end
    assert doc.text[previous_end:].strip() == ""


def paragraph(words: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    vocabulary = ["billing", "invoice", "refund", "account", "team", "plan", "site", "export", "goal", "script"]
    sentences = []
    while words > 0:
        size = min(words, rng.randint(6, 14))
        sentences.append(" ".join(rng.choice(vocabulary) for _ in range(size)).capitalize() + ".")
        words -= size
    return " ".join(sentences)


def test_empty_document_gives_no_chunks() -> None:
    assert chunk_document(article("  \n\n ")) == []


def test_faq_entry_is_exactly_one_chunk() -> None:
    long_answer = paragraph(400)
    doc = Document(
        source_id="faq-1", title="Q?", text=f"Q?\n\n{long_answer}", kind="faq", question="Q?", answer=long_answer
    )
    (chunk,) = chunk_document(doc)
    assert chunk == Chunk("faq-1", 0, (), doc.text, 0, len(doc.text))


def test_short_document_is_one_chunk_with_exact_offsets() -> None:
    doc = Document(source_id="a", title="A", text="\n\n  Hello there.  \n\n")
    assert chunk_document(doc) == [Chunk("a", 0, (), "Hello there.", 4, 16)]


def test_tracks_heading_paths() -> None:
    doc = article(f"""
        # Billing

        {paragraph(60, 1)}

        ## Refunds

        {paragraph(60, 2)}

        ### Card refunds

        {paragraph(60, 3)}

        ## Invoices

        {paragraph(60, 4)}
        """)
    chunks = chunk_document(doc)
    assert_well_formed(doc, chunks)
    assert [c.heading_path for c in chunks] == [
        ("Billing",),
        ("Billing", "Refunds"),
        ("Billing", "Refunds", "Card refunds"),
        ("Billing", "Invoices"),
    ]
    assert all(c.text.startswith("#") for c in chunks)  # each heading opens the chunk of its content


def test_heading_stays_with_the_content_under_it() -> None:
    doc = article(f"""
        ## Setup

        {paragraph(120, 1)}

        ## Troubleshooting

        {paragraph(120, 2)}
        """)
    chunks = chunk_document(doc, target_chars=300, max_chars=500)
    assert_well_formed(doc, chunks)
    for chunk in chunks:
        assert not re.fullmatch(r"#+ .*", chunk.text)  # never a heading alone
    assert chunks[0].text.startswith("## Setup\n\n")
    assert any(c.text.startswith("## Troubleshooting\n\n") for c in chunks)


def test_bare_parent_heading_joins_its_first_subsection() -> None:
    doc = article(f"""
        ## Advanced options

        ### Hash routing

        {paragraph(150, 1)}
        """)
    chunks = chunk_document(doc, target_chars=500, max_chars=800)
    assert_well_formed(doc, chunks)
    assert chunks[0].text.startswith("## Advanced options\n\n### Hash routing\n\n")
    assert chunks[0].heading_path == ("Advanced options", "Hash routing")


def test_tiny_sibling_sections_merge_under_their_parent() -> None:
    doc = article(f"""
        ## Parameters

        {paragraph(30, 1)}

        ### site_id

        Your domain.

        ### period

        Defaults to 30d.

        ### metrics

        A comma-separated list.

        ## Next steps

        {paragraph(30, 2)}
        """)
    chunks = chunk_document(doc)
    assert_well_formed(doc, chunks)
    merged = next(c for c in chunks if "### site_id" in c.text)
    assert "### period" in merged.text and "### metrics" in merged.text
    assert merged.heading_path == ("Parameters",)
    assert chunks[-1].heading_path == ("Next steps",)  # not a sibling of the ### sections: stays apart


def test_headings_inside_code_blocks_are_not_headings() -> None:
    doc = article("""
        ## Install

        ```bash
        # install the package
        pip install frontdesk
        ```
        """)
    (chunk,) = chunk_document(doc)
    assert chunk.heading_path == ("Install",)


def test_paragraph_ending_in_colon_stays_with_the_block_it_introduces() -> None:
    items = "\n".join(f"- {paragraph(14, i)}" for i in range(8))
    doc = article(f"## Setup\n\n{paragraph(70, 1)}\n\nMake sure that:\n\n{items}")
    assert len(doc.text) > 900
    chunks = chunk_document(doc)
    assert_well_formed(doc, chunks)
    assert any(c.text.startswith("Make sure that:\n\n- ") or "\n\nMake sure that:\n\n- " in c.text for c in chunks)


def test_code_block_larger_than_target_is_not_split() -> None:
    code = "\n".join(f"line_{i} = compute({i})  # explain step {i}" for i in range(30))
    doc = article(f"{paragraph(100, 1)}\n\n```python\n{code}\n```\n\n{paragraph(100, 2)}")
    assert 900 < len(code) < 1500
    chunks = chunk_document(doc)
    assert_well_formed(doc, chunks)
    assert sum(f"```python\n{code}\n```" in c.text for c in chunks) == 1


def test_table_larger_than_target_is_not_split() -> None:
    rows = "\n".join(f"| `option_{i}` | what option {i} does to the tracker |" for i in range(22))
    table = f"| Option | Meaning |\n| --- | --- |\n{rows}"
    doc = article(f"## Options\n\n{paragraph(60)}\n\n{table}\n\n{paragraph(60, 3)}")
    assert 900 < len(table) < 1500
    chunks = chunk_document(doc)
    assert_well_formed(doc, chunks)
    assert sum(table in c.text for c in chunks) == 1


def test_oversized_code_block_is_split_between_lines() -> None:
    lines = [f"    step_{i:03d}(argument={i}, other='value {i}')" for i in range(120)]
    doc = article("## Script\n\n```python\n" + "\n".join(lines) + "\n```")
    chunks = chunk_document(doc)
    assert_well_formed(doc, chunks)
    assert len(chunks) > 3
    assert all(len(c.text) <= 1500 for c in chunks)
    for chunk in chunks:
        for line in chunk.text.split("\n"):
            assert line.strip() in {"## Script", "```python", "```", ""} or line.strip() in {x.strip() for x in lines}


def test_oversized_table_is_split_between_rows() -> None:
    rows = [f"| {i} | {paragraph(12, i)} |" for i in range(60)]
    doc = article("| # | Text |\n| --- | --- |\n" + "\n".join(rows))
    chunks = chunk_document(doc)
    assert_well_formed(doc, chunks)
    assert len(chunks) > 1 and all(len(c.text) <= 1500 for c in chunks)
    assert all(line.startswith("| ") and line.endswith(" |") for c in chunks for line in c.text.split("\n"))


def test_oversized_list_is_split_between_items() -> None:
    items = [f"- Item {i}: {paragraph(20, i)}\n  continued detail for item {i}." for i in range(40)]
    doc = article("\n".join(items))
    chunks = chunk_document(doc)
    assert_well_formed(doc, chunks)
    assert len(chunks) > 1
    assert all(c.text.startswith("- Item ") and c.text.endswith(".") for c in chunks)
    assert all(len(c.text) <= 1500 for c in chunks)


def test_oversized_paragraph_is_split_between_sentences() -> None:
    doc = article(paragraph(700))
    chunks = chunk_document(doc)
    assert_well_formed(doc, chunks)
    assert len(chunks) > 2
    assert all(c.text.endswith(".") and c.text[0].isupper() and len(c.text) <= 1500 for c in chunks)


def test_text_without_any_boundary_is_still_cut_to_size() -> None:
    doc = article("x" * 5000)
    chunks = chunk_document(doc)
    assert_well_formed(doc, chunks)
    assert all(len(c.text) <= 1500 for c in chunks)


def test_blocks_are_grouped_up_to_the_target_size() -> None:
    doc = article("\n\n".join(paragraph(25, i) for i in range(30)))
    chunks = chunk_document(doc, target_chars=600, max_chars=900)
    assert_well_formed(doc, chunks)
    assert all(len(c.text) <= 600 for c in chunks)
    assert all(len(c.text) > 300 for c in chunks[:-1])  # packed, not one paragraph each


def test_rejects_target_above_max() -> None:
    with pytest.raises(ValueError):
        chunk_document(article("text"), target_chars=2000, max_chars=1000)


def test_random_structured_documents_are_chunked_exactly() -> None:
    rng = random.Random(7)
    for seed in range(60):
        blocks = []
        for index in range(rng.randint(1, 25)):
            kind = rng.choice(["heading", "paragraph", "list", "code", "table", "blank"])
            if kind == "heading":
                blocks.append("#" * rng.randint(1, 4) + f" Section {index}")
            elif kind == "paragraph":
                blocks.append(paragraph(rng.randint(3, 400), seed * 100 + index))
            elif kind == "list":
                blocks.append(
                    "\n".join(
                        f"{rng.choice(['-', '*', '1.'])} {paragraph(rng.randint(2, 40), i)}"
                        for i in range(rng.randint(1, 30))
                    )
                )
            elif kind == "code":
                blocks.append(
                    "```\n" + "\n".join(f"x = {i}  # {'#' * (i % 3)} y" for i in range(rng.randint(0, 150))) + "\n```"
                )
            elif kind == "table":
                blocks.append(
                    "| a | b |\n|---|---|\n"
                    + "\n".join(f"| {i} | {paragraph(5, i)} |" for i in range(rng.randint(1, 80)))
                )
            else:
                blocks.append(" \n\t")
        doc = Document(source_id=f"r{seed}", title="R", text=rng.choice(["", "\n", "  "]) + "\n\n".join(blocks))
        chunks = chunk_document(doc, target_chars=rng.choice([300, 900]), max_chars=1500)
        assert_well_formed(doc, chunks)


def test_chunks_of_all_plausible_docs_point_exactly_into_their_text(plausible_docs: Path) -> None:
    docs = [r for r in load_directory(plausible_docs) if isinstance(r, Document)]
    assert len(docs) == 132
    lengths: list[int] = []
    for doc in docs:
        chunks = chunk_document(doc)
        assert chunks, doc.source_id
        assert_well_formed(doc, chunks)
        for block in FENCED_CODE.finditer(doc.text):
            if len(block.group(0).strip()) <= 1500:  # only a block over max_chars may be cut
                assert any(
                    c.start <= block.start() + len(block.group(0)) - len(block.group(0).lstrip())
                    and block.end() <= c.end
                    for c in chunks
                ), (doc.source_id, block.group(0)[:80])
        lengths.extend(len(c.text) for c in chunks)
    assert max(lengths) <= 1500
    assert 300 < sum(lengths) / len(lengths) < 900
