"""The nouns of the knowledge base: documents loaded from sources and the chunks cut from them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal


class Approval(StrEnum):
    """Only approved documents answer customers."""

    DRAFT = "draft"
    APPROVED = "approved"
    RETIRED = "retired"


DocumentKind = Literal["article", "faq"]


@dataclass(frozen=True)
class Document:
    """One source document after loading and cleaning.

    `text` is the cleaned, Markdown-like text that chunk offsets point into. For a curated FAQ
    entry, `question` and `answer` hold the approved pair and `text` is "question\\n\\nanswer".
    """

    source_id: str
    title: str
    text: str
    kind: DocumentKind = "article"
    url: str | None = None
    question: str | None = None
    answer: str | None = None
    alternatives: tuple[str, ...] = ()  # other phrasings of an FAQ question
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        return content_hash(
            self.title, self.text, self.url or "", self.question or "", self.answer or "", *self.alternatives
        )


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage of a document, with where it sits in it."""

    source_id: str
    ordinal: int
    heading_path: tuple[str, ...]
    text: str
    start: int  # character offsets into Document.text
    end: int


@dataclass(frozen=True)
class LoadFailure:
    """A file that could not be read; reported and skipped, never fatal to an ingest."""

    path: str
    reason: str


def content_hash(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()
