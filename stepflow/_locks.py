"""Locks that let exactly one process do a thing: a cron firing, say."""

from __future__ import annotations

import time
from typing import Protocol


class Locks(Protocol):
    async def acquire_once(self, key: str, ttl: float) -> bool:
        """True for exactly one caller of `key` among the processes sharing these locks,
        for `ttl` seconds."""
        ...

    async def aclose(self) -> None: ...


class MemoryLocks:
    """Locks for one process (the memory bus has no other process to race)."""

    def __init__(self) -> None:
        self._held: dict[str, float] = {}

    async def acquire_once(self, key: str, ttl: float) -> bool:
        now = time.monotonic()
        if self._held.get(key, 0.0) > now:
            return False
        self._held = {k: until for k, until in self._held.items() if until > now}
        self._held[key] = now + ttl
        return True

    async def aclose(self) -> None:
        self._held.clear()
