"""Crash recovery: a `stepflow start` process killed mid-run loses nothing.

The server runs as a real subprocess against a fake LLM and is SIGKILLed while most
indicators are still queued in its in-memory bus (recorded `pending` in SQLite). A new
server on the same database finishes them: its sweep re-emits what was left pending,
and the feeder's resume skips what is classified and re-submits the rest."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from stepflow.testing import ServerProcess
from steps.classify.fake_llm import FakeLLMConfig, FakeLLMServer
from steps.classify.feeder import Feeder, sample_indicators

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
COUNT = 2_000
KILL_AFTER = 300


def _statuses(database: Path) -> Counter[str]:
    """Row counts by status, read from the live database without writing to it."""
    if not database.exists():
        return Counter()
    with contextlib.closing(
        sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
    ) as conn:
        try:
            rows = conn.execute("SELECT status, COUNT(*) FROM classifications GROUP BY status")
            return Counter({status: count for status, count in rows})
        except sqlite3.OperationalError:  # the table is not created yet
            return Counter()


def _rows(database: Path) -> list[tuple[str, str]]:
    with contextlib.closing(sqlite3.connect(database)) as conn:
        return list(conn.execute("SELECT indicator_id, status FROM classifications"))


async def _until(
    check: Callable[[], bool], timeout: float, what: str, interval: float = 0.05
) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(interval)


async def _feed_then_crash(
    server: ServerProcess, items: list[dict[str, Any]], database: Path, kill_after: int
) -> None:
    """Feed everything, and SIGKILL the server once `kill_after` are classified."""
    feeder = Feeder(server.url, in_flight=2, batch_size=50, provider="openai")
    feeding = asyncio.create_task(feeder.run(items))
    try:
        await _until(
            lambda: _statuses(database)["classified"] >= kill_after or feeding.done(),
            timeout=30,
            what=f"{kill_after} classified",
            interval=0.02,
        )
        assert not feeding.done(), "the feeder finished before the crash"
        server.kill()
    finally:
        feeding.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await feeding
        await feeder.aclose()


async def _resume(url: str, items: list[dict[str, Any]]) -> tuple[int, int]:
    """What `run_classification.py --resume` does: skip the classified, submit the rest.
    Returns (skipped, submitted)."""
    feeder = Feeder(url, in_flight=4, provider="openai")
    try:
        done = await feeder.already_classified([item["indicator_id"] for item in items])
        rest = [item for item in items if item["indicator_id"] not in done]
        if rest:
            await asyncio.wait_for(feeder.run(rest), timeout=120)
        return len(done), len(rest)
    finally:
        await feeder.aclose()


def _env(database: Path, fake: FakeLLMServer) -> dict[str, str]:
    return {
        "STEPFLOW_DATABASE": str(database),
        "STEPFLOW_APP_LLM_PROVIDER": "openai",
        "STEPFLOW_APP_LLM_BASE_URL": fake.base_url,
        "STEPFLOW_APP_LLM_API_KEY": "x",
        "STEPFLOW_APP_LLM_CONCURRENCY": "16",
        "STEPFLOW_APP_LLM_CACHE": "false",
        # croniter reads a sixth field as seconds: sweep every second.
        "STEPFLOW_APP_SWEEP_CRON": "* * * * * *",
        "STEPFLOW_APP_SWEEP_AFTER": "1",
        # The sweep re-emits what is still queued, too: do not drain that on exit.
        "STEPFLOW_SHUTDOWN_TIMEOUT": "1",
    }


def _crash_mid_run(
    items: list[dict[str, Any]], database: Path, env: dict[str, str], log: Path, kill_after: int
) -> Counter[str]:
    """Start a server, feed `items`, SIGKILL it once `kill_after` are classified; the
    statuses it left behind."""
    first = ServerProcess(REPO, env=env, log=log).start()
    try:
        asyncio.run(_feed_then_crash(first, items, database, kill_after))
    finally:
        first.kill()
    left = _statuses(database)
    assert left["classified"] >= kill_after
    assert left["pending"] >= len(items) // 2, f"killed too late: {dict(left)}"
    assert left["failed"] == 0
    return left


def test_a_killed_server_resumed_by_the_feeder_loses_and_duplicates_nothing(
    tmp_path: Path, source_db: Path
) -> None:
    items = sample_indicators(source_db, COUNT, seed=11)
    assert len({item["indicator_id"] for item in items}) == COUNT
    database = tmp_path / "flow.db"
    with FakeLLMServer(FakeLLMConfig(latency=0.05)) as fake:
        env = _env(database, fake)
        left = _crash_mid_run(items, database, env, tmp_path / "first.log", KILL_AFTER)
        with ServerProcess(REPO, env=env, log=tmp_path / "second.log") as second:
            skipped, submitted = asyncio.run(_resume(second.url, items))
            # Nothing classified is asked again; the sweep may finish some pending first.
            assert skipped >= left["classified"] and skipped + submitted == COUNT
            asyncio.run(
                _until(
                    lambda: _statuses(database) == Counter({"classified": COUNT}),
                    timeout=120,
                    what=f"{COUNT} classified",
                )
            )

    rows = _rows(database)
    assert len(rows) == COUNT
    assert len({indicator_id for indicator_id, _ in rows}) == COUNT
    assert {indicator_id for indicator_id, _ in rows} == {item["indicator_id"] for item in items}
    assert {status for _, status in rows} == {"classified"}


def test_the_sweep_alone_finishes_what_a_crash_left_pending(
    tmp_path: Path, source_db: Path
) -> None:
    items = sample_indicators(source_db, 600, seed=12)
    database = tmp_path / "flow.db"
    with FakeLLMServer(FakeLLMConfig(latency=0.05)) as fake:
        env = _env(database, fake)
        left = _crash_mid_run(items, database, env, tmp_path / "first.log", 100)
        # A new server and no feeder: only the sweep can move the pending rows.
        with ServerProcess(REPO, env=env, log=tmp_path / "second.log"):
            asyncio.run(
                _until(
                    lambda: _statuses(database)["pending"] == 0,
                    timeout=60,
                    what="the sweep to finish the pending indicators",
                )
            )

    rows = _rows(database)
    assert len(rows) == sum(left.values())
    assert len({indicator_id for indicator_id, _ in rows}) == len(rows)
    assert {status for _, status in rows} == {"classified"}
