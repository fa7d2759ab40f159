"""The agents' side: claims, replies, notes, hand-back and close, against both databases."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from frontdesk.conversation.store import Transition
from frontdesk.errors import ConflictError, ForbiddenError, InvalidInputError
from frontdesk.escalation.inbox import Agent, Inbox, visible_to_customer
from frontdesk.events import HandoffQueued, MessageReceived
from frontdesk.storage.agent_store import SqlAgentStore
from frontdesk.storage.conversation_store import SqlConversationStore
from frontdesk.storage.database import open_database

ANA = Agent("ana", ("billing",))
BOB = Agent("bob", ("billing", "support"))
EVE = Agent("eve", ("sales",))
ALL = Agent("lead", ("*",))


@pytest.fixture
def store(database_url: str) -> Iterator[SqlConversationStore]:
    engine = open_database(database_url)
    yield SqlConversationStore(engine)
    engine.dispose()


def queued(store: SqlConversationStore, team: str = "billing", priority: int = 2) -> str:
    record = store.create("demo", {"email": "c@example.com"})
    store.append(record.id, [MessageReceived(text="I was charged twice")])
    change = Transition(("open",), "queued", team=team, priority=priority)
    assert store.transition(record.id, change, [HandoffQueued(packet={"summary": "payment"})]) is not None
    return record.id


def test_the_queue_shows_each_agent_their_teams_only(store: SqlConversationStore) -> None:
    billing, support, sales = queued(store), queued(store, "support"), queued(store, "sales")
    inbox = Inbox("demo", store)
    assert [r.id for r in inbox.queues(ANA)["billing"]] == [billing]
    assert {team: [r.id for r in records] for team, records in inbox.queues(BOB).items()} == {
        "billing": [billing],
        "support": [support],
    }
    assert sorted(r.id for records in inbox.queues(ALL).values() for r in records) == sorted([billing, support, sales])
    with pytest.raises(ForbiddenError):
        inbox.claim(EVE, billing)


def test_two_agents_claiming_at_once_one_wins_the_other_gets_a_conflict(store: SqlConversationStore) -> None:
    conversation = queued(store)
    inbox = Inbox("demo", store)
    outcomes: dict[str, str] = {}
    barrier = threading.Barrier(2)

    def claim(agent: Agent) -> None:
        barrier.wait()
        try:
            inbox.claim(agent, conversation)
            outcomes[agent.name] = "won"
        except ConflictError as exc:
            outcomes[agent.name] = exc.message

    threads = [threading.Thread(target=claim, args=(agent,)) for agent in (ANA, BOB)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [name for name, outcome in outcomes.items() if outcome == "won"]
    assert len(winners) == 1
    loser = ({"ana", "bob"} - set(winners)).pop()
    assert outcomes[loser] == f"already claimed by {winners[0]}"
    record = store.get(conversation)
    assert record is not None and record.assignee == winners[0]
    assert len(store.events(conversation, types=["agent_joined"])) == 1


def test_only_the_holder_writes_hands_back_or_closes(store: SqlConversationStore) -> None:
    conversation = queued(store)
    inbox = Inbox("demo", store)
    inbox.claim(ANA, conversation)
    with pytest.raises(ConflictError):
        inbox.reply(BOB, conversation, "hi, Bob here")
    inbox.reply(ANA, conversation, "Hi, I'm refunding the duplicate charge now.")
    inbox.note(BOB, conversation, "customer is on the legacy plan")  # any agent of the team may note
    with pytest.raises(ConflictError):
        inbox.hand_back(BOB, conversation)
    with pytest.raises(InvalidInputError):
        inbox.reply(ANA, conversation, "   ")
    with pytest.raises(InvalidInputError):
        inbox.close(ANA, conversation, "done")
    closed = inbox.close(ANA, conversation, "resolved")
    assert closed.status == "closed"
    types = [e.type for e in store.events(conversation)]
    assert types[-4:] == ["agent_joined", "agent_message_sent", "note_added", "conversation_closed"]


def test_the_customer_never_sees_notes_or_evidence(store: SqlConversationStore) -> None:
    conversation = queued(store)
    inbox = Inbox("demo", store)
    inbox.claim(ANA, conversation)
    inbox.note(ANA, conversation, "internal: suspicious account")
    inbox.reply(ANA, conversation, "On it!")
    shown = visible_to_customer(store.events(conversation))
    assert [item["type"] for item in shown] == ["customer_message", "agent_joined", "agent_message"]
    assert all("suspicious" not in str(item) for item in shown)


def test_a_hand_back_returns_the_conversation_to_the_bot(store: SqlConversationStore) -> None:
    conversation = queued(store)
    inbox = Inbox("demo", store)
    inbox.claim(ANA, conversation)
    back = inbox.hand_back(ANA, conversation)
    assert back.status == "open" and back.assignee is None and back.team == "billing"


def test_agent_tokens_authenticate_until_removed(store: SqlConversationStore) -> None:
    agents = SqlAgentStore(store.engine)
    token = agents.add("demo", "ana", ["billing"])
    assert agents.authenticate("demo", token) == Agent("ana", ("billing",))
    assert agents.authenticate("other-bot", token) is None
    assert agents.authenticate("demo", token + "x") is None
    with pytest.raises(ConflictError):
        agents.add("demo", "ana", ["support"])
    agents.remove("demo", "ana")
    assert agents.authenticate("demo", token) is None
