from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from frontdesk.errors import NotFoundError
from frontdesk.events import MessageReceived, ReplySent
from frontdesk.storage.conversation_store import SqlConversationStore
from frontdesk.storage.database import open_database


@pytest.fixture
def store(database_url: str) -> Iterator[SqlConversationStore]:
    engine = open_database(database_url)
    yield SqlConversationStore(engine)
    engine.dispose()


def test_a_new_conversation_starts_with_a_started_event(store: SqlConversationStore) -> None:
    record = store.create("demo", {"email": "ana@example.com"})
    events = store.events(record.id)
    assert [e.type for e in events] == ["conversation_started"]
    assert events[0].payload["context"] == {"email": "ana@example.com"}
    assert store.get(record.id) == record


def test_events_are_numbered_in_order_and_keep_their_payload(store: SqlConversationStore) -> None:
    record = store.create("demo", {})
    store.append(record.id, [MessageReceived(text="héllo <b>")])
    store.append(record.id, [ReplySent(decision="answer", text="hi", confidence=0.9, citations=[], latency_ms=1.5)])
    events = store.events(record.id)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[1].payload == {"text": "héllo <b>", "sender": "customer"}
    assert events[2].payload["decision"] == "answer"


def test_appending_to_a_missing_conversation_is_not_found(store: SqlConversationStore) -> None:
    with pytest.raises(NotFoundError):
        store.append("nope", [MessageReceived(text="x")])


def test_concurrent_appends_never_lose_or_duplicate_events(store: SqlConversationStore) -> None:
    record = store.create("demo", {})

    def write(n: int) -> None:
        for i in range(10):
            store.append(record.id, [MessageReceived(text=f"{n}-{i}")])

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    events = store.events(record.id)
    assert [e.seq for e in events] == list(range(1, 42))
    assert sorted(e.payload["text"] for e in events[1:]) == sorted(f"{n}-{i}" for n in range(4) for i in range(10))


def test_recent_lists_only_the_bots_own_conversations(store: SqlConversationStore) -> None:
    mine = store.create("demo", {})
    store.create("other", {})
    assert [r.id for r in store.recent("demo")] == [mine.id]


def test_events_can_be_read_by_type(store: SqlConversationStore) -> None:
    record = store.create("demo", {})
    store.append(record.id, [MessageReceived(text="a")])
    store.append(record.id, [ReplySent(decision="answer", text="b", confidence=1.0, citations=[], latency_ms=1.0)])
    assert [e.seq for e in store.events(record.id, types=["reply_sent"])] == [3]
