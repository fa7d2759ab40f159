"""Is a message too vague to answer? ("help", "I have a question about billing", "it's not working")."""

from __future__ import annotations

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
    weird weirdly strange odd funny acting messed glitchy glitching""".split()
)


def is_vague(message: str) -> bool:
    content = [w for w in words(message) if w not in STOP_WORDS and w not in GENERIC]
    if not content:
        return True
    # "quick question about billing", "need help with my account": one topic word, no request about it.
    return len(content) == 1 and any(w in _REQUESTLESS for w in words(message))


_REQUESTLESS = frozenset(
    "question questions problem problems issue issues help query inquiry enquiry trouble info "
    "information something doubt matter".split()
)
