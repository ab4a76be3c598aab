"""The classify store: pending records, batched results, and stale results."""

from __future__ import annotations

from pathlib import Path

import pytest

from steps.classify.models import ClassifiedIndicator, IndicatorInput, NormalizedUnits
from steps.classify.store import ClassifyStore

pytestmark = pytest.mark.anyio

UNITS = NormalizedUnits(unit_type="count", scale="raw-units", confidence=0.9)


def _failed(batch_id: str | None) -> ClassifiedIndicator:
    return ClassifiedIndicator(indicator_id="x", units=UNITS, error="boom", batch_id=batch_id)


async def test_a_stale_result_does_not_overwrite_a_resubmitted_indicator(tmp_path: Path) -> None:
    store = ClassifyStore(tmp_path / "s.db", max_delay=0)
    item = IndicatorInput(indicator_id="x", name="GDP")
    try:
        await store.record_pending("first", [item], "rules")
        await store.record_pending("second", [item], "rules")
        await store.save_result(_failed("first"))
        record = await store.indicator("x")
        assert record is not None
        assert (record["status"], record["trace_id"]) == ("pending", "second")

        await store.save_result(_failed("second"))
        record = await store.indicator("x")
        assert record is not None
        assert (record["status"], record["error"]) == ("failed", "boom")
        first = await store.batch("first")
        assert first is not None
        assert (first["total"], first["pending"], first["failed"], first["moved"]) == (1, 0, 0, 1)
    finally:
        await store.aclose()


async def test_the_sweep_takes_what_another_process_left_pending_once(tmp_path: Path) -> None:
    crashed = ClassifyStore(tmp_path / "s.db")
    await crashed.record_pending("b1", [IndicatorInput(indicator_id="x", name="GDP")], "openai")
    await crashed.aclose()
    store = ClassifyStore(tmp_path / "s.db")
    try:
        [(item, provider, batch)] = await store.claim_stale_pending(older_than=0)
        assert (item.indicator_id, provider, batch) == ("x", "openai", "b1")
        assert await store.claim_stale_pending(older_than=0) == []
    finally:
        await store.aclose()


async def test_the_sweep_leaves_work_still_queued_in_this_process(tmp_path: Path) -> None:
    store = ClassifyStore(tmp_path / "s.db")
    try:
        await store.record_pending("b1", [IndicatorInput(indicator_id="x", name="GDP")], "rules")
        assert await store.claim_stale_pending(older_than=0) == []
    finally:
        await store.aclose()


async def test_an_older_database_gets_the_owner_column(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE classifications (indicator_id TEXT PRIMARY KEY, trace_id TEXT,"
            " name TEXT, input TEXT, requested_provider TEXT, status TEXT, unit_type TEXT,"
            " scale TEXT, currency TEXT, is_currency INTEGER, multiplier REAL,"
            " units_confidence REAL, family TEXT, indicator_type TEXT,"
            " temporal_aggregation TEXT, heat_map_orientation TEXT, time_basis TEXT,"
            " reporting_frequency TEXT, cumulative_pattern TEXT, confidence REAL,"
            " reasoning TEXT, provider TEXT, model TEXT, error TEXT, attempts INTEGER,"
            " created_at REAL, updated_at REAL, finished_at REAL)"
        )
    store = ClassifyStore(path)
    try:
        await store.record_pending("b", [IndicatorInput(indicator_id="x", name="GDP")], "rules")
        record = await store.indicator("x")
        assert record is not None and record["status"] == "pending"
    finally:
        await store.aclose()
