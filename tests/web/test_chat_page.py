"""The demo chat page in a real headless Chromium, against a real server: answers with sources, markup
from the customer or the knowledge base shown as text and never run, bad input handled on the page, and what a
person does after a handoff shown live."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from frontdesk.bot import Bot
from tests.kb import write_kb
from tests.web.browser import open_bot, queue_for_support, say, serve, start_conversation, watch

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


@dataclass(frozen=True)
class Desk:
    """A served bot whose conversations the test can also reach directly (to queue them, to add agents)."""

    base: str
    bot: Bot


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The test help center (tests/kb.py)."""
    with open_bot(write_kb(tmp_path_factory.mktemp("web"))) as bot, serve(bot) as base:
        yield base


@pytest.fixture(scope="module")
def markup_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A help center whose one article shows an HTML snippet in a code block."""
    root = tmp_path_factory.mktemp("web-markup")
    article = root / "knowledge" / "widget" / "embed.md"
    article.parent.mkdir(parents=True)
    article.write_text(MARKUP_ARTICLE, encoding="utf-8")
    (root / "bot.yaml").write_text(MARKUP_BOT_YAML, encoding="utf-8")
    with open_bot(root / "bot.yaml") as bot, serve(bot) as base:
        yield base


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    with open_bot(write_kb(tmp_path_factory.mktemp("web-desk"))) as bot, serve(bot) as base:
        yield Desk(base, bot)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page; a JavaScript error or a dialog (alert) on it fails the test."""
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    watch(page, problems)
    yield page
    context.close()
    assert problems == []


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
