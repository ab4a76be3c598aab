"""Context: emit_many batching and state backends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import BaseModel

from stepflow import Context, Database, event_step, open_database
from stepflow._events import Event
from stepflow._redis import RedisState, client_for
from stepflow._state import DatabaseState, MemoryState, StateStore
from stepflow.testing import FlowTester
from tests.helpers import REDIS_URL, next_turn


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
                await next_turn()  # every publish of a batch starts before any ends
                in_flight -= 1
            await publish(event, only_step=only_step)

        flow.runtime.bus.publish = slow_publish  # type: ignore[method-assign]
        await flow.emit("batch", {"count": 100})
        await flow.drain()

    assert peak_per_batch == [25, 25, 25, 25]
    assert [e.data["n"] for e in flow.emitted("item")] == list(range(100))


async def test_emit_many_waits_delay_between_batches_not_after_the_last(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log: list[str] = []

    async def sleep(seconds: float) -> None:  # records the pause instead of taking it
        log.append(f"sleep {seconds:g}")

    # Only the context's own view of asyncio: its pauses are recorded, not taken.
    recording = SimpleNamespace(sleep=sleep, TaskGroup=asyncio.TaskGroup)
    monkeypatch.setattr("stepflow._context.asyncio", recording)

    @event_step(name="Paced", subscribes=["go"], emits=["item"])
    async def paced(data: object, ctx: Context) -> None:
        batches = await ctx.emit_many(
            "item", [{"n": n} for n in range(10)], batch_size=4, delay=0.05
        )
        await ctx.state.set("result", "batches", batches)

    async with FlowTester([paced, sink]) as flow:
        flow.runtime.observers.append(lambda event: log.append(f"emit {event.data['n']}"))
        await flow.emit("go", {"n": "go"})
        await flow.drain()
        assert await flow.state.get("result", "batches") == 3

    emits = [f"emit {n}" for n in range(10)]
    assert log == [
        "emit go",
        *emits[:4],
        "sleep 0.05",
        *emits[4:8],
        "sleep 0.05",
        *emits[8:],
    ]


async def test_emit_many_defaults_come_from_settings() -> None:
    @event_step(name="Defaults", subscribes=["go"], emits=["item"])
    async def defaults(data: object, ctx: Context) -> None:
        await ctx.state.set("r", "batches", await ctx.emit_many("item", range(10)))

    async with FlowTester([defaults, sink], emit_batch_size=3) as flow:
        await flow.emit("go", None)
        await flow.drain()
        assert await flow.state.get("r", "batches") == 4


@pytest.fixture(params=["memory", "sqlite", "postgresql", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StateStore]:
    """Every state backend, for one conformance suite."""
    backend: StateStore
    database: Database | None = None
    if request.param == "memory":
        backend = MemoryState()
    elif request.param == "redis":
        backend = RedisState(client_for(REDIS_URL), request.getfixturevalue("redis_namespace"))
    else:
        url = (
            str(tmp_path / "s.db")
            if request.param == "sqlite"
            else request.getfixturevalue("pg_schema")
        )
        database = open_database(url)
        backend = DatabaseState(database)
    yield backend
    await backend.aclose()
    if database is not None:
        await database.aclose()


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


async def test_state_lists_groups_with_their_key_counts(store: StateStore) -> None:
    await store.set("b", "x", 1)
    await store.set("a", "y", 2)
    await store.set("a", "z", 3)
    assert await store.groups() == {"a": 2, "b": 1}


async def test_state_keys_come_back_sorted(store: StateStore) -> None:
    for key in ("b", "B", "a", "_", "10", "9"):
        await store.set("g", key, key)
    assert list(await store.get_group("g")) == sorted(["b", "B", "a", "_", "10", "9"])


async def test_state_refuses_what_json_cannot_hold(store: StateStore) -> None:
    with pytest.raises(TypeError, match="not JSON-serializable"):
        await store.set("g", "k", object())
    assert await store.get("g", "k") is None


async def test_database_state_persists_across_connections(tmp_path: Path) -> None:
    first = open_database(tmp_path / "s.db")
    await DatabaseState(first).set("g", "k", [1, "two"])
    await first.aclose()
    second = open_database(tmp_path / "s.db")
    assert await DatabaseState(second).get("g", "k") == [1, "two"]
    await second.aclose()


async def test_redis_state_lists_only_its_own_namespace_whatever_the_namespace_holds(
    redis_namespace: str,
) -> None:
    client = client_for(REDIS_URL)
    glob = RedisState(client, f"{redis_namespace}*[x]?")  # a pattern, taken literally
    other = RedisState(client, f"{redis_namespace}-other[x]!")  # which that pattern matches
    try:
        await glob.set("mine", "k", 1)
        await other.set("theirs", "k", 2)
        assert await glob.groups() == {"mine": 1}
        assert await other.groups() == {"theirs": 1}
    finally:
        await glob.clear("mine")
        await other.clear("theirs")
        await client.aclose()
