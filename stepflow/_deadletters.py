"""Dead letters: events that failed for good, kept with their error until replayed."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ._database import MAX_ROW, Database, Migration, Row
from ._events import Event


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: str
    event_id: str
    topic: str
    step: str
    data: Any
    error: str
    attempts: int
    trace_id: str
    failed_at: float
    traceback: str = ""
    parent_span: str | None = None
    """The span whose emit caused the event: a replay is delivered under it again, so the
    trace's tree keeps the replayed run where the failed one was."""

    def to_event(self) -> Event:
        return Event(
            topic=self.topic,
            data=self.data,
            trace_id=self.trace_id,
            id=self.event_id,
            parent_span=self.parent_span,
        )


class DeadLetterStore(Protocol):
    async def add(self, event: Event, step: str, error: str, traceback: str = "") -> DeadLetter:
        """Keep `event`; it must be written, or this raises."""
        ...

    async def list(self, limit: int = 100, offset: int = 0) -> Sequence[DeadLetter]:
        """Letters in the order they failed, oldest first."""
        ...

    async def get(self, letter_id: str) -> DeadLetter | None: ...

    async def take(self, ids: Sequence[str] | None = None) -> Sequence[DeadLetter]:
        """Remove and return the letters with these ids (all of them when None); ids that
        name no letter are passed over."""
        ...

    async def purge(self, ids: Sequence[str] | None = None) -> int:
        """Delete these letters (all when None); how many were deleted."""
        ...

    async def count(self) -> int: ...

    async def aclose(self) -> None: ...


def letter_data(event: Event) -> Any:
    """The event's data as JSON, whatever it holds: a dead letter is always kept."""
    return event.jsonable_data(lenient=True)


MIGRATIONS: list[Migration] = [
    {
        "sqlite": "CREATE TABLE IF NOT EXISTS stepflow_dead_letters ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL, topic TEXT NOT NULL,"
        " step TEXT NOT NULL, data TEXT NOT NULL, error TEXT NOT NULL,"
        " attempts INTEGER NOT NULL, trace_id TEXT NOT NULL, failed_at REAL NOT NULL)",
        "postgresql": "CREATE TABLE IF NOT EXISTS stepflow_dead_letters ("
        " id BIGSERIAL PRIMARY KEY, event_id TEXT NOT NULL, topic TEXT NOT NULL,"
        " step TEXT NOT NULL, data TEXT NOT NULL, error TEXT NOT NULL,"
        " attempts INTEGER NOT NULL, trace_id TEXT NOT NULL,"
        " failed_at DOUBLE PRECISION NOT NULL)",
    },
    "ALTER TABLE stepflow_dead_letters ADD COLUMN traceback TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE stepflow_dead_letters ADD COLUMN parent_span TEXT",
]
_COLUMNS = (
    "id, event_id, topic, step, data, error, attempts, trace_id, failed_at, traceback, parent_span"
)


class DatabaseDeadLetters:
    """Dead letters in a table of the project's database (SQLite or PostgreSQL)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def _db(self) -> Database:
        await self.database.ensure("dead_letters", MIGRATIONS)
        return self.database

    async def add(self, event: Event, step: str, error: str, traceback: str = "") -> DeadLetter:
        data = letter_data(event)
        failed_at = time.time()
        db = await self._db()
        row_id = await db.fetchval(
            "INSERT INTO stepflow_dead_letters"
            " (event_id, topic, step, data, error, attempts, trace_id, failed_at, traceback,"
            " parent_span) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            event.id,
            event.topic,
            step,
            json.dumps(data),
            error,
            event.attempt,
            event.trace_id,
            failed_at,
            traceback,
            event.parent_span,
        )
        return DeadLetter(
            str(row_id), event.id, event.topic, step, data, error, event.attempt,
            event.trace_id, failed_at, traceback, event.parent_span,
        )  # fmt: skip

    async def list(self, limit: int = 100, offset: int = 0) -> Sequence[DeadLetter]:
        db = await self._db()
        rows = await db.fetch(
            f"SELECT {_COLUMNS} FROM stepflow_dead_letters ORDER BY id LIMIT $1 OFFSET $2",
            limit,
            offset,
        )
        return [_letter(row) for row in rows]

    async def get(self, letter_id: str) -> DeadLetter | None:
        ids = _row_ids([letter_id])
        if not ids:
            return None
        db = await self._db()
        row = await db.fetchrow(
            f"SELECT {_COLUMNS} FROM stepflow_dead_letters WHERE id = $1", ids[0]
        )
        return None if row is None else _letter(row)

    async def take(self, ids: Sequence[str] | None = None) -> Sequence[DeadLetter]:
        db = await self._db()
        async with db.transaction() as tx:
            if ids is None:
                rows = await tx.fetch(f"SELECT {_COLUMNS} FROM stepflow_dead_letters ORDER BY id")
            else:
                rows = []
                for row_id in _row_ids(ids):
                    row = await tx.fetchrow(
                        f"SELECT {_COLUMNS} FROM stepflow_dead_letters WHERE id = $1", row_id
                    )
                    if row is not None:
                        rows.append(row)
            letters = [_letter(row) for row in rows]
            await tx.executemany(
                "DELETE FROM stepflow_dead_letters WHERE id = $1",
                [(int(letter.id),) for letter in letters],
            )
        return letters

    async def purge(self, ids: Sequence[str] | None = None) -> int:
        return len(await self.take(ids))

    async def count(self) -> int:
        db = await self._db()
        return int(await db.fetchval("SELECT COUNT(*) FROM stepflow_dead_letters") or 0)

    async def aclose(self) -> None:
        return None  # the runtime closes the database


def _row_ids(ids: Sequence[str]) -> list[int]:
    """The ids that can name a row (ASCII digits, within 64 bits), once each; others
    name no letter (`"²".isdigit()` is true, and int() refuses it)."""
    found = []
    for text in dict.fromkeys(str(i) for i in ids):
        if text.isascii() and text.isdigit() and int(text) <= MAX_ROW:
            found.append(int(text))
    return found


def _letter(row: Row) -> DeadLetter:
    return DeadLetter(
        id=str(row[0]),
        event_id=row[1],
        topic=row[2],
        step=row[3],
        data=json.loads(row[4]),
        error=row[5],
        attempts=int(row[6]),
        trace_id=row[7],
        failed_at=float(row[8]),
        traceback=row[9],
        parent_span=row[10],
    )
