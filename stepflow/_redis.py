"""The Redis Streams backend: a bus, dead letters and state shared by many processes.

Layout, under a namespace prefix (`redis_namespace`, so projects can share one Redis):

- `{ns}:stream:{topic}`: one stream per topic; one consumer group per subscribing step;
  one consumer per process and subscription. Entries hold the encoded event (`e`) and,
  for replays and retries meant for one step only, that step (`o`).
- `{ns}:delayed`: retries waiting for their time, a sorted set scored by due time; a Lua
  script moves due ones back onto their stream atomically.
- `{ns}:dlq`: dead letters, a stream.
- `{ns}:state:{group}`: state, one hash per group.
- `{ns}:once:{key}`: locks that let exactly one process run a cron firing.
- `{ns}:epoch`: a random id of this Redis data set. A Redis restarted without its data
  has none: the first process to notice makes a new one and every process recreates its
  streams and groups (no restart needed), and work recorded under the old epoch is known
  to have lost its events (see `RedisLeases`).

Delivery is at least once: an entry is acknowledged (XACK) after its handler succeeds,
re-added with a delay when it fails, or moved to the dead-letter stream; entries a dead
consumer left pending longer than `visibility_timeout` are claimed (XAUTOCLAIM) by
another, with their delivery count carried into `attempt`. Streams are trimmed by MINID
to the oldest entry some group still needs, so nothing unread or unacknowledged is cut.
Publishing waits while a subscriber group lags more than `queue_size` entries behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import socket
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic_core import from_json, to_json
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError

from ._batching import Batcher
from ._config import Settings
from ._database import MAX_ROW
from ._deadletters import DeadLetter, letter_data
from ._errors import Unavailable
from ._events import Delivery, Event, Subscription
from ._leases import Leases
from ._state import encode

log = logging.getLogger("stepflow.redis")

_EPOCH_OWNER = "redis:"
"""Owners of work whose events are in Redis are this prefix and the data set's epoch."""
_MOVE_DUE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, member in ipairs(due) do
    local item = cjson.decode(member)
    if item.o then
        redis.call('XADD', item.s, '*', 'e', item.e, 'o', item.o)
    else
        redis.call('XADD', item.s, '*', 'e', item.e)
    end
    redis.call('ZREM', KEYS[1], member)
end
if #due > 0 then return {#due, ''} end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, first[2] or ''}
"""
"""Moves the retries due by ARGV[1] (at most ARGV[2]) to their streams; returns how many,
and when none, when the next is due (as text, empty when none waits)."""
_MOVER_IDLE = 1.0
"""The longest the retry mover sleeps: retries another process scheduled (and did not
live to move) wait at most this long past their time."""


def encode_event(event: Event) -> bytes:
    return to_json(
        {
            "id": event.id,
            "topic": event.topic,
            "data": event.data,
            "trace_id": event.trace_id,
            "attempt": event.attempt,
            "emitted_at": event.emitted_at,
            "parent_span": event.parent_span,
        }
    )


def decode_event(raw: bytes | str) -> Event:
    item = from_json(raw)  # a third faster than json.loads on an event of 1.5 KB
    return Event(
        topic=item["topic"],
        data=item["data"],
        trace_id=item["trace_id"],
        id=item["id"],
        attempt=int(item["attempt"]),
        emitted_at=float(item["emitted_at"]),
        parent_span=item.get("parent_span"),
    )


COMMAND_TIMEOUT = 10.0
"""Seconds a command, or a connect, may take before Redis counts as unavailable: far
longer than any wait of ours (XREADGROUP blocks 250 ms), and short enough that a Redis
that stopped answering (hung, or cut off by the network without a reset) is a 503 and a
retry, not a request or a worker that waits for good."""


def client_for(url: str, max_connections: int = 64) -> Redis:
    """A client whose pool makes callers wait for a free connection rather than fail
    (parallel emits can ask for more connections at once than we want open), and which
    retries a command a few times on a dropped connection: a pooled connection that
    Redis closed while idle is not an outage. A command unanswered for `COMMAND_TIMEOUT`
    is: it is not retried. Its connections are named for this process (`CLIENT LIST`
    shows `name=stepflow-HOST-PID`), so an operator can tell whose each one is."""
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        client_name=client_name(),
        timeout=30,
        health_check_interval=30,
        socket_timeout=COMMAND_TIMEOUT,
        socket_connect_timeout=COMMAND_TIMEOUT,
        # Only a dropped connection is retried (redis-py would retry a timeout too).
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.02), 3, (RedisConnectionError,)),
    )
    return Redis.from_pool(pool)


def _glob_escaped(text: str) -> str:
    """`text` matched literally in a Redis pattern (`SCAN MATCH`): `*`, `?`, `[`, `]`
    and the backslash escaped, as a namespace may hold any of them."""
    return "".join(f"\\{char}" if char in "*?[]\\" else char for char in text)


def client_name(pid: int | None = None) -> str:
    """What this process's Redis connections are called (or process `pid`'s, here)."""
    return f"stepflow-{socket.gethostname()}-{os.getpid() if pid is None else pid}"


@dataclass
class _Consumer:
    """This process's consumer of one subscription."""

    subscription: Subscription
    stream: str
    limit: int
    buffer: asyncio.Queue[Delivery] = field(default_factory=asyncio.Queue)
    outstanding: int = 0
    room: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


class RedisBus:
    drain_on_stop = False  # what this process leaves pending, other consumers claim

    def __init__(
        self,
        client: Redis,
        namespace: str = "stepflow",
        *,
        queue_size: int = 1_000,
        visibility_timeout: float = 60.0,
        concurrency: dict[str, int] | None = None,
        default_concurrency: int = 8,
    ) -> None:
        self.client = client
        self.ns = namespace
        self.queue_size = queue_size
        self.visibility_timeout = visibility_timeout
        self._concurrency = concurrency or {}
        self._default_concurrency = default_concurrency
        self.consumer_name = f"{socket.gethostname()}-{os.getpid()}-{os.urandom(3).hex()}"
        self.dead_letters = RedisDeadLetters(client, namespace)
        self._delayed = f"{namespace}:delayed"
        self._epoch_key = f"{namespace}:epoch"
        self.epoch = ""
        self._consumers: dict[Subscription, _Consumer] = {}
        self._groups: dict[str, list[str]] = {}
        self._lag: dict[str, tuple[float, int]] = {}
        self._lag_refresh: dict[str, asyncio.Future[int]] = {}
        self._background: list[asyncio.Task[None]] = []
        self._recovering: asyncio.Lock = asyncio.Lock()
        self._move_due = client.register_script(_MOVE_DUE)
        self._retry_added = asyncio.Event()
        """Set when this process schedules a retry: the mover looks again at once."""
        # Loops stop at this, between short blocking reads: cancelling a blocking
        # XREADGROUP inside redis-py can leave the task stuck while it disconnects.
        self._stopping = asyncio.Event()
        # XADDs and XACKs of concurrent handlers go out as one pipeline per batch; each
        # caller still returns only once its own command was executed.
        self._adds: Batcher[tuple[str, dict[str, bytes | str]]] = Batcher(
            self._flush_adds, max_size=256, max_delay=0
        )
        self._acks: Batcher[tuple[str, str, bytes]] = Batcher(
            self._flush_acks, max_size=256, max_delay=0
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, concurrency: dict[str, int] | None = None
    ) -> RedisBus:
        return cls(
            client_for(settings.bus),
            settings.redis_namespace,
            queue_size=settings.queue_size,
            visibility_timeout=settings.redis_visibility_timeout,
            concurrency=concurrency,
            default_concurrency=settings.default_concurrency,
        )

    def stream(self, topic: str) -> str:
        return f"{self.ns}:stream:{topic}"

    async def start(self, subscriptions: Sequence[Subscription]) -> None:
        for sub in subscriptions:
            self._groups.setdefault(sub.topic, []).append(sub.step)
            limit = self._concurrency.get(sub.step, self._default_concurrency)
            self._consumers[sub] = _Consumer(sub, self.stream(sub.topic), limit)
        try:
            await self._check_epoch()
        except (RedisError, OSError) as exc:
            raise Unavailable("redis", str(exc)) from exc
        self._background.append(asyncio.create_task(self._move_due_loop(), name="redis:delayed"))
        self._background.append(asyncio.create_task(self._trim_loop(), name="redis:trim"))
        self._background.append(asyncio.create_task(self._watch_loop(), name="redis:watch"))

    async def publish(self, event: Event, *, only_step: str | None = None) -> None:
        if event.topic not in self._groups:
            return
        fields: dict[str, bytes | str] = {"e": encode_event(event)}
        if only_step is not None:
            fields["o"] = only_step
        try:
            await self._wait_for_room(event.topic)
            await self._adds.submit((self.stream(event.topic), fields))
        except (RedisError, OSError) as exc:
            raise Unavailable("redis", str(exc)) from exc

    async def receive(self, subscription: Subscription) -> Delivery:
        consumer = self._consumers[subscription]
        if not consumer.tasks:
            consumer.room.set()
            consumer.tasks = [
                asyncio.create_task(self._fetch_loop(consumer), name=f"redis:fetch:{subscription}"),
                asyncio.create_task(self._claim_loop(consumer), name=f"redis:claim:{subscription}"),
            ]
        return await consumer.buffer.get()

    def ready(self, subscription: Subscription, limit: int) -> list[Delivery]:
        buffer = self._consumers[subscription].buffer
        found: list[Delivery] = []
        while len(found) < limit and not buffer.empty():
            found.append(buffer.get_nowait())
        return found

    async def ack(self, delivery: Delivery) -> None:
        sub = delivery.subscription
        try:
            await self._acks.submit((self.stream(sub.topic), sub.step, delivery.token))
        finally:
            self._settled(sub)  # on failure it stays pending in Redis and is claimed again

    async def _flush_adds(self, items: list[tuple[str, dict[str, bytes | str]]]) -> None:
        async with self.client.pipeline(transaction=False) as pipe:
            for stream, fields in items:
                pipe.xadd(stream, fields)  # type: ignore[arg-type]  # redis-py types str keys
            await pipe.execute()

    async def _flush_acks(self, items: list[tuple[str, str, bytes]]) -> None:
        ids: dict[tuple[str, str], list[bytes]] = {}
        for stream, group, token in items:
            ids.setdefault((stream, group), []).append(token)
        async with self.client.pipeline(transaction=False) as pipe:
            for (stream, group), tokens in ids.items():
                pipe.xack(stream, group, *tokens)
            await pipe.execute()

    async def nack(self, delivery: Delivery, delay: float, attempt: int | None = None) -> None:
        sub = delivery.subscription
        event = delivery.event
        if attempt is None:
            attempt = event.attempt + 1
        again = dataclasses.replace(event, attempt=attempt)
        member = json.dumps(
            {
                "s": self.stream(sub.topic),
                "o": sub.step,
                "e": encode_event(again).decode(),
                "n": os.urandom(4).hex(),
            }
        )
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.zadd(self._delayed, {member: time.time() + max(0.0, delay)})
                pipe.xack(self.stream(sub.topic), sub.step, delivery.token)
                await pipe.execute()
            self._retry_added.set()
        finally:
            self._settled(sub)

    async def dead_letter(self, delivery: Delivery, error: str, traceback: str = "") -> None:
        sub = delivery.subscription
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                self.dead_letters.add_to(pipe, delivery.event, sub.step, error, traceback)
                pipe.xack(self.stream(sub.topic), sub.step, delivery.token)
                await pipe.execute()
        finally:
            self._settled(sub)

    async def release(self, delivery: Delivery, delay: float) -> None:
        """Leave the entry pending in Redis: it is claimed again after the visibility
        timeout (`ack`, `nack` and `dead_letter` already freed the local slot)."""
        return None

    async def wait_idle(self) -> None:
        while not await self._idle():  # noqa: ASYNC110 - the state to watch is in Redis
            await asyncio.sleep(0.02)

    def depth(self, subscription: Subscription) -> int:
        consumer = self._consumers.get(subscription)
        local = consumer.buffer.qsize() if consumer else 0
        return local + self._lag.get(subscription.topic, (0.0, 0))[1]

    async def aclose(self) -> None:
        self._stopping.set()
        for consumer in self._consumers.values():
            consumer.room.set()
        await self._adds.aclose()
        await self._acks.aclose()
        tasks = self._background + [t for c in self._consumers.values() for t in c.tasks]
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=5)
            for task in late:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        await self.client.aclose()

    async def _pause(self, seconds: float) -> None:
        """Sleep `seconds`, or less if the bus is closing."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    # -- a Redis that lost its data ------------------------------------------------------

    async def _check_epoch(self, *, groups_missing: bool = False) -> None:
        """Make sure this Redis has an epoch and our groups; after a restart that lost
        the data (or when a group is found missing), recreate them."""
        async with self._recovering:
            await self.client.set(self._epoch_key, os.urandom(8).hex(), nx=True)
            current = _text(await self.client.get(self._epoch_key) or b"")
            if current == self.epoch and not groups_missing:
                return
            if self.epoch and current != self.epoch:
                log.warning(
                    "redis lost its data; recreating streams and consumer groups",
                    extra={"old_epoch": self.epoch, "epoch": current},
                )
            elif self.epoch:
                log.warning("a consumer group was missing in redis; recreating it")
            self.epoch = current
            self._lag.clear()
            for topic, steps in self._groups.items():
                for step in steps:
                    with contextlib.suppress(ResponseError):  # BUSYGROUP: it exists
                        await self.client.xgroup_create(
                            self.stream(topic), step, id="0", mkstream=True
                        )

    async def _watch_loop(self) -> None:
        """Notice a Redis that lost its data, and keep the queue depths fresh."""
        while not self._stopping.is_set():
            await self._pause(1.0)
            try:
                await self._check_epoch()
                for topic in list(self._groups):
                    await self._refresh_lag(topic)
            except (RedisError, OSError) as exc:
                log.debug("redis check failed; retrying", extra={"error": str(exc)})

    # -- internals ---------------------------------------------------------------------------

    def _settled(self, sub: Subscription) -> None:
        consumer = self._consumers[sub]
        consumer.outstanding -= 1
        consumer.room.set()

    async def _fetch_loop(self, consumer: _Consumer) -> None:
        sub = consumer.subscription
        while not self._stopping.is_set():
            room = consumer.limit - consumer.outstanding
            if room <= 0:
                consumer.room.clear()
                await consumer.room.wait()
                continue
            try:
                reply: Any = await self.client.xreadgroup(
                    sub.step, self.consumer_name, {consumer.stream: ">"}, count=room, block=250
                )
            except (RedisError, OSError) as exc:
                await self._read_failed(exc)
                continue
            for _, entries in reply or ():
                await self._deliver(consumer, entries, redelivered=False)

    async def _read_failed(self, exc: Exception) -> None:
        if "NOGROUP" in str(exc):
            with contextlib.suppress(RedisError, OSError):
                await self._check_epoch(groups_missing=True)
                return
        log.warning("redis read failed; retrying", extra={"error": str(exc)})
        await self._pause(0.5)

    async def _claim_loop(self, consumer: _Consumer) -> None:
        sub = consumer.subscription
        idle_ms = int(self.visibility_timeout * 1_000)
        interval = max(0.2, self.visibility_timeout / 4)
        while not self._stopping.is_set():
            await self._pause(interval)
            room = consumer.limit - consumer.outstanding
            if room <= 0:
                continue
            try:
                reply = await self.client.xautoclaim(
                    consumer.stream, sub.step, self.consumer_name, idle_ms, "0-0", count=room
                )
            except (RedisError, OSError) as exc:
                await self._read_failed(exc)
                continue
            entries = [entry for entry in reply[1] if entry and entry[1]]
            if entries:
                log.warning(
                    "claimed events a consumer left pending",
                    extra={"count": len(entries), "step": sub.step},
                )
                await self._deliver(consumer, entries, redelivered=True)

    async def _deliver(self, consumer: _Consumer, entries: Any, *, redelivered: bool) -> None:
        sub = consumer.subscription
        for entry_id, fields in entries:
            only = fields.get(b"o")
            if only is not None and only.decode() != sub.step:
                await self.client.xack(consumer.stream, sub.step, entry_id)
                continue
            event = decode_event(fields[b"e"])
            if redelivered:
                event.attempt += await self._times_delivered(consumer, entry_id) - 1
            consumer.outstanding += 1
            consumer.buffer.put_nowait(Delivery(event, sub, entry_id))

    async def _times_delivered(self, consumer: _Consumer, entry_id: bytes) -> int:
        sub = consumer.subscription
        info = await self.client.xpending_range(consumer.stream, sub.step, entry_id, entry_id, 1)
        return int(info[0]["times_delivered"]) if info else 1

    async def _lag_of(self, topic: str) -> int:
        """The most entries any of the topic's subscriber groups has yet to read."""
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.xinfo_groups(self.stream(topic))
            pipe.xinfo_stream(self.stream(topic))
            try:
                groups, stream = await pipe.execute()
            except ResponseError:  # no stream yet
                return 0
        return max(self._unread(topic, groups, stream), default=0)

    def _unread(self, topic: str, groups: Any, stream: Any) -> list[int]:
        """Unread entries per subscriber group of `topic`, from XINFO GROUPS and STREAM.
        Where Redis cannot tell the lag, 1 if anything is unread, else 0."""
        mine = set(self._groups.get(topic, []))
        unread = []
        for group in groups:
            if _text(group["name"]) not in mine:
                continue
            lag = group.get("lag")
            if lag is None:
                lag = int(group["last-delivered-id"] != stream["last-generated-id"])
            unread.append(int(lag))
        return unread

    async def _wait_for_room(self, topic: str) -> None:
        checked, lag = self._lag.get(topic, (0.0, 0))
        now = time.monotonic()
        if now - checked < 0.05 and lag < self.queue_size:
            self._lag[topic] = (checked, lag + 1)
            return
        while True:
            lag = await self._refresh_lag(topic)
            if lag < self.queue_size:
                return
            await asyncio.sleep(0.01)

    async def _refresh_lag(self, topic: str) -> int:
        """The topic's lag, read once for all publishers waiting on it at the time."""
        pending = self._lag_refresh.get(topic)
        if pending is None:
            pending = asyncio.ensure_future(self._lag_of(topic))
            self._lag_refresh[topic] = pending
            try:
                lag = await pending
            finally:
                del self._lag_refresh[topic]
            self._lag[topic] = (time.monotonic(), lag)
            return lag
        return await asyncio.shield(pending)

    async def _idle(self) -> bool:
        """Nothing delayed, unread, or pending, read in one MULTI so that it is a snapshot:
        each move (nack, the due-mover, XREADGROUP, XACK) is atomic, so an unfinished
        event is always in exactly one of those places."""
        if any(c.outstanding or c.buffer.qsize() for c in self._consumers.values()):
            return False
        topics = list(self._groups)
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.zcard(self._delayed)
            for topic in topics:
                pipe.xinfo_groups(self.stream(topic))
                pipe.xinfo_stream(self.stream(topic))
            replies = await pipe.execute()
        if int(replies[0]):
            return False
        for index, topic in enumerate(topics):
            groups, stream = replies[1 + 2 * index], replies[2 + 2 * index]
            mine = set(self._groups[topic])
            if any(int(g["pending"]) for g in groups if _text(g["name"]) in mine):
                return False
            if any(self._unread(topic, groups, stream)):
                return False
        return True

    async def _move_due_loop(self) -> None:
        """Move due retries to their streams, then sleep until the next is due, this
        process schedules one, or `_MOVER_IDLE` passes (an idle bus sends one command a
        second, not fifty)."""
        while not self._stopping.is_set():
            self._retry_added.clear()
            try:
                moved, first = await self._move_due(keys=[self._delayed], args=[time.time(), 200])
            except (RedisError, OSError) as exc:
                log.warning("redis retry mover failed", extra={"error": str(exc)})
                await self._pause(0.5)
                continue
            if int(moved):
                continue  # more may be due
            wait = _MOVER_IDLE if not first else float(first) - time.time()
            if wait > 0:
                await self._wait_for_retry(min(wait, _MOVER_IDLE))

    async def _wait_for_retry(self, seconds: float) -> None:
        """Sleep `seconds`, or less if this process schedules a retry or the bus closes."""
        added = asyncio.ensure_future(self._retry_added.wait())
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait((added, stopping), timeout=seconds, return_when="FIRST_COMPLETED")
        finally:
            added.cancel()
            stopping.cancel()

    async def _trim_loop(self) -> None:
        """Trim each stream to the oldest entry any of its groups still needs."""
        while not self._stopping.is_set():
            await self._pause(2.0)
            for topic in list(self._groups):
                with contextlib.suppress(RedisError, OSError):
                    await self._trim(topic)

    async def _trim(self, topic: str) -> None:
        stream = self.stream(topic)
        groups = await self.client.xinfo_groups(stream)
        needed: list[tuple[int, int]] = []
        for group in groups:
            pending = await self.client.xpending(stream, group["name"])
            oldest = pending.get("min") if pending and pending.get("pending") else None
            if oldest is not None:
                needed.append(_id(oldest))
            else:
                ms, seq = _id(group["last-delivered-id"])
                needed.append((ms, seq + 1))
        if needed:
            ms, seq = min(needed)
            await self.client.xtrim(stream, minid=f"{ms}-{seq}", approximate=False)


class RedisLeases:
    """Work recorded under this Redis data set's epoch keeps its events until Redis
    loses its data; then the epoch changes and that work is known to be lost. Work a
    process holds before its events are in Redis is leased to the process (`processes`:
    leases in the project's database)."""

    def __init__(self, bus: RedisBus, processes: Leases) -> None:
        self._bus = bus
        self._processes = processes

    @property
    def owner(self) -> str:
        return f"{_EPOCH_OWNER}{self._bus.epoch}"

    @property
    def process(self) -> str:
        return self._processes.process

    async def start(self) -> None:
        await self._processes.start()  # the bus reads the epoch when it starts

    async def alive(self, owners: Iterable[str]) -> set[str]:
        wanted = set(owners)
        epochs = {owner for owner in wanted if owner.startswith(_EPOCH_OWNER)}
        found = await self._processes.alive(wanted - epochs) if wanted - epochs else set()
        if epochs:
            try:
                await self._bus._check_epoch()
            except (RedisError, OSError):
                return found | epochs  # cannot tell: take nothing
            found |= epochs & {self.owner}
        return found

    async def aclose(self) -> None:
        await self._processes.aclose()


class RedisLocks:
    def __init__(self, client: Redis, namespace: str) -> None:
        self.client = client
        self.ns = namespace
        self._name = f"{socket.gethostname()}-{os.getpid()}"

    @classmethod
    def from_settings(cls, settings: Settings) -> RedisLocks:
        return cls(client_for(settings.bus, max_connections=4), settings.redis_namespace)

    async def acquire_once(self, key: str, ttl: float) -> bool:
        """True for exactly one caller of `key` among all processes, for `ttl` seconds."""
        return bool(
            await self.client.set(f"{self.ns}:once:{key}", self._name, nx=True, ex=max(1, int(ttl)))
        )

    async def aclose(self) -> None:
        await self.client.aclose()


class RedisDeadLetters:
    def __init__(self, client: Redis, namespace: str) -> None:
        self.client = client
        self.key = f"{namespace}:dlq"

    def add_to(self, pipe: Any, event: Event, step: str, error: str, traceback: str = "") -> None:
        pipe.xadd(self.key, _letter_fields(event, step, error, traceback))

    async def add(self, event: Event, step: str, error: str, traceback: str = "") -> DeadLetter:
        fields = _letter_fields(event, step, error, traceback)
        entry_id = await self.client.xadd(self.key, fields)  # type: ignore[arg-type]  # str keys
        return _letter(entry_id, {k.encode(): v for k, v in fields.items()})

    async def list(self, limit: int = 100, offset: int = 0) -> Sequence[DeadLetter]:
        entries: Any = await self.client.xrange(self.key, count=min(offset + limit, MAX_ROW))
        return [_letter(entry_id, fields) for entry_id, fields in entries[offset:]]

    async def get(self, letter_id: str) -> DeadLetter | None:
        try:
            entries: Any = await self.client.xrange(self.key, letter_id, letter_id)
        except ResponseError:  # not a stream id
            return None
        return _letter(*entries[0]) if entries else None

    async def take(self, ids: Sequence[str] | None = None) -> Sequence[DeadLetter]:
        entries: Any = []
        if ids is None:
            entries = await self.client.xrange(self.key)
        else:
            for entry_id in dict.fromkeys(ids):
                try:
                    entries += await self.client.xrange(self.key, entry_id, entry_id)
                except ResponseError:
                    continue
        letters = [_letter(entry_id, fields) for entry_id, fields in entries]
        if entries:
            await self.client.xdel(self.key, *[entry_id for entry_id, _ in entries])
        return letters

    async def purge(self, ids: Sequence[str] | None = None) -> int:
        return len(await self.take(ids))

    async def count(self) -> int:
        return int(await self.client.xlen(self.key))

    async def aclose(self) -> None:
        return None


class RedisState:
    """State as one hash per group, shared by every process on the same Redis."""

    def __init__(self, client: Redis, namespace: str) -> None:
        self.client = client
        self.ns = namespace

    @classmethod
    def from_settings(cls, settings: Settings) -> RedisState:
        return cls(client_for(settings.bus), settings.redis_namespace)

    def _key(self, group: str) -> str:
        return f"{self.ns}:state:{group}"

    async def get(self, group: str, key: str) -> Any | None:
        raw = await self.client.hget(self._key(group), key)
        return None if raw is None else json.loads(raw)

    async def set(self, group: str, key: str, value: Any) -> None:
        await self.client.hset(self._key(group), key, encode(value))

    async def delete(self, group: str, key: str) -> None:
        await self.client.hdel(self._key(group), key)

    async def get_group(self, group: str) -> dict[str, Any]:
        raw = await self.client.hgetall(self._key(group))
        return {_text(k): json.loads(v) for k, v in sorted(raw.items())}

    async def groups(self) -> dict[str, int]:
        prefix = self._key("")
        found: dict[str, int] = {}
        async for key in self.client.scan_iter(match=f"{_glob_escaped(prefix)}*", count=500):
            found[_text(key)[len(prefix) :]] = int(await self.client.hlen(key))
        return dict(sorted(found.items()))

    async def clear(self, group: str) -> None:
        await self.client.delete(self._key(group))

    async def aclose(self) -> None:
        await self.client.aclose()


def _letter_fields(event: Event, step: str, error: str, traceback: str) -> dict[str, str]:
    return {
        "event_id": event.id,
        "topic": event.topic,
        "step": step,
        "data": to_json(letter_data(event)).decode(),
        "error": error,
        "traceback": traceback,
        "attempts": str(event.attempt),
        "trace_id": event.trace_id,
        "failed_at": repr(time.time()),
        "parent_span": event.parent_span or "",
    }


def _letter(entry_id: bytes | str, fields: dict[bytes, Any]) -> DeadLetter:
    value = {_text(k): _text(v) for k, v in fields.items()}
    return DeadLetter(
        id=_text(entry_id),
        event_id=value["event_id"],
        topic=value["topic"],
        step=value["step"],
        data=json.loads(value["data"]),
        error=value["error"],
        attempts=int(value["attempts"]),
        trace_id=value["trace_id"],
        failed_at=float(value["failed_at"]),
        traceback=value.get("traceback", ""),
        parent_span=value.get("parent_span") or None,
    )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _id(value: bytes | str) -> tuple[int, int]:
    ms, _, seq = _text(value).partition("-")
    return int(ms), int(seq or 0)
