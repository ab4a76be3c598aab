"""A shared aiosqlite connection: opened lazily, WAL, schema applied once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite


class Database:
    """One connection per store. Reads and transactions on it take turns (a lock):
    statements of concurrent tasks never interleave, and no read sees a write
    transaction half done."""

    def __init__(
        self,
        path: Path | str,
        schema: str = "",
        migrate: Callable[[aiosqlite.Connection], Awaitable[None]] | None = None,
    ) -> None:
        self.path = str(path)
        self._schema = schema
        self._migrate = migrate
        self._conn: aiosqlite.Connection | None = None
        self._opening = asyncio.Lock()
        self._turn = asyncio.Lock()

    async def connection(self) -> aiosqlite.Connection:
        if self._conn is not None:
            return self._conn
        async with self._opening:
            if self._conn is None:
                conn = await open_database(self.path, self._schema)
                if self._migrate is not None:
                    await self._migrate(conn)
                self._conn = conn
        return self._conn

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection, for reads only, while no other task uses it."""
        conn = await self.connection()
        async with self._turn:
            yield conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """`BEGIN IMMEDIATE` … `COMMIT`, or `ROLLBACK` when the body raises."""
        conn = await self.connection()
        async with self._turn:
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.rollback()
                raise
            await conn.commit()

    async def aclose(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()


async def open_database(path: str, schema: str = "") -> aiosqlite.Connection:
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(path, isolation_level=None, timeout=30)
    try:
        if path != ":memory:":
            await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA busy_timeout=30000")
        if schema:
            await conn.executescript(schema)
    except BaseException:
        await conn.close()
        raise
    return conn
