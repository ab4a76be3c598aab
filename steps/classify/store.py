"""Persistence of the classify flow: batches and classifications in SQLite (WAL).

Every accepted indicator is a row keyed by `indicator_id` (a re-submission updates it,
never duplicates it); its status moves pending → classified or failed, with the reason."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from stepflow.batching import Batcher
from stepflow.sqlite import Database
from steps.classify.models import Classification, ClassifiedIndicator, IndicatorInput

SCHEMA = """
CREATE TABLE IF NOT EXISTS classify_batches (
    trace_id TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    provider TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS classifications (
    indicator_id TEXT PRIMARY KEY,
    trace_id TEXT NOT NULL,
    name TEXT NOT NULL,
    input TEXT NOT NULL,
    requested_provider TEXT NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('pending', 'classified', 'failed')),
    unit_type TEXT,
    scale TEXT,
    currency TEXT,
    is_currency INTEGER,
    multiplier REAL,
    units_confidence REAL,
    family TEXT,
    indicator_type TEXT,
    temporal_aggregation TEXT,
    heat_map_orientation TEXT,
    time_basis TEXT,
    reporting_frequency TEXT,
    cumulative_pattern TEXT,
    confidence REAL,
    reasoning TEXT,
    provider TEXT,
    model TEXT,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    finished_at REAL
);
CREATE INDEX IF NOT EXISTS classifications_trace ON classifications (trace_id, status);
CREATE INDEX IF NOT EXISTS classifications_pending ON classifications (status, updated_at);
"""

_PENDING = """
INSERT INTO classifications
    (indicator_id, trace_id, name, input, requested_provider, owner, status, created_at,
     updated_at)
VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)
ON CONFLICT (indicator_id) DO UPDATE SET
    trace_id = excluded.trace_id, name = excluded.name, input = excluded.input,
    requested_provider = excluded.requested_provider, owner = excluded.owner,
    status = 'pending',
    unit_type = NULL, scale = NULL, currency = NULL, is_currency = NULL, multiplier = NULL,
    units_confidence = NULL, family = NULL, indicator_type = NULL,
    temporal_aggregation = NULL, heat_map_orientation = NULL, time_basis = NULL,
    reporting_frequency = NULL, cumulative_pattern = NULL, confidence = NULL,
    reasoning = NULL, provider = NULL, model = NULL, error = NULL, attempts = 0,
    updated_at = excluded.updated_at, finished_at = NULL
"""

_RESULT = """
UPDATE classifications SET
    status = ?, unit_type = ?, scale = ?, currency = ?, is_currency = ?, multiplier = ?,
    units_confidence = ?, family = ?, indicator_type = ?, temporal_aggregation = ?,
    heat_map_orientation = ?, time_basis = ?, reporting_frequency = ?,
    cumulative_pattern = ?, confidence = ?, reasoning = ?, provider = ?, model = ?,
    error = ?, attempts = ?, updated_at = ?, finished_at = ?
WHERE indicator_id = ? AND (? IS NULL OR trace_id = ?)
"""

CLASSIFICATION_FIELDS = tuple(Classification.model_fields)


class ClassifyStore:
    """One per runtime (see `ctx.resource`); results are written in batches.

    Each store has an `owner` id, recorded on the rows it accepts: the sweep takes only
    rows whose owner is another (so a crashed or earlier) process, never work that is
    still queued here."""

    def __init__(self, path: Path | str, *, batch_size: int = 500, max_delay: float = 0.02) -> None:
        self.owner = os.urandom(8).hex()
        self.db = Database(path, SCHEMA, migrate=_add_missing_columns)
        self._results: Batcher[ClassifiedIndicator] = Batcher(
            self._write_results, max_size=batch_size, max_delay=max_delay
        )

    async def record_pending(
        self, trace_id: str, indicators: Sequence[IndicatorInput], provider: str
    ) -> None:
        """Record a batch and each of its indicators as pending, in one transaction."""
        now = time.time()
        rows = [
            (
                item.indicator_id,
                trace_id,
                item.name,
                item.model_dump_json(exclude_none=True),
                provider,
                self.owner,
                now,
                now,
            )
            for item in indicators
        ]
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT OR REPLACE INTO classify_batches (trace_id, count, provider, created_at)"
                " VALUES (?, ?, ?, ?)",
                (trace_id, len(rows), provider, now),
            )
            await conn.executemany(_PENDING, rows)

    async def save_result(self, result: ClassifiedIndicator) -> None:
        """Persist one outcome; returns once the batch holding it is committed."""
        await self._results.submit(result)

    async def _write_results(self, results: list[ClassifiedIndicator]) -> None:
        now = time.time()
        rows = [_result_row(result, now) for result in results]
        async with self.db.transaction() as conn:
            await conn.executemany(_RESULT, rows)

    async def batch(self, trace_id: str) -> dict[str, Any] | None:
        async with self.db.read() as conn:
            async with conn.execute(
                "SELECT count, provider, created_at FROM classify_batches WHERE trace_id = ?",
                (trace_id,),
            ) as cursor:
                found = await cursor.fetchone()
            if found is None:
                return None
            count, provider, created_at = found
            async with conn.execute(
                "SELECT status, COUNT(*), MAX(finished_at) FROM classifications"
                " WHERE trace_id = ? GROUP BY status",
                (trace_id,),
            ) as cursor:
                by_status = {row[0]: (int(row[1]), row[2]) for row in await cursor.fetchall()}
            classified = by_status.get("classified", (0, None))[0]
            failed = by_status.get("failed", (0, None))[0]
            pending = by_status.get("pending", (0, None))[0]
            finished = [v[1] for k, v in by_status.items() if k != "pending" and v[1] is not None]
            last = max(finished) if finished else None
            async with conn.execute(
                "SELECT family, indicator_type, COUNT(*) FROM classifications"
                " WHERE trace_id = ? AND status = 'classified' GROUP BY family, indicator_type",
                (trace_id,),
            ) as cursor:
                by_label = list(await cursor.fetchall())
            async with conn.execute(
                "SELECT indicator_id, error FROM classifications"
                " WHERE trace_id = ? AND status = 'failed' ORDER BY indicator_id LIMIT 100",
                (trace_id,),
            ) as cursor:
                failures = [
                    {"indicator_id": row[0], "error": row[1]} for row in await cursor.fetchall()
                ]
            return {
                "trace_id": trace_id,
                "provider": provider,
                "total": int(count),
                "pending": pending,
                "classified": classified,
                "failed": failed,
                # Indicators re-submitted under a newer batch count there, not here.
                "moved": int(count) - pending - classified - failed,
                "complete": pending == 0,
                "by_family": _counts((row[0], row[2]) for row in by_label),
                "by_type": _counts((f"{row[0]}/{row[1]}", row[2]) for row in by_label),
                "failures": failures,
                "timings": {
                    "created_at": created_at,
                    "last_finished_at": last,
                    "elapsed_seconds": round(
                        (last if pending == 0 and last else time.time()) - created_at, 3
                    ),
                },
            }

    async def indicator(self, indicator_id: str) -> dict[str, Any] | None:
        async with self.db.read() as conn:
            async with conn.execute(
                "SELECT * FROM classifications WHERE indicator_id = ?", (indicator_id,)
            ) as cursor:
                row = await cursor.fetchone()
                names = [d[0] for d in cursor.description]
            if row is None:
                return None
            record = dict(zip(names, row, strict=True))
            units = None
            if record["unit_type"] is not None:
                units = {
                    "unit_type": record["unit_type"],
                    "scale": record["scale"],
                    "currency": record["currency"],
                    "is_currency": bool(record["is_currency"]),
                    "multiplier": record["multiplier"],
                    "confidence": record["units_confidence"],
                }
            classification = None
            if record["status"] == "classified":
                classification = {field: record[field] for field in CLASSIFICATION_FIELDS}
            return {
                "indicator_id": indicator_id,
                "trace_id": record["trace_id"],
                "name": record["name"],
                "status": record["status"],
                "normalized_units": units,
                "classification": classification,
                "error": record["error"],
                "attempts": record["attempts"],
                "input": json.loads(record["input"]),
                "updated_at": record["updated_at"],
            }

    async def claim_stale_pending(
        self, older_than: float, limit: int = 10_000
    ) -> list[tuple[IndicatorInput, str, str]]:
        """Pending indicators another process accepted and left for `older_than` seconds
        (after a crash, say), claimed for this one so that one sweep re-emits them once;
        with the provider each was asked for and the batch that holds it."""
        now = time.time()
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT indicator_id, input, requested_provider, trace_id FROM classifications"
                " WHERE status = 'pending' AND owner != ? AND updated_at <= ?"
                " ORDER BY updated_at LIMIT ?",
                (self.owner, now - older_than, limit),
            ) as cursor:
                rows = list(await cursor.fetchall())
            await conn.executemany(
                "UPDATE classifications SET owner = ?, updated_at = ? WHERE indicator_id = ?",
                [(self.owner, now, row[0]) for row in rows],
            )
        return [(IndicatorInput.model_validate_json(row[1]), row[2], row[3]) for row in rows]

    async def aclose(self) -> None:
        await self._results.aclose()
        await self.db.aclose()


async def _add_missing_columns(conn: Any) -> None:
    """Databases made before a column existed get it (SQLite adds columns in place)."""
    async with conn.execute("PRAGMA table_info(classifications)") as cursor:
        columns = {row[1] for row in await cursor.fetchall()}
    if "owner" not in columns:
        await conn.execute("ALTER TABLE classifications ADD COLUMN owner TEXT NOT NULL DEFAULT ''")


def _counts(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for key, count in pairs:
        counts[key] = counts.get(key, 0) + int(count)
    return dict(sorted(counts.items()))


def _result_row(result: ClassifiedIndicator, now: float) -> tuple[Any, ...]:
    units = result.units
    c = result.classification
    return (
        "classified" if c is not None else "failed",
        units.unit_type,
        units.scale,
        units.currency,
        int(units.is_currency),
        units.multiplier,
        units.confidence,
        c.family if c else None,
        c.indicator_type if c else None,
        c.temporal_aggregation if c else None,
        c.heat_map_orientation if c else None,
        c.time_basis if c else None,
        c.reporting_frequency if c else None,
        c.cumulative_pattern if c else None,
        c.confidence if c else None,
        c.reasoning if c else None,
        c.provider if c else None,
        c.model if c else None,
        None if c is not None else (result.error or "unknown error"),
        result.attempts,
        now,
        now,
        result.indicator_id,
        result.batch_id,
        result.batch_id,
    )
