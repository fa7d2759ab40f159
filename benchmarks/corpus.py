"""Real support-style text for the speed benchmark: knowledge chunks at any size and customer questions.

Chunks come from the shared public data (never generated prose), cut the way `frontdesk ingest` cuts them:
help-centre pages and MTRAG passages through the real loader and chunker, DSTC FAQ snippets as FAQ entries
(text "question\\n\\nanswer", the question also matched question-to-question), DSTC11 hotel/restaurant reviews
and ABCD agent guidelines as short articles. That yields about 15k unique chunks, 12k of them short FAQ entries.
Further article chunks are composites of real sentences from different sources, so vocabulary and length stay
realistic.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from frontdesk.knowledge.chunking import chunk_document
from frontdesk.knowledge.documents import Document
from frontdesk.knowledge.index import describe as context_of
from frontdesk.knowledge.loaders import load_directory
from frontdesk.knowledge.windows import window_texts

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
PLAUSIBLE_DOCS = SHARED / "plausible_docs" / "docs"

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_LIST_MARKER = re.compile(r"^(?:[-*+]|\d+[.)])\s+")
_SEED = 20240611  # any fixed value: the corpus must be the same on every run


@dataclass(frozen=True)
class CorpusChunk:
    source_id: str
    title: str
    heading_path: tuple[str, ...]
    text: str
    origin: str  # which data set (or "composite") the text came from
    kind: str = "article"
    question: str | None = None  # FAQ entries: the phrasing matched question-to-question
    answer: str | None = None

    @property
    def embedding_text(self) -> str:
        """Exactly what `ingest_sources` embeds for a chunk."""
        return f"{context_of(self.title, self.heading_path)}\n{self.text}"

    @property
    def window_texts(self) -> list[str]:
        """Exactly what `ingest_sources` embeds for the chunk's windows."""
        return window_texts(context_of(self.title, self.heading_path), self.text)


def _chunks_of(document: Document, origin: str) -> Iterator[CorpusChunk]:
    for chunk in chunk_document(document):
        yield CorpusChunk(
            f"{document.source_id}#{chunk.ordinal}", document.title, chunk.heading_path, chunk.text, origin
        )


def _faq(source_id: str, question: str, answer: str, origin: str) -> CorpusChunk:
    question, answer = question.strip(), answer.strip()
    return CorpusChunk(source_id, question, (), f"{question}\n\n{answer}", origin, "faq", question, answer)


def _plausible() -> Iterator[CorpusChunk]:
    for item in load_directory(PLAUSIBLE_DOCS):
        if isinstance(item, Document):
            yield from _chunks_of(item, "plausible_docs")


def _mtrag() -> Iterator[CorpusChunk]:
    for line in (SHARED / "mtrag" / "passages_dev.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        title = (row["title"] or "").replace("\n", " ").strip() or row["passage_id"]
        yield from _chunks_of(Document(f"mtrag/{row['passage_id']}", title, row["text"]), "mtrag")


def _dstc10() -> Iterator[CorpusChunk]:
    with gzip.open(SHARED / "dstc10_track2" / "knowledge.json.gz", "rt", encoding="utf-8") as file:
        knowledge: dict[str, Any] = json.load(file)
    for domain, entities in knowledge.items():
        for entity_id, entity in entities.items():
            for doc_id, doc in entity["docs"].items():
                yield _faq(f"dstc10/{domain}/{entity_id}/{doc_id}", doc["title"], doc["body"], "dstc10_faq")


def _dstc11() -> Iterator[CorpusChunk]:
    with gzip.open(SHARED / "dstc11_track5" / "knowledge.json.gz", "rt", encoding="utf-8") as file:
        knowledge: dict[str, Any] = json.load(file)
    for domain, entities in knowledge.items():
        for entity_id, entity in entities.items():
            name = entity.get("name") or f"{domain} {entity_id}"
            for review_id, review in entity["reviews"].items():
                text = " ".join(review["sentences"].values())
                yield CorpusChunk(
                    f"dstc11/{domain}/{entity_id}/review/{review_id}",
                    f"{name} reviews",
                    (review.get("traveler_type") or "Guest review",),
                    text,
                    "dstc11_review",
                )
            for faq_id, faq in entity["faqs"].items():
                yield _faq(f"dstc11/{domain}/{entity_id}/faq/{faq_id}", faq["question"], faq["answer"], "dstc11_faq")


def _abcd() -> Iterator[CorpusChunk]:
    guidelines: dict[str, Any] = json.loads((SHARED / "abcd" / "guidelines.json").read_text(encoding="utf-8"))
    for flow, spec in guidelines.items():
        if not isinstance(spec, dict):
            continue
        for subflow, detail in (spec.get("subflows") or {}).items():
            lines = []
            for action in detail.get("actions", []) if isinstance(detail, dict) else []:
                if isinstance(action, dict):
                    lines.append(str(action.get("text", "")))
                    lines.extend(f"- {sub}" for sub in action.get("subtext", []) if isinstance(sub, str))
            text = "\n".join(line for line in lines if line.strip())
            if text:
                yield from _chunks_of(Document(f"abcd/{flow}/{subflow}", f"{flow}: {subflow}", text), "abcd_guidelines")


def real_chunks() -> list[CorpusChunk]:
    """Every unique real chunk (FAQ snippets that appear in both DSTC knowledge bases count once)."""
    seen: set[str] = set()
    out = []
    for source in (_plausible, _mtrag, _abcd, _dstc10, _dstc11):
        for chunk in source():
            if chunk.text.strip() and chunk.text not in seen:
                seen.add(chunk.text)
                out.append(chunk)
    return out


def build_corpus(size: int, faq_share: float = 0.25) -> tuple[list[CorpusChunk], dict[str, Any]]:
    """`size` chunks in a fixed order: FAQ entries make up `faq_share` of every prefix (while they last), the rest
    are real article chunks, then composites once those run out. A steady mix keeps the scale curve about size,
    not about a change in chunk length. Smaller sizes are prefixes of larger ones, so their embeddings are too."""
    real = real_chunks()
    # Ordered by a hash of the source id, not shuffled: when a change to the chunker adds or drops a chunk, every
    # other chunk keeps its text, so the vector cache (keyed by text) still covers it.
    faqs = sorted((c for c in real if c.kind == "faq"), key=_stable_key)
    articles = sorted((c for c in real if c.kind != "faq"), key=_stable_key)
    composites = _composites(random.Random(_SEED))
    chunks: list[CorpusChunk] = []
    taken_faqs = taken_articles = 0
    while len(chunks) < size:
        if taken_faqs < len(faqs) and taken_faqs < faq_share * (len(chunks) + 1):
            chunks.append(faqs[taken_faqs])
            taken_faqs += 1
        elif taken_articles < len(articles):
            chunks.append(articles[taken_articles])
            taken_articles += 1
        else:
            chunks.append(next(composites))
    info = describe(chunks)
    info["unique_real_chunks_available"] = {"faq": len(faqs), "article": len(articles)}
    return chunks, info


def _stable_key(chunk: CorpusChunk) -> str:
    return hashlib.sha256(chunk.source_id.encode()).hexdigest()


def describe(chunks: Sequence[CorpusChunk]) -> dict[str, Any]:
    origins: dict[str, int] = {}
    for chunk in chunks:
        origins[chunk.origin] = origins.get(chunk.origin, 0) + 1
    return {
        "chunks": len(chunks),
        "composite_chunks": origins.get("composite", 0),
        "faq_chunks": sum(1 for c in chunks if c.kind == "faq"),
        "by_origin": dict(sorted(origins.items())),
        "mean_chars": round(sum(len(c.embedding_text) for c in chunks) / max(len(chunks), 1), 1),
    }


def _composites(rng: random.Random) -> Iterator[CorpusChunk]:
    """Endless article chunks of 2-8 real sentences drawn from two different data sets, under a real title; sized
    like help-centre chunks so BM25 posting lists and embedding cost grow as they would with real articles. The
    sentences come straight from the data files, not through Frontdesk's loaders, so they stay the same (and stay
    cached) whatever changes in src."""
    pools, titles = _raw_sentences()
    origins = sorted(pools)
    number = 0
    while True:
        picked = rng.sample(origins, 2)
        sentences = [rng.choice(pools[rng.choice(picked)]) for _ in range(rng.randint(2, 8))]
        yield CorpusChunk(f"composite/{number}", rng.choice(titles), (), " ".join(sentences), "composite")
        number += 1


def _raw_sentences() -> tuple[dict[str, list[str]], list[str]]:
    texts: dict[str, list[str]] = {"plausible_docs": [], "mtrag": [], "dstc": [], "abcd": []}
    titles: set[str] = set()
    for path in sorted(PLAUSIBLE_DOCS.rglob("*.md")):
        body = path.read_text(encoding="utf-8").split("\n---", 1)[-1]  # past the front matter
        for line in body.splitlines():
            line = _LIST_MARKER.sub("", line.strip())
            if line and not line.startswith(("<", "|", "#", "`", "{", "!", "[", ":", "import ", "export ")):
                texts["plausible_docs"].append(line)
    for line in (SHARED / "mtrag" / "passages_dev.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        texts["mtrag"].append(row["text"])
        if row["title"]:
            titles.add(" ".join(row["title"].split()))
    for name in ("dstc10_track2", "dstc11_track5"):
        with gzip.open(SHARED / name / "knowledge.json.gz", "rt", encoding="utf-8") as file:
            knowledge: dict[str, Any] = json.load(file)
        for entities in knowledge.values():
            for entity in entities.values():
                titles.add(str(entity.get("name") or "").title())
                texts["dstc"].extend(doc["body"] for doc in entity.get("docs", {}).values())
                texts["dstc"].extend(faq["answer"] for faq in entity.get("faqs", {}).values())
                for review in entity.get("reviews", {}).values():
                    texts["dstc"].extend(review["sentences"].values())
    guidelines: dict[str, Any] = json.loads((SHARED / "abcd" / "guidelines.json").read_text(encoding="utf-8"))
    for flow, spec in guidelines.items():
        for subflow, detail in (spec.get("subflows") or {}).items() if isinstance(spec, dict) else ():
            titles.add(f"{flow}: {subflow}")
            for action in detail.get("actions", []) if isinstance(detail, dict) else []:
                if isinstance(action, dict):
                    texts["abcd"].append(str(action.get("text", "")))
                    texts["abcd"].extend(sub for sub in action.get("subtext", []) if isinstance(sub, str))
    pools: dict[str, list[str]] = {}
    for origin, items in texts.items():
        for text in items:
            for sentence in _SENTENCE.split(" ".join(text.split())):
                if 20 <= len(sentence) <= 400 and sum(ch.isalpha() for ch in sentence) > len(sentence) // 2:
                    pools.setdefault(origin, []).append(sentence)
    return pools, sorted(t for t in titles if t)


def customer_questions(count: int) -> tuple[list[str], dict[str, int]]:
    """`count` distinct real customer questions, interleaved from four data sets so any prefix is a mix."""
    rng = random.Random(_SEED)
    pools: dict[str, list[str]] = {}
    with (SHARED / "banking77" / "dev_split.csv").open(encoding="utf-8", newline="") as file:
        pools["banking77"] = [row["text"] for row in csv.DictReader(file)]
    pools["clinc150"] = [
        json.loads(line)["text"]
        for line in (SHARED / "clinc150" / "val.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    pools["plausible_faq"] = [
        json.loads(line)["question"]
        for line in (SHARED / "plausible_docs" / "faq_questions.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    # MTRAG: the user turns of each conversation (first questions and their follow-ups).
    mtrag = []
    for line in (SHARED / "mtrag" / "tasks_dev.jsonl").read_text(encoding="utf-8").splitlines():
        mtrag.append(json.loads(line)["input"][-1]["text"])
    pools["mtrag"] = mtrag
    for pool in pools.values():
        rng.shuffle(pool)
    seen: set[str] = set()
    out: list[str] = []
    used = dict.fromkeys(pools, 0)
    position = dict.fromkeys(pools, 0)
    while len(out) < count and any(position[name] < len(pool) for name, pool in pools.items()):
        for name, pool in pools.items():
            while position[name] < len(pool) and len(out) < count:
                text = " ".join(pool[position[name]].split())
                position[name] += 1
                if text and text not in seen:
                    seen.add(text)
                    out.append(text)
                    used[name] += 1
                    break
    if len(out) < count:
        raise ValueError(f"only {len(out)} distinct customer questions available")
    return out, used
