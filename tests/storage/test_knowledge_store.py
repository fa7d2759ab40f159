from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from frontdesk.knowledge.documents import Approval, Chunk, Document
from frontdesk.storage.database import open_database
from frontdesk.storage.knowledge_store import SqlKnowledgeStore


@pytest.fixture
def store(database_url: str) -> Iterator[SqlKnowledgeStore]:
    engine = open_database(database_url)
    yield SqlKnowledgeStore(engine)
    engine.dispose()


def _vectors(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(n, 8)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _save(store: SqlKnowledgeStore, doc: Document, approval: Approval | None = Approval.APPROVED) -> None:
    chunks = [Chunk(doc.source_id, 0, (doc.title,), doc.text, 0, len(doc.text))]
    phrasings = [doc.question, *doc.alternatives] if doc.question else []
    store.save_document(
        "demo",
        doc,
        source_path="kb",
        approval=approval,
        chunks=chunks,
        embedder="e",
        vectors=_vectors(1),
        window_vectors=[_vectors(2, 2)],
        question_vectors=_vectors(len(phrasings), 1),
    )


def test_a_saved_document_is_listed_with_version_and_approval(store: SqlKnowledgeStore) -> None:
    _save(store, Document("billing/refunds.md", "Refunds", "Refunds take 5 days."))
    [doc] = store.list_documents("demo")
    assert (doc.source_id, doc.version, doc.approval, doc.chunks) == ("billing/refunds.md", 1, Approval.APPROVED, 1)


def test_changing_content_bumps_the_version_and_keeps_approval(store: SqlKnowledgeStore) -> None:
    _save(store, Document("a.md", "A", "one"))
    _save(store, Document("a.md", "A", "one"), approval=None)
    assert store.list_documents("demo")[0].version == 1
    _save(store, Document("a.md", "A", "two"), approval=None)
    [doc] = store.list_documents("demo")
    assert doc.version == 2 and doc.approval is Approval.APPROVED


def test_only_approved_documents_reach_the_index(store: SqlKnowledgeStore) -> None:
    _save(store, Document("a.md", "A", "approved text"))
    _save(store, Document("b.md", "B", "draft text"), approval=Approval.DRAFT)
    _save(store, Document("c.md", "C", "retired text"))
    store.set_approval("demo", ["c.md"], Approval.RETIRED)
    index = store.load_index("demo", "e")
    assert [p.source_id for p in index.passages] == ["a.md"]
    assert index.vectors.shape == (1, 8)


def test_faq_phrasings_are_indexed_as_questions_of_their_entry(store: SqlKnowledgeStore) -> None:
    faq = Document(
        "faq-refunds",
        "Refunds?",
        "Refunds?\n\nYes, within 30 days.",
        kind="faq",
        question="Refunds?",
        answer="Yes, within 30 days.",
        alternatives=("Can I get my money back?",),
    )
    _save(store, Document("a.md", "A", "text"))
    _save(store, faq)
    index = store.load_index("demo", "e")
    assert [q.text for q in index.questions] == ["Refunds?", "Can I get my money back?"]
    assert {index.passages[q.passage].source_id for q in index.questions} == {"faq-refunds"}
    assert index.passages[index.questions[0].passage].answer == "Yes, within 30 days."


def test_set_approval_reports_which_ids_exist(store: SqlKnowledgeStore) -> None:
    _save(store, Document("a.md", "A", "text"))
    assert store.set_approval("demo", ["a.md", "missing.md"], Approval.RETIRED) == ["a.md"]


def test_bots_sharing_a_database_do_not_see_each_others_documents(store: SqlKnowledgeStore) -> None:
    _save(store, Document("a.md", "A", "text"))
    assert store.list_documents("other") == []
    assert len(store.load_index("other", "e")) == 0


def test_window_bytes_that_are_not_unit_vectors_are_ignored_not_ranked_on() -> None:
    from frontdesk.storage.knowledge_store import _windows

    unit = np.eye(2, 8, dtype=np.float32)
    assert _windows(unit.astype("<f2").tobytes(), 8).shape == (2, 8)
    assert _windows(unit.astype("<f4").tobytes(), 8).shape == (0, 8)  # float32 bytes from another version
    assert _windows(b"\x00" * 7, 8).shape == (0, 8)
    assert _windows(b"", 8).shape == (0, 8)
