"""Many machines for real: an API process and two workers, each in a folder of its own
with no file shared, on one Redis and one PostgreSQL database. A worker and then the API
process are killed mid-run (the API restarted); every indicator ends classified, once,
and the restarted API process's Workbench shows the traces its workers wrote."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from scripts.feeder import Feeder
from stepflow.testing import ServerProcess, wait_until
from tests.helpers import REDIS_URL, REPO, pg_statuses

pytestmark = pytest.mark.slow


async def _ids(url: str) -> list[str]:
    conn = await asyncpg.connect(url)
    try:
        return [row[0] for row in await conn.fetch("SELECT indicator_id FROM classifications")]
    finally:
        await conn.close()


async def test_api_and_workers_on_separate_folders_survive_kills(
    tmp_path: Path, indicators: list[dict[str, Any]], redis_namespace: str, pg_schema: str
) -> None:
    env = {
        "STEPFLOW_BUS": REDIS_URL,
        "STEPFLOW_REDIS_NAMESPACE": redis_namespace,
        "STEPFLOW_REDIS_VISIBILITY_TIMEOUT": "2",
        "STEPFLOW_DATABASE": pg_schema,
        "STEPFLOW_DATABASE_POOL_SIZE": "5",
        "STEPFLOW_APP_SWEEP_CRON": "* * * * * *",
        "STEPFLOW_WORKBENCH": "true",
    }
    items = (indicators * 2)[:2_000]
    items = [
        {**item, "indicator_id": f"{item['indicator_id']}-{n}"} for n, item in enumerate(items)
    ]
    folders = {name: tmp_path / name for name in ("api", "worker-1", "worker-2")}
    for folder in folders.values():
        folder.mkdir()

    def api_process(log: str) -> ServerProcess:
        return ServerProcess(
            REPO, env=env, args=["--role", "api"], cwd=folders["api"], log=tmp_path / log
        )

    api = api_process("api.log").start()
    workers = [
        ServerProcess(
            REPO,
            env=env,
            args=["--role", "worker"],
            http=False,
            cwd=folders[name],
            log=tmp_path / f"{name}.log",
        ).start()
        for name in ("worker-1", "worker-2")
    ]
    restarted = None
    feeder = Feeder(api.url, in_flight=4, batch_size=100, max_outage=300)
    try:
        feeding = asyncio.create_task(feeder.run(items))
        await wait_until(
            lambda: _classified_at_least(pg_schema, 300), timeout=120, what="300 classified"
        )
        workers[0].kill()
        await wait_until(
            lambda: _classified_at_least(pg_schema, 800), timeout=120, what="800 classified"
        )
        api.kill()
        restarted = api_process("api-restarted.log")
        restarted.port = api.port
        restarted.url = api.url
        restarted_at = time.time()
        await asyncio.to_thread(restarted.start)
        outcome = await asyncio.wait_for(feeding, timeout=300)
        # One batch more, after the kills: its whole trace, as the restarted API sees it.
        extra = [{**item, "indicator_id": f"extra-{n}"} for n, item in enumerate(items[:100])]
        trace = await _batch_trace(restarted.url, extra)
        earlier = await _batch_traces(restarted.url)
    finally:
        await feeder.aclose()
        for process in (*workers, api, *([restarted] if restarted else [])):
            await asyncio.to_thread(process.stop)

    assert workers[0].process is not None and workers[0].process.returncode == -9
    assert (outcome.classified, outcome.failed) == (2_000, 0)
    assert await pg_statuses(pg_schema) == Counter({"classified": 2_100})
    ids = await _ids(pg_schema)
    assert len(ids) == len(set(ids)) == 2_100
    # The workers' spans (the API process runs no handler) under the API's own span.
    assert trace["status"] == "ok"
    assert Counter((s["step"], s["status"]) for s in trace["span_list"]) == Counter(
        {("StartClassify", "ok"): 1, ("NormalizeIndicator", "ok"): 100,
         ("ClassifyWithRules", "ok"): 100, ("PersistClassification", "ok"): 100}
    )  # fmt: skip
    # Traces outlive the process that began them: the killed API's batches are listed.
    assert any(float(t["started_at"]) < restarted_at for t in earlier)
    for folder in folders.values():  # nothing of the flow's lives on any machine's disk
        assert not (folder / ".stepflow").exists()
        assert list(folder.iterdir()) == []


async def _batch_trace(url: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Submit one batch, wait until it is done and its trace is, and return the trace
    with its spans from the Workbench's API."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        accepted = await client.post("/classify/batch", json={"indicators": items})
        assert accepted.status_code == 202, accepted.text
        trace_id = accepted.json()["trace_id"]

        async def done() -> bool:
            found = await client.get(f"/_stepflow/api/traces/{trace_id}")
            if found.status_code != 200:
                return False
            body = found.json()
            return bool(body["status"] == "ok" and body["spans"] == 1 + 3 * len(items))

        await wait_until(done, timeout=120, what="the extra batch's trace")
        found = await client.get(f"/_stepflow/api/traces/{trace_id}")
    trace: dict[str, Any] = found.json()
    return trace


async def _batch_traces(url: str) -> list[dict[str, Any]]:
    """The summaries of the batches' traces, from the Workbench's API."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        listed = await client.get("/_stepflow/api/traces", params={"limit": 500})
    listed.raise_for_status()
    return [t for t in listed.json()["items"] if t["name"] == "POST /classify/batch"]


async def _classified_at_least(url: str, count: int) -> bool:
    return (await pg_statuses(url))["classified"] >= count
