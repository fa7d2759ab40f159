"""One turn, top to bottom: lock → load transcript → understand → retrieve → decide → compose → record."""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import replace
from functools import cached_property
from typing import Any

from frontdesk.config import BotConfig
from frontdesk.conversation.compose import Citation, cite, extract_answer
from frontdesk.conversation.followups import (
    is_follow_up,
    might_follow_up,
    question_sentences,
    stands_alone,
    with_context,
)
from frontdesk.conversation.handoff import Handoff, past_turns
from frontdesk.conversation.store import ConversationRecord, ConversationStore, StoredEvent
from frontdesk.conversation.turn import Decision, Outcome, Reply, Turn, earlier_turns
from frontdesk.errors import NotFoundError
from frontdesk.escalation.answer_first import CLARIFIED
from frontdesk.escalation.policy import FAILED, EscalationPolicy, PastTurn
from frontdesk.escalation.signals import Signal
from frontdesk.events import (
    ConversationClosed,
    DetailsCollected,
    EscalationTriggered,
    HandedBack,
    MessageReceived,
    PassagesRetrieved,
    ReplySent,
    TurnFailed,
)
from frontdesk.knowledge.retrieval import Evidence, Retriever, holds_quote
from frontdesk.knowledge.terms import stem
from frontdesk.knowledge.windows import windows
from frontdesk.understanding.language import unsupported_language_reply
from frontdesk.understanding.reader import Reader, Understanding
from frontdesk.understanding.vagueness import is_greeting, is_statement, is_vague

__all__ = ["ConversationEngine", "Decision", "Reply"]


class _TurnLock:
    """A lock that can be weakly referenced (threading.Lock cannot)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


class ConversationEngine:
    def __init__(
        self,
        config: BotConfig,
        store: ConversationStore,
        retriever: Callable[[], Retriever],
        reader: Callable[[], Reader],
        escalation: Callable[[], EscalationPolicy] | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self._retriever = retriever  # a getter: knowledge can be re-indexed while the engine lives
        self._reader = reader
        self._escalation = escalation or (lambda: self._default_policy)
        # One lock per live conversation; an entry disappears once no turn holds it (no unbounded growth).
        self._locks: weakref.WeakValueDictionary[str, _TurnLock] = weakref.WeakValueDictionary()
        self._locks_guard = threading.Lock()

    @cached_property
    def _default_policy(self) -> EscalationPolicy:
        return EscalationPolicy(self.config.escalation)

    @cached_property
    def handoff(self) -> Handoff:
        return Handoff(self.config, self.store, self._escalation, self._reader, self._retriever)

    def start(self, context: dict[str, Any] | None = None) -> ConversationRecord:
        return self.store.create(self.config.name, context or {})

    def handle_message(self, conversation_id: str, text: str) -> Reply:
        """Handle one customer message. Never raises for a failure inside the turn: the customer gets the
        fallback and the failure is recorded as an event.

        Who holds the conversation decides what happens: a person (`assigned`: the bot stays silent, the
        message is relayed), the queue (`queued`: the customer is told their message was added), the bot
        gathering a handoff's details (`collecting`), or the bot (`open`, `closed`)."""
        started = time.perf_counter()
        with self._lock(conversation_id):
            conversation = self.store.get(conversation_id)
            if conversation is None or conversation.bot != self.config.name:
                raise NotFoundError(f"no conversation {conversation_id!r}")
            history = _since_reset(self.store.events(conversation_id, types=HISTORY_EVENTS))
            if conversation.status in ("assigned", "queued"):
                reply = self.handoff.while_held(conversation, text, history, started)
                if reply is not None:
                    return reply
                conversation = self.store.get(conversation_id) or conversation  # handed back meanwhile
            self.store.append(conversation_id, [MessageReceived(text=text)])
            turn = Turn(conversation, text, history, self._retriever(), started)
            try:
                searches = _earlier_searches(history)
                turn.retriever.prefetch([text, *_likely_searches(text, searches)])
                vector = turn.retriever.query_vector(text)
                turn.understanding = self._reader().read(text, vector, earlier_turns(history))
                if conversation.status == "collecting":
                    return self.handoff.collect_details(turn)
                if turn.understanding.supported_language:
                    turn.evidence = self._retrieve(turn.retriever, text, searches)
                    turn.understanding = self._in_context(turn.understanding, turn.evidence, turn.retriever)
                previous = past_turns(history)[-1:]
                outcome = self._decide(
                    turn.understanding,
                    turn.evidence,
                    turn.retriever,
                    self._threshold(previous),
                    # after a hello, "i run a deli with 3 sites" still gets its "what can I help with?"
                    asked_already=bool(previous)
                    and previous[0].reason in CLARIFIED
                    and previous[0].reason != "greeting",
                )
                reasons = self._reasons(turn, vector, outcome)
                cited = "\n".join(f"{c.title}\n{c.passage}" for c in outcome.citations)
                policy = self._escalation()
                if reasons and not policy.answer_first(reasons, outcome.reason, outcome.confidence, text, cited):
                    return self.handoff.escalate(turn, reasons, outcome)
                if reasons:  # answered first: offer the person the reasons call for (a curated answer stays verbatim)
                    label = self.handoff.teams.label(policy.route(reasons).team)
                    offer = f"\n\nIf that doesn't solve it, tell me and I'll pass it to our {label}."
                    text = outcome.text if outcome.reason == "faq_match" else outcome.text + offer
                    outcome = replace(outcome, text=text, deferred=reasons)
            except Exception as exc:
                self.store.append(conversation_id, [TurnFailed(error=type(exc).__name__, message=str(exc)[:500])])
                language = turn.understanding.language.code if turn.understanding else None
                fallback = self.config.answer.wording("fallback", language)
                outcome = Outcome("fallback", fallback, 0.0, [], "internal_error")
            events = [*turn.context_events(), self.handoff.reply_event(turn, outcome)]
            self.store.append(conversation_id, events)
            return turn.reply(outcome)

    # -- escalation ------------------------------------------------------------------------------------------

    def _reasons(self, turn: Turn, vector: Any, outcome: Outcome) -> list[Signal]:
        """Why a person is needed, if they are. A failing detector must not cost the customer their answer:
        it is recorded and the turn goes on without escalating."""
        if turn.understanding is None:
            return []
        try:
            return self._escalation().reasons(
                turn.text,
                vector,
                turn.understanding,
                turn.conversation.context,
                past_turns(turn.history),
                outcome.reason,
            )
        except Exception as exc:
            failed = TurnFailed(error=type(exc).__name__, message=f"escalation: {str(exc)[:480]}")
            self.store.append(turn.conversation.id, [failed])
            return []

    def _lock(self, conversation_id: str) -> _TurnLock:
        with self._locks_guard:
            lock = self._locks.get(conversation_id)
            if lock is None:
                lock = self._locks[conversation_id] = _TurnLock()
            return lock

    def _retrieve(self, retriever: Retriever, text: str, earlier: list[tuple[str, set[str]]]) -> Evidence:
        """Search the message; a follow-up is searched with the question it follows. A message that may or may
        not lean on the previous one, and finds no confident answer alone, is searched again with it: that
        evidence wins only when it is better and stays on the previous turn's documents."""
        if earlier and is_follow_up(text):
            # "and for a team of 10?" needs the question it follows; "and is there a free trial?" does not, and
            # searched with "how much is pro?" it would find pricing again. Both vectors come from one batch.
            if stands_alone(text):
                alone = retriever.retrieve(text)
                if alone.confidence >= self.config.answer.threshold:
                    return alone
            return retriever.retrieve(with_context(text, earlier[-1][0]))
        evidence = retriever.retrieve(text)
        questions = question_sentences(text) if evidence.confidence < self.config.answer.threshold else []
        if questions:
            # The scene around a question dilutes it, and so does asking twice in other words; a question alone
            # counts when it finds one of the passages the whole message found (so it cannot drift to what the
            # scene was about). Their vectors come from one batch.
            retriever.prefetch(questions)
            found = {h.passage.chunk_id for h in evidence.hits[:3]}
            for question in questions:
                alone = retriever.retrieve(question)
                if alone.confidence > evidence.confidence and alone.hits and alone.hits[0].passage.chunk_id in found:
                    evidence = alone
        if earlier and evidence.confidence < self.config.answer.threshold:
            previous_query, previous_sources = earlier[-1]
            combined = retriever.retrieve(with_context(text, previous_query))
            best = combined.hits[0].passage.source_id if combined.hits else None
            if combined.confidence > evidence.confidence and (might_follow_up(text) or best in previous_sources):
                return combined
        return evidence

    def _in_context(self, understanding: Understanding, evidence: Evidence, retriever: Retriever) -> Understanding:
        """A follow-up ("even on a plane?") is about what it follows: when it was searched together with the
        earlier question, its intent is read from that same text (its vector is already computed)."""
        reader = self._reader()
        if reader.intents is None or understanding.intent is None or evidence.asked == understanding.text:
            return understanding
        intent = reader.intents.classify(
            evidence.asked, retriever.query_vector(evidence.asked), reader.intent_threshold
        )
        return replace(understanding, intent=intent)

    def _threshold(self, previous: list[PastTurn]) -> float:
        """The answer threshold for this turn. Right after a miss (the fallback, or a clarifying question the
        customer has now answered) a barely confident answer is more likely another miss than the fix, and a
        second miss hands the conversation to a person (unless the bot is set not to): the answer must be clearly
        confident instead. Setting the scene ("i'm the manager at our deli") or saying hello was no miss."""
        missed = bool(previous) and previous[0].reason in (*FAILED, "underspecified")
        hands_off = "repeated_failure" not in self._escalation().disabled
        return self.config.answer.threshold + (AFTER_A_MISS if missed and hands_off else 0.0)

    def _decide(
        self,
        understanding: Understanding,
        evidence: Evidence | None,
        retriever: Retriever,
        threshold: float,
        *,
        asked_already: bool = False,
    ) -> Outcome:
        """Language first (a message the bot cannot read is not searched), then the owner's curated FAQ, then
        scope: the owner's out-of-scope examples win outright; an intent too unlikely to name is out of scope
        only when the knowledge does not confidently answer it either."""
        answer = self.config.answer
        if evidence is None:
            text = unsupported_language_reply(understanding.language.code, self.config.supported_languages)
            return Outcome("fallback", text, 0.0, [], "unsupported_language")
        index = retriever.index
        intent = understanding.intent
        language = understanding.language.code
        if evidence.faq is not None and evidence.faq_similarity >= self.config.retrieval.faq_match:
            passage = index.passages[evidence.faq.passage]
            citation = cite([h for h in evidence.hits if h.passage.chunk_id == passage.chunk_id], limit=1)
            if not citation:
                citation = [Citation(passage.source_id, passage.title, passage.url, passage.text)]
            return Outcome("answer", passage.answer or passage.text, evidence.faq_similarity, citation, "faq_match")
        if is_vague(evidence.asked, _everywhere(retriever)):  # "hi", "I have a question": whatever the intent
            # A hello is not yet a conversation: no question was missed, and the next message starts afresh.
            why = "greeting" if is_greeting(evidence.asked) else "underspecified"
            return Outcome("clarify", answer.wording("clarify", language), evidence.confidence, [], why)
        confident = evidence.confidence >= threshold and bool(evidence.hits)
        # "i'm the manager at our deli": the question is still to come (asked once; after that it is a miss). Before
        # the off-topic examples: a message that asks nothing is no off-topic request either. (The words that ask are
        # English ones.)
        if not confident and not asked_already and language == "en" and is_statement(understanding.text):
            return Outcome("clarify", answer.wording("clarify", language), evidence.confidence, [], "statement")
        # The owner's off-topic examples win, except over a message quoting what the knowledge says word for word
        # ("export failed with 'Service item missing'"): the product's own message is never off-topic.
        quotes_knowledge = bool(evidence.quoted) and any(holds_quote(h, evidence.quoted) for h in evidence.hits[:3])
        if intent is not None and intent.out_of_scope_by == "examples" and not quotes_knowledge:
            return Outcome("fallback", self.config.out_of_scope_reply(language), intent.score, [], "out_of_scope")
        if intent is not None and intent.out_of_scope_by == "threshold" and not confident:
            return Outcome("fallback", self.config.out_of_scope_reply(language), intent.score, [], "out_of_scope")
        if not confident:
            return Outcome("fallback", answer.wording("fallback", language), evidence.confidence, [], "low_confidence")
        scored = list(zip(evidence.hits, evidence.confidences, strict=True))
        # The most confident of the top 3 (the first of equals, as ranked); a confident one that has the words the
        # customer quotes ("keeps saying 'pay period not found'") before any other.
        quoted = evidence.quoted
        best, _ = max(scored[:3], key=lambda pair: (pair[1] >= threshold and holds_quote(pair[0], quoted), pair[1]))
        similarities = index.window_similarities(best.passage.chunk_id, retriever.query_vector(evidence.asked))
        spans = windows(best.passage.text)
        pairs = list(zip(spans, similarities, strict=True)) if len(spans) == len(similarities) else []
        text = extract_answer(evidence.query, best.passage, index.lexical, max_chars=answer.max_chars, windows=pairs)
        supporting = [best, *(h for h, c in scored if h is not best and c >= answer.cite_threshold)]
        return Outcome("answer", text, evidence.confidence, cite(supporting, limit=answer.max_citations), "answered")


def _likely_searches(text: str, earlier: list[tuple[str, set[str]]]) -> list[str]:
    """What `_retrieve` will search for besides the message: a follow-up is searched with the previous question.
    (The other searches happen only when the first finds nothing confident; embedding them on speculation cost
    more at the median than it saved in the tail.)"""
    return [with_context(text, earlier[-1][0])] if earlier and is_follow_up(text) else []


def _earlier_searches(history: list[StoredEvent]) -> list[tuple[str, set[str]]]:
    """What earlier turns searched for, and their top sources: a follow-up of a follow-up still carries the
    original topic."""
    return [
        (str(e.payload.get("query", "")), {str(p.get("source")) for p in e.payload.get("passages", [])[:3]})
        for e in history
        if e.type == PassagesRetrieved.type
    ]


# A word in about a third of all passages or more (the product's name) names no topic; only in a knowledge base
# large enough for that share to mean something.
EVERYWHERE_IDF = 1.05
EVERYWHERE_MIN_PASSAGES = 20


def _everywhere(retriever: Retriever) -> Callable[[str], bool] | None:
    lexical = retriever.index.lexical
    if lexical.size < EVERYWHERE_MIN_PASSAGES:
        return None
    return lambda word: lexical.term_idf(stem(word)) < EVERYWHERE_IDF


AFTER_A_MISS = 0.2  # added to the answer threshold on the turn after a miss; see ConversationEngine._threshold

HISTORY_EVENTS = (
    MessageReceived.type,
    PassagesRetrieved.type,
    ReplySent.type,
    EscalationTriggered.type,
    DetailsCollected.type,
    HandedBack.type,
    ConversationClosed.type,
)


def _since_reset(history: list[StoredEvent]) -> list[StoredEvent]:
    """The events since a person last handed the conversation back or closed it: what came before was dealt
    with, so it must not escalate again (no handoff loops)."""
    resets = [i for i, e in enumerate(history) if e.type in (HandedBack.type, ConversationClosed.type)]
    return history[resets[-1] + 1 :] if resets else history
