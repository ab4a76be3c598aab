"""scale: indicators/s end to end on Redis + PostgreSQL with one and with two worker
processes (an API process in front, each process in a folder of its own), the ratio, and
the same flow on SQLite + the memory bus in one process for reference, in one run."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from scripts.feeder import sample_indicators

from . import redis as redis_section
from ._common import feed, server, source


def pg_url() -> str:
    return os.environ.get("PG_TEST_URL", "postgresql://postgres@127.0.0.1:5432/stepflow_test")


async def _pg(statement: str) -> None:
    parts = urlsplit(pg_url())
    admin = urlunsplit(parts._replace(path="/postgres", query=""))
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def _postgres_run(items: list[dict[str, Any]], workers: int) -> float:
    name = f"stepflow_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
    database = urlunsplit(urlsplit(pg_url())._replace(path=f"/{name}", query=""))
    namespace = f"bench-{os.urandom(4).hex()}"
    env = {
        "STEPFLOW_BUS": redis_section.redis_url(),
        "STEPFLOW_REDIS_NAMESPACE": namespace,
        "STEPFLOW_DATABASE": database,
    }
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folders = [Path(tmp) / f"p{n}" for n in range(workers + 1)]
            for folder in folders:
                folder.mkdir()
            api = server(folders[0], env, ("--role", "api"))
            processes = [
                server(folder, env, ("--role", "worker"), http=False) for folder in folders[1:]
            ]
            with api:
                for process in processes:
                    process.start()
                try:
                    outcome = feed(api.url, items, in_flight=8)
                finally:
                    for process in processes:
                        process.stop()
    finally:
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    if outcome.classified != len(items):
        raise RuntimeError(f"scale run classified {outcome.classified} of {len(items)}")
    return outcome.rate


def _embedded_run(items: list[dict[str, Any]]) -> float:
    with tempfile.TemporaryDirectory() as tmp, server(Path(tmp), {}) as process:
        outcome = feed(process.url, items, in_flight=8)
    return outcome.rate


def bench_scale(quick: bool) -> dict[str, Any]:
    count = 1_000 if quick else 5_000
    items = sample_indicators(source(), count, seed=5)
    one = _postgres_run(items, 1)
    two = _postgres_run(items, 2)
    embedded = _embedded_run(items)
    return {
        "indicators": count,
        "baseline": "one worker against two; SQLite + memory bus in one process for reference",
        "redis_postgres_one_worker_per_s": round(one),
        "redis_postgres_two_workers_per_s": round(two),
        "ratio_two_to_one": round(two / one, 3),
        "sqlite_memory_one_process_per_s": round(embedded),
        "note": "every process, Redis and PostgreSQL share this machine's two cores",
    }
