"""Live updates: wake the server's open streams when a conversation gets new events, in any process.

The database stays the source of truth: a notification only says "conversation X has events up to seq N", and
a woken stream reads them from the store. So a lost notification delays an update (streams re-read at least
every `KEEPALIVE_SECONDS`) but never loses one.

- `MemoryNotifier`: one process (the default with SQLite).
- `PostgresNotifier`: LISTEN/NOTIFY on the conversation database (the default with PostgreSQL).
- `RedisNotifier`: Redis pub/sub (`FRONTDESK_LIVE_URL=redis://host:6379/0`).
The cross-process ones fan out to the local streams through a `MemoryNotifier`; each runs one listener thread.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import defaultdict
from typing import Any, Protocol

log = logging.getLogger(__name__)

CHANNEL = "frontdesk_events"
KEEPALIVE_SECONDS = 15.0


class Notifier(Protocol):
    def publish(self, conversation_id: str, seq: int) -> None:
        """Called from any thread after events were committed."""
        ...

    def subscribe(self, conversation_id: str) -> asyncio.Event:
        """An event set whenever the conversation may have new events; call from the event loop."""
        ...

    def unsubscribe(self, conversation_id: str, waiter: asyncio.Event) -> None: ...

    def close(self) -> None: ...


class MemoryNotifier:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = defaultdict(set)

    def publish(self, conversation_id: str, seq: int) -> None:
        with self._lock:
            waiters = list(self._waiters.get(conversation_id, ()))
        for loop, waiter in waiters:
            try:
                loop.call_soon_threadsafe(waiter.set)
            except RuntimeError:  # that loop has closed: its stream is gone
                self.unsubscribe(conversation_id, waiter)

    def subscribe(self, conversation_id: str) -> asyncio.Event:
        waiter = asyncio.Event()
        with self._lock:
            self._waiters[conversation_id].add((asyncio.get_running_loop(), waiter))
        return waiter

    def unsubscribe(self, conversation_id: str, waiter: asyncio.Event) -> None:
        with self._lock:
            entries = self._waiters.get(conversation_id)
            if entries is None:
                return
            for entry in [e for e in entries if e[1] is waiter]:
                entries.discard(entry)
            if not entries:
                self._waiters.pop(conversation_id, None)

    def close(self) -> None:
        with self._lock:
            self._waiters.clear()


class _Relayed(MemoryNotifier):
    """Local fan-out plus a remote channel: publishing goes to the channel, and a listener thread relays what
    arrives on it (our own messages too) to the local streams."""

    def __init__(self) -> None:
        super().__init__()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen_forever, name=f"{type(self).__name__}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def publish(self, conversation_id: str, seq: int) -> None:
        super().publish(conversation_id, seq)  # this process's streams need not wait for the round trip
        try:
            self._send(f"{conversation_id}:{seq}")
        except Exception as exc:  # the store is committed; streams catch up at the next keep-alive
            log.warning("live update not sent (%s: %s)", type(exc).__name__, exc)

    def relay(self, message: str) -> None:
        conversation_id, _, seq = message.rpartition(":")
        if conversation_id and seq.isdigit():
            MemoryNotifier.publish(self, conversation_id, int(seq))

    def _listen_forever(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except Exception as exc:
                log.warning("live updates listener reconnecting (%s: %s)", type(exc).__name__, exc)
                self._stop.wait(1.0)

    def close(self) -> None:
        self._stop.set()
        super().close()

    def _send(self, message: str) -> None:
        raise NotImplementedError

    def _listen(self) -> None:
        raise NotImplementedError


class PostgresNotifier(_Relayed):
    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = _libpq_url(url)
        self._send_lock = threading.Lock()
        self._sender: Any = None
        self.start()

    def _send(self, message: str) -> None:
        import psycopg

        with self._send_lock:
            if self._sender is None or self._sender.closed:
                self._sender = psycopg.connect(self.url, autocommit=True)
            self._sender.execute("SELECT pg_notify(%s, %s)", (CHANNEL, message))

    def _listen(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(f"LISTEN {CHANNEL}")
            while not self._stop.is_set():
                for notification in connection.notifies(timeout=1.0, stop_after=None):
                    self.relay(notification.payload)
                    if self._stop.is_set():
                        return

    def close(self) -> None:
        super().close()
        with self._send_lock:
            if self._sender is not None:
                self._sender.close()


class RedisNotifier(_Relayed):
    def __init__(self, url: str) -> None:
        super().__init__()
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.start()

    def _send(self, message: str) -> None:
        self.client.publish(CHANNEL, message)

    def _listen(self) -> None:
        pubsub = self.client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
        pubsub.subscribe(CHANNEL)
        try:
            while not self._stop.is_set():
                message = pubsub.get_message(timeout=1.0)
                if message and isinstance(message.get("data"), bytes):
                    self.relay(message["data"].decode())
        finally:
            pubsub.close()

    def close(self) -> None:
        super().close()
        self.client.close()


def make_notifier(live_url: str | None, database_url: str) -> Notifier:
    """`FRONTDESK_LIVE_URL` picks the channel: redis://..., postgresql://..., or memory; by default the
    conversation database's own LISTEN/NOTIFY when it is PostgreSQL, else in-process."""
    url = live_url or ""
    if url == "memory":
        return MemoryNotifier()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisNotifier(url)
    if url.startswith(("postgresql", "postgres")):
        return PostgresNotifier(url)
    if url:
        from frontdesk.errors import ConfigError

        raise ConfigError(f"FRONTDESK_LIVE_URL must be redis://..., postgresql://... or memory, not {url!r}")
    if database_url.startswith(("postgresql", "postgres")):
        return PostgresNotifier(database_url)
    return MemoryNotifier()


def _libpq_url(url: str) -> str:
    """SQLAlchemy spells the driver into the scheme (postgresql+psycopg://); libpq does not."""
    scheme, _, rest = url.partition("://")
    return f"{scheme.split('+')[0]}://{rest}"
