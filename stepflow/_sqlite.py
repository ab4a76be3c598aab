"""The SQLite `Database`: one aiosqlite connection in WAL mode, statements taking turns.

SQLite has one writer at a time anyway; taking turns on one connection (an asyncio lock)
makes concurrent tasks wait in the event loop instead of in SQLite's busy handler, and no
read sees another task's transaction half done. Other processes on the same file wait
for the file lock (`busy_timeout`)."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from functools import lru_cache
from pathlib import Path
from typing import Any

import aiosqlite

from ._database import Connection, Dialect, Migration, Row, apply_migrations
from ._errors import Unavailable

_PARAMETER = re.compile(r"\$(\d+)")
# What SQLite says when the file, not the statement, is the trouble.
_UNAVAILABLE = (
    "database is locked",
    "disk i/o error",
    "readonly database",
    "unable to open database",
    "database or disk is full",
    "database disk image is malformed",
    "cannot commit",
    "no such savepoint",
)


@lru_cache(maxsize=512)
def _sql(statement: str) -> str:
    """`$1` parameters as SQLite's numbered `?1`."""
    return _PARAMETER.sub(r"?\1", statement)


@contextmanager
def _mapped(what: str) -> Iterator[None]:
    try:
        yield
    except sqlite3.OperationalError as exc:
        message = str(exc)
        if any(marker in message.lower() for marker in _UNAVAILABLE):
            raise Unavailable(what, message) from exc
        raise
    except (sqlite3.DatabaseError, OSError) as exc:
        if isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError):
            raise
        raise Unavailable(what, str(exc)) from exc


class _SqliteConnection:
    def __init__(self, conn: aiosqlite.Connection, what: str) -> None:
        self._conn = conn
        self._what = what

    async def execute(self, sql: str, *args: Any) -> None:
        with _mapped(self._what):
            await self._conn.execute(_sql(sql), args)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with _mapped(self._what):
            await self._conn.executemany(_sql(sql), rows)

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        with _mapped(self._what):
            async with self._conn.execute(_sql(sql), args) as cursor:
                return list(await cursor.fetchall())

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        with _mapped(self._what):
            async with self._conn.execute(_sql(sql), args) as cursor:
                row: Row | None = await cursor.fetchone()
                return row

    async def fetchval(self, sql: str, *args: Any) -> Any:
        row = await self.fetchrow(sql, *args)
        return None if row is None else row[0]


class SqliteDatabase:
    """A SQLite file (or `:memory:`), opened on first use."""

    dialect: Dialect = "sqlite"

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.url = self.path
        self._what = f"the database {self.path}"
        self._conn: aiosqlite.Connection | None = None
        self._opening: asyncio.Future[aiosqlite.Connection] | None = None
        self._turn = asyncio.Lock()
        self._ensured: set[str] = set()

    async def _connection(self) -> aiosqlite.Connection:
        if self._conn is not None:
            return self._conn
        if self._opening is None:
            self._opening = asyncio.ensure_future(self._open())
            self._opening.add_done_callback(self._opened)
        # Shielded: a caller cancelled while the connection opens (a runtime stopping
        # early) leaves it to open, and `aclose` to close, rather than leaving
        # aiosqlite's thread to answer a loop that may be gone by then.
        return await asyncio.shield(self._opening)

    def _opened(self, opening: asyncio.Future[aiosqlite.Connection]) -> None:
        if (opening.cancelled() or opening.exception()) and self._opening is opening:
            self._opening = None  # the next caller tries again

    async def _open(self) -> aiosqlite.Connection:
        with _mapped(self._what):
            self._conn = await _open(self.path)
        return self._conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        conn = await self._connection()
        async with self._turn:
            with _mapped(self._what):
                await conn.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteConnection(conn, self._what)
                with _mapped(self._what):
                    await conn.commit()
            except BaseException:
                if conn.in_transaction:
                    # The error that got us here is the one to report.
                    with suppress(sqlite3.Error):
                        await conn.rollback()
                raise

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[Connection]:
        conn = await self._connection()
        async with self._turn:
            yield _SqliteConnection(conn, self._what)

    async def execute(self, sql: str, *args: Any) -> None:
        async with self.transaction() as tx:
            await tx.execute(sql, *args)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self.transaction() as tx:
            await tx.executemany(sql, rows)

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        async with self._reading() as conn:
            return await conn.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        async with self._reading() as conn:
            return await conn.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        async with self._reading() as conn:
            return await conn.fetchval(sql, *args)

    async def ensure(self, component: str, migrations: Sequence[Migration]) -> None:
        if component in self._ensured:
            return
        async with self.transaction() as tx:  # BEGIN IMMEDIATE: one migrator at a time
            await apply_migrations(tx, self.dialect, self.url, component, migrations)
        self._ensured.add(component)

    async def aclose(self) -> None:
        opening, self._opening = self._opening, None
        if opening is not None:
            await asyncio.wait([opening])  # one that failed has nothing to close
        if self._conn is not None:
            conn, self._conn = self._conn, None
            self._ensured.clear()
            await conn.close()


async def _open(path: str) -> aiosqlite.Connection:
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(path, isolation_level=None, timeout=30)
    try:
        conn.row_factory = sqlite3.Row
        if path != ":memory:":
            await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA busy_timeout=30000")
    except BaseException:
        await conn.close()
        raise
    return conn
