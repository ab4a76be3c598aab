"""Leases: which process (or event store) is responsible for work, and whether it lives.

Work a flow accepts (a pending row, say) records `leases.process` while this process
holds it in hand, and `leases.owner` once its events are published: where the events
that will finish it are kept. With the memory bus both are this process, which renews a
lease in the project's database while it runs; with the Redis bus the owner is the Redis
data set (an epoch, renewed when Redis loses its data). Work whose owner is no longer
`alive` has lost its events (a process that died between recording work and publishing
it, a Redis that lost its data), and a flow can take it over at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Iterable
from typing import Protocol

from ._database import Database, Migration
from ._errors import Unavailable

log = logging.getLogger("stepflow.leases")


class Leases(Protocol):
    @property
    def owner(self) -> str:
        """The owner to record on work whose events are published. Read it before
        publishing them: it changes when the store that keeps them loses its data, and
        work recorded under the new owner must not be work whose events the old lost."""
        ...

    @property
    def process(self) -> str:
        """This process: the owner to record on work until its events are published."""
        ...

    async def start(self) -> None: ...

    async def alive(self, owners: Iterable[str]) -> set[str]:
        """Those of `owners` that still hold their events. When that cannot be told
        (the database is down), all of them: work is never taken from a live owner."""
        ...

    async def aclose(self) -> None: ...


MIGRATIONS: list[Migration] = [
    {
        "sqlite": "CREATE TABLE IF NOT EXISTS stepflow_leases ("
        " owner TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL,"
        " started_at REAL NOT NULL, renewed_at REAL NOT NULL)",
        "postgresql": "CREATE TABLE IF NOT EXISTS stepflow_leases ("
        " owner TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL,"
        " started_at DOUBLE PRECISION NOT NULL, renewed_at DOUBLE PRECISION NOT NULL)",
    },
]


class DatabaseLeases:
    """A lease per process in the project's database, renewed every `ttl / 3` seconds."""

    def __init__(self, database: Database, ttl: float = 10.0) -> None:
        self.database = database
        self.ttl = ttl
        self.owner = f"{socket.gethostname()}-{os.getpid()}-{os.urandom(4).hex()}"
        self._renewing: asyncio.Task[None] | None = None
        self._written = False
        """Whether this process's lease row exists (so closing has one to delete)."""

    @property
    def process(self) -> str:
        return self.owner  # events in this process's memory: the same owner

    async def start(self) -> None:
        if self._renewing is None:
            self._renewing = asyncio.create_task(self._renew_loop(), name="stepflow:lease")

    async def alive(self, owners: Iterable[str]) -> set[str]:
        wanted = set(owners)
        if not wanted or wanted == {self.owner}:
            return wanted
        try:
            await self.database.ensure("leases", MIGRATIONS)
            rows = await self.database.fetch(
                "SELECT owner FROM stepflow_leases WHERE renewed_at >= $1",
                time.time() - self.ttl,
            )
        except Unavailable:
            return wanted
        return wanted & ({row[0] for row in rows} | {self.owner})

    async def _renew(self) -> None:
        now = time.time()
        await self.database.ensure("leases", MIGRATIONS)
        await self.database.execute(
            "INSERT INTO stepflow_leases (owner, host, pid, started_at, renewed_at)"
            " VALUES ($1, $2, $3, $4, $4)"
            " ON CONFLICT (owner) DO UPDATE SET renewed_at = excluded.renewed_at",
            self.owner,
            socket.gethostname(),
            os.getpid(),
            now,
        )
        self._written = True

    async def _renew_loop(self) -> None:
        while True:
            try:
                await self._renew()
            except Unavailable as exc:
                log.warning("renewing the lease failed; retrying", extra={"error": str(exc)})
            except Exception:  # a bug here must not leave this process looking dead
                log.exception("renewing the lease failed; retrying")
            await asyncio.sleep(self.ttl / 3)

    async def aclose(self) -> None:
        if self._renewing is not None:
            self._renewing.cancel()
            await asyncio.gather(self._renewing, return_exceptions=True)
            self._renewing = None
        if self._written:
            self._written = False
            with contextlib.suppress(Unavailable):  # else it lapses after `ttl`
                await self.database.execute(
                    "DELETE FROM stepflow_leases WHERE owner = $1", self.owner
                )
