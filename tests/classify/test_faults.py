"""The classify flow against an unreliable LLM: every fault kind the fake knows, at once.

One run feeds 500 indicators through the `openai` provider while 30% of the fake's
replies are faults (429 with Retry-After, 500, 503, a hang past the client timeout,
truncated JSON, schema-invalid JSON); the tests below read that run from the SQLite
table, the batch endpoint and the fake's own request log."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from scripts.fake_llm import FAULT_KINDS, FakeLLMConfig, FakeLLMServer
from scripts.feeder import Feeder, Outcome
from steps.classify.models import FAMILY_OF_TYPE
from tests.helpers import rows, serve_flow

COUNT = 500
FAULT_RATE = 0.3
RETRY_AFTER = 0.6
LLM_TIMEOUT = 1.0
HANG_SECONDS = 1.5
# What a final failure may say (steps/classify/providers/http.py).
REASONS = re.compile(
    r"^openai: ("
    r"HTTP (429|500|503) after \d+ attempts"
    r"|timed out \(timeout 1s\) after \d+ attempts"
    r"|reply failed schema validation twice: .+"
    r")$"
)


@dataclass
class Run:
    outcome: Outcome
    rows: list[dict[str, Any]]
    batches: list[dict[str, Any]]
    stats: dict[str, Any]


def _trace_ids(database: Path) -> list[str]:
    return [row["trace_id"] for row in rows(database, "classify_batches")]


async def _feed_and_read_batches(
    url: str, items: list[dict[str, Any]], database: Path
) -> tuple[Outcome, list[dict[str, Any]]]:
    feeder = Feeder(url, in_flight=4, provider="openai")
    try:
        outcome = await asyncio.wait_for(feeder.run(items), timeout=60)
    finally:
        await feeder.aclose()
    async with httpx.AsyncClient(base_url=url) as client:
        batches = []
        for trace_id in _trace_ids(database):
            response = await client.get(f"/classify/batches/{trace_id}")
            assert response.status_code == 200
            batches.append(response.json())
    return outcome, batches


@pytest.fixture(scope="module")
def faulty_run(tmp_path_factory: pytest.TempPathFactory, indicators: list[dict[str, Any]]) -> Run:
    """500 indicators through a fake LLM that faults 30% of the time, once per module."""
    database = tmp_path_factory.mktemp("faults") / "flow.db"
    items = indicators[:COUNT]
    config = FakeLLMConfig(
        latency=0.005,
        fault_rate=FAULT_RATE,
        faults=list(FAULT_KINDS),
        retry_after=RETRY_AFTER,
        hang_seconds=HANG_SECONDS,
        seed=3,
    )
    app: dict[str, Any] = {
        "llm_api_key": "k",
        "llm_timeout": LLM_TIMEOUT,
        "llm_cache": False,
        "llm_concurrency": 32,
    }
    with (
        FakeLLMServer(config) as fake,
        serve_flow(database, llm_base_url=fake.base_url, **app) as url,
    ):
        outcome, batches = asyncio.run(_feed_and_read_batches(url, items, database))
        stats = fake.stats()
    return Run(outcome, rows(database), batches, stats)


def test_every_fault_kind_was_served(faulty_run: Run) -> None:
    faults = faulty_run.stats["faults"]
    assert set(faults) == set(FAULT_KINDS)
    # Each kind often enough that what follows is not an accident of a handful.
    assert min(faults.values()) >= 10


def test_every_indicator_ends_classified_or_failed_with_a_reason(
    faulty_run: Run, indicators: list[dict[str, Any]]
) -> None:
    rows = faulty_run.rows
    assert len(rows) == COUNT
    assert {row["indicator_id"] for row in rows} == {i["indicator_id"] for i in indicators[:COUNT]}
    by_status = Counter(row["status"] for row in rows)
    assert set(by_status) <= {"classified", "failed"}
    assert by_status["classified"] + by_status["failed"] == COUNT
    # Transient faults are retried, bad replies re-asked: most indicators get through.
    assert by_status["classified"] >= 0.95 * COUNT
    for row in rows:
        if row["status"] == "classified":
            assert row["error"] is None
            assert row["provider"] == "openai"
            assert FAMILY_OF_TYPE[row["indicator_type"]] == row["family"]
        else:
            assert row["error"], row
            assert REASONS.match(row["error"]), row["error"]
            assert row["family"] is None and row["indicator_type"] is None


def test_the_batch_endpoint_agrees_with_the_table(faulty_run: Run) -> None:
    rows = faulty_run.rows
    batches = faulty_run.batches
    table = Counter(row["status"] for row in rows)
    assert sum(b["total"] for b in batches) == COUNT
    assert all(b["complete"] and b["pending"] == 0 and b["moved"] == 0 for b in batches)
    assert sum(b["classified"] for b in batches) == table["classified"]
    assert sum(b["failed"] for b in batches) == table["failed"]
    listed = {(f["indicator_id"], f["error"]) for b in batches for f in b["failures"]}
    failed = {(row["indicator_id"], row["error"]) for row in rows if row["status"] == "failed"}
    assert listed == failed
    by_family = Counter[str]()
    for batch in batches:
        by_family.update(batch["by_family"])
    assert by_family == Counter(row["family"] for row in rows if row["status"] == "classified")
    # The feeder followed the same endpoint to the same totals.
    outcome = faulty_run.outcome
    assert (outcome.submitted, outcome.classified, outcome.failed) == (
        COUNT,
        table["classified"],
        table["failed"],
    )


def _gaps_after(stats: dict[str, Any], kinds: set[str]) -> list[tuple[int, float]]:
    """(index of the faulted request, seconds until the indicator's next request) for
    every fault of `kinds` that was followed by another request."""
    gaps = []
    for record in stats["per_indicator"].values():
        requests = sorted(record["requests"])
        for at, kind in record["faults"]:
            if kind not in kinds:
                continue
            index = max(i for i, t in enumerate(requests) if t <= at)
            if index + 1 < len(requests):
                gaps.append((index, requests[index + 1] - at))
    return gaps


def test_retry_after_is_honoured(faulty_run: Run) -> None:
    throttled = _gaps_after(faulty_run.stats, {"429"})
    assert len(throttled) >= 10
    too_soon = [gap for _, gap in throttled if gap < RETRY_AFTER - 0.005]
    assert too_soon == [], f"retried sooner than Retry-After {RETRY_AFTER}s"
    # The fake's own summary (the last 429 of each indicator) says the same.
    for entry in faulty_run.stats["throttled"].values():
        if entry["next_request_at"] is not None:
            assert entry["next_request_at"] - entry["throttled_at"] >= RETRY_AFTER - 0.005


async def _feed_and_read_stats(
    fake: FakeLLMServer, url: str, items: list[dict[str, Any]], database: Path
) -> dict[str, Any]:
    await _feed_and_read_batches(url, items, database)
    return fake.stats()


def test_a_429_waits_for_its_retry_after_then_succeeds(
    tmp_path: Path, indicators: list[dict[str, Any]]
) -> None:
    """Each indicator's first request gets a 429 with Retry-After 1 s, then succeeds:
    no retry comes sooner than the server asked."""
    database = tmp_path / "flow.db"
    app: dict[str, Any] = {"llm_api_key": "k", "llm_cache": False, "llm_concurrency": 32}
    with FakeLLMServer() as fake, serve_flow(database, llm_base_url=fake.base_url, **app) as url:
        fake.configure(FakeLLMConfig(fault_schedule=["429"], retry_after=1.0))
        stats = asyncio.run(_feed_and_read_stats(fake, url, indicators[:10], database))
    gaps = [gap for _, gap in _gaps_after(stats, {"429"})]
    assert len(gaps) == 10
    assert min(gaps) >= 1.0 - 0.005
    assert {row["status"] for row in rows(database)} == {"classified"}


PERMANENT_REASONS = {
    "429": r"^openai: HTTP 429 after 2 attempts$",
    "500": r"^openai: HTTP 500 after 2 attempts$",
    "503": r"^openai: HTTP 503 after 2 attempts$",
    "hang": r"^openai: timed out \(timeout 0\.3s\) after 2 attempts$",
    "truncated": r"^openai: reply failed schema validation twice: the reply is not valid JSON",
    "invalid": (
        r"^openai: reply failed schema validation twice: .*indicator_type '[a-z-]+' "
        r"does not belong to family"
    ),
}


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_a_permanent_fault_fails_every_indicator_with_its_reason(
    tmp_path: Path, indicators: list[dict[str, Any]], kind: str
) -> None:
    database = tmp_path / "flow.db"
    items = indicators[:20]
    config = FakeLLMConfig(fault_rate=1.0, faults=[kind], retry_after=0.05, hang_seconds=1.0)
    app: dict[str, Any] = {
        "llm_api_key": "k",
        "llm_timeout": 0.3,
        "llm_cache": False,
        "llm_max_retries": 1,
        "llm_concurrency": 32,
    }
    with (
        FakeLLMServer(config) as fake,
        serve_flow(database, llm_base_url=fake.base_url, **app) as url,
    ):
        outcome, batches = asyncio.run(_feed_and_read_batches(url, items, database))
        stats = fake.stats()

    table = rows(database)
    assert len(table) == 20
    assert {row["status"] for row in table} == {"failed"}
    for row in table:
        assert re.match(PERMANENT_REASONS[kind], row["error"]), row["error"]
    assert (outcome.classified, outcome.failed) == (0, 20)
    assert sum(b["failed"] for b in batches) == 20
    # Every request was the fault: two attempts each (or a reply and its one re-ask).
    assert stats["faults"] == {kind: 40}
