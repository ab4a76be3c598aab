"""The SQLite `Database`: one connection in WAL mode on a thread of its own, turns taken.

SQLite has one writer at a time anyway; taking turns on one connection (an asyncio lock)
makes concurrent tasks wait in the event loop instead of in SQLite's busy handler. Other
processes on the same file wait for the file lock (`busy_timeout`). A SELECT outside a
transaction goes to a second, read-only connection on a thread of its own, without
waiting for a turn: WAL lets it read beside the writer, and it sees only what was
committed, never another task's transaction half done. (`:memory:` has one connection.)

Every call into the connection is a trip to its thread and back, and on a busy loop a
trip waits for the thread to get the GIL and for the loop to come round (1-2 ms on
average under the classify flow's load), all while the turn is held. So a transaction
makes as few trips as it can: its writes are sent together with whatever comes next (a
read, or the COMMIT), BEGIN with them; a transaction that only writes is one trip. A
write that fails raises at that next trip, still inside the transaction, which is rolled
back. (aiosqlite, used before, makes a trip per call, three for a read, and cannot send
several: the classify flow's batch took five trips, now two.)"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager, suppress
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from ._database import Connection, Dialect, Migration, Row, apply_migrations
from ._errors import Unavailable

T = TypeVar("T")

_PARAMETER = re.compile(r"\$(\d+)")
_SELECT = re.compile(r"\s*select\b", re.IGNORECASE)
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


# What a transaction has yet to send: (sql, parameters, many).
_Write = tuple[str, Any, bool]


def _run_writes(conn: sqlite3.Connection, writes: Sequence[_Write]) -> None:
    for sql, parameters, many in writes:
        if many:
            conn.executemany(sql, parameters)
        else:
            conn.execute(sql, parameters)


def _writes_then_fetch(
    conn: sqlite3.Connection, writes: Sequence[_Write], sql: str, parameters: Sequence[Any]
) -> list[Row]:
    _run_writes(conn, writes)
    return _fetch(conn, sql, parameters)


def _fetch(conn: sqlite3.Connection, sql: str, parameters: Sequence[Any]) -> list[Row]:
    return conn.execute(sql, parameters).fetchall()


def _writes_then_commit(conn: sqlite3.Connection, writes: Sequence[_Write]) -> None:
    _run_writes(conn, writes)
    if conn.in_transaction:
        conn.execute("COMMIT")


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


class _Thread:
    """The connection's thread: calls run there one at a time, in the order made. It
    starts with the first call and ends with `shutdown` (a later call starts another)."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._executor: ThreadPoolExecutor | None = None

    async def run(self, what: str, function: Callable[..., T], *args: Any) -> T:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix=self._name)
        loop = asyncio.get_running_loop()
        with _mapped(what):
            return await loop.run_in_executor(self._executor, function, *args)

    def shutdown(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False)  # its last call is done: it ends at once


class _Rows(ABC):
    """`fetchrow` and `fetchval` made of `fetch` (one trip either way; their queries are
    of one row)."""

    @abstractmethod
    async def fetch(self, sql: str, *args: Any) -> list[Row]: ...

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, *args: Any) -> Any:
        row = await self.fetchrow(sql, *args)
        return None if row is None else row[0]


class _SqliteConnection(_Rows):
    """One turn on the connection: a transaction (writes held until the next trip), or
    single statements each its own transaction (autocommit)."""

    def __init__(
        self, thread: _Thread, conn: sqlite3.Connection, what: str, transaction: bool
    ) -> None:
        self._thread = thread
        self._conn = conn
        self._what = what
        self._transaction = transaction
        self._writes: list[_Write] = [("BEGIN IMMEDIATE", (), False)] if transaction else []

    async def execute(self, sql: str, *args: Any) -> None:
        self._writes.append((_sql(sql), args, False))
        if not self._transaction:
            await self._send()

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._writes.append((_sql(sql), list(rows), True))  # as they are now
        if not self._transaction:
            await self._send()

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        writes, self._writes = self._writes, []
        return await self._thread.run(
            self._what, _writes_then_fetch, self._conn, writes, _sql(sql), args
        )

    async def _send(self) -> None:
        writes, self._writes = self._writes, []
        if len(writes) == 1 and not writes[0][2]:
            await self._thread.run(self._what, self._conn.execute, writes[0][0], writes[0][1])
        else:  # many rows outside a transaction still commit together
            await self._thread.run(self._what, _in_transaction, self._conn, writes)

    async def commit(self) -> None:
        writes, self._writes = self._writes, []
        await self._thread.run(self._what, _writes_then_commit, self._conn, writes)

    async def rollback(self) -> None:
        self._writes = []
        await self._thread.run(self._what, _rollback, self._conn)


def _in_transaction(conn: sqlite3.Connection, writes: Sequence[_Write]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        _writes_then_commit(conn, writes)
    except BaseException:
        _rollback(conn)
        raise


class SqliteDatabase(_Rows):
    """A SQLite file (or `:memory:`), opened on first use."""

    dialect: Dialect = "sqlite"

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.url = self.path
        self._what = f"the database {self.path}"
        self._thread = _Thread("stepflow-sqlite")
        self._conn: sqlite3.Connection | None = None
        self._reads = _Thread("stepflow-sqlite-reads")
        self._reader: sqlite3.Connection | None = None
        self._opening: asyncio.Future[sqlite3.Connection] | None = None
        self._turn = asyncio.Lock()
        self._ensured: set[str] = set()

    async def _connection(self) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        if self._opening is None:
            self._opening = asyncio.ensure_future(self._open())
            self._opening.add_done_callback(self._opened)
        # Shielded: a caller cancelled while the connection opens (a runtime stopping
        # early) leaves it to open, and `aclose` to close, rather than leaving the
        # connection's thread to answer a loop that may be gone by then.
        return await asyncio.shield(self._opening)

    def _opened(self, opening: asyncio.Future[sqlite3.Connection]) -> None:
        if (opening.cancelled() or opening.exception()) and self._opening is opening:
            self._opening = None  # the next caller tries again

    async def _open(self) -> sqlite3.Connection:
        conn = await self._thread.run(self._what, _open, self.path, False)
        if self.path != ":memory:":
            try:
                self._reader = await self._reads.run(self._what, _open, self.path, True)
            except BaseException:
                await self._thread.run(self._what, conn.close)
                raise
        self._conn = conn
        return conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        conn = await self._connection()
        async with self._turn:
            tx = _SqliteConnection(self._thread, conn, self._what, transaction=True)
            try:
                yield tx
                await tx.commit()
            except BaseException:
                # The error that got us here is the one to report.
                with suppress(Unavailable, sqlite3.Error):
                    await tx.rollback()
                raise

    @asynccontextmanager
    async def _single(self) -> AsyncIterator[_SqliteConnection]:
        conn = await self._connection()
        async with self._turn:
            yield _SqliteConnection(self._thread, conn, self._what, transaction=False)

    async def execute(self, sql: str, *args: Any) -> None:
        async with self._single() as conn:
            await conn.execute(sql, *args)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self._single() as conn:
            await conn.executemany(sql, rows)

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        await self._connection()
        reader = self._reader
        if reader is not None and _SELECT.match(sql):
            return await self._reads.run(self._what, _fetch, reader, _sql(sql), args)
        async with self._single() as conn:  # a write that returns rows, or `:memory:`
            return await conn.fetch(sql, *args)

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
            reader, self._reader = self._reader, None
            async with self._turn:
                try:
                    await self._thread.run(self._what, conn.close)
                    if reader is not None:
                        await self._reads.run(self._what, reader.close)
                finally:
                    self._thread.shutdown()
                    self._reads.shutdown()


def _open(path: str, reader: bool) -> sqlite3.Connection:
    """The writer's connection (it makes the file and puts it in WAL mode), or with
    `reader` the read-only one opened after it."""
    if path != ":memory:" and not reader:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
    try:
        conn.row_factory = sqlite3.Row
        if reader:
            conn.execute("PRAGMA query_only=ON")
        else:
            if path != ":memory:":
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
    except BaseException:
        conn.close()
        raise
    return conn
