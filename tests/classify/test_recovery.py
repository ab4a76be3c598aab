"""Crash recovery: a `stepflow start` process killed mid-run loses nothing.

The server runs as a real subprocess against a fake LLM that holds every request, so
the test decides when the crash happens: once every batch is accepted (all rows
`pending`, their events queued in the dead process's memory), the server is SIGKILLed.
A new server on the same database sees that the old one's lease has lapsed and
re-emits its work at once, without waiting for anything else; the feeder, still running,
rides out the outage and finishes."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from scripts.fake_llm import FakeLLMConfig, FakeLLMServer
from scripts.feeder import Feeder, Outcome, sample_indicators
from stepflow.testing import ServerProcess, wait_until
from tests.helpers import REPO, rows, statuses

pytestmark = pytest.mark.slow

COUNT = 2_000


def _env(database: Path, fake: FakeLLMServer) -> dict[str, str]:
    return {
        "STEPFLOW_DATABASE": str(database),
        "STEPFLOW_QUEUE_SIZE": "5000",  # every event of the feed fits: all are accepted
        "STEPFLOW_LEASE_TTL": "3",
        "STEPFLOW_APP_LLM_PROVIDER": "openai",
        "STEPFLOW_APP_LLM_BASE_URL": fake.base_url,
        "STEPFLOW_APP_LLM_API_KEY": "x",
        "STEPFLOW_APP_LLM_CONCURRENCY": "16",
        "STEPFLOW_APP_LLM_CACHE": "false",
        # croniter reads a sixth field as seconds: look for orphans every second.
        "STEPFLOW_APP_SWEEP_CRON": "* * * * * *",
    }


async def test_a_killed_server_restarted_under_a_running_feeder_loses_and_duplicates_nothing(
    tmp_path: Path, source_db: Path
) -> None:
    items = sample_indicators(source_db, COUNT, seed=11)
    database = tmp_path / "flow.db"
    notices: list[str] = []
    with FakeLLMServer(FakeLLMConfig(latency=0.01)) as fake:
        env = _env(database, fake)
        fake.hold()
        first = ServerProcess(REPO, env=env, log=tmp_path / "first.log").start()
        feeder = Feeder(
            first.url, in_flight=2, batch_size=100, max_outage=120, on_notice=notices.append
        )
        feeding = asyncio.create_task(feeder.run(items))
        try:
            await wait_until(
                lambda: statuses(database)["pending"] == COUNT,
                timeout=120,
                what="every batch to be accepted",
            )
            first.kill()  # the crash: 2,000 events were in its memory only
            fake.hold(False)
            restarted = time.monotonic()
            second = ServerProcess(REPO, port=first.port, env=env, log=tmp_path / "second.log")
            await asyncio.to_thread(second.start)  # the feeder keeps trying meanwhile
            try:
                outcome: Outcome = await asyncio.wait_for(feeding, timeout=300)
                recovery = time.monotonic() - restarted
            finally:
                await asyncio.to_thread(second.stop)
        finally:
            feeding.cancel()
            await feeder.aclose()

    print(f"\nrecovered {COUNT} indicators {recovery:.1f}s after the restart")
    assert (outcome.classified, outcome.failed) == (COUNT, 0)
    assert outcome.outages >= 1 and any("retrying" in notice for notice in notices), notices
    table = rows(database)
    assert len(table) == COUNT
    assert {row["indicator_id"] for row in table} == {item["indicator_id"] for item in items}
    assert Counter(row["status"] for row in table) == Counter({"classified": COUNT})


def test_the_sweep_alone_finishes_what_a_crash_left_pending(
    tmp_path: Path, source_db: Path
) -> None:
    items = sample_indicators(source_db, 600, seed=12)
    database = tmp_path / "flow.db"
    with FakeLLMServer(FakeLLMConfig(latency=0.01)) as fake:
        env = _env(database, fake)
        fake.hold()
        first = ServerProcess(REPO, env=env, log=tmp_path / "first.log").start()
        asyncio.run(_submit_all(first.url, items))
        first.kill()
        fake.hold(False)
        assert statuses(database) == Counter({"pending": 600})
        # A new server and no feeder: only the sweep can move the pending rows.
        with ServerProcess(REPO, env=env, log=tmp_path / "second.log"):
            asyncio.run(
                wait_until(
                    lambda: statuses(database) == Counter({"classified": 600}),
                    timeout=120,
                    what="the sweep to finish the pending indicators",
                )
            )
    assert len(rows(database)) == 600


async def _submit_all(url: str, items: list[dict[str, Any]]) -> None:
    """Submit `items` and return once all are accepted (without following them)."""
    feeder = Feeder(url, batch_size=100)
    try:
        for start in range(0, len(items), 100):
            await feeder.submit(start // 100, items[start : start + 100])
    finally:
        await feeder.aclose()
