"""Ingest: incremental by content hash; what vanished is retired; what failed keeps its indexed version."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from frontdesk.bot import Bot
from frontdesk.config import load_config
from frontdesk.knowledge.documents import Approval, Document
from frontdesk.knowledge.ingest import page_url
from tests.kb import BOT_YAML, write_kb


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FRONTDESK_DATA_DIR", str(tmp_path / "data"))
    write_kb(tmp_path)
    return tmp_path


def open_bot(root: Path) -> Iterator[Bot]:
    bot = Bot.from_config(load_config(root / "bot.yaml"))
    yield bot
    bot.close()


def approvals(bot: Bot) -> dict[str, Approval]:
    return {d.source_id: d.approval for d in bot.knowledge.list_documents(bot.config.name)}


def test_a_source_removed_from_the_config_is_retired(root: Path) -> None:
    for bot in open_bot(root):
        bot.ingest()
    (root / "bot.yaml").write_text(BOT_YAML.replace("    - type: faq\n      path: ./faq.yaml\n", ""))
    for bot in open_bot(root):
        report = bot.ingest()
        assert report.retired == ["faq-refund-window"]
        assert approvals(bot)["faq-refund-window"] is Approval.RETIRED


def test_an_owners_draft_decision_survives_the_next_ingest(root: Path) -> None:
    for bot in open_bot(root):
        bot.ingest()
        bot.knowledge.set_approval(bot.config.name, ["plans/pricing.md"], Approval.DRAFT)
        (root / "knowledge" / "plans" / "pricing.md").write_text("# Plans\n\nNew prices soon.\n")
        bot.ingest()
        assert approvals(bot)["plans/pricing.md"] is Approval.DRAFT


def test_a_missing_source_path_is_reported_and_nothing_is_retired(root: Path) -> None:
    for bot in open_bot(root):
        bot.ingest()
    (root / "knowledge").rename(root / "moved")
    for bot in open_bot(root):
        report = bot.ingest()
        assert report.failed and "does not exist" in report.failed[0].reason
        assert report.retired == []


def test_a_directory_source_pointing_at_a_file_is_a_clear_failure(root: Path) -> None:
    (root / "bot.yaml").write_text(BOT_YAML.replace("path: ./knowledge", "path: ./faq.yaml"))
    for bot in open_bot(root):
        report = bot.ingest()
        assert any("must point at a folder" in f.reason for f in report.failed)


def test_the_new_index_is_used_without_a_restart(root: Path) -> None:
    for bot in open_bot(root):
        bot.ingest()
        before = len(bot.index)
        for other in open_bot(root):  # another process, e.g. `frontdesk sources retire`
            other.knowledge.set_approval(other.config.name, ["plans/pricing.md"], Approval.RETIRED)
        bot._checked_at = -1e9  # as if RECHECK_SECONDS had passed
        assert len(bot.index) < before


@pytest.mark.parametrize(
    ("source_id", "metadata", "url"),
    [
        ("billing/refunds.md", {}, "https://docs.example.com/billing/refunds"),
        ("guide/index.mdx", {}, "https://docs.example.com/guide"),
        ("a.md", {"slug": "/custom-page"}, "https://docs.example.com/custom-page"),
    ],
)
def test_page_urls_drop_the_extension_or_follow_the_slug(source_id: str, metadata: dict[str, str], url: str) -> None:
    document = Document(source_id, "T", "text", metadata=metadata)
    assert page_url("https://docs.example.com/", document) == url


def test_rebuild_rechunks_everything_without_new_versions(root: Path) -> None:
    for bot in open_bot(root):
        first = bot.ingest()
        again = bot.ingest(rebuild=True)
        assert sorted(again.updated) == sorted(first.added) and again.unchanged == []
        assert {d.version for d in bot.knowledge.list_documents(bot.config.name)} == {1}
