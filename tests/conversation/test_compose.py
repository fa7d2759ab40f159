"""The extracted answer: which sentence of the passage answers the question."""

from __future__ import annotations

from frontdesk.conversation.compose import extract_answer
from frontdesk.knowledge.index import IndexedPassage
from frontdesk.knowledge.lexical import BM25Index
from frontdesk.knowledge.terms import terms
from frontdesk.knowledge.windows import windows

TEXT = (
    "Only the Owner can delete the workspace. Go to Settings and choose Delete workspace to remove it.\n\n"
    "For 30 days afterwards the Owner can ask support to restore everything, and after that it is gone."
)
PASSAGE = IndexedPassage(
    chunk_id=1,
    source_id="privacy/delete.md",
    title="Delete your workspace",
    url=None,
    kind="markdown",
    heading_path=("Delete your workspace",),
    text=TEXT,
    document_hash="h",
    document_version=1,
)
LEXICAL = BM25Index([terms(TEXT)])
QUESTION = "I removed our workspace by mistake, is it lost for good?"


def test_without_windows_the_sentence_sharing_the_most_words_is_chosen() -> None:
    assert extract_answer(QUESTION, PASSAGE, LEXICAL).startswith("Go to Settings")


def test_with_windows_the_sentence_closest_in_meaning_is_chosen() -> None:
    spans = windows(TEXT)
    assert len(spans) == 3
    similarities = [0.31, 0.35, 0.62]  # as the embedder would score them: the restore window is the answer
    answer = extract_answer(QUESTION, PASSAGE, LEXICAL, windows=list(zip(spans, similarities, strict=True)))
    assert answer.startswith("For 30 days afterwards")
