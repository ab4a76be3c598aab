"""The PostgreSQL `Database`, on asyncpg.

Why asyncpg rather than psycopg 3: it is asyncio-native end to end, its `executemany`
pipelines the whole batch in one round trip (the store's batched upserts), it speaks `$1`
parameters (the form our SQL is written in), and it is the fastest Python driver in
published comparisons. A pool of `database_pool_size` connections is made on first use;
if PostgreSQL is down then, the next statement tries again."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from typing import Any

import asyncpg

from ._database import Connection, Dialect, Migration, Row, apply_migrations, redacted
from ._errors import Unavailable

_MIGRATION_LOCK = zlib.crc32(b"stepflow_schema")
# SQLSTATE classes that mean "the server, not the statement": connection exceptions,
# insufficient resources, operator intervention, system errors; and read-only state.
_UNAVAILABLE_CLASSES = ("08", "53", "57", "58")
_UNAVAILABLE_STATES = {"25006"}


@contextmanager
def _mapped(what: str) -> Iterator[None]:
    try:
        yield
    except asyncpg.PostgresError as exc:
        state = str(getattr(exc, "sqlstate", "") or "")
        if state[:2] in _UNAVAILABLE_CLASSES or state in _UNAVAILABLE_STATES:
            raise Unavailable(what, str(exc)) from exc
        raise
    except (OSError, asyncpg.InterfaceError, TimeoutError) as exc:
        raise Unavailable(what, str(exc) or type(exc).__name__) from exc


class _PostgresConnection:
    def __init__(self, conn: Any, what: str) -> None:
        self._conn = conn  # a connection, or the pool (which has the same methods)
        self._what = what

    async def execute(self, sql: str, *args: Any) -> None:
        with _mapped(self._what):
            await self._conn.execute(sql, *args)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with _mapped(self._what):
            await self._conn.executemany(sql, rows)

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        with _mapped(self._what):
            return list(await self._conn.fetch(sql, *args))

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        with _mapped(self._what):
            row: Row | None = await self._conn.fetchrow(sql, *args)
            return row

    async def fetchval(self, sql: str, *args: Any) -> Any:
        with _mapped(self._what):
            return await self._conn.fetchval(sql, *args)


class PostgresDatabase:
    """A pool of connections to one PostgreSQL database."""

    dialect: Dialect = "postgresql"

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.dsn = url
        self.url = redacted(url)
        self.pool_size = pool_size
        self._what = f"the database {self.url}"
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()
        self._ensured: set[str] = set()

    async def _connected(self) -> asyncpg.Pool:
        if self._pool is not None:
            return self._pool
        async with self._opening:
            if self._pool is None:
                with _mapped(self._what):
                    self._pool = await asyncpg.create_pool(
                        self.dsn,
                        min_size=1,
                        max_size=self.pool_size,
                        timeout=10,
                        command_timeout=60,
                    )
        return self._pool

    async def _on_pool(self) -> _PostgresConnection:
        return _PostgresConnection(await self._connected(), self._what)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        pool = await self._connected()
        with _mapped(self._what):
            conn = await pool.acquire(timeout=30)
        try:
            with _mapped(self._what):
                transaction = conn.transaction()
                await transaction.start()
            try:
                yield _PostgresConnection(conn, self._what)
            except BaseException:
                # The error that got us here is the one to report.
                with suppress(Exception):
                    await transaction.rollback()
                raise
            with _mapped(self._what):
                await transaction.commit()
        finally:
            await pool.release(conn)

    async def execute(self, sql: str, *args: Any) -> None:
        await (await self._on_pool()).execute(sql, *args)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await (await self._on_pool()).executemany(sql, rows)

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        return await (await self._on_pool()).fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        return await (await self._on_pool()).fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return await (await self._on_pool()).fetchval(sql, *args)

    async def ensure(self, component: str, migrations: Sequence[Migration]) -> None:
        if component in self._ensured:
            return
        async with self.transaction() as tx:
            # One migrator at a time across every process sharing the database.
            await tx.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
            await apply_migrations(tx, self.dialect, self.url, component, migrations)
        self._ensured.add(component)

    async def aclose(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            self._ensured.clear()
            await pool.close()
