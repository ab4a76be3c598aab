"""One LLM call per concept, not per country (`llm_dedupe`): real HTTP against the fake LLM.

The fake answers a concept prompt with the rules provider's reading of the concept, so an
LLM provider with dedupe on must end with the rules answer to each full indicator, and
with the same classifications as with dedupe off, country by country."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from scripts.catalog import COUNTRIES
from scripts.fake_llm import FakeLLMConfig, FakeLLMServer
from scripts.feeder import sample_indicators
from stepflow import Settings, load_settings, open_database
from stepflow.testing import ServerProcess, wait_until
from steps.classify.models import Classification, IndicatorInput, SampleValue
from steps.classify.providers import (
    LLMSettings,
    OpenAIProvider,
    ResponseCache,
    concept_key,
    concept_of,
)
from steps.classify.settings import classify_settings
from steps.classify.units import normalize_units
from tests.helpers import REPO, rows, serve_flow

CONCEPT = "Government Revenues"


def _samples(ytd: bool, seed: int) -> list[SampleValue]:
    """24 monthly values: a year-to-date sum that restarts every January, or monthly
    flows that stand alone."""
    rng = random.Random(seed)
    samples: list[SampleValue] = []
    total = 0.0
    for year in (2023, 2024):
        for month in range(1, 13):
            flow = 100.0 * (1 + 0.1 * rng.uniform(-1, 1))
            total = flow if month == 1 else total + flow
            value = total if ytd else flow
            samples.append(SampleValue(date=f"{year}-{month:02d}-28", value=round(value, 2)))
    return samples


def _one_concept(count: int, first: int = 0) -> list[dict[str, Any]]:
    """`count` countries' reports of one concept, each in its own currency; every third
    one's samples are year to date."""
    items = []
    for n in range(first, first + count):
        country = COUNTRIES[n % len(COUNTRIES)]
        items.append(
            IndicatorInput(
                indicator_id=f"{country.code}-revenues-{n}",
                name=CONCEPT,
                units=f"{country.currency} Million",
                description=f"Revenues of the central government of {country.name}.",
                periodicity="Monthly",
                sample_values=_samples(ytd=n % 3 == 0, seed=n),
                source_name=f"Ministry of Finance of {country.name}",
                country=country.name,
                category_group="Government",
                topic="Government",
                currency_code=country.currency,
            ).model_dump(exclude_none=True)
        )
    return items


def _concepts(names: list[str], per_name: int, first: int) -> list[dict[str, Any]]:
    """`per_name` countries (from the `first`-th on) for each concept name."""
    items = []
    for name in names:
        for item in _one_concept(per_name, first):
            items.append({**item, "name": name, "indicator_id": f"{name}:{item['indicator_id']}"})
    return items


def _running(client: httpx.AsyncClient, count: int) -> Callable[[], Awaitable[bool]]:
    """Whether `count` indicators are in the openai classify step at once."""

    async def check() -> bool:
        stats = (await client.get("/_stepflow/api/stats")).json()
        return int(stats["steps"]["ClassifyWithOpenai"]["running"]) == count

    return check


async def _submit(
    client: httpx.AsyncClient, items: list[dict[str, Any]], provider: str = "openai"
) -> str:
    response = await client.post(
        "/classify/batch", json={"indicators": items, "llm_provider": provider}
    )
    assert response.status_code == 202, response.text
    trace_id: str = response.json()["trace_id"]
    return trace_id


async def _finished(client: httpx.AsyncClient, trace_id: str) -> dict[str, Any]:
    """The batch's status once nothing in it is pending."""
    found: dict[str, Any] = {}

    async def complete() -> bool:
        found.update((await client.get(f"/classify/batches/{trace_id}")).json())
        return bool(found["complete"])

    await wait_until(complete, timeout=60, what=f"batch {trace_id} to complete")
    return found


@pytest.fixture
def fake() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as server:
        yield server


def _llm(fake: FakeLLMServer, **app: Any) -> dict[str, Any]:
    return {"llm_base_url": fake.base_url, "llm_api_key": "k", **app}


WATCHED: dict[str, Any] = {"workbench": True}
"""The Workbench's `/_stepflow/api/stats` says how many handlers each step is running."""


# -- one call for a concept, whatever the countries --------------------------------------


async def test_fifty_countries_of_one_concept_in_one_batch_make_one_call(
    tmp_path: Path, fake: FakeLLMServer
) -> None:
    database = tmp_path / "flow.db"
    items = _one_concept(50)
    # No cache: only the single flight can spare the other 49 a call of their own.
    with serve_flow(database, framework=WATCHED, **_llm(fake, llm_cache=False)) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            fake.hold()  # the concept's call stays in flight...
            trace_id = await _submit(client, items)
            # ...until all fifty are in the classify step, waiting on it.
            await wait_until(_running(client, 50), what="fifty indicators waiting on one call")
            fake.hold(False)
            status = await _finished(client, trace_id)

    assert fake.stats()["requests"] == 1
    assert (status["classified"], status["failed"]) == (50, 0)
    assert status["llm"] == {"calls": 1, "cache_hits": 0, "shared": 49}
    table = {row["indicator_id"]: row for row in rows(database)}
    assert Counter(row["obtained"] for row in table.values()) == {"llm_call": 1, "shared_call": 49}
    for n, item in enumerate(items):
        row = table[item["indicator_id"]]
        assert row["currency"] == item["currency_code"]
        if n % 3 == 0:
            assert (row["cumulative_pattern"], row["time_basis"]) == ("ytd", "cumulative")
            assert row["temporal_aggregation"] == "period-cumulative"
        else:
            assert (row["cumulative_pattern"], row["time_basis"]) == ("periodic", "per-period")
            assert row["temporal_aggregation"] != "period-cumulative"
        assert row["reporting_frequency"] == "monthly"
    # What the concept's answer decides is the same for all.
    concept_fields = ("family", "indicator_type", "heat_map_orientation", "confidence")
    assert len({tuple(row[f] for f in concept_fields) for row in table.values()}) == 1
    assert len({row["currency"] for row in table.values()}) == len(
        {item["currency_code"] for item in items}
    )


# -- the same classifications as one call per indicator ----------------------------------


def _from_the_source(source_db: Path) -> list[IndicatorInput]:
    """Every row of 50 names of the seeded source (each reported by several countries),
    and of the names whose answer depends on their description or on their samples."""
    every = sample_indicators(source_db, 3_000, seed=5)
    names = sorted({item["name"] for item in every})
    chosen = set(random.Random(13).sample(names, 50))
    chosen |= {"GFCF", "Crude Oil Inventories", "Crude Oil Stocks Change", "Diesel Prices"}
    return [IndicatorInput.model_validate(i) for i in every if i["name"] in chosen]


async def test_dedupe_gives_the_classifications_of_one_call_per_indicator(
    tmp_path: Path, fake: FakeLLMServer, source_db: Path
) -> None:
    indicators = _from_the_source(source_db)
    assert 300 <= len(indicators) <= 600
    results: dict[bool, dict[str, Classification]] = {}
    requests: dict[bool, int] = {}
    for dedupe in (True, False):
        fake.reset()
        settings = LLMSettings(
            llm_provider="openai",
            llm_base_url=fake.base_url,
            llm_model="test-model",
            llm_concurrency=32,
            llm_dedupe=dedupe,
        )
        database = open_database(str(tmp_path / f"cache-{dedupe}.db"))
        try:
            async with OpenAIProvider(settings, ResponseCache(database)) as provider:
                answers = await asyncio.gather(
                    *(provider.classify(i, normalize_units(i.units)) for i in indicators)
                )
        finally:
            await database.aclose()
        results[dedupe] = {i.indicator_id: a for i, a in zip(indicators, answers, strict=True)}
        requests[dedupe] = fake.stats()["requests"]

    keys = {
        concept_key("openai", "test-model", concept_of(i, normalize_units(i.units)))
        for i in indicators
    }
    assert requests == {True: len(keys), False: len(indicators)}
    assert len(keys) < len(indicators) / 3
    # The reasoning is the concept's, written before the data had its say.
    for indicator in indicators:
        on, off = results[True][indicator.indicator_id], results[False][indicator.indicator_id]
        assert on.model_dump(exclude={"reasoning"}) == off.model_dump(exclude={"reasoning"}), (
            indicator.name
        )
    # Some of them differ by country in what their data decides.
    patterns = Counter(c.cumulative_pattern for c in results[True].values())
    assert len(patterns) >= 2


# -- a failed call fails everyone waiting on it, once ------------------------------------


async def test_a_failed_call_fails_every_indicator_waiting_on_it_then_is_tried_again(
    tmp_path: Path, fake: FakeLLMServer
) -> None:
    database = tmp_path / "flow.db"
    items = _one_concept(10)
    later = _one_concept(1, first=10)
    with serve_flow(database, framework=WATCHED, **_llm(fake, llm_max_retries=0)) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            fake.configure(FakeLLMConfig(fault_rate=1.0, faults=["500"], hold=True))
            trace_id = await _submit(client, items)
            await wait_until(_running(client, 10), what="ten indicators waiting on one call")
            fake.hold(False)  # the call gets its 500, and it is the last try
            failed = await _finished(client, trace_id)
            requests_of_the_failure = fake.stats()["requests"]

            fake.configure(FakeLLMConfig())  # the LLM works again
            again = await _finished(client, await _submit(client, later))

    assert requests_of_the_failure == 1
    assert (failed["failed"], failed["classified"]) == (10, 0)
    assert failed["llm"] == {"calls": 1, "cache_hits": 0, "shared": 9}
    errors = {row["error"] for row in rows(database) if row["status"] == "failed"}
    assert errors == {"openai: HTTP 500 after 1 attempts"}
    # The failure was not kept: the next indicator of the concept makes a call.
    assert fake.stats()["requests"] == 1
    assert (again["classified"], again["llm"]["calls"]) == (1, 1)


# -- the concept key lives in the database -----------------------------------------------


@pytest.mark.slow
async def test_the_concept_key_is_shared_across_batches_and_a_restart(
    tmp_path: Path, fake: FakeLLMServer
) -> None:
    database = tmp_path / "flow.db"
    names = ["Government Revenues", "Tax Revenues", "Customs Duties"]
    first, second, third = (_concepts(names, 4, start) for start in (0, 4, 8))
    with serve_flow(database, **_llm(fake)) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            one = await _finished(client, await _submit(client, first))
            calls_of_the_first = fake.stats()["requests"]
            two = await _finished(client, await _submit(client, second))
    assert calls_of_the_first == 3  # one per concept
    assert one["llm"]["calls"] == 3
    assert two["llm"] == {"calls": 0, "cache_hits": 12, "shared": 0}

    fake.reset()
    env = {
        "STEPFLOW_DATABASE": str(database),
        "STEPFLOW_APP_LLM_PROVIDER": "openai",
        "STEPFLOW_APP_LLM_BASE_URL": fake.base_url,
        "STEPFLOW_APP_LLM_API_KEY": "k",
    }
    with ServerProcess(REPO, env=env, log=tmp_path / "server.log") as server:  # another process
        async with httpx.AsyncClient(base_url=server.url) as client:
            three = await _finished(client, await _submit(client, third))
    assert fake.stats()["requests"] == 0
    assert (three["classified"], three["llm"]) == (
        12,
        {"calls": 0, "cache_hits": 12, "shared": 0},
    )


# -- llm_dedupe = false ------------------------------------------------------------------


async def test_without_dedupe_every_indicator_makes_its_own_call(
    tmp_path: Path, fake: FakeLLMServer
) -> None:
    database = tmp_path / "flow.db"
    items = _one_concept(20)
    with serve_flow(database, **_llm(fake, llm_dedupe=False)) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            status = await _finished(client, await _submit(client, items))
    stats = fake.stats()
    assert stats["requests"] == 20
    # The full prompt: the fake saw each indicator, by its id.
    assert set(stats["per_indicator"]) == {item["indicator_id"] for item in items}
    assert status["llm"] == {"calls": 20, "cache_hits": 0, "shared": 0}
    assert {row["obtained"] for row in rows(database)} == {"llm_call"}


def test_llm_dedupe_is_a_setting(tmp_path: Path) -> None:
    assert classify_settings(Settings()).llm_dedupe is True
    (tmp_path / "pyproject.toml").write_text("[tool.stepflow.app]\nllm_dedupe = false\n")
    assert classify_settings(load_settings(tmp_path, env={})).llm_dedupe is False
    from_env = load_settings(tmp_path, env={"STEPFLOW_APP_LLM_DEDUPE": "true"})
    assert classify_settings(from_env).llm_dedupe is True


# -- what a batch cost -------------------------------------------------------------------


async def test_the_batch_endpoint_reports_llm_calls_and_cache_hits(
    tmp_path: Path, fake: FakeLLMServer
) -> None:
    names = ["Government Revenues", "Tax Revenues"]
    later = _concepts(names, 3, 3)
    with serve_flow(tmp_path / "flow.db", **_llm(fake)) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            first = await _finished(client, await _submit(client, _concepts(names, 3, 0)))
            second = await _finished(client, await _submit(client, later))
            by_rules = await _finished(
                client, await _submit(client, _concepts(names, 1, 6), provider="rules")
            )
            path = f"/classify/indicators/{quote(later[0]['indicator_id'])}"
            one = (await client.get(path)).json()

    first_llm, second_llm = first["llm"], second["llm"]
    assert first_llm["calls"] == 2 == fake.stats()["requests"]
    assert first_llm["calls"] + first_llm["cache_hits"] + first_llm["shared"] == 6
    assert second_llm == {"calls": 0, "cache_hits": 6, "shared": 0}
    assert by_rules["llm"] == {"calls": 0, "cache_hits": 0, "shared": 0}
    assert one["obtained"] == "cache_hit"
