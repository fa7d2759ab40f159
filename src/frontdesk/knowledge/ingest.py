"""Ingest: read every configured source, and (re)index only what changed since last time."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from frontdesk.config import BotConfig, DirectorySource, FaqSource
from frontdesk.knowledge.chunking import chunk_document
from frontdesk.knowledge.documents import Approval, Chunk, Document, LoadFailure
from frontdesk.knowledge.index import describe
from frontdesk.knowledge.loaders import load_directory, load_faq
from frontdesk.knowledge.store import KnowledgeStore
from frontdesk.knowledge.windows import window_texts
from frontdesk.providers.embedders import Embedder

Progress = Callable[[int, int, str], None]  # (done, total, current source id)


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)  # gone from their source since the last ingest
    failed: list[LoadFailure] = field(default_factory=list)
    chunks: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.retired)

    def as_dict(self) -> dict[str, object]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": len(self.unchanged),
            "retired": self.retired,
            "failed": [{"path": f.path, "reason": f.reason} for f in self.failed],
            "chunks_indexed": self.chunks,
            "seconds": round(self.seconds, 3),
            "chunks_per_second": round(self.chunks / self.seconds, 1) if self.seconds and self.chunks else None,
        }


def ingest_sources(
    config: BotConfig,
    store: KnowledgeStore,
    embedder: Embedder,
    *,
    progress: Progress | None = None,
    rebuild: bool = False,
) -> IngestReport:
    """Index what changed since the last ingest; `rebuild` re-chunks and re-embeds everything (after a change
    to `knowledge.chunking`, say). A document's version changes only when its content does."""
    started = time.perf_counter()
    report = IngestReport()
    stored = {doc.source_id: doc for doc in store.list_documents(config.name)}
    pending: list[tuple[Document, str, Approval | None]] = []
    seen: set[str] = set()
    unreadable: set[str] = set()  # sources with a failure: what vanished from them may just be unreadable
    for source in config.knowledge.sources:
        source_path = str(config.resolve(source.path))
        for item in _load(config, source):
            if isinstance(item, LoadFailure):
                report.failed.append(item)
                unreadable.add(source_path)
                continue
            if item.source_id in seen:
                reason = f"duplicate source id (also in another source); skipped the copy in {source.path}"
                report.failed.append(LoadFailure(item.source_id, reason))
                continue
            seen.add(item.source_id)
            previous = stored.get(item.source_id)
            # Approval on ingest applies to new documents only: an owner's later draft or retire decision stands.
            approval = Approval.APPROVED if source.approve and previous is None else None
            # A document indexed before windows existed is embedded again: it would rank on its chunks alone.
            same = (
                previous
                and previous.content_hash == item.content_hash
                and previous.embedder == embedder.name
                and previous.windowed
            )
            if same and not rebuild:
                report.unchanged.append(item.source_id)
                continue
            pending.append((item, source_path, approval))
    # Retire what no configured source provides any more (deleted files, removed sources), unless it came from
    # a source that could not be read in full: a file that failed to load keeps its indexed version.
    gone = [
        doc.source_id
        for doc in stored.values()
        if doc.source_id not in seen and doc.source_path not in unreadable and doc.approval is not Approval.RETIRED
    ]
    if gone:
        report.retired.extend(store.set_approval(config.name, gone, Approval.RETIRED))

    chunking = config.knowledge.chunking
    done = 0
    # One embedding call over many documents' texts, not one per document: fuller batches, fewer calls.
    for batch in _batches(pending, chunking.target_chars, chunking.max_chars):
        texts = [
            text
            for entry in batch
            for text in (*entry.texts, *(w for chunk in entry.windows for w in chunk), *entry.phrasings)
        ]
        vectors = embedder.embed(texts) if texts else np.zeros((0, embedder.dimension), np.float32)
        offset = 0
        for entry in batch:
            passages = vectors[offset : offset + len(entry.texts)]
            offset += len(entry.texts)
            windows = []
            for chunk_windows in entry.windows:
                windows.append(vectors[offset : offset + len(chunk_windows)])
                offset += len(chunk_windows)
            questions = vectors[offset : offset + len(entry.phrasings)]
            offset += len(entry.phrasings)
            store.save_document(
                config.name,
                entry.document,
                source_path=entry.source_path,
                approval=entry.approval,
                chunks=entry.chunks,
                embedder=embedder.name,
                vectors=passages,
                window_vectors=windows,
                question_vectors=questions,
            )
            (report.updated if entry.document.source_id in stored else report.added).append(entry.document.source_id)
            report.chunks += len(entry.chunks)
            done += 1
            if progress:
                progress(done, len(pending), entry.document.source_id)
    if progress:
        progress(len(pending), len(pending), "")
    report.seconds = time.perf_counter() - started
    return report


EMBED_BATCH = 256  # texts per embedding call


@dataclass
class _Prepared:
    document: Document
    source_path: str
    approval: Approval | None
    chunks: list[Chunk]
    texts: list[str]  # what each chunk's vector embeds: its title and headings, then its text
    windows: list[list[str]]  # each chunk's windows (knowledge/windows.py), also after its title and headings
    phrasings: list[str]  # an FAQ entry's question and alternatives


def _batches(
    pending: list[tuple[Document, str, Approval | None]], target_chars: int, max_chars: int
) -> Iterator[list[_Prepared]]:
    batch: list[_Prepared] = []
    size = 0
    for document, source_path, approval in pending:
        chunks = chunk_document(document, target_chars=target_chars, max_chars=max_chars)
        contexts = [describe(document.title, c.heading_path) for c in chunks]
        texts = [f"{context}\n{c.text}" for context, c in zip(contexts, chunks, strict=True)]
        windows = [window_texts(context, c.text) for context, c in zip(contexts, chunks, strict=True)]
        phrasings = [document.question, *document.alternatives] if document.kind == "faq" and document.question else []
        batch.append(_Prepared(document, source_path, approval, chunks, texts, windows, phrasings))
        size += len(texts) + sum(len(w) for w in windows) + len(phrasings)
        if size >= EMBED_BATCH:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _load(config: BotConfig, source: DirectorySource | FaqSource) -> Iterator[Document | LoadFailure]:
    path = config.resolve(source.path)
    if not path.exists():
        yield LoadFailure(str(path), "source path does not exist")
        return
    if isinstance(source, FaqSource):
        yield from load_faq(path)
        return
    if not path.is_dir():
        yield LoadFailure(str(path), "a directory source must point at a folder (use type: faq for an FAQ file)")
        return
    for item in load_directory(path):
        if isinstance(item, Document) and item.url is None and source.url_base:
            item = dataclasses.replace(item, url=page_url(source.url_base, item))
        yield item


def page_url(base: str, document: Document) -> str:
    """Where a page without its own `url:` lives: its relative `slug`, or its path without the extension."""
    slug = document.metadata.get("slug") or document.metadata.get("permalink")
    path = slug if slug else re.sub(r"(/?index)?\.(md|markdown|mdx|html?|txt|pdf)$", "", document.source_id)
    return base.rstrip("/") + "/" + path.lstrip("/")
