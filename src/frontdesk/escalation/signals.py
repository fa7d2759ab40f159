"""Why a customer message needs a human: the built-in escalation signals.

Seven reasons, each with a stable code (the test-set spec's names). For every reason a one-vs-rest logistic head
reads the message's MiniLM embedding (already computed by the turn) and 20 regex cues. Rules adjust the model:
- a cue phrase that is unambiguous on its own ("chargeback", "my lawyer", "speak to a human", "400 seats" said with
  a buying word) fires its reason without the model, except payment and legal phrases in a how-to question;
- the conversation context (plan, seats, employees, MRR; see LeadRules) fires `high_value_lead` on its own, and a
  business email domain strengthens a message-level lead (but is not one alone); naming a small team weakens it;
- `negative_sentiment` is the model's anger probability scaled by the turn's Sentiment, or high Frustration;
- a how-to question ("how do I...", "what is...") or a positive message ("got my refund, thanks") halves the
  model's account, payment, legal, bug and human scores.
A rule that fires scores RULE_SCORE; otherwise the score is the (adjusted) model probability. A signal fires when
its score reaches the reason's threshold. Prediction given the vector is a few regex searches (over at most
_MAX_READ characters) and one (404 x 7) matrix product: about 0.05 ms for a chat message.

The heads and default thresholds are fitted by `benchmarks/fit_signals.py` (5-fold cross-validation for precision)
on `data/signals.jsonl`, support messages written and labelled for this project, and stored in `data/signals.npz`.
Labelling rules: how-to and policy questions a help center answers carry no reason ("how do I update my card",
"what is your refund policy", "do you have a DPA I can read?"); a request that someone act on the customer's own
account, order, money or contract does ("refund my last charge", "please sign our DPA", "merge my two
workspaces"). Money matters are `payment`, not also `account_specific`; a formal data-subject request is `legal`.
A calm complaint ("my invoice looks wrong") is not `negative_sentiment`; anger is.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from frontdesk.config import BUILTIN_REASONS
from frontdesk.understanding.frustration import Frustration
from frontdesk.understanding.sentiment import Sentiment, file_sha256, shouting_share

__all__ = [
    "CUES",
    "DIMENSION",
    "REASONS",
    "RULE_SCORE",
    "LeadRules",
    "Signal",
    "SignalDetector",
    "cue_phrase",
    "cues",
    "features",
    "file_sha256",
    "training_data_path",
    "weights_path",
]

# The reasons a message shows by itself; `low_confidence` and `repeated_failure` come from the conversation.
REASONS: tuple[str, ...] = tuple(r for r in BUILTIN_REASONS if r not in ("low_confidence", "repeated_failure"))
DIMENSION = 384  # all-MiniLM-L6-v2
RULE_SCORE = 0.9  # the score of a reason fired by a rule: a cue phrase, a context attribute or high frustration
FRUSTRATION_FLOOR = 0.2  # high frustration fires negative_sentiment when the message model gives at least this
DAMPING = 0.5  # a how-to question ("how do I...") or a positive message halves the model's account, payment, legal,
# bug and human scores (each; a phrase that fires alone still does)
# A message is positive enough to damp from this sentiment score: the sentiment model reads a neutral report ("says
# saved but…", "the test notification works fine") as mildly positive.
CLEARLY_POSITIVE = 0.8
SMALL_TEAM_FACTOR = 0.5  # a message naming a team under 50 (and no larger count) halves its lead score
BUSINESS_EMAIL_BOOST = 0.35  # a business email domain closes this share of the gap to 1 of a message-level lead...
BUSINESS_EMAIL_FROM = 0.3  # ...when the model already gives at least this much

Floats = npt.NDArray[np.float32]

_DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Signal:
    reason: str  # one of REASONS
    score: float  # in [0, 1]
    evidence: str  # why, for a human: the phrase, the context attribute, or "model 0.93"
    from_context: bool = False  # fired by the conversation's context (a lead's plan or size), not the words

    def as_dict(self) -> dict[str, object]:
        return {"reason": self.reason, "score": round(self.score, 4), "evidence": self.evidence}


@dataclass(frozen=True)
class LeadRules:
    """When the conversation context alone makes the customer a high-value lead (a bot can override these)."""

    min_seats: int = 50
    min_employees: int = 200
    plans: tuple[str, ...] = ("enterprise",)  # context["plan"] values that count as high value
    min_mrr: float = 2000.0


# ---------------------------------------------------------------------------------------------------------------
# Cues. `_STRONG` phrases fire their reason alone; `_BROAD` words only feed the model. Read on lowercased text
# with curly apostrophes straightened.

_N = r"(?:\d[\d,.]*\s*[km]?\+?|hundreds|thousands)"  # a count: 60, 1,200, 2k, 500+
# Places a customer runs: ten of them make a large customer (see `_quantities`), as fifty people do.
_SITE_UNITS = (
    r"locations?|sites?|stores?|offices?|branch(?:es)?|clinics?|schools?|hospitals|restaurants|franchis\w*|"
    r"warehouses?|care homes|hotels|gyms|venues|shops|cafes|cafés|salons|studios|libraries|pharmacies|practices|depots|"
    r"taprooms|towns|stations|kindergartens|nurseries"
)
_UNITS = (
    r"(?:-?\s*(?:person|people|employees?|staff|users?|seats?|licen[cs]es?|agents?|clinicians|countries|cities|"
    r"vehicles|engineers|team members|students|brands|subsidiaries|clients|units|cards|"
    r"nurses|doctors|drivers|teachers|workers|cleaners|carers|caregivers|volunteers|contractors|technicians|crew|"
    r"stylists|instructors|guards|stewards|lifeguards|tutors|coaches|trainers|therapists|sorters|riders|couriers|"
    r"porters|receptionists|housekeepers|bartenders|dispatchers|paramedics|midwives|pharmacists|dentists|"
    r"hygienists|vets|keepers|operators|educators|"
    r"cashiers|waiters|servers|cooks|chefs|baristas|associates|colleagues|members|temps|pickers|packers|operatives|"
    rf"monthly active users|visits|orders|transactions|emails|api calls|{_SITE_UNITS}))\b"
)
# "1,100 casual staff", "700 housekeeping and f&b staff": up to four describing words between count and unit.
_ADJECTIVE = r"(?:(?!(?:our|the|my|your|their|his|her|its|of|and|or|to|in|on|at|per|a|an|for|from|with)\b)[a-z&-]+\s+)"
_LARGE = re.compile(rf"(?<![\w#£$€.,-])({_N})\s*(?:(?:and\s+)?{_ADJECTIVE}){{0,4}}{_UNITS}")
_SITES = re.compile(rf"\b(?:{_SITE_UNITS})\b")
MANY_SITES = 10  # sites count as a large customer from here; people from 50
_BUYING = re.compile(
    r"\b(?:pric\w*|quote|cost|plan|licen[cs]\w*|buy|purchas\w*|roll(?:ing)?(?: \w+)? out|rollout|contract|discount|"
    r"deal|demo|sales|annual\w*|agreement|onboard\w*|evaluat\w*|standardi[sz]e|whole (?:company|org\w*)|"
    r"enterprise|how much|rates?|come to|budget\w*|pilot\w*|next steps?|scal(?:e|ing) (?:it )?up|tiers?|uptime|"
    r"tender\w*|bid(?:ding)?|acquir\w*|all of them on|everyone on|proposal|offer|"
    r"whole (?:network|chain|group|estate|business|production|operation|organi[sz]ation)|[$£€]\s?\d+k\b|"
    r"rolled out|(?:it|kitewire) in all\b|"
    r"one (?:scheduling )?(?:tool|system|platform) (?:across|for) (?:all|every|the whole)|"
    r"sign(?:ing)?(?! in| out| into| off| up for (?:an? )?(?:account|trial)))\b"
)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")  # splits a message into its sentences and lines
_ASKS_HOW = re.compile(r"\b(?:can|could|do|should) (?:i|we)\b[^.?!]{0,60}\?|\bhow (?:do|can|should|would) (?:i|we)\b")
_DEPLOYING = re.compile(r"\b(?:roll(?:ing)?(?: \w+)? out|rollout|onboard\w*)\b")
# What makes a high-value customer's message a sales matter: they ask about buying, not about a charge, a bug or
# their workspace. "We're on enterprise" says which plan they have, not that they are buying one.
_PURCHASE = re.compile(
    r"\b(?:pric\w*|quote|cost\w*|how much|discount\w*|buy\w*|purchas\w*|licen[cs]\w*|seats?|demo|sales|deal|"
    r"rates?|upgrad\w*|plans?|tiers?|roll(?:ing)?(?: \w+)? out|rollout|enterprise|trial|per (?:user|head|person)|"
    r"annual\w*|(?:can|could) you offer|shortlist\w*|evaluat\w*|compar\w*|tender\w*)\b"
)
_CURRENT_PLAN = re.compile(
    r"\b(?:we'?re|we are|i'?m|as an?|being) (?:on |an? )?(?:the )?enterprise(?: plan| tier| customers?)?\b"
)
_SMALL_TEAM = re.compile(
    r"\b(?:team|company|business|startup|agency|shop) of (?:\d|one|two|three|four|five|six|seven|eight|nine|ten)\b"
    r"|\b(?:solo|sole trader|freelancer|one-person|just me|two of us|small (?:team|business|shop|nonprofit))\b"
)
_STRONG: dict[str, re.Pattern[str]] = {
    "high_value_lead": re.compile(
        r"\benterprise\s+(?:plan|tier|licen[cs]e|agreement|contract|quote|pricing|sales|trial|deal|team)\b"
        r"|\b(?:quote|pricing|price|proposal) for (?:the )?enterprise\b"
        r"|\b(?:procurement|rfp|rfq|vendor (?:security )?(?:assessment|form|onboarding|due diligence))\b"
        r"|\bsecurity (?:questionnaire|review|assessment)\b|\bpurchase order\b"
        r"|\b(?:volume|bulk|multi-site|custom) (?:pricing|discount|licen[cs]\w*)"
        r"|\b(?:buy|purchase|move|moving|upgrade|upgrading|switch|switching)\b[^.?!]{0,40}\b(?:on)?to enterprise\b"
        r"|\bideally enterprise\b|\benterprise on an? (?:annual|yearly|multi-year) (?:contract|plan|deal)\b"
    ),
    "payment": re.compile(
        r"\bcharge-?backs?\b"
        r"|\b(?:charged|billed|debited|collected|taken|deducted|withdrawn|"
        r"took (?:my |our )?(?:money|payment|[$£€]\s?[\d.,]+))\s+"
        r"(?:(?:from|off|out of) (?:our|my|the) (?:\w+ )?(?:account|card)\s+)?(?:me\s+)?(?:twice|two times|2x|double|"
        r"three times|3 times)"
        r"|\bdouble[- ]?(?:charged|billed|charge|billing)\b|\bduplicate (?:charge|payment|transaction)s?\b"
        r"|\b(?:want|need|give me|get|return)\s+(?:my\s+)?(?:money|cash|refund)\s+back\b(?!\s+guarantee)"
        r"|\b(?:want|need|get|give us|give me|return)\s+(?:the|our|my)\s+(?:\w+\s+)?"
        r"(?:money|amount|payment|funds)\s+back\b"
        r"|\brefund (?:me|it|my (?:last|latest|money|payment|charge|order|subscription))\b|\bi want a refund\b"
        r"|\b(?:can|could|would) you (?:please |kindly )?refund\b|\bplease refund\b"
        # a charge nobody here made: "a $286 charge on the company card and nobody upgraded anything. what is it for?"
        r"|\bcharge\b[^?!]{0,80}\bwhat(?:'s| is| was) (?:it|this|that|the extra|the difference) for\b"
        r"|\bcharge\b[^?!]{0,80}\bwhat (?:it|this|that)(?:'s| is| was) for\b"
        r"|\bshould (?:only )?(?:come to|be|have been) [$£€]\s?\d"
        r"|\b(?:credit|refund) (?:us|me) (?:for )?the (?:difference|overpayment|extra)\b"
        r"|\bshows no credit\b|\bno credit (?:at all|was applied|has been applied)\b"
        r"|\b(?:card|payment|transaction|purchase|top.?up|visa|mastercard|amex|paypal|debit)s?\b[^.?!]{0,40}"
        r"\b(?:was |got |has |have |keeps? (?:getting|being) |been |is being )*(?:declined|rejected|bounced|refused)\b"
        r"|\b(?:card|payment|debit)s? (?:has |have )?(?:declined|rejected|bounced)\b"
        # "this month's invoice is $640 but it should be $400. why were we charged more?"
        r"|\bwhy (?:were|was|have|has|did) (?:we|i|you)\b[^.?!]{0,20}\b(?:charged|billed|debited|invoiced|charge)\b"
        r"|\bunauthori[sz]ed (?:charge|payment|transaction|debit)s?\b|\boverbilled\b|\bovercharged\b"
        r"|\b(?:charge|payment|transaction|debit|amount)s?\b[^.?!]{0,40}"
        r"\b(?:don'?t|do not|didn'?t|can'?t) recogni[sz]e\b"
        r"|\b(?:don'?t|do not|didn'?t|can'?t) recogni[sz]e (?:this|the|that|a|these) "
        r"(?:charge|payment|transaction|debit)"
        r"|\bmoney (?:has |have |was |already )*(?:left|gone from|"
        r"been taken from|come out of|came out of) (?:my|our|the) (?:\w+ )?(?:account|card|bank)"
        r"|\b(?:want|need|get) (?:the|our|my) (?:difference|overpayment|excess|extra)(?: \w+)? back\b"
        r"|\b(?:didn't|did not|never) (?:authori[sz]e|agree to|approve|make) (?:this|that|the|a|any) "
        r"(?:payment|charge|purchase|transaction)"
        # a payment made but not recorded: "sent a bank transfer 3 weeks ago and it still shows as unpaid"
        r"|\b(?:still |now )?(?:shows?|showing|marked|says|listed)(?: as| it's| it is)? (?:unpaid|overdue|outstanding|"
        r"past due)\b"
        # "I'd like a credit for the difference", "please issue us a refund"
        r"|\b(?:i'?d|i would|we'?d|we would) like (?:a |an |our |the )?(?:credit|refund|reimbursement)\b"
        r"|\b(?:issue|give|send|process) (?:us|me) (?:a |an |the )?(?:credit|refund|reimbursement)\b"
    ),
    "legal": re.compile(
        # "our lawyer wants to know if…" asks what the terms say; the model and the knowledge decide that one
        r"\b(?:my|our) (?:lawyers?|attorneys?|solicitors?|legal (?:team|counsel|department)|counsel)\b"
        r"(?!\s+(?:wants? to know|would like to know|needs? to know|wanted to know|asked|asks|is asking)\b)"
        r"|\b(?:subpoena|lawsuit|cease and desist|small claims|class action|legal action|legal hold|dmca)\b"
        r"|\b(?:i(?:'ll| will| am going to|'m going to| intend to)|going to|gonna) sue\b|\bsue (?:you|your)\b"
        r"|\b(?:see you in|tak(?:e|ing) (?:you|us|this|it|them) to|go(?:ing)? to) court\b|\bcourt order\b|\btribunal\b"
        r"|\b(?:article|art\.?) ?(?:15|17)\b|\b(?:exercis|invok)\w* (?:our|my|the|their) (?:[\w-]+ ){0,2}rights?\b"
        r"|\b(?:opened|launched|started|begun|begin|open) an? (?:formal )?(?:inquiry|enquiry|investigation)\b"
        r"|\bdata subject (?:access )?request\b|\bdsar\b|\bright to be forgotten\b"
        r"|\blaw enforcement\b|\b(?:sergeant|detective|constable|garda|gendarmerie|sheriff'?s?)\b"
        r"|\bpolice (?:station|department|force|officer|investigation|inquiry|request)\b"
        r"|\b(?:we are|we're|i am|i'm) investigating\b"
        r"|\bwarrant\b|\bombudsman\b|\btrading standards\b|\battorney general\b"
        r"|\bbreach of contract\b|\b(?:i'm|i am) (?:a |an )?(?:lawyer|attorney|solicitor)\b"
        r"|\brepresent(?:ing)? (?:a|an|my|our) (?:client|worker|employee|former)\b"
        r"|\b(?:labou?r|employment|district|county|high|supreme|family|small claims) court\b"
        r"|\b(?:counter-?)?sign (?:our|the|your) (?:own )?(?:dpa|data processing|data sharing|baa|nda)"
        r"|\b(?:want|wants|need|needs|require|requires|ask|asking) (?:you|kitewire|your company|your team) "
        r"to (?:counter-?)?sign\b"
        r"|\bcounter-?sign\b|\bwet.ink\b"
        r"|\bsign (?:our|the) (?:own )?(?:version|template|copy|contract|agreement)\b"
        r"|\b(?:dpo|data protection officer|legal team|lawyers?|counsel) (?:to )?sign\b"
        r"|\b(?:that's|thats|it's|this is) (?:illegal|unlawful)\b"
        r"|\b(?:fil(?:e|ing)|lodg(?:e|ing)|submit(?:ting)?) (?:a |an )?(?:formal )?complaint (?:with|to|against)\b"
        r"|\breport(?:ing)? (?:you|kitewire|this|it|them) to (?:the )?(?:authorities|regulator|ico|ftc|police)\b"
        r"|\bdata protection (?:authority|regulator|commissioner|commission|board|agency|office)\b"
        # a breach reported or a formal demand: "formal notice", "our data was exposed", "your incident report"
        r"|\bformal (?:notice|demand|request|letter)\b|\b(?:data|security) (?:breach|leak|incident)\b"
        r"|\bpersonal data\b[^.?!]{0,40}\b(?:exposed|leaked|breached|compromised|stolen)\b|\bincident report\b"
        r"|\b(?:labou?r|employment|tax|health and safety|work(?:place|ing)? ?(?:safety)?) (?:inspectorate|inspectors?|"
        r"authority|authorities)\b|\bofficial statement\b|\bregulators?\b"
    ),
    "human_requested": re.compile(
        r"\b(?:speak|talk|chat|get|put|pass|transfer|connect|hand)\s+(?:me\s+)?(?:over\s+)?(?:to|with|through to)?\s*"
        r"(?:a |an |the |some |your |one of your |a real |an actual |someone from |someone in )?(?:human|person|agent|"
        r"someone|somebody|manager|supervisor|representative|rep|operator|advisor|staff|member of staff|engineer|"
        r"real person|customer services?|customer care|help ?desk|support|billing|sales|account (?:executive|manager)|"
        r"(?:support |sales |billing )?team)\b(?! to (?:cover|swap|take|work|pick|fill|do)\b)"
        r"|\bwith (?:one of your|someone (?:from|on|in) your|a member of your) (?:[\w-]+ ){0,2}(?:team|staff|people|"
        r"colleagues)\b"
        r"|\b(?:someone|somebody|anyone|anybody|a person|a human)\b[^.?!]{0,30}\b(?:speak|talk|chat)(?:ing)? "
        r"(?:to|with)\b"
        r"|\b(?:someone|somebody|anyone|anybody)\b[^.?!]{0,20}\b(?:could|can|to) (?:ring|call|phone)\b"
        r"|\b(?:speak|talk|chat|go through|deal)(?:ing)?(?: it| this)?(?: through| over)? (?:to|with) "
        r"(?:someone|somebody|a person|a human|an? (?:real|actual) (?:person|human))\b|\bput me through\b"
        r"|\b(?:real|actual|live)\s+(?:person|human|agent|people)\b|\bhuman\W{0,3}(?:being|agent|please|now)\b"
        r"|^\W*(?:human|agent|operator|representative|rep|person|real person)\W*(?:please|pls|now)?\W*$"
        r"|\b(?:i want|i need|i'd like|get|a) (?:a |an )?(?:real |actual )?(?:person|human) (?:to|please|on)\b"
        r"|\b(?:have|get|ask) (?:someone|somebody|a person|a colleague)\b[^.?!]{0,30}\b(?:call|contact|email|ring|"
        r"reach|phone)\b|\b(?:book|get on|set up|schedule|arrange) an? (?:\w+ ){0,2}(?:call|meeting)\b"
        r"|\b(?:not|don't want to) (?:talk|speak|chat) (?:to|with) (?:a |the )?(?:robot|bot|machine)\b"
        r"|\b(?:call|ring|phone) me(?: back)?\b(?! through)|\bcall ?back\b(?! url| through)"
        r"|\bgive (?:me|us) a (?:ring|call|bell)\b|\bring ?back\b"
        r"|\bis there (?:a|an|any) (?:human|person|real person|actual person)\b"
        r"|\b(?:anyone|anybody|someone|somebody) real\b|\bis (?:this|it) (?:all )?(?:automated|a bot|a robot)\b"
        r"|\b(?:a|any) (?:phone )?number (?:i|we) can (?:ring|call)\b"
        r"|\b(?:rather|prefer to|easier to) (?:explain|talk|discuss|go through)\b[^.?!]{0,30}\b(?:phone|call)\b"
        r"|\b(?:explain|describe) (?:it|this|that) to (?:someone|somebody|a person|a human)\b"
        r"|\bconnect me\W*$|\b(?:instead of|rather than) (?:this|the|a|an|your) (?:assistant|bot|chat ?bot|ai|robot)\b"
    ),
}
_BROAD: dict[str, re.Pattern[str]] = {
    "high_value_lead": re.compile(r"\b(?:enterprise|sla|soc ?2|sso|saml|seats|licen[cs]es|quote|company|org\w*)\b"),
    "negative_sentiment": re.compile(
        r"\b(?:useless|ridiculous|unacceptable|disgrace\w*|disgusting|pathetic|furious|livid|angry|fed up|"
        r"sick of|(?:is a|was a|what a|such a|absolute|complete|total|bad) joke|"
        r"worst|terrible|awful|appalling|shocking|outrageous|incompetent|nightmare|waste of|hate|"
        r"scam|thieves|ashamed|wtf|ffs|bloody|hell|annoying|frustrat\w*|never again|had it|done with|kidding|stupid|"
        r"idiots?|morons?|clowns?|crap|shit\w*|f+u+c+k\w*|damn|bullshit|rubbish|garbage|disappoint\w*|let down|"
        r"not impressed|(?:so|too|overly|needlessly|ridiculously) complicated|overcomplicated|fuming|seething|"
        r"my arse|my ass|having a laugh|taking the piss|laughable|end of my tether|wits'? end|supposed to save|"
        r"gone downhill|shopping around|slow clap|love how you|(?:we'll|we will) be gone|nobody (?:\w+ ){0,3}likes|"
        r"very unhappy|dreadful|most confusing|throw (?:my|the) (?:laptop|phone|computer|tablet)|dumber than|"
        r"(?:won't|will not|not going to|don't|do not) (?:be )?renew\w*|"
        r"looking (?:at|for) (?:alternatives|other (?:tools|options|providers|software)))\b"
        # giving up, exasperation with the bot, sarcasm
        r"|\b(?:give up|giving up|gave up|forget it|(?:i'm|im|i am) (?:so )?(?:done|finished|over (?:it|this))|so done|"
        r"had enough|thanks for (?:absolutely )?nothing|not what i (?:asked|said|meant)|are you (?:even|actually) "
        r"(?:reading|listening)|how hard is (?:it|that|this)|said no one|broken record|"
        r"(?:round|going|go) (?:round )?in circles|what's the point|pointless|regret|obviously|love that for|"
        r"just what i needed|(?:oh|wow|yeah)\W{1,3}"
        r"(?:great|wonderful|perfect|fantastic|brilliant|sure|thanks)|not even (?:going to|gonna) bother|whatever)\b"
    ),
    "account_specific": re.compile(
        r"\bmy (?:account|order|workspace|profile|subscription|data|parcel|package|delivery|card|booking|"
        r"username|email|listing|documents?|verification)\b"
        r"|\border\s*#?\s*[a-z]?-?\d{3,}|#\s?[a-z]?-?\d{3,}"
        r"|\b(?:suspended|locked|banned|deactivated|restricted|hacked|frozen|flagged|closed)\b"
    ),
    "payment": re.compile(
        r"\b(?:charg\w*|refund\w*|bill(?:ed|ing)?|invoic\w*|payments?|paid|money|debit\w*|transactions?|"
        r"declined|fee|top.?up|transfer)\b|[$£€]\s?\d"
    ),
    "legal": re.compile(
        r"\b(?:legal|lawyers?|attorneys?|solicitors?|gdpr|ccpa|dpa|contract|clause|court|police|law|breach|"
        r"compliance|rights?|personal data|regulator|sue|msa|nda|baa|copyright|trademark|defamation)\b"
    ),
    "bug_report": re.compile(
        r"\b(?:error|errors|crash\w*|bug|broken|blank|freez\w*|stuck|spins?|spinning|not (?:working|loading)|"
        r"doesn't work|won't|doesn't|isn't|stopped|fails?|failed|wrong|missing|404|500|502|503|timing out|lag\w*)\b"
        # signs it is broken although the customer did it right: "even though", "since the update", "reinstalled"
        r"|\b(?:even though|despite|every (?:single )?time|no matter|"
        r"since (?:the|your|yesterday|this morning|today|last)|"
        r"after (?:the|today's|yesterday's|your|the latest|the last) (?:\w+ )?"
        r"(?:update|upgrade|release|maintenance|outage)|"
        r"corrupt\w*|reinstall\w*|clear(?:ed)? (?:the |my )?cache|tried (?:on|another|a different|two|both)|"
        r"worked fine|used to work|0 ?kb|garbled|white screen|throws?|internal server|"
        # the wrong thing shown or done: "keeps giving back the same page", "shows leave one day early"
        r"loops?|forever|(?:keeps?|kept) (?:giving|returning|showing|sending|coming)|"
        r"(?:one|an?) (?:day|hour|week) (?:early|late|later|earlier|off|behind|ahead)|instead of|(?:reload|refresh)\w*|"
        r"only (?:has|have|shows?|showing|lists?|exports?|includes?) \d+|"
        r"nothing (?:happens|opens|loads|shows|appears)|nobody (?:touched|changed|edited)|went negative|"
        r"(?:does|do|doing) nothing|"
        r"started (?:after|when|since)|only (?:\w+ ){0,4}the first (?:\d+|page|few|one)|"
        # works on one platform and not the other; something done twice
        r"(?:on|in) (?:android|iphone|ios|chrome|safari|firefox|edge|the web|the app|desktop) it works|"
        r"works (?:fine |ok |perfectly )?(?:on|in) (?:android|iphone|ios|chrome|safari|firefox|edge|the web|desktop)|"
        r"(?:lists?|listed|shows?|counts?|counted|creat\w*|sends?|sent|exports?|exported|appears?) [^.?!]{0,30}twice|"
        r"(?:says?|said|shows?) (?:it'?s )?(?:saved|done|sent|approved|successful)|"
        r"(?:the )?wrong (?:person|day|date|time|number|amount|total)|nothing else)\b"
    ),
    "human_requested": re.compile(r"\b(?:human|person|agent|someone|somebody|manager|call|phone|team|people)\b"),
}
# Words before the question that change nothing: "roughly how long…", "quick question, is there…"
_LEAD_IN = (
    r"^\W*(?:(?:hi|hey|hello|so|ok(?:ay)?|also|and|btw|quick q(?:uestion)?|just (?:wondering|curious)|roughly|"
    r"out of interest|curious)\b\W*)*"
)
_HOW_TO_QUESTION = re.compile(  # a question a help center answers; not "where is my order?" nor "can I get a refund?"
    rf"{_LEAD_IN}(?:how (?:do|can|to|does|should|would|long|much|many|often|is|are)|where (?:do|can|should)|"
    r"is there|are there|which|do you|does (?:the|it|your)|is (?:it(?! possible for you)|your)|are you(?! able to)|"
    r"when (?:do|does|will|is|are) (?:you|i|the)|"
    r"what(?:'?s)?(?!(?:'?s| is| was| are| happened to| about)? (?:the status of |going on with )?my\b))\b"
    r"|^\W*(?:can|could) (?:i|we) (?:(?:call|phone|ring|email|e-mail|text|message|contact|reach) (?:you|your|support)|"
    r"give you(?: guys)? a (?:call|ring))\b"
    r"|\bwhy (?:can't|cannot|can not|don't|do not) (?:i|we) (?:see|find) (?:a|an|the|any)\b"
    r"|\bwhy is there no\b"
    # a hypothetical: "if we cancel now, do we get money back?" asks for the policy, not for a refund
    # ("before we commit - if it turns out not to suit us, can we get our money back?")
    r"|(?:^\W*|[-–,;:.!?]\s*)(?:if|once|after) (?:i|we|it|they|our|my|the)\b[^.!?]{0,120}\b"
    r"(?:do|does|will|would|can|could|is|are) "
    r"(?:i|we|you|it|they|there)\b"
    # relaying someone else's question: "my boss wants to know if...", "HR asked me to check whether..."
    r"|\b(?:boss|manager|supervisor|owner|director|ceo|cto|cfo|coo|lead|hr|it (?:guy|team|person)|accountant|"
    r"bookkeeper|principal|head office)\b[^.?!]{0,25}?\b(?:wants|would like|wanted|asked|is asking|wondered|"
    r"was wondering|told me)(?: me)?(?: to)?(?: know| find out| check| ask| see)? (?:if|whether|how|what|which|where)\b"
)
_HOWTO = re.compile(
    rf"{_HOW_TO_QUESTION.pattern}|^\W*(?:can|could|should|will) i\b|\bhow (?:do|can|to|does) (?:i|we)\b"
)
_REFERENCE = re.compile(r"#\s?[a-z]?-?\d{3,}|\b[a-z]{1,4}-?\d{3,}\b|\b\d{5,}\b|\b[a-z]{1,3}\d[a-z\d]{2,}\b")
_ACTIONS = (  # what staff can do to a customer's account
    r"(?:change|update|delete|remove|cancel|close|merge|"
    r"combine|transfer|move|copy|import|duplicate|restore|recover|reset|unlock|unblock|reactivate|reopen|reinstate|"
    r"extend|add|check|look|"
    r"confirm|send|resend|swap|split|disable|enable|reissue|give|make|refund|undo|undelete|reverse|revert|roll back|"
    r"take (?:[\w']+ ){0,3}off|bring (?:[\w']+ ){0,2}back|get (?:[\w']+ ){0,3}back|"
    r"re-?run|retry|re-?try|re-?charge|re-?process|take (?:the |our |a )?payment|"
    r"unlink|separate|find out|tell (?:me|us) (?:who|which|when|why)|"
    r"let me know (?:who|which|when|why)|pull up|look up|dig out|go into|log into|see (?:who|which|when)|"
    r"pull (?:a |the )?(?:list|report|export)|hold off|pause|postpone|kill|revoke|invalidate|see (?:whether|if))"
)
_ASKS_TO_ACT = re.compile(  # "can you merge...", "please change...": someone must act on the customer's behalf
    r"\b(?:can you|could you|can u|could u|please|pls|plz|i need you to|would you|kindly|are you able to|"
    r"(?:can|could|would) (?:your|the) (?:team|support|staff|engineers?)|"
    rf"possible for you to|chance you could)\b[^.?!]{{0,20}}\b{_ACTIONS}\b"
    r"|\b(?:would|do) you mind \w+ing\b"
)
_TELL_ME_HOW = re.compile(
    r"\b(?:can|could|would) (?:you|u) (?:please )?(?:tell|show|explain to) (?:me|us) how\b(?! many| much| long| often)"
)
_WHY_MY = re.compile(r"\bwhy (?:was|is|has|have|did|were|are|does|can't|won't|isn't|hasn't) (?:my|our|i)\b")

_TOKEN = re.compile(r"[^\W_]+")
_MAX_READ = 1500  # characters the cues read: the first 1000 and the last 500 of a longer message
# Annoyance the customer plays down ("slightly annoying but…", "bit of a pain"): a complaint to answer, not anger;
# and asking the bot for a joke or a poem, which the embedding model finds close to "what a joke".
_HEDGED = re.compile(
    r"\b(?:slightly|(?:a )?(?:little )?bit(?: of)?|a little|a tad|kind of|kinda|somewhat|mildly|a touch|minor)\s+"
    r"(?:an? )?(?:annoy\w*|frustrat\w*|irritat\w*|inconvenien\w*|confus\w*|pain|nuisance|hassle|niggle|"
    r"strict|odd|weird|fiddly)\b"
    r"|^\W*(?:(?:can|could|would) you |please )?(?:tell|give|write|make up|sing) (?:me |us )?(?:a |an |another )?"
    r"(?:\w+ )?(?:joke|poem|story|riddle|song|limerick)\b"
)
# Praise that means the opposite ("wow, thanks so much for burying the publish button", "oh great, another update"):
# the sentiment model reads it as positive, which must not halve what the anger model sees.
_SARCASM = re.compile(
    r"\b(?:oh|yeah)\W{1,3}(?:great|wonderful|perfect|fantastic|brilliant|lovely|amazing)\b"
    r"|\bthanks? (?:you )?(?:so much|ever so much|a lot|a bunch) for\b[^.!?]{0,40}\b(?:burying|breaking|hiding|moving|"
    r"removing|another|nothing|wasting)\b|\b(?:really|just) love (?:hunting|having|waiting|spending|getting|being)\b"
    r"|\btop.notch\b|\bjust what i needed\b|\blove that for\b|\bsaid no one\b|\bslow clap\b"
    r"|\b(?:brilliant|great|fantastic|wonderful) stuff\W{1,3}(?:truly|really|honestly)\b"
    r"|\blove how (?:you|your|they|it)\b"
    r"|\bwow\W{1,3}(?:great|fantastic|brilliant|amazing|wonderful)\W{1,3}(?:another|more|so|now)\b"
    r"|\bgreat job\W{1,3}(?:guys|team|everyone|folks)\W{1,3}really\b|\b(?:stellar|impressive|great) (?:stuff|work)\W*$"
)
SARCASM_AGREES = 0.5  # sarcasm counts as half-agreeing with the anger model, whatever the sentiment model says
_NOT_IN_QUESTIONS = frozenset({"payment", "legal"})  # their phrases do not fire alone in a how-to question
_DAMPED = frozenset({"account_specific", "payment", "legal", "bug_report", "human_requested"})

CUES: tuple[str, ...] = (
    *(f"{reason}_strong" for reason in REASONS if reason in _STRONG),
    *(f"{reason}_word" for reason in REASONS if reason in _BROAD),
    "large_quantity",
    "small_quantity",
    "shouting",
    "exclamations",
    "how_to",
    "asks_to_act",
    "why_my",
    "question",
    "reference",
)


def _normalise(text: str) -> str:
    return text.lower().replace("’", "'")


@dataclass(frozen=True)
class _Reading:
    """What the regex cues see in one message, computed once per message."""

    phrases: dict[str, str]  # reason -> the phrase that fires it alone
    how_to: bool  # a how-to question a help center answers
    small_team: bool  # names a team under 50 and no larger count
    purchase: bool  # asks about buying (see _PURCHASE): a high-value context makes it a lead
    hedged: bool  # plays its annoyance down (see _HEDGED)
    sarcastic: bool  # praise that means the opposite (see _SARCASM)
    row: Floats  # the cues, in CUES order


def _quantities(lower: str, buying_text: str) -> tuple[str | None, bool]:
    """The first "<count> <seats/users/staff/...>" phrase with a count of 50 or more (10 or more sites: "22
    restaurants", "35 warehouses") said with a buying word, and whether the message names a count under that
    ("a team of 8", "12 people"). `buying_text` is the message as `_buying_text` reads it."""
    large, small = None, bool(_SMALL_TEAM.search(lower))
    buying = _BUYING.search(buying_text) is not None
    for match in _LARGE.finditer(lower):
        count = _number(match.group(1))
        enough = MANY_SITES if _SITES.search(match.group(0)) else 50
        if match.group(1) in ("hundreds", "thousands") or (count is not None and count >= enough):
            large = large or (match.group(0).strip() if buying else None)
        elif count is not None:
            small = True
    return large, small


def _buying_text(lower: str) -> str:
    """The message as the buying words read it: "we're on enterprise" is not buying, and in a message that asks
    how to do something, rolling out is setting up ("preparing the rollout for 600 users, what do we need before
    configuring SAML?" asks the help center)."""
    said = _CURRENT_PLAN.sub(" ", lower)
    asks_how = _ASKS_HOW.search(lower) is not None or any(_HOWTO.search(part) for part in SENTENCE_END.split(lower))
    return _DEPLOYING.sub(" ", said) if asks_how else said


def _read(text: str) -> _Reading:
    if len(text) > _MAX_READ:  # MiniLM reads the first ~1000 characters; the end often holds the request
        text = f"{text[: _MAX_READ - 500]}\n{text[-500:]}"
    lower = _normalise(text)
    how_to = _HOW_TO_QUESTION.search(lower) is not None
    buying_text = _buying_text(lower)
    large, small = _quantities(lower, buying_text)
    phrases = {"high_value_lead": large} if large else {}
    for reason, pattern in _STRONG.items():
        if reason in phrases or (how_to and reason in _NOT_IN_QUESTIONS):
            continue  # "what is a chargeback?", "what's your policy on law enforcement requests?": the model decides
        match = pattern.search(lower)
        if match:
            phrases[reason] = match.group(0).strip()
    row = [
        *(1.0 if reason in phrases else 0.0 for reason in REASONS if reason in _STRONG),
        *(1.0 if _BROAD[reason].search(lower) else 0.0 for reason in REASONS if reason in _BROAD),
        1.0 if large else 0.0,
        1.0 if small and not large else 0.0,
        shouting_share(_TOKEN.findall(text)),
        1.0 if text.count("!") >= 2 or "?!" in text or "!?" in text else 0.0,
        1.0 if _HOWTO.search(lower) else 0.0,
        1.0 if _ASKS_TO_ACT.search(lower) else 0.0,
        1.0 if _WHY_MY.search(lower) else 0.0,
        1.0 if "?" in text else 0.0,
        1.0 if _REFERENCE.search(lower) else 0.0,
    ]
    purchase = _PURCHASE.search(buying_text) is not None
    hedged = _HEDGED.search(lower) is not None
    sarcastic = _SARCASM.search(lower) is not None
    return _Reading(phrases, how_to, small and not large, purchase, hedged, sarcastic, np.array(row, dtype=np.float32))


def cue_phrase(reason: str, text: str) -> str | None:
    """The phrase that fires `reason` on its own in this message, if any."""
    return _read(text).phrases.get(reason)


def plays_down(text: str) -> bool:
    """The customer plays their annoyance down ("slightly annoying but…")."""
    return _HEDGED.search(_normalise(text)) is not None


# Asking for staff to act in other words than the cue's: "we need ownership moved over to me", "can you take the
# 2fa off my account", "can you tell me whose login owns it". Kept out of the model's cue (it was fitted without).
_STAFF_ACTION = re.compile(
    r"(?:\b(?:we|i) |(?:^|[.!?]\s*))(?:need|want|would like|'d like)\s+(?:[\w']+\s+){1,3}(?:moved|transferred|"
    r"switched|merged|extended|reactivated|refunded|reversed|taken off|handed over|corrected|fixed|sorted)\b"
    r"|\bcan (?:that|this|it|the charge|the payment) be (?:reversed|refunded|undone|cancelled|credited|removed)\b"
    r"|\b(?:can|could|would) (?:you|u)\b[^.?!]{0,20}\b(?:switch|take (?:[\w']+ ){0,3}off|tell me whose|"
    r"tell me how many|fix|correct|amend|adjust|sort out|waive|credit|collect|charge (?:it|us|me) again)\b"
    # only staff can look this up: "who is the owner of our workspace?", "which email is our owner using?"
    r"|\bwho (?:is|are) (?:the )?(?:owners?|admins?|administrators?)\b[^.?!]{0,15}\b(?:our|my)\b"
    r"|\bwhich (?:email|e-mail|address|login)\b[^.?!]{0,30}\b(?:owner|admin)\w*\b[^.?!]{0,20}\b(?:our|my)\b"
    # "is there any way you can recover it", "wondering if you could restore them"
    rf"|\b(?:way|if|whether|chance) (?:you|u)(?: guys)? (?:can|could|would be able to) (?:please )?{_ACTIONS}\b"
)


def asks_to_act(text: str) -> bool:
    """The customer asks someone to do something on their behalf ("can you merge…", "please restore…"), not to
    be told how ("can you tell me how I delete…")."""
    lower = _TELL_ME_HOW.sub(" ", _normalise(text))
    return _ASKS_TO_ACT.search(lower) is not None or _STAFF_ACTION.search(lower) is not None


def cues(text: str) -> Floats:
    """The text cues of a message, in `CUES` order, each 0 or 1 (shouting: a share)."""
    return _read(text).row


def features(texts: Sequence[str], vectors: Floats) -> Floats:
    """The heads' input rows: each vector followed by its text's cues (shared with fitting)."""
    table = np.stack([cues(text) for text in texts]) if texts else np.zeros((0, len(CUES)), dtype=np.float32)
    return np.concatenate([np.asarray(vectors, dtype=np.float32), table], axis=1)


# ---------------------------------------------------------------------------------------------------------------
# Context: what the host page knows about the customer.

_NESTED = ("attributes", "custom_attributes", "custom", "traits", "metadata")
_SEATS = ("seats", "licenses", "licences", "users", "team_size")
_EMPLOYEES = ("employees", "employee_count", "company_size", "headcount")
_MRR = ("mrr", "monthly_revenue")
_PEOPLE_KEY = re.compile(
    r"(?:^|[_\s-])(?:staff|employees?|workers?|users?|seats?|people|headcount|members?|pickers?|nurses?|drivers?)"
    r"(?:$|[_\s-])"
)
_SITES_KEY = re.compile(
    r"(?:^|[_\s-])(?:locations?|sites?|stores?|farms?|branch(?:es)?|clinics?|practices|shops?|restaurants?|venues?|"
    r"hotels?|warehouses?)(?:$|[_\s-])"
)
_FREE_MAIL = frozenset(
    """gmail.com googlemail.com yahoo.com yahoo.co.uk ymail.com hotmail.com hotmail.co.uk outlook.com live.com
    msn.com icloud.com me.com mac.com aol.com proton.me protonmail.com gmx.com gmx.de gmx.net web.de mail.com
    yandex.com yandex.ru mail.ru qq.com 163.com 126.com zoho.com fastmail.com hey.com tutanota.com
    btinternet.com comcast.net verizon.net orange.fr free.fr libero.it t-online.de""".split()
)
_NUMBER = re.compile(r"^\s*[$£€]?\s*(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*([km])?\b", re.IGNORECASE)


def _number(value: object) -> float | None:
    """A count or amount from a context attribute: 250, "1,200", "2.5k", "$3,000", "201-500" (its lower end)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        return None
    match = _NUMBER.match(value)
    if match is None:
        return None
    number = float(match.group(1).replace(",", "") + (match.group(2) or ""))
    return number * {"k": 1e3, "m": 1e6}.get((match.group(3) or "").lower(), 1.0)


def _attributes(context: Mapping[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key in _NESTED:
        nested = context.get(key)
        if isinstance(nested, Mapping):
            flat.update({str(k).lower(): v for k, v in nested.items()})
    flat.update({str(k).lower(): v for k, v in context.items() if not isinstance(v, Mapping)})
    return flat


def _context_lead(context: Mapping[str, Any], lead: LeadRules) -> str | None:
    """Evidence that the context alone makes a high-value lead ("context seats=1,200"), or None."""
    attributes = _attributes(context)
    plan = attributes.get("plan")
    if isinstance(plan, str) and plan.strip().lower() in {name.lower() for name in lead.plans}:
        return f"context plan={plan.strip()}"
    for keys, minimum in ((_SEATS, lead.min_seats), (_EMPLOYEES, lead.min_employees), (_MRR, lead.min_mrr)):
        for key in keys:
            number = _number(attributes.get(key))
            if number is not None and number >= minimum:
                return f"context {key}={attributes[key]}"
    # The host page's own names for a size: {"seasonal_staff": 800}, {"farms": 12}
    for key, value in attributes.items():
        if key in (*_SEATS, *_EMPLOYEES, *_MRR):
            continue
        number = _number(value)
        if number is None:
            continue
        if (_PEOPLE_KEY.search(key) and number >= lead.min_employees) or (
            _SITES_KEY.search(key) and number >= MANY_SITES
        ):
            return f"context {key}={value}"
    return None


def _business_domain(context: Mapping[str, Any]) -> str | None:
    email = _attributes(context).get("email")
    if not isinstance(email, str) or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1].strip().lower()
    return domain if "." in domain and domain not in _FREE_MAIL else None


# ---------------------------------------------------------------------------------------------------------------


class SignalDetector:
    """Scores a message for each reason in REASONS and says which fire, from the text and its MiniLM vector."""

    def __init__(
        self, weights: Floats, bias: Floats, thresholds: Mapping[str, float], *, data_sha256: str = ""
    ) -> None:
        if weights.shape != (DIMENSION + len(CUES), len(REASONS)) or bias.shape != (len(REASONS),):
            raise ValueError(f"signal heads have weights {weights.shape} and bias {bias.shape}")
        self.weights = np.asarray(weights, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)
        self.thresholds = _checked(thresholds, require_all=True)
        self.data_sha256 = data_sha256

    @classmethod
    def bundled(cls) -> SignalDetector:
        """The detector shipped with Frontdesk (loaded once per process)."""
        return _bundled()

    @classmethod
    def load(cls, path: str | Path) -> SignalDetector:
        with np.load(path, allow_pickle=False) as data:
            names = tuple(str(name) for name in data["cues"])
            reasons = tuple(str(name) for name in data["reasons"])
            if names != CUES or reasons != REASONS:
                raise ValueError(f"{path} was fitted for cues {names} and reasons {reasons}; refit it")
            thresholds = dict(zip(REASONS, (float(t) for t in data["thresholds"]), strict=True))
            return cls(data["weights"], data["bias"], thresholds, data_sha256=str(data["data_sha256"]))

    def save(self, path: str | Path) -> None:
        np.savez_compressed(
            path,
            reasons=np.array(REASONS),
            cues=np.array(CUES),
            weights=self.weights,
            bias=self.bias,
            thresholds=np.array([self.thresholds[reason] for reason in REASONS], dtype=np.float32),
            data_sha256=np.array(self.data_sha256),
        )

    def probabilities(self, rows: Floats) -> Floats:
        """P(reason) per row of `features()`: (n, reasons) for (n, features), (reasons,) for one row."""
        logits = np.clip(rows @ self.weights + self.bias, -30.0, 30.0)
        return 1.0 / (1.0 + np.exp(-logits))  # type: ignore[no-any-return]

    def scores(self, text: str, vector: Floats) -> dict[str, float]:
        """The model's probability of each reason, from the message alone (no rule, no context)."""
        return self._probabilities(_read(text), vector)

    def detect(
        self,
        text: str,
        vector: Floats,
        *,
        sentiment: Sentiment,
        frustration: Frustration,
        context: Mapping[str, Any],
        lead: LeadRules = LeadRules(),
        thresholds: Mapping[str, float] | None = None,
        disabled: Collection[str] = (),
    ) -> list[Signal]:
        """The reasons that fire, strongest first. `thresholds` override the defaults per reason; names in
        `thresholds` or `disabled` that are not in REASONS (the engine's and the bot's own reasons) are ignored."""
        overrides = {name: value for name, value in (thresholds or {}).items() if name in self.thresholds}
        limits = {**self.thresholds, **_checked(overrides, require_all=False)}
        reading = _read(text)
        model = self._probabilities(reading, vector)
        fired: list[Signal] = []
        for reason in REASONS:
            if reason in disabled:
                continue
            score, evidence = _score(reason, reading, model[reason], sentiment, frustration, context, lead)
            by_context = reason == "high_value_lead" and score < RULE_SCORE and reading.purchase
            if by_context and (attribute := _context_lead(context, lead)) is not None:
                score, evidence = RULE_SCORE, attribute  # a high-value customer asking about buying
            else:
                by_context = False
            if score >= limits[reason]:
                fired.append(Signal(reason, min(1.0, max(0.0, score)), evidence, from_context=by_context))
        return sorted(fired, key=lambda signal: (-signal.score, REASONS.index(signal.reason)))

    def _probabilities(self, reading: _Reading, vector: Floats) -> dict[str, float]:
        vector = np.asarray(vector, dtype=np.float32)
        if vector.shape != (DIMENSION,):
            raise ValueError(f"expected a ({DIMENSION},) vector, got {vector.shape}")
        row = np.concatenate([vector, reading.row])
        return {reason: float(p) for reason, p in zip(REASONS, self.probabilities(row), strict=True)}


def _score(
    reason: str,
    reading: _Reading,
    probability: float,
    sentiment: Sentiment,
    frustration: Frustration,
    context: Mapping[str, Any],
    lead: LeadRules,
) -> tuple[float, str]:
    """One reason's final score and its evidence: the model's probability, adjusted by the rules."""
    score, evidence = probability, f"model {probability:.2f}"
    if reason == "negative_sentiment":
        # The message model sees anger; the sentiment model's view of the message scales it between 0.5x and 1x.
        # High frustration fires unless the message model finds no anger at all: frustration also fires on
        # "please try again" or "sorry if this is a dumb question", which are not angry.
        agrees = 1.0 if sentiment.label == "negative" else sentiment.negative
        if reading.sarcastic:
            agrees = max(agrees, SARCASM_AGREES)
        score = probability * (0.5 + 0.5 * agrees)
        if reading.hedged:  # "bit annoying, the invite link doesn't work": frustration is not anger here
            return score * DAMPING, f"model {probability:.2f}, annoyance played down"
        if frustration.level == "high" and probability >= FRUSTRATION_FLOOR:
            return max(RULE_SCORE, score), f"frustration high ({', '.join(frustration.signals)})"
        return score, f"model {probability:.2f}, sentiment {sentiment.label}"
    if reason == "high_value_lead":
        if reading.small_team:  # "we're a team of 8": not a high-value lead from the message alone
            score *= SMALL_TEAM_FACTOR
            evidence = f"model {probability:.2f}, small team"
        domain = _business_domain(context)
        if domain is not None and score >= BUSINESS_EMAIL_FROM:
            score += (1.0 - score) * BUSINESS_EMAIL_BOOST
            evidence = f"model {probability:.2f} + business email @{domain}"
    if (
        reason in _DAMPED and sentiment.label == "positive" and sentiment.score >= CLEARLY_POSITIVE
    ):  # "got the refund, thanks!"
        score *= DAMPING
        evidence = f"model {probability:.2f}, positive message"
    if reason in _DAMPED and reading.how_to:
        score *= DAMPING
        evidence = f"model {probability:.2f}, how-to question"
    phrase = reading.phrases.get(reason)
    if phrase is not None:
        return max(RULE_SCORE, score), f'said "{phrase[:60]}"'
    return score, evidence


def _checked(thresholds: Mapping[str, float], *, require_all: bool) -> dict[str, float]:
    unknown = sorted(set(thresholds) - set(REASONS))
    if unknown:
        raise ValueError(f"unknown signal reasons {unknown}; known: {', '.join(REASONS)}")
    if require_all and set(thresholds) != set(REASONS):
        raise ValueError(f"thresholds needed for every reason: {', '.join(REASONS)}")
    for reason, value in thresholds.items():
        if not 0.0 <= float(value) <= 1.0:
            raise ValueError(f"threshold for {reason} must be in [0, 1], got {value}")
    return {reason: float(value) for reason, value in thresholds.items()}


def training_data_path() -> Path:
    """The labelled messages the bundled heads are fitted on."""
    return _DATA / "signals.jsonl"


def weights_path() -> Path:
    return _DATA / "signals.npz"


@cache
def _bundled() -> SignalDetector:
    return SignalDetector.load(weights_path())
