"""When the knowledge settles a reason the detector's model saw, and when it must not."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from frontdesk.config import EscalationConfig
from frontdesk.escalation.policy import EscalationPolicy, PastTurn
from frontdesk.escalation.signals import Signal
from frontdesk.testing.fakes import KeywordDetector
from frontdesk.understanding.frustration import Frustration
from frontdesk.understanding.language import Language
from frontdesk.understanding.reader import Understanding
from frontdesk.understanding.sentiment import Sentiment

POLICY = EscalationPolicy(EscalationConfig(), KeywordDetector({}))
ACCOUNT = [Signal("account_specific", 0.97, "model 0.97")]
BUG = [Signal("bug_report", 0.99, "model 0.99")]
RATE_LIMITS = "Requests over the limit get a 429 response with a Retry-After header."


@pytest.mark.parametrize(
    "message",
    [
        "I deleted our workspace by accident yesterday!! is it gone forever",
        "I'm an admin on our account and I want to cancel",
        "how do I change the email on my account",
    ],
)
def test_a_self_service_question_about_ones_account_gets_a_fairly_confident_answer_first(message: str) -> None:
    assert POLICY.answer_first(ACCOUNT, "answered", 0.6, message, "Only the Owner can delete the workspace.")


@pytest.mark.parametrize(
    "message",
    [
        "please remove 2fa from my account, I lost my phone and my backup codes",
        "can you merge my two logins into one",
        "can you please restore the location I deleted",
    ],
)
def test_asking_staff_to_act_on_the_account_hands_off_however_confident_the_answer(message: str) -> None:
    assert not POLICY.answer_first(ACCOUNT, "answered", 0.99, message, "Use a backup code.")
    assert not POLICY.answer_first(ACCOUNT, "faq_match", 0.99, message, "Use a backup code.")


def test_asking_to_be_told_is_not_asking_staff_to_act() -> None:
    assert POLICY.answer_first(ACCOUNT, "answered", 0.6, "can you tell me how I can delete my account", "")


def test_an_account_statement_without_a_question_is_not_settled_below_the_reasons_own_bar() -> None:
    message = "our workspace got moved to the free plan somehow and 6 people can't see their shifts"
    assert not POLICY.answer_first(ACCOUNT, "answered", 0.9, message, "Payments that fail move you to Free.")


def test_an_error_code_the_cited_article_documents_is_answered_first() -> None:
    message = "our integration keeps getting 429 errors from your api"
    assert POLICY.answer_first(BUG, "answered", 0.6, message, RATE_LIMITS)
    assert not POLICY.answer_first(BUG, "answered", 0.6, "the api keeps returning 500", RATE_LIMITS)
    assert not POLICY.answer_first(BUG, "answered", 0.45, message, RATE_LIMITS)  # not confident enough at all


def test_a_quoted_error_message_counts_only_when_the_article_quotes_it() -> None:
    cited = 'If you see "Your account is temporarily locked", wait 15 minutes.'
    assert POLICY.answer_first(BUG, "answered", 0.6, "it keeps saying 'your account is temporarily locked'", cited)
    assert not POLICY.answer_first(BUG, "answered", 0.6, "it keeps saying 'sync failed: code E7'", cited)
    assert not POLICY.answer_first(BUG, "answered", 0.6, "the app can't load and it's slow", cited)


@pytest.mark.parametrize(
    "message",
    [
        "'Copy previous week' copies all the shifts but every break comes through as 0 minutes",
        "approved time off for Jonas 12-16 May but he's still on the schedule",
        "the full export zip only has members.csv in it and nothing else",
    ],
)
def test_a_report_with_particulars_the_article_never_mentions_goes_to_engineering(message: str) -> None:
    cited = "Click Copy previous week to copy every shift. Approved time off is shown in yellow. The export is a zip."
    assert not POLICY.answer_first(BUG, "answered", 0.99, message, cited)


def test_a_generic_symptom_or_particulars_the_article_has_are_answered_first() -> None:
    cited = "If the app shows a grey Offline bar, pull down to refresh. Codes older than 30 seconds are rejected."
    assert POLICY.answer_first(BUG, "answered", 0.9, "the app shows a grey offline bar and won't update", cited)
    assert POLICY.answer_first(BUG, "answered", 0.9, "my codes get rejected after 30 seconds", cited)


LEGAL = [Signal("legal", 0.9, "model 0.9")]
DPA = "The DPA is part of our Terms of Service for every plan; you don't need to sign a separate copy."


@pytest.mark.parametrize(
    "message",
    [
        "is the DPA already part of our contract with you, or do we need to sign one separately?",
        "our legal team wants to know whether the DPA covers sub-processors",
    ],
)
def test_a_question_about_what_the_terms_say_is_answered_first(message: str) -> None:
    assert POLICY.answer_first(LEGAL, "answered", 0.7, message, DPA)


@pytest.mark.parametrize(
    "message",
    [
        "the labour inspectorate wants an official statement on how clock-in times are stored, is there a contact?",
        "under article 15 is there a way to get all my data from you within the statutory month?",
        "please sign our DPA and send it back",
    ],
)
def test_a_formal_request_or_an_authoritys_demand_is_for_the_legal_team(message: str) -> None:
    assert not POLICY.answer_first(LEGAL, "answered", 0.9, message, DPA)


def test_rule_and_context_evidence_are_never_settled_by_an_article() -> None:
    rule = [Signal("account_specific", 1.0, "said 'my account'")]
    assert not POLICY.answer_first(rule, "answered", 0.99, "how do I close my account", "")


def test_asking_for_a_quote_hands_off_to_sales_even_with_a_confident_answer() -> None:
    lead = [Signal("high_value_lead", 0.76, "model 0.76")]
    assert not POLICY.answer_first(lead, "answered", 0.95, "could you send us a quote for enterprise", "")
    assert POLICY.answer_first(lead, "answered", 0.95, "what does enterprise include", "")


def _calm(text: str) -> Understanding:
    return Understanding(
        text, Language("en", 0.99), True, None, Sentiment("neutral", 0.9, 0.05), Frustration(0.0, "none", ())
    )


@pytest.mark.parametrize(
    ("text", "previous", "reply_reason", "escalates"),
    [
        ("what about sage payroll then", PastTurn("answer", "answered", (), 0.55), "low_confidence", True),
        # however sure the answer was, moving past it to an alternative says it was not what they needed
        ("is there fingerprint clock-in then?", PastTurn("answer", "answered", (), 0.95), "low_confidence", True),
        ("hm ok, what about an announcements feed?", PastTurn("answer", "answered", (), 0.95), "out_of_scope", True),
        ("what about sage payroll then", PastTurn("answer", "answered", (), 0.55), "answered", False),  # answered now
        (
            "Right. Is there any group chat in it then, so the team can talk?",
            PastTurn("answer", "answered"),
            "out_of_scope",
            True,
        ),
        ("does it work with sage payroll", PastTurn("answer", "answered", (), 0.95), "low_confidence", False),  # new
    ],
)
def test_moving_past_an_answer_to_another_miss_is_a_repeated_failure(
    text: str, previous: PastTurn, reply_reason: str, escalates: bool
) -> None:
    reasons = POLICY.reasons(text, np.zeros(384, dtype=np.float32), _calm(text), {}, [previous], reply_reason)
    assert ("repeated_failure" in {s.reason for s in reasons}) is escalates


def test_asking_whether_something_is_how_it_works_is_settled_unless_a_charge_is_named() -> None:
    payment = [Signal("payment", 0.95, "model 0.95")]
    cited = "Customers in the EU with a valid VAT ID are invoiced without VAT (reverse charge)."
    question = "we're a german company and there's no VAT on our invoice, is that a mistake?"
    assert POLICY.answer_first(payment, "answered", 0.6, question, cited)
    named = "the summary said $960 but my card was charged $1,920, is that right?"
    assert not POLICY.answer_first(payment, "answered", 0.6, named, cited)


def test_an_instruction_about_ones_own_account_is_shown_how() -> None:
    assert POLICY.answer_first(ACCOUNT, "answered", 0.6, "shut down my account and wipe everything", "")
    assert not POLICY.answer_first(ACCOUNT, "answered", 0.6, "please shut down my account and wipe everything", "")


@pytest.mark.parametrize(
    "message",
    [
        "We've ended up with two locations called 'Main St' and 'Main Street'. Can you merge them into one for us?",
        "we imported 40 people into the wrong location by accident. can you roll back the import?",
        "can you get those shifts back for me?",
        "can you copy our 12 staff from our old workspace into the new one?",
    ],
)
def test_asking_staff_to_act_on_ones_own_workspace_is_account_specific_whatever_the_model_says(message: str) -> None:
    reasons = POLICY.reasons(message, np.zeros(384, dtype=np.float32), _calm(message), {}, [], "answered")
    assert [s.reason for s in reasons] == ["account_specific"]


def test_asking_to_be_told_something_is_not_an_account_matter() -> None:
    message = "can you tell me how I merge two locations?"
    assert POLICY.reasons(message, np.zeros(384, dtype=np.float32), _calm(message), {}, [], "answered") == []


def test_a_malfunction_matched_to_a_how_to_page_goes_to_engineering_but_a_known_issue_is_answered() -> None:
    how_to = "Click Copy previous week to copy every shift of last week into this one, then publish."
    known = "Duplicate shifts: if every shift shows twice, you subscribed to the calendar twice. Remove one."
    message = "copy previous week is creating every shift twice"
    assert not POLICY.answer_first(BUG, "answered", 0.95, message, how_to)
    assert POLICY.answer_first(BUG, "answered", 0.95, "every shift is showing up twice in my calendar", known)


def test_asking_whether_it_is_broken_or_how_it_works_is_answered_first() -> None:
    cited = "Only approved timesheets are included in the export."
    message = "is the payroll export broken or do unapproved hours just not show up in it"
    assert POLICY.answer_first(BUG, "answered", 0.6, message, cited)


def test_asking_staff_to_refund_ones_own_subscription_is_a_payment_matter() -> None:
    message = "please refund our annual pro subscription, we paid 9 days ago and it's just not right for us"
    reasons = POLICY.reasons(message, np.zeros(384, dtype=np.float32), _calm(message), {}, [], "answered")
    assert [s.reason for s in reasons] == ["payment"]


class _Leaning:
    """A detector whose model leans towards one reason with a fixed probability."""

    def __init__(self, reason: str, probability: float) -> None:
        self.reason, self.probability = reason, probability

    def detect(self, text: str, vector: object, **options: object) -> list[Signal]:
        thresholds = options["thresholds"] or {}
        assert isinstance(thresholds, dict)
        limit = thresholds.get(self.reason, 0.9)
        return [Signal(self.reason, self.probability, "model")] if self.probability >= limit else []


@pytest.mark.parametrize(
    ("text", "reply_reason", "fires"),
    [
        ("the holiday balances at our north site all dropped to zero overnight", "low_confidence", True),
        ("the holiday balances at our north site all dropped to zero overnight", "answered", False),
        ("is the app available in spanish?", "low_confidence", False),  # a gap in the knowledge, not a bug
    ],
)
def test_with_no_answer_a_report_that_leans_towards_a_reason_goes_to_its_team(
    text: str, reply_reason: str, fires: bool
) -> None:
    policy = EscalationPolicy(EscalationConfig(), _Leaning("bug_report", 0.6))
    reasons = policy.reasons(text, np.zeros(384, dtype=np.float32), _calm(text), {}, [], reply_reason)
    assert [s.reason for s in reasons] == (["bug_report"] if fires else [])


def test_with_no_answer_a_complaint_that_leans_towards_anger_goes_to_a_person() -> None:
    text = "three weeks of this now. honestly done with the whole thing"
    policy = EscalationPolicy(EscalationConfig(), _Leaning("negative_sentiment", 0.6))
    reasons = policy.reasons(text, np.zeros(384, dtype=np.float32), _calm(text), {}, [], "low_confidence")
    assert [s.reason for s in reasons] == ["negative_sentiment"]
    assert not policy.reasons(text, np.zeros(384, dtype=np.float32), _calm(text), {}, [], "answered")


def test_with_no_answer_a_question_that_leans_towards_asking_for_staff_goes_to_a_person() -> None:
    text = "is there someone i could ring? easier to explain over the phone"
    policy = EscalationPolicy(EscalationConfig(), _Leaning("human_requested", 0.6))
    reasons = policy.reasons(text, np.zeros(384, dtype=np.float32), _calm(text), {}, [], "low_confidence")
    assert [s.reason for s in reasons] == ["human_requested"]


@pytest.mark.parametrize(
    ("previous", "rescued"),
    [
        (PastTurn("clarify", "underspecified"), True),  # the customer has now said what is wrong
        (PastTurn("fallback", "low_confidence"), False),  # a second miss: the conversation's course decides
    ],
)
def test_the_no_answer_rescue_after_a_clarifying_question_but_not_after_a_miss(
    previous: PastTurn, rescued: bool
) -> None:
    text = "the holiday balances at our north site all dropped to zero overnight"
    policy = EscalationPolicy(EscalationConfig(), _Leaning("bug_report", 0.6))
    reasons = policy.reasons(text, np.zeros(384, dtype=np.float32), _calm(text), {}, [previous], "low_confidence")
    assert ("bug_report" in {s.reason for s in reasons}) is rescued


class _Fixed:
    """A detector that returns the same signals whatever the thresholds."""

    def __init__(self, *signals: Signal) -> None:
        self.signals = list(signals)

    def detect(self, text: str, vector: object, **options: object) -> list[Signal]:
        return list(self.signals)


CONTEXT_LEAD = Signal("high_value_lead", 0.9, "context plan=enterprise", from_context=True)


def test_an_enterprise_customers_charge_goes_to_billing_not_sales() -> None:
    text = "we were charged twice for the enterprise renewal, invoice KW-1234"
    config = EscalationConfig(route={"payment": "billing", "high_value_lead": "sales"})
    policy = EscalationPolicy(config, _Fixed(CONTEXT_LEAD, Signal("payment", 0.9, 'said "charged"')))
    reasons = policy.reasons(text, np.zeros(384, dtype=np.float32), _calm(text), {}, [], "answered")
    assert [s.reason for s in reasons] == ["payment"]
    assert policy.route(reasons).team == "billing"


def test_a_lead_the_message_itself_shows_stays_beside_another_reason() -> None:
    text = "we want 400 more seats and the last invoice was wrong"
    lead = Signal("high_value_lead", 0.9, 'said "400 more seats"')
    policy = EscalationPolicy(EscalationConfig(), _Fixed(lead, Signal("payment", 0.9, "model 0.90")))
    reasons = policy.reasons(text, np.zeros(384, dtype=np.float32), _calm(text), {}, [], "answered")
    assert {s.reason for s in reasons} == {"high_value_lead", "payment"}


def test_a_context_lead_does_not_stop_the_no_answer_rescue() -> None:
    text = "the webhook signature timestamp is an hour in the future on every delivery"
    leaning = _Leaning("bug_report", 0.6)

    class _WithContext:
        def detect(self, text: str, vector: object, **options: object) -> list[Signal]:
            return [CONTEXT_LEAD, *leaning.detect(text, vector, **options)]

    policy = EscalationPolicy(EscalationConfig(), _WithContext())
    reasons = policy.reasons(text, np.zeros(384, dtype=np.float32), _calm(text), {}, [], "low_confidence")
    assert [s.reason for s in reasons] == ["bug_report"]


@pytest.mark.parametrize(("probability", "fires"), [(0.6, False), (0.75, True)])
def test_an_off_topic_message_is_rescued_only_from_a_strong_lean(probability: float, fires: bool) -> None:
    text = "write me a python script that sorts a list of names"  # not a bug report, however the model leans
    policy = EscalationPolicy(EscalationConfig(), _Leaning("bug_report", probability))
    reasons = policy.reasons(text, np.zeros(384, dtype=np.float32), _calm(text), {}, [], "out_of_scope")
    assert bool(reasons) is fires


HUMAN = [Signal("human_requested", 0.72, "model 0.72")]
SUPPORT_PAGE = "Contact Kitewire support: live chat and email on every plan; phone support on Enterprise."


def test_a_confidently_answered_question_about_the_support_on_offer_is_answered_first() -> None:
    message = "do we get live chat or phone support on the pro plan?"
    assert POLICY.answer_first(HUMAN, "answered", 0.85, message, SUPPORT_PAGE)
    assert not POLICY.answer_first(HUMAN, "answered", 0.7, message, SUPPORT_PAGE)  # not sure enough
    phrase = [Signal("human_requested", 0.9, 'said "speak to someone"')]
    assert not POLICY.answer_first(phrase, "answered", 0.95, "can i speak to someone about phone support?", "")
    statement = "I'd rather go through our phone support options with a person"
    assert not POLICY.answer_first(HUMAN, "answered", 0.95, statement, SUPPORT_PAGE)


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("Our owner left and nobody can manage billing. We need ownership moved over to me.", "account_specific"),
        ("can you take the 2fa off my account, i lost my phone", "account_specific"),
        ("can you tell me whose login is set as the owner of our workspace?", "account_specific"),
        ("can you switch our billing currency to euros before the renewal", "payment"),
        (
            "a lead deleted our clock-in entry. is there any way you can recover it from your backups?",
            "account_specific",
        ),
        ("we switched down to starter in june. can you fix the last 2 invoices", "payment"),
    ],
)
def test_staff_requests_in_other_words_go_to_the_team_the_request_is_about(message: str, reason: str) -> None:
    reasons = POLICY.reasons(message, np.zeros(384, dtype=np.float32), _calm(message), {}, [], "answered")
    assert [s.reason for s in reasons] == [reason]


@pytest.mark.parametrize(
    "message",
    [
        "what's happening with the ticket I opened on Monday, #48812? haven't heard anything",
        "whats the status on our request to move the workspace to the EU region? ticket ref #58812",
    ],
)
def test_following_up_an_open_case_needs_someone_who_can_see_it(message: str) -> None:
    reasons = POLICY.reasons(message, np.zeros(384, dtype=np.float32), _calm(message), {}, [], "low_confidence")
    assert [s.reason for s in reasons] == ["account_specific"]


@pytest.mark.parametrize(
    "message",
    [
        "one of my staff couldn't clock in 25 mins early, is that a bug or a setting?",
        "the quickbooks connection drops every few months, is that normal or have we set it up wrong",
        "staff trying to clock in 20 min before their shift get blocked by the app. is that a glitch?",
        "one of our drivers got clocked out automatically overnight, why did that happen",
        "staff keep forgetting to clock out after late shifts, what happens then",
    ],
)
def test_asking_whether_or_why_the_product_behaves_so_is_answered_first(message: str) -> None:
    # Whatever particulars it names ("25 mins"): the customer asks how it works, which the article says.
    cited = "Troubleshooting: staff can clock in at most 15 minutes before a shift; forgotten clock-outs are flagged."
    assert POLICY.answer_first(BUG, "answered", 0.6, message, cited)


@pytest.mark.parametrize(
    ("out_of_scope_by", "escalates"),
    [
        ("examples", False),  # "hi", then "write me a poem": off-topic by the owner's examples, no miss to hand on
        ("threshold", True),  # "hi", then an unclear question the knowledge cannot answer: a miss after asking
        (None, True),
    ],
)
def test_only_an_off_topic_request_after_a_hello_is_not_a_miss_after_asking(
    out_of_scope_by: str | None, escalates: bool
) -> None:
    from frontdesk.understanding.intents import Intent

    text = "how do I make a pivot table in google sheets"
    intent = Intent("out_of_scope", 0.9, "reports", (), out_of_scope_by) if out_of_scope_by else None
    understanding = replace(_calm(text), intent=intent)
    reasons = POLICY.reasons(
        text, np.zeros(384, dtype=np.float32), understanding, {}, [PastTurn("clarify", "greeting")], "out_of_scope"
    )
    assert ({s.reason for s in reasons} == {"low_confidence"}) is escalates


@pytest.mark.parametrize(
    ("message", "first"),
    [
        ("we bought the annual plan 2 weeks ago and nobody uses it. is there any kind of refund window?", True),
        ("do you refund monthly plans if we only used it for a week", True),
        ("is there any refund window? we paid $1,920 on invoice KW-60417", False),  # a charge of theirs named
        ("the refund for last month never arrived", False),
    ],
)
def test_a_question_about_the_refund_policy_is_answered_first(message: str, first: bool) -> None:
    payment = [Signal("payment", 0.98, "model 0.98")]
    assert (
        POLICY.answer_first(payment, "answered", 0.7, message, "Annual plans can be refunded within 14 days.") is first
    )


def test_asking_how_long_a_lockout_lasts_is_answered_first() -> None:
    message = "it says my account is temporarily locked, i typed the password wrong. how long till i can get back in?"
    assert POLICY.answer_first(
        ACCOUNT, "answered", 0.6, message, "After 10 failed attempts sign-in is locked for 15 minutes."
    )


def test_a_request_to_hold_off_the_read_only_switch_goes_to_billing() -> None:
    text = (
        "Card expired and the new one arrives Monday. Could you hold off on making our schedules read-only until then?"
    )
    reasons = POLICY.reasons(text, np.zeros(384, dtype=np.float32), _calm(text), {}, [], "answered")
    assert [s.reason for s in reasons] == ["payment"]
