"""The demo chat page in a real headless Chromium, against a real server: answers with sources, markup
from the customer or the knowledge base shown as text and never run, bad input handled on the page, and what a
person does after a handoff shown live."""

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Locator, Page, expect, sync_playwright

from frontdesk.api.app import create_app
from frontdesk.bot import Bot
from frontdesk.config import load_config
from frontdesk.conversation.store import Transition
from frontdesk.events import HandoffQueued
from tests.kb import write_kb

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
CUSTOMER_MARKUP = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
MARKUP_ARTICLE = """---
title: Embed the chat widget
---

# Embed the chat widget

To embed the chat widget on your website, paste this snippet before the closing body tag:

```html
<script>alert(1)</script>
<img src=x onerror="window.__pwned=3">
```
"""
MARKUP_BOT_YAML = """name: markup-bot
knowledge:
  embedder:
    type: hash
  sources:
    - type: directory
      path: ./knowledge
answer:
  threshold: 0.35
"""

AGENT_MARKUP = '<img src=x onerror="window.__pwned=4"><b>Hi</b>, I\'m here <script>window.__pwned=5</script>'
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

expect.set_options(timeout=TIMEOUT_MS)


@dataclass(frozen=True)
class Desk:
    """A served bot whose conversations the test can also reach directly (to queue them, to add agents)."""

    base: str
    bot: Bot


def _chromium() -> str:
    path = "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else shutil.which("chromium")
    if path is None:
        reason = "Chromium is not installed (apt-get install chromium): the chat page tests need /usr/bin/chromium"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (required in CI)")
        pytest.skip(reason)
    return path


@contextmanager
def _serve(bot: Bot) -> Iterator[str]:
    """The app for `bot` served by a real uvicorn on a free loopback port, in a background thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(bot), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="chat-page-server", daemon=True)
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
def _bot(config_path: Path) -> Iterator[Bot]:
    bot = Bot.from_config(load_config(config_path))
    try:
        bot.ingest()
        yield bot
    finally:
        bot.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = _chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The test help center (tests/kb.py)."""
    with _bot(write_kb(tmp_path_factory.mktemp("web"))) as bot, _serve(bot) as base:
        yield base


@pytest.fixture(scope="module")
def markup_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A help center whose one article shows an HTML snippet in a code block."""
    root = tmp_path_factory.mktemp("web-markup")
    article = root / "knowledge" / "widget" / "embed.md"
    article.parent.mkdir(parents=True)
    article.write_text(MARKUP_ARTICLE, encoding="utf-8")
    (root / "bot.yaml").write_text(MARKUP_BOT_YAML, encoding="utf-8")
    with _bot(root / "bot.yaml") as bot, _serve(bot) as base:
        yield base


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    with _bot(write_kb(tmp_path_factory.mktemp("web-desk"))) as bot, _serve(bot) as base:
        yield Desk(base, bot)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page; a JavaScript error or a dialog (alert) on it fails the test."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda message: _console(message, problems))

    def on_dialog(dialog: Dialog) -> None:
        problems.append(f"dialog opened: {dialog.message!r}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield page
    context.close()
    assert problems == []


def _console(message: ConsoleMessage, problems: list[str]) -> None:
    """Console errors, but for the ones Chromium logs for responses the page expects: the API's 4xx answers
    (the page shows them itself) and the favicon the page does not have."""
    url = message.location.get("url", "")
    if message.type != "error" or (
        message.text.startswith("Failed to load resource") and ("/api/" in url or url.endswith("/favicon.ico"))
    ):
        return
    problems.append(f"console error: {message.text} ({url})")


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


def ask(page: Page, text: str) -> Locator:
    """Type `text`, press Send, and return the reply bubble once the reply (or an error) has arrived."""
    before = page.locator("#log > li").count()
    page.fill("#text", text)
    page.click("button[type=submit]")
    reply = page.locator("#log > li").nth(before + 1)
    expect(reply).to_have_class(re.compile(r"^msg (bot|error)$"))
    expect(reply).not_to_have_text("…")
    expect(page.locator("button[type=submit]")).to_be_enabled()
    return reply


def test_a_question_gets_the_answer_with_its_sources_and_the_decision(page: Page, site: str) -> None:
    page.goto(site)
    expect(page).to_have_title("Frontdesk chat")
    reply = ask(page, "how do I reset my password")

    expect(page.locator("#log > li.msg.customer")).to_have_text(["how do I reset my password"])
    expect(reply).to_have_class("msg bot")
    expect(reply).to_have_attribute("data-decision", "answer")
    expect(reply).to_contain_text('Click "Forgot password" on the sign-in page')
    expect(reply).to_contain_text("valid for 60 minutes")
    sources = reply.locator("ol.sources > li")
    expect(sources.first).to_have_text("Reset your password")
    link = sources.first.locator("a")
    expect(link).to_have_attribute("href", re.compile(r"^https://help\.example\.com/"))
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(reply.locator(".meta")).to_have_text(re.compile(r"^answer · confidence (0\.\d\d|1\.00)$"))
    expect(page.locator("#text")).to_have_value("")
    expect(page.locator("#text")).to_be_focused()


def test_markup_typed_by_the_customer_is_shown_as_text_and_never_run(page: Page, site: str) -> None:
    page.goto(site)
    reply = ask(page, CUSTOMER_MARKUP)

    expect(reply).to_have_class("msg bot")
    customer = page.locator("#log > li.msg.customer")
    expect(customer).to_have_count(1)
    assert customer.text_content() == CUSTOMER_MARKUP
    assert page.locator("#log img, #log script").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"


def test_markup_in_a_knowledge_base_answer_is_shown_as_text_and_never_run(page: Page, markup_site: str) -> None:
    page.goto(markup_site)
    reply = ask(page, "how do I embed the chat widget on my website")

    expect(reply).to_have_class("msg bot")
    expect(reply).to_have_attribute("data-decision", "answer")
    expect(reply).to_contain_text("<script>alert(1)</script>")
    expect(reply).to_contain_text('<img src=x onerror="window.__pwned=3">')
    expect(reply.locator("ol.sources > li").first).to_have_text("Embed the chat widget")
    # The text is on screen as text: the visible rendering carries the tags themselves.
    assert "<script>alert(1)</script>" in reply.inner_text()
    assert page.locator("#log script, #log img").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"


def test_an_empty_or_blank_message_sends_nothing(page: Page, site: str) -> None:
    api_requests: list[str] = []
    page.on("request", lambda request: api_requests.append(request.url) if "/api/" in request.url else None)
    page.goto(site)

    page.click("button[type=submit]")  # empty: the browser's own `required` check stops it
    page.fill("#text", "   \t  ")
    page.press("#text", "Enter")  # blank: the page's own check stops it
    page.evaluate("document.getElementById('ask').requestSubmit()")

    expect(page.locator("#log > li")).to_have_count(0)
    assert api_requests == []


def test_a_message_over_the_limit_shows_the_api_error_in_an_error_bubble(page: Page, site: str) -> None:
    conversation = httpx.post(f"{site}/api/conversations", json={}).json()["id"]
    refused = httpx.post(f"{site}/api/conversations/{conversation}/messages", json={"text": "x" * 5000})
    assert refused.status_code == 422
    message = refused.json()["error"]["message"]
    page.goto(site)

    # The input's maxlength stops a person typing this much; a script (or an old browser) does not.
    page.evaluate("document.getElementById('text').value = 'x'.repeat(5000)")
    page.evaluate("document.getElementById('ask').requestSubmit()")

    error = page.locator("#log > li").nth(1)
    expect(error).to_have_class("msg error")
    expect(error).to_have_text(message)
    assert len(page.locator("#log > li.msg.customer").text_content() or "") == 5000
    expect(page.locator("button[type=submit]")).to_be_enabled()

    # The conversation goes on after the error.
    reply = ask(page, "how do I reset my password")
    expect(reply).to_have_class("msg bot")
    expect(reply).to_have_attribute("data-decision", "answer")
    expect(page.locator("#log > li")).to_have_count(4)


def test_what_a_person_does_after_a_handoff_shows_live_once_and_their_notes_never(page: Page, desk: Desk) -> None:
    token = desk.bot.agents.add(desk.bot.config.name, "ana", ["support"])
    conversation, _ = start_conversation(page, desk.base, "I want to talk to a human about my account")
    queue_for_support(desk.bot, conversation)
    waiting = say(page, "Hello? Is anyone there?")
    assert waiting["decision"] == "escalate"  # from here on the page follows the conversation live
    log = page.locator("#log > li")
    agent_url = f"{desk.base}/api/agent/conversations/{conversation}"
    with httpx.Client(base_url=agent_url, headers={"Authorization": f"Bearer {token}"}) as agent:
        agent.post("/claim").raise_for_status()
        expect(page.locator("#log > li.msg.system")).to_have_text(["ana joined the conversation"])

        agent.post("/messages", json={"text": AGENT_MARKUP}).raise_for_status()
        message = page.locator("#log > li.msg.agent")
        expect(message).to_have_count(1)
        expect(message.locator(".who")).to_have_text("ana")
        expect(message).to_contain_text(AGENT_MARKUP)

        # While a person holds the conversation the bot is silent: no empty bubble for its reply.
        before = log.count()
        assert say(page, "Thanks! It is the Acme account")["answer"] == ""
        expect(log).to_have_count(before + 1)
        expect(log.last).to_have_class("msg customer")

        agent.post("/notes", json={"text": "VIP customer, be generous"}).raise_for_status()
        agent.post("/close", json={"outcome": "resolved"}).raise_for_status()

    # Events arrive in order: the close came after the note, so the note was never sent to this page.
    expect(page.locator("#log > li.msg.system")).to_have_text(
        ["ana joined the conversation", "ana closed the conversation"]
    )
    expect(page.locator("#log")).not_to_contain_text("VIP")
    expect(message).to_have_count(1)
    expect(page.locator("#log > li.msg.customer")).to_have_count(3)
    assert message.inner_text().endswith(AGENT_MARKUP)
    assert page.locator("#log img, #log script, #log b").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
