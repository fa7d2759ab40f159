from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from frontdesk.conversation.store import Transition
from frontdesk.errors import NotFoundError
from frontdesk.events import AgentJoined, HandedBack, HandoffQueued, MessageReceived, ReplySent
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


def test_a_guarded_transition_is_won_by_exactly_one_of_many(store: SqlConversationStore) -> None:
    record = store.create("demo", {})
    assert store.transition(record.id, Transition(("open",), "queued", team="billing", priority=2), []) == []
    winners: list[str] = []
    barrier = threading.Barrier(6)

    def claim(agent: str) -> None:
        barrier.wait()
        change = Transition(("queued",), "assigned", assignee=agent)
        if store.transition(record.id, change, [AgentJoined(agent=agent)]) is not None:
            winners.append(agent)

    threads = [threading.Thread(target=claim, args=(f"agent-{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1
    now = store.get(record.id)
    assert now is not None and now.status == "assigned" and now.assignee == winners[0] and now.team == "billing"
    joined = store.events(record.id, types=["agent_joined"])
    assert [e.payload["agent"] for e in joined] == winners


def test_only_the_holder_passes_a_holder_guard_and_nothing_is_written_otherwise(store: SqlConversationStore) -> None:
    record = store.create("demo", {})
    store.transition(record.id, Transition(("open",), "assigned", assignee="ana", team="support"), [])
    before = store.events(record.id)
    assert store.transition(record.id, Transition(("assigned",), "open", holder="bob", clear_assignee=True), []) is None
    assert store.events(record.id) == before
    back = store.transition(
        record.id, Transition(("assigned",), "open", holder="ana", clear_assignee=True), [HandedBack(agent="ana")]
    )
    assert back is not None and back[0].type == "handed_back"
    now = store.get(record.id)
    assert now is not None and now.status == "open" and now.assignee is None


def test_the_queue_lists_by_priority_then_age_per_team(store: SqlConversationStore) -> None:
    first, urgent, other, done = (store.create("demo", {}) for _ in range(4))
    store.transition(first.id, Transition(("open",), "queued", team="billing", priority=1), [])
    store.transition(urgent.id, Transition(("open",), "queued", team="billing", priority=3), [])
    store.transition(other.id, Transition(("open",), "queued", team="sales", priority=5), [])
    store.transition(done.id, Transition(("open",), "closed", team="billing"), [])
    billing = store.queue("demo", statuses=["queued"], teams=["billing"])
    assert [r.id for r in billing] == [urgent.id, first.id]
    assert [r.id for r in store.queue("demo", statuses=["queued"])] == [other.id, urgent.id, first.id]
    assert store.queue("other-bot", statuses=["queued"]) == []


def test_listeners_hear_each_committed_append(store: SqlConversationStore) -> None:
    heard: list[tuple[str, int]] = []
    store.listeners.append(lambda conversation, seq: heard.append((conversation, seq)))
    record = store.create("demo", {})
    store.append(record.id, [MessageReceived(text="a"), MessageReceived(text="b")])
    store.transition(record.id, Transition(("open",), "queued", team="t"), [HandoffQueued(packet={})])
    store.transition(record.id, Transition(("open",), "queued", team="t"), [HandoffQueued(packet={})])  # guard fails
    assert heard == [(record.id, 3), (record.id, 4)]
    assert [e.seq for e in store.events(record.id, after=2)] == [3, 4]


def test_the_latest_event_of_a_type_comes_for_many_conversations_at_once(store: SqlConversationStore) -> None:
    first, second, none = (store.create("demo", {}) for _ in range(3))
    store.append(first.id, [HandoffQueued(packet={"n": 1})])
    store.append(first.id, [MessageReceived(text="x"), HandoffQueued(packet={"n": 2})])
    store.append(second.id, [HandoffQueued(packet={"n": 3})])
    latest = store.latest_of_type([first.id, second.id, none.id], "handoff_queued")
    assert {k: v.payload["packet"]["n"] for k, v in latest.items()} == {first.id: 2, second.id: 3}
    assert store.latest_of_type([], "handoff_queued") == {}
