"""The agent inbox over HTTP: tokens, queues, the claim race, replies, notes, and live streams for both sides."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from frontdesk.api.app import create_app
from frontdesk.bot import Bot
from frontdesk.config import load_config
from frontdesk.escalation.policy import EscalationPolicy
from frontdesk.testing.fakes import KeywordDetector
from tests.api.test_app import assert_error
from tests.kb import BOT_YAML, write_kb

ESCALATION = "escalation:\n  route: {payment: billing}\n  reasons:\n    human_requested: {collect: []}\n"
PHRASES = {"human_requested": ["a human", "a person"], "payment": ["charged twice"]}


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Bot]:
    bot = Bot.from_config(load_config(write_kb(tmp_path, BOT_YAML + ESCALATION)))
    bot.ingest()
    bot.__dict__["escalation"] = EscalationPolicy(bot.config.escalation, KeywordDetector(PHRASES))
    yield bot
    bot.close()


@pytest.fixture
def client(bot: Bot) -> Iterator[TestClient]:
    with TestClient(create_app(bot), raise_server_exceptions=False) as client:
        yield client


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def handed_off(client: TestClient, text: str = "can I talk to a human please") -> str:
    conversation = client.post("/api/conversations", json={"context": {"email": "c@example.com"}}).json()["id"]
    reply = client.post(f"/api/conversations/{conversation}/messages", json={"text": text}).json()
    assert reply["decision"] == "escalate" and reply["escalation"]["status"] == "queued", reply
    return str(conversation)


def test_the_agent_api_needs_a_valid_token(client: TestClient, bot: Bot) -> None:
    assert_error(client.get("/api/agent/queues"), 401, "unauthorized")
    assert_error(client.get("/api/agent/queues", headers=auth("fd_nope")), 401, "unauthorized")
    token = bot.agents.add(bot.config.name, "ana", ["support"])
    assert client.get("/api/agent/me", headers=auth(token)).json() == {"name": "ana", "teams": ["support"]}


def test_a_handoff_reaches_its_teams_queue_and_only_that_team(client: TestClient, bot: Bot) -> None:
    support = bot.agents.add(bot.config.name, "ana", ["support"])
    billing = bot.agents.add(bot.config.name, "bob", ["billing"])
    conversation = handed_off(client)
    queue = client.get("/api/agent/queues", headers=auth(support)).json()["teams"]["support"]
    assert [c["id"] for c in queue] == [conversation]
    assert queue[0]["summary"].startswith("human_requested: “can I talk to a human please")
    assert client.get("/api/agent/queues", headers=auth(billing)).json()["teams"] == {"billing": []}
    assert_error(client.post(f"/api/agent/conversations/{conversation}/claim", headers=auth(billing)), 403, "forbidden")
    detail = client.get(f"/api/agent/conversations/{conversation}", headers=auth(support)).json()
    assert detail["handoff"]["reasons"][0]["reason"] == "human_requested"
    assert detail["handoff"]["context"] == {"email": "c@example.com"}


def test_of_two_agents_claiming_at_once_one_wins_and_one_gets_409(client: TestClient, bot: Bot) -> None:
    tokens = [bot.agents.add(bot.config.name, name, ["support"]) for name in ("ana", "bob")]
    conversation = handed_off(client)
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def claim(token: str) -> None:
        barrier.wait()
        statuses.append(client.post(f"/api/agent/conversations/{conversation}/claim", headers=auth(token)).status_code)

    threads = [threading.Thread(target=claim, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]


def test_agent_and_customer_see_each_other_live(client: TestClient, bot: Bot) -> None:
    token = bot.agents.add(bot.config.name, "ana", ["support"])
    conversation = handed_off(client)
    client.post(f"/api/agent/conversations/{conversation}/claim", headers=auth(token))
    last = bot.conversations.events(conversation)[-1].seq

    customer_saw = read_stream(
        client,
        f"/api/conversations/{conversation}/stream?after={last}",
        {},
        lambda: [
            client.post(f"/api/agent/conversations/{conversation}/notes", headers=auth(token), json={"text": "vip"}),
            client.post(f"/api/agent/conversations/{conversation}/messages", headers=auth(token), json={"text": "Hi!"}),
        ],
        until=lambda item: item["type"] == "agent_message",
    )
    assert [item["type"] for item in customer_saw] == ["agent_message"]  # the note never reaches the customer
    assert customer_saw[0]["text"] == "Hi!" and customer_saw[0]["agent"] == "ana"

    last = bot.conversations.events(conversation)[-1].seq
    agent_saw = read_stream(
        client,
        f"/api/agent/conversations/{conversation}/stream?after={last}",
        auth(token),
        lambda: [client.post(f"/api/conversations/{conversation}/messages", json={"text": "thanks, still there?"})],
        until=lambda item: item["type"] == "message_received",
    )
    assert agent_saw[-1]["payload"]["text"] == "thanks, still there?"
    reply_events = [e for e in bot.conversations.events(conversation) if e.type == "reply_sent"]
    assert len(reply_events) == 1  # only the handoff message: the bot stayed silent while ana held it


def test_hand_back_and_close_go_through_the_api(client: TestClient, bot: Bot) -> None:
    token = bot.agents.add(bot.config.name, "ana", ["support"])
    conversation = handed_off(client)
    base = f"/api/agent/conversations/{conversation}"
    assert_error(client.post(f"{base}/messages", headers=auth(token), json={"text": "hi"}), 409, "conflict")
    assert client.post(f"{base}/claim", headers=auth(token)).json()["status"] == "assigned"
    assert client.post(f"{base}/handback", headers=auth(token)).json()["status"] == "open"
    reply = client.post(f"/api/conversations/{conversation}/messages", json={"text": "how do I reset my password"})
    assert reply.json()["decision"] == "answer"
    assert_error(client.post(f"{base}/close", headers=auth(token), json={"outcome": "meh"}), 422, "invalid_input")


def read_stream(
    client: TestClient,
    url: str,
    headers: dict[str, str],
    act: Any,
    *,
    until: Any,
    timeout: float = 10.0,
) -> list[dict[str, Any]]:
    """Open an SSE stream, do `act` from another thread once it is open, and collect events until `until`."""
    seen: list[dict[str, Any]] = []
    with client.stream("GET", url, headers=headers) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        timer = threading.Timer(0.3, act)
        timer.start()
        deadline = time.monotonic() + timeout
        try:
            for line in response.iter_lines():
                if line.startswith("data: "):
                    item = json.loads(line.removeprefix("data: "))
                    seen.append(item)
                    if until(item):
                        break
                assert time.monotonic() < deadline, f"no matching event within {timeout} s: {seen}"
        finally:
            timer.join()  # the action's requests finish before the client goes away
    return seen


def test_a_reconnecting_stream_resumes_after_the_last_event_it_saw(client: TestClient, bot: Bot) -> None:
    token = bot.agents.add(bot.config.name, "ana", ["support"])
    conversation = handed_off(client)
    client.post(f"/api/agent/conversations/{conversation}/claim", headers=auth(token))
    seen_until = bot.conversations.events(conversation)[-1].seq
    replayed = read_stream(
        client,
        f"/api/conversations/{conversation}/stream",  # after=0, as a browser's automatic reconnect sends it
        {"Last-Event-ID": str(seen_until)},
        lambda: client.post(
            f"/api/agent/conversations/{conversation}/messages", headers=auth(token), json={"text": "back"}
        ),
        until=lambda item: item["type"] == "agent_message",
    )
    assert all(item["seq"] > seen_until for item in replayed) and replayed[-1]["text"] == "back"
