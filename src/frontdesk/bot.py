"""Bot: wires storage, knowledge, retrieval and the conversation engine from one config. No behaviour."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from functools import cached_property

from sqlalchemy import Engine

from frontdesk.config import BotConfig
from frontdesk.conversation.engine import ConversationEngine
from frontdesk.escalation.inbox import Inbox
from frontdesk.escalation.policy import EscalationPolicy
from frontdesk.knowledge.index import KnowledgeIndex
from frontdesk.knowledge.ingest import IngestReport, Progress, ingest_sources
from frontdesk.knowledge.retrieval import Retriever
from frontdesk.knowledge.synonyms import expand
from frontdesk.providers.embedders import Embedder, Vectors
from frontdesk.providers.minilm import MiniLMEmbedder
from frontdesk.providers.registry import make_embedder, shared_minilm
from frontdesk.storage.agent_store import SqlAgentStore
from frontdesk.storage.conversation_store import SqlConversationStore
from frontdesk.storage.database import open_database
from frontdesk.storage.knowledge_store import SqlKnowledgeStore
from frontdesk.storage.notifications import Notifier, make_notifier
from frontdesk.understanding.intents import OUT_OF_SCOPE, IntentCache, IntentModel, load_examples
from frontdesk.understanding.reader import Reader

RECHECK_SECONDS = 5.0


class Bot:
    def __init__(
        self, config: BotConfig, database: Engine, embedder: Embedder, conversation_database: Engine | None = None
    ) -> None:
        self.config = config
        self.database = database
        self.embedder = embedder
        self.knowledge = SqlKnowledgeStore(database)
        self.conversations = SqlConversationStore(conversation_database or database)
        self.agents = SqlAgentStore(conversation_database or database)
        self.inbox = Inbox(config.name, self.conversations)
        self._lock = threading.Lock()
        self._retriever: Retriever | None = None
        self._fingerprint = ""
        self._checked_at = 0.0
        self.intents_fitted = False  # whether the last fit_intents() fitted (True) or loaded the cache

    @classmethod
    def from_config(
        cls,
        config: BotConfig,
        *,
        database_url: str | None = None,
        embedder: Embedder | None = None,
        conversation_database_url: str | None = None,
    ) -> Bot:
        database = open_database(database_url or config.database_url())
        conversations = open_database(conversation_database_url) if conversation_database_url else None
        return cls(config, database, embedder or make_embedder(config.knowledge.embedder), conversations)

    @property
    def retriever(self) -> Retriever:
        """The retriever over the approved knowledge as it is now. Another process (`frontdesk ingest`,
        `frontdesk sources approve`) may change it: that is noticed within RECHECK_SECONDS."""
        with self._lock:
            now = time.monotonic()
            if self._retriever is None or now - self._checked_at >= RECHECK_SECONDS:
                self._checked_at = now
                fingerprint = self.knowledge.fingerprint(self.config.name)
                if fingerprint != self._fingerprint:
                    self._fingerprint = fingerprint
                    self._retriever = None
            if self._retriever is None:
                index = self.knowledge.load_index(self.config.name, self.embedder.name)
                self._retriever = Retriever(index, self.embedder, self.config.retrieval)
            return self._retriever

    @property
    def index(self) -> KnowledgeIndex:
        return self.retriever.index

    def reload(self) -> None:
        """Pick up newly ingested or (un)approved knowledge on the next turn."""
        with self._lock:
            self._retriever = None

    @cached_property
    def reader(self) -> Reader:
        """Language, intent, sentiment and frustration for each message. The intent model is fitted from
        `intents.examples` on first use (or by `frontdesk ingest`) and cached in the data folder."""
        sentiment_vector = None
        if self.embedder.name != MiniLMEmbedder.name:  # the sentiment head reads MiniLM vectors
            minilm = shared_minilm()
            sentiment_vector = lambda text: minilm.embed([text])[0]  # noqa: E731
        intents = self.fit_intents()
        return Reader(
            languages=self.config.supported_languages,
            intents=intents,
            intent_threshold=self.config.intents.threshold_for(intents is not None and OUT_OF_SCOPE in intents.labels),
            sentiment_vector=sentiment_vector,
        )

    def fit_intents(self) -> IntentModel | None:
        """The intent model for `intents.examples`: from the cache when the examples are unchanged, else fitted
        (seconds; the first fit of thousands of examples spends about a minute embedding them)."""
        if self.config.intents.examples is None:
            return None
        examples = load_examples(self.config.resolve(self.config.intents.examples))
        cache = IntentCache(self.config.data_dir())
        model = cache.load_or_fit(
            examples, self._embed_as_queries, embedder_name=self._intent_space(), dimension=self.embedder.dimension
        )
        self.intents_fitted = cache.fitted
        return model

    def _embed_as_queries(self, texts: list[str]) -> Vectors:
        # Examples are embedded as a turn embeds a message (synonyms expanded): one vector per turn serves
        # retrieval and understanding alike, and the model must be fitted in that same space.
        synonyms = self.retriever.synonyms
        return self.embedder.embed([expand(text, synonyms) for text in texts])

    def _intent_space(self) -> str:
        """Names the vector space the intent model was fitted in: the embedder and the synonyms it expands."""
        groups = json.dumps(self.retriever.synonyms, sort_keys=True)
        return f"{self.embedder.name}+synonyms:{hashlib.sha256(groups.encode()).hexdigest()[:12]}"

    @cached_property
    def escalation(self) -> EscalationPolicy:
        """When to hand off, to whom, and what to collect first (built-in detectors + escalation config)."""
        return EscalationPolicy(self.config.escalation)

    @cached_property
    def notifier(self) -> Notifier:
        """Wakes live streams when a conversation changes, here and in the other server processes."""
        notifier = make_notifier(self.config.live_url(), str(self.conversations.engine.url))
        self.conversations.listeners.append(notifier.publish)
        return notifier

    @cached_property
    def engine(self) -> ConversationEngine:
        return ConversationEngine(
            self.config, self.conversations, lambda: self.retriever, lambda: self.reader, lambda: self.escalation
        )

    def ingest(self, progress: Progress | None = None, *, rebuild: bool = False) -> IngestReport:
        report = ingest_sources(self.config, self.knowledge, self.embedder, progress=progress, rebuild=rebuild)
        self.reload()
        return report

    def close(self) -> None:
        if "notifier" in self.__dict__:
            self.notifier.close()
        self.database.dispose()
        if self.conversations.engine is not self.database:
            self.conversations.engine.dispose()
