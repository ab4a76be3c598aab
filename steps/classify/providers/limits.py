"""Client-side limits: a concurrency cap and requests/tokens-per-minute buckets.

Why not aiolimiter: its `acquire(n)` refuses an amount larger than the bucket, and one
LLM request can need more tokens than a second's worth of a tokens-per-minute budget;
this bucket lets it go when the bucket is full and leaves it in debt, so the long-run
rate holds for any request size."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class TokenBucket:
    """A token bucket refilled continuously at `rate_per_minute / 60` per second.

    It holds at most `burst_seconds` worth of tokens (at least one request's worth
    for small rates) and starts full. `acquire(n)` returns at once while tokens are
    left; otherwise it sleeps exactly until enough have accrued. Waiters are served
    in arrival order (one sleeper at a time holds the lock). A request larger than
    the bucket waits for a full bucket and leaves it in debt, so the long-run rate
    holds for any request size.
    """

    def __init__(
        self,
        rate_per_minute: float,
        *,
        burst_seconds: float = 1.0,
        min_capacity: float = 1.0,
    ) -> None:
        if rate_per_minute <= 0:
            raise ValueError("rate_per_minute must be positive")
        self.rate = rate_per_minute / 60.0
        self.capacity = max(min_capacity, self.rate * burst_seconds)
        self._tokens = self.capacity
        self._updated: float | None = None
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = time.monotonic()
        if self._updated is not None:
            elapsed = now - self._updated
            self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
        self._updated = now

    async def acquire(self, amount: float = 1.0) -> None:
        """Take `amount` tokens, waiting (without polling) until they are there."""
        async with self._lock:
            self._refill()
            needed = min(amount, self.capacity)
            if self._tokens < needed:
                await asyncio.sleep((needed - self._tokens) / self.rate)
                self._refill()
            self._tokens -= amount


class Limits:
    """The concurrency cap plus optional requests- and tokens-per-minute limits."""

    def __init__(
        self,
        concurrency: int,
        *,
        requests_per_minute: float | None = None,
        tokens_per_minute: float | None = None,
        burst_seconds: float = 1.0,
    ) -> None:
        self.capacity = asyncio.Semaphore(concurrency)
        self.requests = (
            TokenBucket(requests_per_minute, burst_seconds=burst_seconds)
            if requests_per_minute
            else None
        )
        self.tokens = (
            TokenBucket(tokens_per_minute, burst_seconds=burst_seconds)
            if tokens_per_minute
            else None
        )

    @asynccontextmanager
    async def slot(self, tokens: int = 0) -> AsyncIterator[None]:
        """Hold one concurrency slot, after paying for one request and `tokens`.

        The slot is taken first, then the rate budget, so the request goes out as
        soon as the budget allows it and the spacing is kept on the wire.
        """
        async with self.capacity:
            if self.requests is not None:
                await self.requests.acquire(1)
            if self.tokens is not None and tokens > 0:
                await self.tokens.acquire(tokens)
            yield
