"""Documents and chunks in SQL; embeddings are float32 bytes beside each chunk, its windows' float16 bytes too."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session, selectinload

from frontdesk.knowledge.documents import Approval, Chunk, Document
from frontdesk.knowledge.index import FaqQuestion, IndexedPassage, KnowledgeIndex
from frontdesk.knowledge.store import StoredDocument
from frontdesk.providers.embedders import Vectors
from frontdesk.storage.models import ChunkRow, DocumentRow, aware, utcnow


class SqlKnowledgeStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def list_documents(self, bot: str) -> list[StoredDocument]:
        with Session(self.engine) as session:
            rows = session.scalars(
                select(DocumentRow)
                .where(DocumentRow.bot == bot)
                .options(selectinload(DocumentRow.chunks))
                .order_by(DocumentRow.source_id)
            ).all()
            return [_stored(row) for row in rows]

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
        phrasings = _phrasings(document)
        if len(vectors) != len(chunks) or len(window_vectors) != len(chunks) or len(question_vectors) != len(phrasings):
            raise ValueError("one vector and one array of window vectors per chunk, one vector per FAQ phrasing")
        with Session(self.engine) as session, session.begin():
            row = session.scalar(
                select(DocumentRow).where(DocumentRow.bot == bot, DocumentRow.source_id == document.source_id)
            )
            if row is None:
                row = DocumentRow(
                    bot=bot,
                    source_id=document.source_id,
                    version=0,
                    approval=Approval.DRAFT.value,
                    content_hash="",
                    created_at=utcnow(),
                )
                session.add(row)
            # Same content saved again (say, by a new embedder) keeps its version; chunks are always replaced.
            if row.content_hash != document.content_hash:
                row.version += 1
            row.chunks.clear()
            row.source_path = source_path
            row.kind = document.kind
            row.title = document.title[:1024]
            row.url = document.url
            row.text = document.text
            row.question = document.question
            row.answer = document.answer
            row.content_hash = document.content_hash
            row.updated_at = utcnow()
            if approval is not None:
                row.approval = approval.value
            for chunk, vector, windows in zip(chunks, vectors, window_vectors, strict=True):
                row.chunks.append(
                    ChunkRow(
                        role="passage",
                        ordinal=chunk.ordinal,
                        heading_path=list(chunk.heading_path),
                        text=chunk.text,
                        start=chunk.start,
                        end=chunk.end,
                        embedder=embedder,
                        embedding=_to_bytes(vector),
                        windows=np.asarray(windows, dtype="<f2").tobytes(),  # half precision, as the index keeps them
                    )
                )
            for ordinal, (text, vector) in enumerate(zip(phrasings, question_vectors, strict=True)):
                row.chunks.append(
                    ChunkRow(
                        role="question",
                        ordinal=ordinal,
                        heading_path=[],
                        text=text,
                        start=0,
                        end=len(text),
                        embedder=embedder,
                        embedding=_to_bytes(vector),
                    )
                )
            session.flush()
            return _stored(row)

    def set_approval(self, bot: str, source_ids: Sequence[str], approval: Approval) -> list[str]:
        with Session(self.engine) as session, session.begin():
            found = list(
                session.scalars(
                    select(DocumentRow.source_id).where(DocumentRow.bot == bot, DocumentRow.source_id.in_(source_ids))
                )
            )
            if found:
                session.execute(
                    update(DocumentRow)
                    .where(DocumentRow.bot == bot, DocumentRow.source_id.in_(found))
                    .values(approval=approval.value, updated_at=utcnow())
                )
            return found

    def fingerprint(self, bot: str) -> str:
        with Session(self.engine) as session:
            count, latest, versions = session.execute(
                select(
                    func.count(DocumentRow.id), func.max(DocumentRow.updated_at), func.sum(DocumentRow.version)
                ).where(DocumentRow.bot == bot)
            ).one()
        return f"{count}:{latest}:{versions}"

    def load_index(self, bot: str, embedder: str) -> KnowledgeIndex:
        passages: list[IndexedPassage] = []
        vectors: list[bytes] = []
        windows: list[bytes] = []
        questions: list[FaqQuestion] = []
        question_vectors: list[bytes] = []
        faq_passage: dict[int, int] = {}
        with Session(self.engine) as session:
            rows = session.execute(
                select(ChunkRow, DocumentRow)
                .join(DocumentRow, ChunkRow.document_id == DocumentRow.id)
                .where(
                    DocumentRow.bot == bot,
                    DocumentRow.approval == Approval.APPROVED.value,
                    ChunkRow.embedder == embedder,
                )
                .order_by(DocumentRow.source_id, ChunkRow.role, ChunkRow.ordinal)  # passages first
            ).all()
            for chunk, doc in rows:
                if chunk.role == "passage":
                    faq_passage.setdefault(doc.id, len(passages))
                    passages.append(
                        IndexedPassage(
                            chunk_id=chunk.id,
                            source_id=doc.source_id,
                            title=doc.title,
                            url=doc.url,
                            kind=doc.kind,
                            heading_path=tuple(chunk.heading_path),
                            text=chunk.text,
                            document_hash=doc.content_hash,
                            document_version=doc.version,
                            answer=doc.answer,
                        )
                    )
                    vectors.append(chunk.embedding)
                    windows.append(chunk.windows or b"")
                elif doc.id in faq_passage:
                    questions.append(FaqQuestion(passage=faq_passage[doc.id], text=chunk.text))
                    question_vectors.append(chunk.embedding)
        passage_vectors = _from_bytes(vectors)
        dimension = passage_vectors.shape[1]
        window_vectors = [_windows(b, dimension) for b in windows]
        return KnowledgeIndex(passages, passage_vectors, questions, _from_bytes(question_vectors), window_vectors)


def _windows(data: bytes, dimension: int) -> Vectors:
    """A chunk's window vectors; none (its own vector stands in) when the bytes cannot be unit vectors of this
    dimension, e.g. written by another version: a ranking on garbage would be worse than one without windows."""
    if not data or len(data) % (2 * dimension):
        return np.zeros((0, dimension), dtype=np.float16)
    vectors = np.frombuffer(data, dtype="<f2").reshape(-1, dimension)
    norms = np.linalg.norm(vectors.astype(np.float32), axis=1)
    if not np.all(np.abs(norms - 1.0) < 0.01):
        return np.zeros((0, dimension), dtype=np.float16)
    return vectors


def _phrasings(document: Document) -> list[str]:
    if document.kind != "faq" or not document.question:
        return []
    return [document.question, *document.alternatives]


def _stored(row: DocumentRow) -> StoredDocument:
    return StoredDocument(
        source_id=row.source_id,
        source_path=row.source_path,
        kind=row.kind,
        title=row.title,
        url=row.url,
        content_hash=row.content_hash,
        version=row.version,
        approval=Approval(row.approval),
        chunks=sum(1 for c in row.chunks if c.role == "passage"),
        embedder=row.chunks[0].embedder if row.chunks else "",
        updated_at=aware(row.updated_at),
        windowed=all(c.windows is not None for c in row.chunks if c.role == "passage"),
    )


def _to_bytes(vector: Vectors) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def _from_bytes(blobs: list[bytes]) -> Vectors:
    if not blobs:
        return np.zeros((0, 0), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), -1).astype(np.float32)
