"""Beyond one machine: an API process and two workers on one Redis and one SQLite file."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from scripts.feeder import Feeder
from stepflow.testing import ServerProcess, wait_until
from tests.helpers import REDIS_URL

ROOT = Path(__file__).resolve().parents[2]


def _counts(database: Path) -> tuple[int, int, int]:
    """(rows, classified, distinct ids), read-only."""
    if not database.exists():
        return 0, 0, 0
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    try:
        rows, classified, distinct = conn.execute(
            "SELECT COUNT(*), SUM(status = 'classified'), COUNT(DISTINCT indicator_id)"
            " FROM classifications"
        ).fetchone()
    except sqlite3.OperationalError:  # the table comes with the first request
        return 0, 0, 0
    finally:
        conn.close()
    return int(rows), int(classified or 0), int(distinct)


@pytest.mark.slow
def test_two_workers_survive_one_being_killed(
    tmp_path: Path, indicators: list[dict[str, Any]], redis_namespace: str
) -> None:
    database = tmp_path / "flow.db"
    env = {
        "STEPFLOW_BUS": REDIS_URL,
        "STEPFLOW_REDIS_NAMESPACE": redis_namespace,
        "STEPFLOW_REDIS_VISIBILITY_TIMEOUT": "2",
        "STEPFLOW_DATABASE": str(database),
    }
    items = (indicators * 2)[:2_000]
    items = [
        {**item, "indicator_id": f"{item['indicator_id']}-{n}"} for n, item in enumerate(items)
    ]
    api = ServerProcess(ROOT, env=env, args=["--role", "api"], log=tmp_path / "api.log")
    workers = [
        ServerProcess(
            ROOT, env=env, args=["--role", "worker"], http=False, log=tmp_path / f"w{n}.log"
        )
        for n in range(2)
    ]
    with api:
        for worker in workers:
            worker.start()
        try:

            async def feed() -> Any:
                feeder = Feeder(api.url, in_flight=4)
                try:
                    return await feeder.run(items)
                finally:
                    await feeder.aclose()

            async def kill_one_mid_run() -> None:
                await wait_until(lambda: _counts(database)[1] >= 300, timeout=120, what="300")
                workers[0].kill()

            async def run() -> Any:
                killer = asyncio.create_task(kill_one_mid_run())
                outcome = await feed()
                await killer
                return outcome

            outcome = asyncio.run(run())
        finally:
            for worker in workers:
                worker.stop()

    assert workers[0].process is not None and workers[0].process.returncode == -9
    assert _counts(database) == (2_000, 2_000, 2_000)
    assert (outcome.classified, outcome.failed) == (2_000, 0)
