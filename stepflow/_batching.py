"""A micro-batcher: many concurrent callers, one flush per batch.

    batcher = Batcher(write_rows, max_size=500, max_delay=0.02)
    await batcher.submit(row)   # returns once the batch holding `row` was flushed

A batch is flushed when it reaches `max_size`, or `max_delay` seconds after its first
item; with `max_delay=0`, on the event loop's next turn, so it holds what concurrent
callers submitted meanwhile and a lone caller hardly waits. If the flush raises, every
caller of that batch gets the exception."""

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
        self._done: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | asyncio.Handle | None = None
        self._flushing: set[asyncio.Task[None]] = set()

    async def submit(self, item: T) -> None:
        loop = asyncio.get_running_loop()
        if self._done is None:
            self._done = loop.create_future()
            if self._max_delay > 0:
                self._timer = loop.call_later(self._max_delay, self._cut)
            else:
                self._timer = loop.call_soon(self._cut)
        done = self._done
        self._items.append(item)
        if len(self._items) >= self._max_size:
            self._cut()
        await asyncio.shield(done)

    async def aclose(self) -> None:
        """Flush what is waiting, and wait for flushes in progress."""
        self._cut()
        if self._flushing:
            await asyncio.gather(*self._flushing, return_exceptions=True)

    def _cut(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        items, done = self._items, self._done
        self._items, self._done = [], None
        if not items or done is None:
            return
        task = asyncio.get_running_loop().create_task(self._run(items, done))
        self._flushing.add(task)
        task.add_done_callback(self._flushing.discard)

    async def _run(self, items: list[T], done: asyncio.Future[None]) -> None:
        try:
            await self._flush(items)
        except Exception as exc:
            if not done.done():
                done.set_exception(exc)
            return
        if not done.done():
            done.set_result(None)
