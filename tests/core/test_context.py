"""Context: emit_many batching and state backends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from stepflow import Context, event_step
from stepflow.events import Event
from stepflow.state import MemoryState, SqliteState, StateStore
from stepflow.testing import FlowTester

pytestmark = pytest.mark.anyio


class Item(BaseModel):
    n: int


class Batch(BaseModel):
    count: int


@event_step(name="Fan", subscribes=["batch"], input=Batch, emits=["item"])
async def fan(batch: Batch, ctx: Context) -> None:
    await ctx.emit_many("item", [Item(n=n) for n in range(batch.count)], batch_size=25)


@event_step(name="Sink", subscribes=["item"], input=Item)
async def sink(item: Item, ctx: Context) -> None:
    pass


async def test_emit_many_runs_batches_of_batch_size_each_in_parallel() -> None:
    async with FlowTester([fan, sink]) as flow:
        in_flight = 0
        peak_per_batch: list[int] = []
        publish = flow.runtime.bus.publish

        async def slow_publish(event: Event, *, only_step: str | None = None) -> None:
            nonlocal in_flight
            if event.topic == "item":
                if in_flight == 0:
                    peak_per_batch.append(0)
                in_flight += 1
                peak_per_batch[-1] = max(peak_per_batch[-1], in_flight)
                await asyncio.sleep(0.01)
                in_flight -= 1
            await publish(event, only_step=only_step)

        flow.runtime.bus.publish = slow_publish  # type: ignore[method-assign]
        await flow.emit("batch", {"count": 100})
        await flow.drain()

    assert peak_per_batch == [25, 25, 25, 25]
    assert [e.data.n for e in flow.emitted("item")] == list(range(100))


async def test_emit_many_waits_delay_between_batches_not_after_the_last() -> None:
    @event_step(name="Paced", subscribes=["go"], emits=["item"])
    async def paced(data: object, ctx: Context) -> None:
        batches = await ctx.emit_many(
            "item", [{"n": n} for n in range(10)], batch_size=4, delay=0.05
        )
        await ctx.state.set("result", "batches", batches)

    async with FlowTester([paced, sink]) as flow:
        await flow.emit("go", None)
        await flow.drain()
        times = [e.emitted_at for e in flow.emitted("item")]
        assert await flow.state.get("result", "batches") == 3

    assert times[4] - times[3] >= 0.045
    assert times[8] - times[7] >= 0.045
    assert times[3] - times[0] < 0.045


async def test_emit_many_defaults_come_from_settings() -> None:
    @event_step(name="Defaults", subscribes=["go"], emits=["item"])
    async def defaults(data: object, ctx: Context) -> None:
        await ctx.state.set("r", "batches", await ctx.emit_many("item", range(10)))

    async with FlowTester([defaults, sink], emit_batch_size=3) as flow:
        await flow.emit("go", None)
        await flow.drain()
        assert await flow.state.get("r", "batches") == 4


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StateStore]:
    backend: StateStore = (
        MemoryState() if request.param == "memory" else SqliteState(tmp_path / "s.db")
    )
    yield backend
    await backend.aclose()


async def test_state_set_get_delete(store: StateStore) -> None:
    await store.set("orders", "1", {"qty": 2})
    assert await store.get("orders", "1") == {"qty": 2}
    await store.set("orders", "1", Item(n=3))
    assert await store.get("orders", "1") == {"n": 3}
    await store.delete("orders", "1")
    assert await store.get("orders", "1") is None


async def test_state_groups_match_exactly(store: StateStore) -> None:
    await store.set("orders", "a", 1)
    await store.set("orders", "b", 2)
    await store.set("orders-archive", "c", 3)
    await store.set("order", "d", 4)
    assert await store.get_group("orders") == {"a": 1, "b": 2}
    await store.clear("orders")
    assert await store.get_group("orders") == {}
    assert await store.get_group("orders-archive") == {"c": 3}
    assert await store.get("order", "d") == 4


async def test_sqlite_state_persists_across_connections(tmp_path: Path) -> None:
    first = SqliteState(tmp_path / "s.db")
    await first.set("g", "k", [1, "two"])
    await first.aclose()
    second = SqliteState(tmp_path / "s.db")
    assert await second.get("g", "k") == [1, "two"]
    await second.aclose()
