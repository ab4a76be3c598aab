"""Cron steps run on their schedule while the runtime runs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from stepflow import Context, Runtime, Settings, build_registry, cron_step
from stepflow.cron import CronSchedule

pytestmark = pytest.mark.anyio


def test_next_fire_time_follows_the_expression() -> None:
    start = datetime(2026, 1, 1, 10, 2, 30, tzinfo=UTC).timestamp()
    assert (
        CronSchedule("*/5 * * * *").next_after(start)
        == datetime(2026, 1, 1, 10, 5, tzinfo=UTC).timestamp()
    )


async def test_a_cron_step_runs_every_second_while_the_runtime_runs() -> None:
    ticks: list[str] = []

    @cron_step(name="Tick", cron="* * * * * *")
    async def tick(ctx: Context) -> None:
        ticks.append(ctx.trace_id)

    registry, _ = build_registry([tick])
    settings = Settings(database=":memory:", state="memory")  # type: ignore[arg-type]
    async with Runtime(registry, settings):
        await asyncio.sleep(2.2)
    assert len(ticks) >= 2
    assert len(set(ticks)) == len(ticks)
