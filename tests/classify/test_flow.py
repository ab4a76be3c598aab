"""The classify flow end to end: real HTTP, real SQLite, the feeder's client code."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

import httpx
import pytest

from scripts.fake_llm import FakeLLMConfig, FakeLLMServer
from scripts.feeder import Feeder
from stepflow.testing import FlowTester, wait_until
from steps.classify.models import FAMILY_OF_TYPE, Family, TemporalAggregation
from tests.helpers import rows, serve_flow


async def _feed(url: str, items: list[dict[str, Any]], provider: str | None = None) -> Any:
    feeder = Feeder(url, in_flight=4, provider=provider)
    try:
        return await feeder.run(items)
    finally:
        await feeder.aclose()


@pytest.mark.slow
async def test_a_thousand_indicators_end_classified_with_valid_fields(
    tmp_path: Path, indicators: list[dict[str, Any]]
) -> None:
    database = tmp_path / "flow.db"
    with serve_flow(database) as url:
        outcome = await _feed(url, indicators)

    assert (outcome.submitted, outcome.classified, outcome.failed) == (1_000, 1_000, 0)
    table = rows(database)
    assert len(table) == 1_000
    assert {row["status"] for row in table} == {"classified"}
    for row in table:
        assert row["family"] in get_args(Family)
        assert FAMILY_OF_TYPE[row["indicator_type"]] == row["family"]
        assert row["temporal_aggregation"] in get_args(TemporalAggregation)
        assert row["unit_type"] is not None and row["provider"] == "rules"
        assert 0 <= row["confidence"] <= 1
    assert sum(outcome.by_family.values()) == 1_000


async def test_resubmitting_the_same_indicators_creates_no_duplicates(
    tmp_path: Path, indicators: list[dict[str, Any]]
) -> None:
    database = tmp_path / "flow.db"
    items = indicators[:150]
    with serve_flow(database) as url:
        first = await _feed(url, items)
        second = await _feed(url, items)
    assert (first.classified, second.classified) == (150, 150)
    table = rows(database)
    assert len(table) == 150
    assert len({row["indicator_id"] for row in table}) == 150


async def test_batch_and_indicator_endpoints_report_outcomes(
    tmp_path: Path, indicators: list[dict[str, Any]]
) -> None:
    item = indicators[0]
    with serve_flow(tmp_path / "flow.db") as url:
        async with httpx.AsyncClient(base_url=url) as client:
            accepted = await client.post("/classify/batch", json={"indicators": [item]})
            assert accepted.status_code == 202
            trace_id = accepted.json()["trace_id"]
            assert accepted.json() == {"trace_id": trace_id, "count": 1}
            feeder = Feeder(url)
            done: list[dict[str, Any]] = []

            async def complete() -> bool:
                status = await feeder.batch_status(trace_id)
                done[:] = [status] if status else []
                return bool(status and status["complete"])

            await wait_until(complete, what="the batch to complete")
            await feeder.aclose()
            [status] = done
            record = (await client.get(f"/classify/indicators/{item['indicator_id']}")).json()
            missing = await client.get("/classify/indicators/nope")
            no_batch = await client.get("/classify/batches/nope")

    assert (status["total"], status["classified"], status["pending"], status["failed"]) == (
        1,
        1,
        0,
        0,
    )
    assert record["status"] == "classified"
    assert record["trace_id"] == trace_id
    assert record["classification"]["provider"] == "rules"
    assert record["normalized_units"]["unit_type"]
    assert (missing.status_code, no_batch.status_code) == (404, 404)


@pytest.mark.slow
@pytest.mark.parametrize("provider", ["openai", "anthropic"])
async def test_two_hundred_through_an_llm_provider_over_real_http(
    tmp_path: Path, indicators: list[dict[str, Any]], provider: str
) -> None:
    database = tmp_path / "flow.db"
    with FakeLLMServer(FakeLLMConfig(latency=0.01)) as fake:
        base = fake.base_url if provider == "openai" else fake.root_url
        with serve_flow(database, llm_base_url=base, llm_api_key="k", llm_concurrency=32) as url:
            outcome = await _feed(url, indicators[:200], provider=provider)
    assert (outcome.classified, outcome.failed) == (200, 0)
    table = rows(database)
    assert {row["provider"] for row in table} == {provider}
    assert all(FAMILY_OF_TYPE[row["indicator_type"]] == row["family"] for row in table)


async def test_a_provider_failing_for_good_ends_failed_with_the_reason(
    tmp_path: Path, indicators: list[dict[str, Any]]
) -> None:
    database = tmp_path / "flow.db"
    config = FakeLLMConfig(fault_rate=1.0, faults=["500"])
    with FakeLLMServer(config) as fake:
        app: dict[str, Any] = {
            "llm_base_url": fake.base_url,
            "llm_max_retries": 1,
            "llm_cache": False,
        }
        with serve_flow(database, **app) as url:
            outcome = await _feed(url, indicators[:5], provider="openai")
    assert (outcome.classified, outcome.failed) == (0, 5)
    table = rows(database)
    assert {row["status"] for row in table} == {"failed"}
    assert all(row["error"] and "500" in row["error"] for row in table)
    assert len(outcome.failures) == 5


async def test_the_projects_settings_reach_the_step_declarations(
    indicators: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the project is found from this test's folder, not from here
    async with FlowTester.from_dir("steps", app={"api_max_batch": 2}) as flow:
        document = (await flow.get("/openapi.json")).json()
        refused = await flow.post("/classify/batch", json={"indicators": indicators[:3]})
        accepted = await flow.post("/classify/batch", json={"indicators": indicators[:2]})
        await flow.drain()
    declared = document["components"]["schemas"]["ClassifyRequest"]["properties"]["indicators"]
    assert declared["maxItems"] == 2
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "indicators"]
    assert accepted.status_code == 202
