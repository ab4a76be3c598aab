"""Dead letters: events that failed for good, kept with their error until replayed."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from . import sqlite
from .events import Event


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

    def to_event(self) -> Event:
        return Event(topic=self.topic, data=self.data, trace_id=self.trace_id, id=self.event_id)


class DeadLetterStore(Protocol):
    async def add(self, event: Event, step: str, error: str) -> DeadLetter: ...

    async def list(self, limit: int = 100) -> Sequence[DeadLetter]: ...

    async def take(self, ids: Sequence[str] | None = None) -> Sequence[DeadLetter]:
        """Remove and return the letters with these ids (all of them when None)."""
        ...

    async def count(self) -> int: ...

    async def aclose(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS stepflow_dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    step TEXT NOT NULL,
    data TEXT NOT NULL,
    error TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    trace_id TEXT NOT NULL,
    failed_at REAL NOT NULL
)
"""
_COLUMNS = "id, event_id, topic, step, data, error, attempts, trace_id, failed_at"


class SqliteDeadLetters:
    """Dead letters in a table of the project's SQLite database."""

    def __init__(self, path: Path | str) -> None:
        self._db = sqlite.Database(path, _SCHEMA)

    async def add(self, event: Event, step: str, error: str) -> DeadLetter:
        data = event.jsonable_data()
        failed_at = time.time()
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO stepflow_dead_letters"
                " (event_id, topic, step, data, error, attempts, trace_id, failed_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    event.id,
                    event.topic,
                    step,
                    json.dumps(data),
                    error,
                    event.attempt,
                    event.trace_id,
                    failed_at,
                ),
            )
            row_id = cursor.lastrowid
        return DeadLetter(
            str(row_id), event.id, event.topic, step, data, error, event.attempt,
            event.trace_id, failed_at,
        )  # fmt: skip

    async def list(self, limit: int = 100) -> Sequence[DeadLetter]:
        async with (
            self._db.read() as conn,
            conn.execute(
                f"SELECT {_COLUMNS} FROM stepflow_dead_letters ORDER BY id LIMIT ?",
                (limit,),
            ) as cursor,
        ):
            return [_letter(row) for row in await cursor.fetchall()]

    async def take(self, ids: Sequence[str] | None = None) -> Sequence[DeadLetter]:
        async with self._db.transaction() as conn:
            params: tuple[int, ...] = ()
            if ids is None:
                query = f"SELECT {_COLUMNS} FROM stepflow_dead_letters ORDER BY id"
            else:
                marks = ",".join("?" * len(ids))
                query = f"SELECT {_COLUMNS} FROM stepflow_dead_letters WHERE id IN ({marks})"
                params = tuple(int(i) for i in ids if str(i).isdigit())
                if len(params) != len(ids):
                    return []
            async with conn.execute(query, params) as cursor:
                letters = [_letter(row) for row in await cursor.fetchall()]
            await conn.executemany(
                "DELETE FROM stepflow_dead_letters WHERE id = ?",
                [(int(letter.id),) for letter in letters],
            )
        return letters

    async def count(self) -> int:
        async with self._db.read() as conn:
            async with conn.execute("SELECT COUNT(*) FROM stepflow_dead_letters") as cursor:
                row = await cursor.fetchone()
            return int(row[0]) if row else 0

    async def aclose(self) -> None:
        await self._db.aclose()


def _letter(row: Sequence[Any]) -> DeadLetter:
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
    )
