"""The bus protocol and the in-memory bus.

A bus moves events from publishers to subscriptions (one per topic × step). The runtime
owns handler execution, retries and dead-lettering policy; a bus only stores, delivers,
acknowledges, re-delivers later, and hands dead letters to their store. Locks, leases
and stores are not a bus's business: see `_locks.py`, `_leases.py` and the stores.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import defaultdict
from collections.abc import Coroutine, Sequence
from typing import Any, Protocol

from ._deadletters import DeadLetterStore
from ._events import Delivery, Event, Subscription
from ._queue import BoundedQueue


class Bus(Protocol):
    drain_on_stop: bool
    """True when queued events live only in this process, so stopping must drain them."""

    async def start(self, subscriptions: Sequence[Subscription]) -> None:
        """Prepare queues (or streams and groups) for these subscriptions."""
        ...

    async def publish(self, event: Event, *, only_step: str | None = None) -> None:
        """Deliver to every subscriber of `event.topic` (or just `only_step`).

        Waits while a subscriber's queue is full: that is the back-pressure. Raises
        `Unavailable` when the event cannot be stored."""
        ...

    async def receive(self, subscription: Subscription) -> Delivery:
        """The next delivery for this subscription; waits for one. Cancelling a wait
        loses nothing."""
        ...

    def ready(self, subscription: Subscription, limit: int) -> list[Delivery]:
        """Up to `limit` deliveries available at once, without waiting (for batches)."""
        ...

    async def ack(self, delivery: Delivery) -> None:
        """The handler succeeded: forget the delivery."""
        ...

    async def nack(self, delivery: Delivery, delay: float, attempt: int | None = None) -> None:
        """Deliver again after `delay` seconds, as `attempt` (by default one higher)."""
        ...

    async def dead_letter(self, delivery: Delivery, error: str, traceback: str = "") -> None:
        """Hand the delivery to the dead-letter store and settle it, both or neither."""
        ...

    async def release(self, delivery: Delivery, delay: float) -> None:
        """Give back a delivery that could not be settled (its ack, retry or dead letter
        failed to be written): it is delivered again later, with the same attempt."""
        ...

    async def wait_idle(self) -> None:
        """Return once nothing is queued, waiting for a retry, or being handled."""
        ...

    def depth(self, subscription: Subscription) -> int:
        """Events waiting in this subscription's queue (0 when unknown)."""
        ...

    async def aclose(self) -> None: ...


class MemoryBus:
    """Bounded asyncio queues in this process; dead letters go to `dead_letters`.

    A queue (`BoundedQueue`) holds the deliveries themselves, made once as they are
    published, so that receiving is the queue's own `get`: no coroutine around it."""

    drain_on_stop = True

    def __init__(self, dead_letters: DeadLetterStore, *, queue_size: int = 1_000) -> None:
        self._dead_letters = dead_letters
        self._queue_size = queue_size
        self._queues: dict[Subscription, BoundedQueue[Delivery]] = {}
        self._by_topic: dict[str, list[tuple[Subscription, BoundedQueue[Delivery]]]] = defaultdict(
            list
        )
        self._outstanding = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._timers: set[asyncio.TimerHandle] = set()
        self._requeues: set[asyncio.Task[None]] = set()

    async def start(self, subscriptions: Sequence[Subscription]) -> None:
        for sub in subscriptions:
            if sub not in self._queues:
                queue: BoundedQueue[Delivery] = BoundedQueue(self._queue_size)
                self._queues[sub] = queue
                self._by_topic[sub.topic].append((sub, queue))

    async def publish(self, event: Event, *, only_step: str | None = None) -> None:
        targets = self._by_topic.get(event.topic, ())
        if only_step is not None:
            targets = [(sub, queue) for sub, queue in targets if sub.step == only_step]
        for sub, queue in targets:
            delivery = Delivery(event, sub)
            if not self._outstanding:
                self._idle.clear()
            self._outstanding += 1
            try:
                queue.put_nowait(delivery)
            except asyncio.QueueFull:
                try:
                    await queue.put(delivery)
                except BaseException:
                    self._settle()
                    raise

    def receive(self, subscription: Subscription) -> Coroutine[Any, Any, Delivery]:
        return self._queues[subscription].get()

    def ready(self, subscription: Subscription, limit: int) -> list[Delivery]:
        queue = self._queues[subscription]
        found: list[Delivery] = []
        while len(found) < limit and not queue.empty():
            found.append(queue.get_nowait())
        return found

    async def ack(self, delivery: Delivery) -> None:
        self._outstanding -= 1  # _settle inlined: once per event
        if not self._outstanding:
            self._idle.set()

    async def nack(self, delivery: Delivery, delay: float, attempt: int | None = None) -> None:
        event = delivery.event
        if attempt is None:
            attempt = event.attempt + 1
        again = Delivery(dataclasses.replace(event, attempt=attempt), delivery.subscription)
        self._later(again, delay)

    async def release(self, delivery: Delivery, delay: float) -> None:
        self._later(delivery, delay)

    async def dead_letter(self, delivery: Delivery, error: str, traceback: str = "") -> None:
        step = delivery.subscription.step
        await self._dead_letters.add(delivery.event, step, error, traceback)
        self._settle()  # only once the letter is written

    async def wait_idle(self) -> None:
        await self._idle.wait()

    def depth(self, subscription: Subscription) -> int:
        queue = self._queues.get(subscription)
        return queue.qsize() if queue is not None else 0

    async def aclose(self) -> None:
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        for task in self._requeues:
            task.cancel()
        await asyncio.gather(*self._requeues, return_exceptions=True)

    def _later(self, delivery: Delivery, delay: float) -> None:
        """Put `delivery` back on its subscription's queue after `delay` seconds."""
        queue = self._queues[delivery.subscription]
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle

        def requeue() -> None:
            self._timers.discard(handle)
            try:
                queue.put_nowait(delivery)
            except asyncio.QueueFull:
                # Never block the timer: a task waits for room like any publisher.
                task = loop.create_task(queue.put(delivery))
                self._requeues.add(task)
                task.add_done_callback(self._requeues.discard)

        handle = loop.call_later(max(0.0, delay), requeue)
        self._timers.add(handle)

    def _settle(self) -> None:
        self._outstanding -= 1
        if self._outstanding == 0:
            self._idle.set()
