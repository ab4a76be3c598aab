"""A micro-batcher: many concurrent callers, one flush per batch.

    batcher = Batcher(write_rows, max_size=500, max_delay=0.02)
    await batcher.submit(row)   # returns once the batch holding `row` was flushed

A batch is flushed when it reaches `max_size`, or `max_delay` seconds after its first
item; with `max_delay=0`, on the event loop's next turn, so it holds what concurrent
callers submitted meanwhile and a lone caller hardly waits. If the flush raises, every
caller of that batch gets the exception. A caller cancelled while it waits leaves its
item in the batch, and the batch's other callers are not disturbed: each waits on a
future of its own (cheaper than `asyncio.shield` around a shared one, which made two
futures and a callback a call: the Redis bus submits twice an event)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Batcher(Generic[T]):
    def __init__(
        self,
        flush: Callable[[list[T]], Awaitable[None]],
        *,
        max_size: int = 500,
        max_delay: float = 0.02,
    ) -> None:
        if max_size < 1:
            raise ValueError("max_size must be >= 1")
        self._flush = flush
        self._max_size = max_size
        self._max_delay = max_delay
        self._items: list[T] = []
        self._waiters: list[asyncio.Future[None]] = []
        self._timer: asyncio.TimerHandle | asyncio.Handle | None = None
        self._flushing: set[asyncio.Task[None]] = set()

    async def submit(self, item: T) -> None:
        loop = asyncio.get_running_loop()
        if not self._items:
            if self._max_delay > 0:
                self._timer = loop.call_later(self._max_delay, self._cut)
            else:
                self._timer = loop.call_soon(self._cut)
        waiter = loop.create_future()
        self._items.append(item)
        self._waiters.append(waiter)
        if len(self._items) >= self._max_size:
            self._cut()
        await waiter

    async def aclose(self) -> None:
        """Flush what is waiting, and wait for flushes in progress."""
        self._cut()
        if self._flushing:
            await asyncio.gather(*self._flushing, return_exceptions=True)

    def _cut(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        items, waiters = self._items, self._waiters
        self._items, self._waiters = [], []
        if not items:
            return
        task = asyncio.get_running_loop().create_task(self._run(items, waiters))
        self._flushing.add(task)
        task.add_done_callback(self._flushing.discard)

    async def _run(self, items: list[T], waiters: list[asyncio.Future[None]]) -> None:
        try:
            await self._flush(items)
        except Exception as exc:
            for waiter in waiters:
                if not waiter.done():  # a cancelled caller's is
                    waiter.set_exception(exc)
            return
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
