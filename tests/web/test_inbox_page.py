"""The agents' inbox in a real headless Chromium, against a real server, with the customer's chat page open
beside it: signing in, the queue, claiming, talking with the customer live both ways, internal notes, handing
back, closing, a lost race for a claim, and markup from either side shown as text and never run."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Route, expect

from frontdesk.bot import Bot
from frontdesk.events import MessageReceived
from tests.kb import write_kb
from tests.web.browser import open_bot, queue_for_support, say, serve, start_conversation, watch

TOKEN_KEY = "frontdesk.agentToken"
CUSTOMER_MARKUP = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> my invoice is wrong'
AGENT_MARKUP = '<img src=x onerror="window.__xss=3">Sorry! <script>window.__xss=4</script>'

NewPage = Callable[[], Page]


@dataclass(frozen=True)
class Desk:
    base: str
    bot: Bot
    ana: str  # agents' tokens, both in team "support"
    bob: str


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """The test help center (tests/kb.py) served for real, with two support agents."""
    with open_bot(write_kb(tmp_path_factory.mktemp("inbox"))) as bot, serve(bot) as base:
        ana = bot.agents.add(bot.config.name, "ana", ["support"])
        bob = bot.agents.add(bot.config.name, "bob", ["support"])
        yield Desk(base, bot, ana, bob)


@pytest.fixture
def new_page(browser: Browser) -> Iterator[NewPage]:
    """Fresh pages, each in its own browser context (its own sessionStorage): one per person. A JavaScript
    error or a dialog on any of them fails the test."""
    problems: list[str] = []
    contexts: list[BrowserContext] = []

    def make() -> Page:
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        watch(page, problems)
        return page

    yield make
    for context in contexts:
        context.close()
    assert problems == []


def sign_in(page: Page, desk: Desk, token: str, name: str) -> None:
    page.goto(f"{desk.base}/inbox")
    page.fill("#token", token)
    page.click("#signin button[type=submit]")
    expect(page.locator("#agent")).to_have_text(f"Signed in as {name} (support)")


def queue_item(page: Page, conversation: str) -> Locator:
    return page.locator(f'#queues button.item[data-id="{conversation}"]')


def packet(bot: Bot, conversation: str) -> dict[str, Any]:
    handoffs = bot.conversations.events(conversation, types=["handoff_queued"])
    assert handoffs, "the conversation was never queued"
    found: dict[str, Any] = handoffs[-1].payload["packet"]
    return found


def waiting_for_a_person(customer: Page, desk: Desk, first_message: str) -> str:
    """The customer starts a conversation on the chat page, which ends up in the support queue; the page then
    follows the conversation live."""
    conversation, _ = start_conversation(customer, desk.base, first_message)
    queue_for_support(desk.bot, conversation)
    assert say(customer, "Is anyone there?")["decision"] == "escalate"
    return conversation


def test_an_agent_signs_in_with_a_token_that_never_goes_in_a_url_and_signs_out(new_page: NewPage, desk: Desk) -> None:
    page = new_page()
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.goto(f"{desk.base}/inbox")
    expect(page).to_have_title("Frontdesk inbox")
    expect(page.locator("#workspace")).to_be_hidden()
    expect(page.locator("#token")).to_be_focused()

    page.fill("#token", "fd_not-a-real-token")
    page.press("#token", "Enter")
    expect(page.locator("#error")).to_have_text("unknown or revoked agent token")
    expect(page.locator("#workspace")).to_be_hidden()

    sign_in(page, desk, desk.ana, "ana")
    expect(page.locator("#error")).to_be_hidden()
    expect(page.locator("#queues h2").first).to_contain_text("support")
    assert page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')") == desk.ana
    expect(page.locator("#token")).to_have_value("")

    page.reload()  # the tab keeps its session
    expect(page.locator("#agent")).to_have_text("Signed in as ana (support)")

    page.click("#signout")
    expect(page.locator("#signin")).to_be_visible()
    expect(page.locator("#workspace")).to_be_hidden()
    assert page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')") is None
    assert urls and not [url for url in urls if desk.ana in url or "not-a-real-token" in url]


def test_an_agent_claims_talks_with_the_customer_live_both_ways_and_hands_back(new_page: NewPage, desk: Desk) -> None:
    customer = new_page()
    conversation = waiting_for_a_person(customer, desk, "I want to talk to a human, my email is jo@example.com")
    handoff = packet(desk.bot, conversation)
    reasons = [reason["reason"] for reason in handoff["reasons"]]

    agent = new_page()
    sign_in(agent, desk, desk.ana, "ana")
    item = queue_item(agent, conversation)
    expect(item).to_contain_text("waiting")
    expect(item).to_contain_text(handoff["summary"])
    expect(item).to_contain_text(", ".join(reasons))
    expect(item).to_contain_text(re.compile(r"P\d.*(just now|min ago)"))
    item.click()

    expect(item).to_have_attribute("aria-current", "true")
    expect(agent.locator("#status")).to_have_text(re.compile(r"^queued · team support · priority \d$"))
    expect(agent.locator("#summary")).to_have_text(handoff["summary"])
    expect(agent.locator("#reasons > li strong")).to_have_text(reasons)
    expect(agent.locator("#fields")).to_contain_text("jo@example.com")
    expect(agent.locator("#context")).to_contain_text(re.compile(r"channel\s*web"))
    transcript = agent.locator("#transcript")
    expect(transcript.locator("li.msg.customer .text")).to_have_text(
        ["I want to talk to a human, my email is jo@example.com", "Is anyone there?"]
    )
    expect(transcript.locator("li.msg.bot").first).to_be_visible()
    expect(agent.locator("#reply")).to_be_disabled()
    expect(agent.locator("#handback")).to_be_disabled()

    agent.click("#claim")
    expect(agent.locator("#status")).to_have_text(re.compile(r"^assigned to ana · team support"))
    expect(agent.locator("#claim")).to_be_disabled()
    expect(agent.locator("#reply")).to_be_enabled()
    expect(agent.locator("#reply")).to_be_focused()
    expect(transcript.locator("li.msg.system").last).to_have_text("ana claimed the conversation")
    expect(customer.locator("#log > li.msg.system")).to_have_text(["ana joined the conversation"])

    # The agent writes: the customer's page shows it at once, without a reload.
    agent.fill("#reply", "Hi, I'm Ana from support. What can I do for you?")
    agent.click("#reply-form button[type=submit]")
    expect(agent.locator("#reply")).to_have_value("")
    from_agent = customer.locator("#log > li.msg.agent")
    expect(from_agent).to_have_count(1)
    expect(from_agent.locator(".who")).to_have_text("ana")
    expect(from_agent).to_contain_text("What can I do for you?")

    # The customer writes back: the agent's page shows it at once.
    say(customer, "My invoice shows the wrong company name")
    expect(transcript.locator("li.msg.customer .text").last).to_have_text("My invoice shows the wrong company name")

    # An internal note is marked as such for agents and never reaches the customer.
    agent.fill("#note", "Check their billing profile first")
    agent.press("#note", "Control+Enter")
    note = transcript.locator("li.msg.note")
    expect(note.locator(".who")).to_contain_text("Internal note · ana")
    expect(note.locator(".text")).to_have_text("Check their billing profile first")

    agent.click("#handback")
    expect(agent.locator("#status")).to_have_text(re.compile(r"^open · "))
    expect(agent.locator("#reply")).to_be_disabled()
    expect(customer.locator("#log > li.msg.system").last).to_have_text(
        "ana left the conversation; the assistant will answer again"
    )
    expect(item).to_have_count(0)  # no longer in the queue

    agent.click("#close-not-resolved")
    expect(agent.locator("#status")).to_have_text(re.compile(r"^closed · "))
    expect(transcript.locator("li.msg.system").last).to_have_text("Closed by ana: not resolved")
    expect(customer.locator("#log > li.msg.system").last).to_have_text("ana closed the conversation")

    # The customer's page got everything in order, each thing once, and never the note.
    expect(customer.locator("#log")).not_to_contain_text("billing profile")
    expect(customer.locator("#log > li.msg.customer")).to_have_count(3)
    expect(customer.locator("#log > li.msg.agent")).to_have_count(1)
    expect(customer.locator("#log > li.msg.system")).to_have_count(3)
    # And the agent's page shows each event once, though replies arrive both as the POST answer and live.
    expect(transcript.locator("li.msg.agent")).to_have_count(1)
    expect(transcript.locator("li.msg.note")).to_have_count(1)
    seqs = [int(seq) for seq in transcript.locator("li").evaluate_all("items => items.map(i => i.dataset.seq)")]
    assert seqs == sorted(set(seqs))


def test_claiming_a_conversation_someone_just_took_says_who_has_it(new_page: NewPage, desk: Desk) -> None:
    conversation = desk.bot.engine.start({"channel": "api"}).id
    desk.bot.conversations.append(conversation, [MessageReceived(text="My export to payroll keeps failing")])
    queue_for_support(desk.bot, conversation)
    bob = new_page()
    sign_in(bob, desk, desk.bob, "bob")
    queue_item(bob, conversation).click()
    expect(bob.locator("#claim")).to_be_enabled()

    def ana_is_faster(route: Route) -> None:
        claim = f"{desk.base}/api/agent/conversations/{conversation}/claim"
        httpx.post(claim, headers={"Authorization": f"Bearer {desk.ana}"}).raise_for_status()
        route.continue_()

    bob.route(f"**/api/agent/conversations/{conversation}/claim", ana_is_faster)
    bob.click("#claim")

    expect(bob.locator("#error")).to_have_text("Already claimed by ana.")
    expect(bob.locator("#status")).to_have_text(re.compile(r"^assigned to ana · "))
    expect(bob.locator("#claim")).to_be_disabled()
    expect(bob.locator("#reply")).to_be_disabled()
    expect(bob.locator("#reply-hint")).to_have_text("ana holds this conversation.")
    expect(queue_item(bob, conversation)).to_contain_text("with ana")

    # Another error shows the API's own message: bob cannot hand back what ana holds.
    bob.evaluate("document.getElementById('handback').disabled = false")
    bob.click("#handback")
    expect(bob.locator("#error")).to_have_text("you do not hold this conversation")
    expect(bob.locator("#handback")).to_be_disabled()


def test_markup_from_the_customer_or_the_agent_is_shown_as_text_and_never_run(new_page: NewPage, desk: Desk) -> None:
    customer = new_page()
    conversation = waiting_for_a_person(customer, desk, CUSTOMER_MARKUP)
    agent = new_page()
    sign_in(agent, desk, desk.ana, "ana")

    item = queue_item(agent, conversation)
    expect(item).to_contain_text(CUSTOMER_MARKUP)  # the summary quotes the customer's words
    item.click()
    transcript = agent.locator("#transcript")
    expect(transcript.locator("li.msg.customer .text").first).to_have_text(CUSTOMER_MARKUP)
    expect(agent.locator("#summary")).to_contain_text(CUSTOMER_MARKUP)
    agent.click("#claim")
    agent.fill("#reply", AGENT_MARKUP)
    agent.click("#reply-form button[type=submit]")
    expect(transcript.locator("li.msg.agent .text")).to_have_text(AGENT_MARKUP)
    expect(customer.locator("#log > li.msg.agent")).to_contain_text(AGENT_MARKUP)

    assert agent.locator("#queues img, #queues script, #detail img, #detail script").count() == 0
    assert customer.locator("#log img, #log script").count() == 0
    assert agent.evaluate("typeof window.__xss") == "undefined"
    assert customer.evaluate("typeof window.__xss") == "undefined"
