"""What the knowledge base needs from storage. Implemented in `frontdesk.storage.knowledge_store`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from frontdesk.knowledge.documents import Approval, Chunk, Document
from frontdesk.knowledge.index import KnowledgeIndex
from frontdesk.providers.embedders import Vectors


@dataclass(frozen=True)
class StoredDocument:
    source_id: str
    source_path: str
    kind: str
    title: str
    url: str | None
    content_hash: str
    version: int
    approval: Approval
    chunks: int
    embedder: str
    updated_at: datetime
    windowed: bool = True  # its chunks carry window vectors (False: indexed before windows existed)


class KnowledgeStore(Protocol):
    def list_documents(self, bot: str) -> list[StoredDocument]: ...

    def save_document(
        self,
        bot: str,
        document: Document,
        *,
        source_path: str,
        approval: Approval | None,
        chunks: Sequence[Chunk],
        embedder: str,
        vectors: Vectors,
        window_vectors: Sequence[Vectors],
        question_vectors: Vectors,
    ) -> StoredDocument:
        """Insert or replace a document and its chunks atomically. `approval=None` keeps the current state
        (draft for a new document). `window_vectors` holds one (windows, dimension) array per chunk, possibly
        empty (knowledge/windows.py); `question_vectors` embed the FAQ phrasings (question, alternatives)."""
        ...

    def set_approval(self, bot: str, source_ids: Sequence[str], approval: Approval) -> list[str]:
        """Returns the source ids that exist and were updated."""
        ...

    def fingerprint(self, bot: str) -> str:
        """Changes whenever any of the bot's documents is saved or changes approval."""
        ...

    def load_index(self, bot: str, embedder: str) -> KnowledgeIndex:
        """Every approved document's chunks embedded by `embedder`, with their window vectors."""
        ...
