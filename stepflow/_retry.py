"""Waiting before a retry: exponential back-off with jitter, and `Retry-After`.

Why not tenacity or stamina: the runtime does not retry in a loop (a failed event goes
back to the bus with a delay, so the worker is free meanwhile), and the HTTP callers
need to honour a server's `Retry-After` between attempts. What they share is the delay,
which is this function; the loops stay where their stop conditions are."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping
from datetime import UTC

_random = random.Random()


def retry_delay(attempt: int, base: float, cap: float) -> float:
    """Seconds to wait after failed attempt `attempt` (1, 2, …): `base * 2**(attempt-1)`,
    at most `cap`, with "equal jitter" (a uniform draw from the upper half), so that many
    callers failing at once do not retry in step."""
    ceiling = min(cap, base * 2.0 ** (max(1, attempt) - 1))
    return ceiling / 2 + _random.uniform(0, ceiling / 2)


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from `retry-after-ms` or `Retry-After` (seconds or an HTTP date),
    or None when absent or unreadable. `headers` is case-insensitive (httpx, Starlette)
    or has lower-case keys."""
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            return max(0.0, float(value) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)
