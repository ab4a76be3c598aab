"""The classify store, one conformance suite on SQLite and on PostgreSQL: pending records,
batched results, stale results, batch keys, bulk statuses, taking over the work of
owners that are gone, and how each answer was obtained (LLM calls per batch)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pydantic_core import to_json

from scripts.feeder import sample_indicators
from stepflow import Database, open_database
from stepflow._json import _is_plain, display_json
from steps.classify.models import (
    Classification,
    ClassifiedIndicator,
    IndicatorInput,
    NormalizedUnits,
    Obtained,
)
from steps.classify.store import MIGRATIONS, ClassifyStore, input_json

UNITS = NormalizedUnits(unit_type="count", scale="raw-units", confidence=0.9)


def _item(indicator_id: str = "x") -> IndicatorInput:
    return IndicatorInput(indicator_id=indicator_id, name="GDP")


def _failed(batch_id: str | None, indicator_id: str = "x") -> ClassifiedIndicator:
    return ClassifiedIndicator(
        indicator_id=indicator_id, units=UNITS, error="boom", batch_id=batch_id
    )


async def _alive(owners: set[str]) -> set[str]:
    return {owner for owner in owners if owner.startswith("live")}


async def test_a_stale_result_does_not_overwrite_a_resubmitted_indicator(
    database: Database,
) -> None:
    store = ClassifyStore(database)
    await store.record_pending("first", [_item()], "rules", owner="live")
    await store.record_pending("second", [_item()], "rules", owner="live")
    await store.save_results([_failed("first")])
    record = await store.indicator("x")
    assert record is not None
    assert (record["status"], record["trace_id"]) == ("pending", "second")

    await store.save_results([_failed("second")])
    record = await store.indicator("x")
    assert record is not None
    assert (record["status"], record["error"]) == ("failed", "boom")
    first = await store.batch("first")
    assert first is not None
    assert (first["total"], first["pending"], first["failed"], first["moved"]) == (1, 0, 0, 1)


async def test_many_results_are_written_in_one_call(database: Database) -> None:
    store = ClassifyStore(database)
    items = [_item(f"i{n}") for n in range(300)]
    await store.record_pending("b", items, "rules", owner="live")
    await store.save_results([_failed("b", item.indicator_id) for item in items])
    batch = await store.batch("b")
    assert batch is not None
    assert (batch["total"], batch["failed"], batch["pending"], batch["complete"]) == (
        300,
        300,
        0,
        True,
    )
    assert len(batch["failures"]) == 100  # the first hundred, by id


async def test_a_batch_key_seen_before_gives_that_batch_and_records_nothing(
    database: Database,
) -> None:
    store = ClassifyStore(database)
    first = await store.record_pending("t1", [_item("a")], "rules", owner="o", batch_key="k")
    again = await store.record_pending(
        "t2", [_item("a"), _item("b")], "rules", owner="o", batch_key="k"
    )
    assert first == ("t1", 1, True)
    assert again == ("t1", 1, False)
    assert await store.batch("t2") is None
    assert await store.statuses(["a", "b"]) == {"a": "pending", "b": None}


async def test_forgetting_a_batch_removes_its_pending_rows(database: Database) -> None:
    store = ClassifyStore(database)
    await store.record_pending("t", [_item("a"), _item("b")], "rules", owner="o")
    await store.forget_batch("t")
    assert await store.batch("t") is None
    assert await store.statuses(["a", "b"]) == {"a": None, "b": None}


async def test_statuses_are_read_in_bulk(database: Database) -> None:
    store = ClassifyStore(database)
    items = [_item(f"i{n}") for n in range(1_200)]
    await store.record_pending("b", items, "rules", owner="o")
    await store.save_results([_failed("b", "i7")])
    wanted = [f"i{n}" for n in range(1_200)] + ["nope"]
    found = await store.statuses(wanted)
    assert len(found) == 1_201
    assert found["i7"] == "failed"
    assert found["nope"] is None
    assert {found[f"i{n}"] for n in range(1_200) if n != 7} == {"pending"}


async def test_the_work_of_a_gone_owner_is_taken_over_once(database: Database) -> None:
    store = ClassifyStore(database)
    await store.record_pending("b1", [_item("x")], "openai", owner="crashed")
    [(item, provider, batch)] = await store.claim_orphans("live-me", _alive)
    assert (item.indicator_id, provider, batch) == ("x", "openai", "b1")
    assert await store.claim_orphans("live-me", _alive) == []
    assert await store.claim_orphans("live-other", _alive) == []  # it is owned by a live one


async def test_rows_are_handed_over_only_from_the_owner_that_holds_them(
    database: Database,
) -> None:
    store = ClassifyStore(database)
    await store.record_pending("b1", [_item("x"), _item("y")], "rules", owner="process")
    await store.record_pending("b2", [_item("z")], "rules", owner="other-process")
    await store.hand_over(["x", "z"], "process", "redis:epoch")
    rows = await database.fetch("SELECT indicator_id, owner FROM classifications")
    assert dict((row[0], row[1]) for row in rows) == {
        "x": "redis:epoch",
        "y": "process",  # not asked for
        "z": "other-process",  # held by another
    }


async def test_the_work_of_a_live_owner_is_never_taken(database: Database) -> None:
    store = ClassifyStore(database)
    await store.record_pending("b1", [_item("x")], "rules", owner="live-busy")
    assert await store.claim_orphans("live-me", _alive) == []


async def test_two_processes_sweeping_at_once_take_each_row_once(database_url: str) -> None:
    first, second = open_database(database_url), open_database(database_url)
    try:
        setup = ClassifyStore(first)
        items = [_item(f"i{n}") for n in range(400)]
        await setup.record_pending("b", items, "rules", owner="crashed")
        one, two = ClassifyStore(first), ClassifyStore(second)
        taken = await asyncio.gather(
            one.claim_orphans("live-1", _alive, limit=150),
            two.claim_orphans("live-2", _alive, limit=150),
            one.claim_orphans("live-1", _alive, limit=150),
            two.claim_orphans("live-2", _alive, limit=150),
        )
        ids = [item.indicator_id for claimed in taken for item, _, _ in claimed]
        assert len(ids) == len(set(ids)) == 400
    finally:
        await first.aclose()
        await second.aclose()


def _classified(batch_id: str, indicator_id: str, obtained: Obtained | None) -> ClassifiedIndicator:
    classification = Classification(
        family="physical-fundamental",
        indicator_type="flow",
        temporal_aggregation="period-total",
        heat_map_orientation="higher-is-positive",
        time_basis="per-period",
        reporting_frequency="annual",
        cumulative_pattern="periodic",
        confidence=0.9,
        provider="openai",
        model="m",
    )
    return ClassifiedIndicator(
        indicator_id=indicator_id,
        units=UNITS,
        classification=classification,
        batch_id=batch_id,
        obtained=obtained,
    )


async def test_how_each_answer_was_obtained_is_kept_and_counted_per_batch(
    database: Database,
) -> None:
    store = ClassifyStore(database)
    items = [_item(f"i{n}") for n in range(6)]
    await store.record_pending("b", items, "openai", owner="live")
    await store.save_results(
        [
            _classified("b", "i0", "llm_call"),
            _classified("b", "i1", "shared_call"),
            _classified("b", "i2", "shared_call"),
            _classified("b", "i3", "cache_hit"),
            _classified("b", "i4", None),
            ClassifiedIndicator(
                indicator_id="i5", units=UNITS, error="boom", batch_id="b", obtained="llm_call"
            ),
        ]
    )
    batch = await store.batch("b")
    assert batch is not None
    assert batch["llm"] == {"calls": 2, "cache_hits": 1, "shared": 2}
    assert (batch["classified"], batch["failed"]) == (5, 1)
    record = await store.indicator("i1")
    assert record is not None and record["obtained"] == "shared_call"

    # A re-submission starts over: its row obtained nothing yet, and counts in its batch.
    await store.record_pending("again", [_item("i0")], "openai", owner="live")
    record = await store.indicator("i0")
    assert record is not None and record["obtained"] is None
    again = await store.batch("again")
    assert again is not None and again["llm"] == {"calls": 0, "cache_hits": 0, "shared": 0}


async def test_a_database_of_the_earlier_schema_is_migrated_in_place(database_url: str) -> None:
    before = open_database(database_url)
    try:
        await before.ensure("classify", MIGRATIONS[:2])  # as the flow left it before
        await before.execute(
            "INSERT INTO classify_batches (trace_id, count, provider, created_at)"
            " VALUES ('old', 1, 'openai', 0)"
        )
        await before.execute(
            "INSERT INTO classifications (indicator_id, trace_id, name, input,"
            " requested_provider, status, created_at, updated_at)"
            """ VALUES ('a', 'old', 'GDP', '{"indicator_id": "a", "name": "GDP"}',"""
            " 'openai', 'pending', 0, 0)"
        )
    finally:
        await before.aclose()
    after = open_database(database_url)
    try:
        store = ClassifyStore(after)
        await store.save_results([_classified("old", "a", "cache_hit")])
        batch = await store.batch("old")
        assert batch is not None and batch["llm"]["cache_hits"] == 1
    finally:
        await after.aclose()


def _every_field() -> IndicatorInput:
    return IndicatorInput(
        indicator_id="tha-mortgage-rate-2",
        name="Mortgage Lending Rate é",
        units="percent",
        description='"Quoted" \\ text',
        periodicity="M",
        sample_values=[{"date": "2022-02-28", "value": 6.334}, {"date": "2022-03", "value": -1e-7}],
        source_name="NSO",
        country="Thailand",
        category_group="Money",
        topic="Rates",
        dataset="mortgages",
        currency_code="THB",
    )


def test_an_indicator_is_stored_as_pydantic_writes_it_without_its_none_fields() -> None:
    for item in (
        _every_field(),
        _item(),
        IndicatorInput(indicator_id="y", name="GDP", sample_values=[]),
    ):
        assert input_json(item) == item.model_dump_json(exclude_none=True)


def test_every_sample_indicator_is_stored_as_pydantic_writes_it(source_db: Path) -> None:
    for raw in sample_indicators(source_db, 2_000, seed=1):
        item = IndicatorInput.model_validate(raw)
        assert input_json(item) == item.model_dump_json(exclude_none=True)


def test_an_indicator_shows_in_its_span_as_pydantic_writes_it() -> None:
    indicator = _every_field()
    assert _is_plain(IndicatorInput)
    assert display_json(indicator) == to_json(indicator).decode()
