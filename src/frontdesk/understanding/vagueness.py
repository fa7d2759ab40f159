"""Is a message too vague to answer? ("help", "I have a question about billing", "it's not working")."""

from __future__ import annotations

import re
from collections.abc import Callable

from frontdesk.knowledge.terms import STOP_WORDS, words

# Words that carry no answerable request on their own: greetings, filler, and generic nouns/verbs that
# every support topic shares. A message made only of these (plus at most one topic word) is underspecified.
GENERIC = frozenset(
    """question questions quick problem problems issue issues help helping support assist assistance something
    anything thing things stuff work works working worked broken broke wrong error trouble ask asking info
    information detail details regarding related concerning hello hi hey there anyone someone somebody good
    morning afternoon evening day team guys folks sir madam query inquiry enquiry doubt matter topic about
    one tell can you me my i have has had is it this that not doesnt don't isn't wont won't wo n't
    sure fine sorry please plz pls thx thanks urgent urgently asap now again still keep keeps kept
    giving give gives gave getting gets happen happens happening going its right properly correctly anymore
    weird weirdly strange odd funny acting messed glitchy glitching hand let lets letting""".split()
)


def is_vague(message: str, everywhere: Callable[[str], bool] | None = None) -> bool:
    """`everywhere`: words the knowledge uses on most pages (the product's name), which name no topic either."""
    content = [
        w for w in words(message) if w not in STOP_WORDS and w not in GENERIC and not (everywhere and everywhere(w))
    ]
    if not content:
        return True
    # "quick question about billing", "need help with my account": one topic word, no request about it.
    return len(content) == 1 and any(w in _REQUESTLESS for w in words(message))


_GREETING = frozenset(
    "hi hey hello hiya heya yo howdy greetings morning afternoon evening good there team guys folks all".split()
)


def is_greeting(message: str) -> bool:
    """Only a greeting ("hi", "good morning team"): the conversation has not started, so nothing was missed."""
    found = words(message)
    return 0 < len(found) <= 4 and all(w in _GREETING for w in found)


_REQUESTLESS = frozenset(
    "question questions problem problems issue issues help query inquiry enquiry trouble info "
    "information something doubt matter".split()
)


# A statement asks for something when it has a question mark or a request word, and reports a problem when it
# has a negation or a trouble word; "i'm the manager at our deli" does neither.
_ASKS = re.compile(
    r"\?|\b(?:how|what|whats|hows|which|where|wheres|when|why|who|help|need|"
    r"want|wanna|looking|trying|please|pls|plz|tell|explain|show|any|anyone)\b"
    # an instruction: "write a message to my staff…", "cancel my plan"
    r"|^\W*(?:write|make|give|send|find|create|add|remove|delete|cancel|change|book|set|get|translate|generate|"
    r"draft|list|calculate|check|fix|compose|summari[sz]e|recommend|suggest|reset|turn|stop|undo|restore)\b"
)
# A verb like these anywhere may ask ("ok does it work with square then"); in an introduction only at the start
# of a clause ("we are a small studio, can we use it for free"), since "we are a studio" states.
_VERBS = r"(?:can|could|is|are|does|do|did|will|would|should|may)"
_VERB_ANYWHERE = re.compile(rf"\b{_VERBS}\b")
_VERB_FIRST = re.compile(rf"(?:^|[.!?,;:]\s*)\W*{_VERBS}\b")
_TROUBLE = re.compile(
    r"n't\b|\b(?:not|no|never|cannot|cant|wont|dont|doesnt|didnt|isnt|error|wrong|missing|broken|stuck|fail\w*|"
    r"keeps?|still|charged|lost|locked|gone|disappeared|crash\w*|again)\b"
)
_STATEMENT_WORDS = 15
# Who the customer is may take longer to say ("we're a physiotherapy practice in Munich, so patient data is a big
# topic for us"); a longer message that does not start by introducing them is more likely a report of something.
_INTRODUCTION = re.compile(
    r"^\W*(?:(?:hi|hello|hey|hiya|morning|good (?:morning|afternoon|evening)|ol[aá]|hola|ciao)\b\W*)?"
    r"(?:(?:we're|we are|i'm|i am)(?!\s+(?:\w+ing|very|so|really|extremely|quite|totally|completely|absolutely|not|"
    r"still|unable|unhappy|angry|frustrated|fed up|sick|tired|done|confused|annoyed|upset|disappointed|furious)\b)|"
    r"we run|i run|i manage|i look after|we have|we've got|my name|this is|"
    r"our (?:company|team|business|practice|clinic|restaurant|shop|store))\b"
)
_INTRODUCTION_WORDS = 30


def is_statement(message: str) -> bool:
    """Context with no question and no problem in it ("i'm the manager at our deli", "our team lives on slack"):
    the customer is setting the scene, and the question is still to come."""
    lowered = message.lower().replace("’", "'")
    introduces = _INTRODUCTION.match(lowered) is not None
    return (
        0 < len(words(lowered)) <= (_INTRODUCTION_WORDS if introduces else _STATEMENT_WORDS)
        and _ASKS.search(lowered) is None
        and (_VERB_FIRST if introduces else _VERB_ANYWHERE).search(lowered) is None
        and _TROUBLE.search(lowered) is None
    )
