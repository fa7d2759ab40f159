"""Live handoff across real server processes: PostgreSQL LISTEN/NOTIFY, or Redis pub/sub beside SQLite, and a
server restarting while a person holds the conversation."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from frontdesk.bot import Bot
from frontdesk.config import load_config
from frontdesk.conversation.store import Transition
from frontdesk.events import HandoffQueued, MessageReceived
from tests.kb import write_kb

FRONTDESK = Path(sys.executable).with_name("frontdesk")
REDIS_URL = "redis://127.0.0.1:6379/0"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, config: Path, env: dict[str, str]) -> None:
        self.config, self.env = config, env
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = config.parent / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        command = [str(FRONTDESK), "serve", "--config", str(self.config), "--port", str(self.port), "--no-ingest"]
        with self.log.open("ab") as log:  # a file, not a pipe: a chatty server never blocks on a full pipe
            self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("server did not start within 60 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture(params=["postgresql", "sqlite+redis"])
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Bot, Path, dict[str, str]]]:
    config = write_kb(tmp_path)
    env = {**os.environ, "FRONTDESK_DATA_DIR": str(tmp_path / "data"), "OPENBLAS_NUM_THREADS": "1"}
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    else:
        if not redis_available():
            if os.environ.get("CI"):
                pytest.fail(f"Redis is not reachable at {REDIS_URL} (required in CI)")
            pytest.skip(f"Redis is not reachable at {REDIS_URL}")
        url = f"sqlite:///{tmp_path / 'shared.db'}"
        env["FRONTDESK_LIVE_URL"] = REDIS_URL
    env["FRONTDESK_DATABASE_URL"] = url
    bot = Bot.from_config(load_config(config), database_url=url)
    bot.ingest()
    yield bot, config, env
    bot.close()


def held_by_ana(bot: Bot) -> tuple[str, str]:
    token = bot.agents.add(bot.config.name, f"ana-{time.monotonic_ns()}", ["support"])
    record = bot.conversations.create(bot.config.name, {"email": "c@example.com"})
    bot.conversations.append(record.id, [MessageReceived(text="I need a person")])
    bot.conversations.transition(record.id, Transition(("open",), "queued", team="support"), [HandoffQueued(packet={})])
    return record.id, token


def collect(url: str, headers: dict[str, str], found: list[dict[str, Any]], stop: threading.Event) -> None:
    try:
        with httpx.stream("GET", url, headers=headers, timeout=httpx.Timeout(5, read=30)) as response:
            for line in response.iter_lines():
                if line.startswith("data: "):
                    found.append(json.loads(line.removeprefix("data: ")))
                if stop.is_set():
                    return
    except httpx.HTTPError:
        if not stop.is_set():  # the server went away before the test was done with the stream
            found.append({"type": "stream_failed"})


def wait_for(found: list[dict[str, Any]], predicate: Any, seconds: float) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        match = next((item for item in found if predicate(item)), None)
        if match is not None:
            return match
        time.sleep(0.05)
    raise AssertionError(f"not seen within {seconds} s: {found}")


def test_an_agent_on_one_process_reaches_the_customer_on_another_live(
    setup: tuple[Bot, Path, dict[str, str]],
) -> None:
    bot, config, env = setup
    agent_side, customer_side = Server(config, env).start(), Server(config, env).start()
    try:
        conversation, token = held_by_ana(bot)
        headers = {"Authorization": f"Bearer {token}"}
        assert httpx.post(f"{agent_side.url}/api/agent/conversations/{conversation}/claim", headers=headers).is_success
        after = bot.conversations.events(conversation)[-1].seq
        found: list[dict[str, Any]] = []
        stop = threading.Event()
        url = f"{customer_side.url}/api/conversations/{conversation}/stream?after={after}"
        threading.Thread(target=collect, args=(url, {}, found, stop), daemon=True).start()
        time.sleep(0.5)
        sent = time.monotonic()
        httpx.post(
            f"{agent_side.url}/api/agent/conversations/{conversation}/messages", headers=headers, json={"text": "Hi!"}
        ).raise_for_status()
        message = wait_for(found, lambda item: item["type"] == "agent_message", seconds=10)
        # Well under the 15 s keep-alive: the other process was woken by the notification, not by polling.
        assert message["text"] == "Hi!" and time.monotonic() - sent < 5
        stop.set()
    finally:
        agent_side.stop()
        customer_side.stop()


def test_a_restart_while_a_person_holds_the_conversation_loses_and_duplicates_nothing(
    setup: tuple[Bot, Path, dict[str, str]],
) -> None:
    bot, config, env = setup
    first, second = Server(config, env).start(), Server(config, env).start()
    try:
        conversation, token = held_by_ana(bot)
        headers = {"Authorization": f"Bearer {token}"}
        agent_api = f"/api/agent/conversations/{conversation}"
        assert httpx.post(f"{first.url}{agent_api}/claim", headers=headers).is_success
        httpx.post(f"{first.url}{agent_api}/messages", headers=headers, json={"text": "one"}).raise_for_status()
        first.stop()  # the agent's server goes away mid-conversation
        reply = httpx.post(f"{second.url}/api/conversations/{conversation}/messages", json={"text": "still there?"})
        assert reply.json()["reason"] == "with_agent" and reply.json()["answer"] == ""  # the bot stays silent
        first.start()
        httpx.post(f"{first.url}{agent_api}/messages", headers=headers, json={"text": "two"}).raise_for_status()
        events = bot.conversations.events(conversation)
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        spoken = [
            (e.type, e.payload.get("text"))
            for e in events
            if e.type in ("message_received", "agent_message_sent", "reply_sent")
        ]
        assert spoken == [
            ("message_received", "I need a person"),
            ("agent_message_sent", "one"),
            ("message_received", "still there?"),
            ("agent_message_sent", "two"),
        ]
        record = bot.conversations.get(conversation)
        assert record is not None and record.status == "assigned" and record.assignee is not None
    finally:
        first.stop()
        second.stop()
