"""The e2e section's floor: the classify flow's work per indicator without the framework.

The same HTTP server stack (uvicorn and Starlette) receives the same batches, validates
them with the same pydantic models, records them pending and writes their results with
the same batched SQLite upserts, normalizing units and classifying with the rules
provider in between, in one asyncio program, with no bus, no steps, no retries and no
tracing. `python -m scripts.benchmarks.floor --port P --database D` serves it; the feeder
drives it like the real server (it answers the batch's status as complete at once)."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import aiosqlite
import typer
import uvicorn
from pydantic import BaseModel, ConfigDict, Field
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from stepflow._serve import tune_gc
from steps.classify.models import IndicatorInput
from steps.classify.rules import classify_indicator
from steps.classify.units import normalize_units

SCHEMA = """
CREATE TABLE IF NOT EXISTS classifications (
    indicator_id TEXT PRIMARY KEY, trace_id TEXT NOT NULL, name TEXT NOT NULL,
    input TEXT NOT NULL, status TEXT NOT NULL, unit_type TEXT, scale TEXT, currency TEXT,
    family TEXT, indicator_type TEXT, temporal_aggregation TEXT, heat_map_orientation TEXT,
    reporting_frequency TEXT, cumulative_pattern TEXT, confidence REAL,
    updated_at REAL NOT NULL
)
"""
PENDING = (
    "INSERT INTO classifications (indicator_id, trace_id, name, input, status, updated_at)"
    " VALUES (?, ?, ?, ?, 'pending', ?) ON CONFLICT (indicator_id) DO UPDATE SET"
    " trace_id = excluded.trace_id, name = excluded.name, input = excluded.input,"
    " status = 'pending', updated_at = excluded.updated_at"
)
RESULT = (
    "UPDATE classifications SET status = 'classified', unit_type = ?, scale = ?,"
    " currency = ?, family = ?, indicator_type = ?, temporal_aggregation = ?,"
    " heat_map_orientation = ?, reporting_frequency = ?, cumulative_pattern = ?,"
    " confidence = ?, updated_at = ? WHERE indicator_id = ? AND trace_id = ?"
)


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    indicators: Annotated[list[IndicatorInput], Field(min_length=1, max_length=100)]
    llm_provider: str | None = None
    batch_key: str | None = None


def _result(indicator_id: str, trace_id: str, units: Any, c: Any) -> tuple[Any, ...]:
    return (
        units.unit_type, units.scale, units.currency, c.family, c.indicator_type,
        c.temporal_aggregation, c.heat_map_orientation, c.reporting_frequency,
        c.cumulative_pattern, c.confidence, time.time(), indicator_id, trace_id,
    )  # fmt: skip


def app(database: str) -> Starlette:
    state: dict[str, Any] = {}
    writing = asyncio.Lock()  # one connection: one write transaction at a time

    async def write(sql: str, rows: list[tuple[Any, ...]]) -> None:
        async with writing:  # also held while the first request opens the connection
            db = await connection()
            await db.execute("BEGIN IMMEDIATE")
            await db.executemany(sql, rows)
            await db.commit()

    async def connection() -> aiosqlite.Connection:
        if "db" not in state:
            db = await aiosqlite.connect(database, isolation_level=None)
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute(SCHEMA)
            state["db"] = db
        conn: aiosqlite.Connection = state["db"]
        return conn

    async def batch(request: Request) -> Response:
        body = ClassifyRequest.model_validate_json(await request.body())
        trace_id = os.urandom(16).hex()
        now = time.time()
        await write(
            PENDING,
            [
                (i.indicator_id, trace_id, i.name, i.model_dump_json(exclude_none=True), now)
                for i in body.indicators
            ],
        )
        rows = []
        for indicator in body.indicators:
            units = normalize_units(indicator.units)
            c = classify_indicator(indicator, units)
            rows.append(_result(indicator.indicator_id, trace_id, units, c))
        await write(RESULT, rows)
        state[trace_id] = len(rows)
        return JSONResponse({"trace_id": trace_id, "count": len(rows)}, status_code=202)

    async def status(request: Request) -> Response:
        trace_id = request.path_params["trace_id"]
        count = state.get(trace_id, 0)
        return JSONResponse(
            {
                "trace_id": trace_id,
                "total": count,
                "pending": 0,
                "classified": count,
                "failed": 0,
                "complete": True,
                "by_family": {},
                "by_type": {},
                "failures": [],
            }
        )

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/classify/batch", batch, methods=["POST"]),
            Route("/classify/batches/{trace_id}", status, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
        ]
    )


def main(
    port: Annotated[int, typer.Option()] = 3100,
    database: Annotated[Path, typer.Option()] = Path("floor.db"),
) -> None:
    application = app(str(database))
    tune_gc()  # as `stepflow start` does: the floor gets every process-level advantage
    uvicorn.run(application, host="127.0.0.1", port=port, log_level="warning", http="h11")


if __name__ == "__main__":
    typer.run(main)
