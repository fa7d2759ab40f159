"""What the browser tests share: the headless Chromium to drive, a bot served for real by uvicorn, a watch for
JavaScript errors and dialogs on a page, and the customer's side of a chat (say, start, get queued)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import ConsoleMessage, Dialog, Page, expect

from frontdesk.api.app import create_app
from frontdesk.bot import Bot
from frontdesk.config import load_config
from frontdesk.conversation.store import Transition
from frontdesk.events import HandoffQueued

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

expect.set_options(timeout=TIMEOUT_MS)


def chromium_path() -> str:
    """The Chromium to drive; without one the test is skipped locally and fails in CI (CI set)."""
    path = "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else shutil.which("chromium")
    if path is None:
        reason = "Chromium is not installed (apt-get install chromium): the browser tests need /usr/bin/chromium"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (required in CI)")
        pytest.skip(reason)
    return path


@contextmanager
def serve(bot: Bot) -> Iterator[str]:
    """The app for `bot` served by a real uvicorn on a free loopback port, in a background thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(bot), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="web-test-server", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or not thread.is_alive():
                pytest.fail(f"the test server did not answer on {base}/healthz")
            time.sleep(0.05)
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
        assert not thread.is_alive(), "the test server did not shut down"


@contextmanager
def open_bot(config_path: Path) -> Iterator[Bot]:
    """The bot configured at `config_path`, its knowledge ingested; closed afterwards."""
    bot = Bot.from_config(load_config(config_path))
    try:
        bot.ingest()
        yield bot
    finally:
        bot.close()


def console(message: ConsoleMessage, problems: list[str]) -> None:
    """Console errors, but for the ones Chromium logs for responses the page expects: the API's 4xx answers
    (the page shows them itself) and the favicon the page does not have."""
    url = message.location.get("url", "")
    if message.type != "error" or (
        message.text.startswith("Failed to load resource") and ("/api/" in url or url.endswith("/favicon.ico"))
    ):
        return
    problems.append(f"console error: {message.text} ({url})")


def watch(page: Page, problems: list[str]) -> None:
    """Give `page` the tests' timeout and note in `problems` any JavaScript error, console error (see `console`)
    or dialog (which is dismissed) on it: the fixtures fail the test if there is any."""
    page.set_default_timeout(TIMEOUT_MS)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda message: console(message, problems))

    def on_dialog(dialog: Dialog) -> None:
        problems.append(f"dialog opened: {dialog.message!r}")
        dialog.dismiss()

    page.on("dialog", on_dialog)


def say(page: Page, text: str) -> dict[str, Any]:
    """Send `text` from the chat page; the API's reply to it, once the page has shown it."""
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/messages")) as answer:
        page.fill("#text", text)
        page.click("button[type=submit]")
    expect(page.locator("button[type=submit]")).to_be_enabled()
    reply: dict[str, Any] = answer.value.json()
    return reply


def start_conversation(page: Page, base: str, text: str) -> tuple[str, dict[str, Any]]:
    """Open the chat page and send the first message: the new conversation's id and the reply."""
    page.goto(base)
    created_url = f"{base}/api/conversations"
    with page.expect_response(lambda r: r.request.method == "POST" and r.url == created_url) as created:
        reply = say(page, text)
    return str(created.value.json()["id"]), reply


def queue_for_support(bot: Bot, conversation_id: str, *, priority: int = 2) -> None:
    """Put the conversation in the support team's queue as an escalation would, unless the bot already did.

    The tests do not depend on how well the escalation detectors judge a message; this stands in for them
    whenever the customer's words did not (yet) escalate."""
    record = bot.conversations.get(conversation_id)
    assert record is not None
    if record.status == "queued":
        return
    said = [
        str(e.payload.get("text", "")) for e in bot.conversations.events(conversation_id, types=["message_received"])
    ]
    reasons = [{"reason": "human_requested", "score": 1.0, "evidence": said[0] if said else ""}]
    emails = EMAIL.findall(" ".join(said))
    packet = {
        "conversation_id": conversation_id,
        "team": "support",
        "priority": priority,
        "reasons": reasons,
        "summary": f"human_requested: “{said[0]}”" if said else "human_requested",
        "fields": {"email": emails[0]} if emails else {},
        "context": record.context,
        "language": "en",
        "transcript": [{"from": "customer", "text": text} for text in said],
        "team_available": True,
    }
    change = Transition(("open", "collecting", "closed"), "queued", team="support", priority=priority)
    assert bot.conversations.transition(conversation_id, change, [HandoffQueued(packet=packet)]) is not None
