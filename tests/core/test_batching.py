"""Batcher: concurrent submits share flushes; Runtime resources are closed on stop."""

from __future__ import annotations

import asyncio

from stepflow import Context, Runtime, Settings, build_registry, event_step
from stepflow._batching import Batcher
from tests.helpers import next_turn


async def test_concurrent_submits_are_flushed_in_batches_of_max_size() -> None:
    flushed: list[list[int]] = []

    async def flush(items: list[int]) -> None:
        flushed.append(items)

    batcher: Batcher[int] = Batcher(flush, max_size=10, max_delay=1.0)
    await asyncio.gather(*(batcher.submit(n) for n in range(25)))
    await batcher.aclose()
    assert [len(batch) for batch in flushed] == [10, 10, 5]
    assert sorted(n for batch in flushed for n in batch) == list(range(25))


async def test_a_partial_batch_is_flushed_after_max_delay() -> None:
    flushed: list[list[str]] = []

    async def flush(items: list[str]) -> None:
        flushed.append(items)

    batcher: Batcher[str] = Batcher(flush, max_size=100, max_delay=0.01)
    await asyncio.wait_for(batcher.submit("only"), 30)
    assert flushed == [["only"]]


async def test_a_cancelled_caller_leaves_its_item_and_its_batch_mates_undisturbed() -> None:
    flushed: list[list[int]] = []
    release = asyncio.Event()

    async def flush(items: list[int]) -> None:
        await release.wait()
        flushed.append(items)

    batcher: Batcher[int] = Batcher(flush, max_size=3, max_delay=1.0)
    callers = [asyncio.create_task(batcher.submit(n)) for n in range(3)]
    await next_turn()  # all three submitted: the batch is full and flushing
    callers[1].cancel()
    release.set()
    results = await asyncio.gather(*callers, return_exceptions=True)
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], asyncio.CancelledError)
    assert flushed == [[0, 1, 2]]


async def test_a_failed_flush_raises_in_every_caller_of_that_batch() -> None:
    async def flush(items: list[int]) -> None:
        raise OSError("disk full")

    batcher: Batcher[int] = Batcher(flush, max_size=3, max_delay=1.0)
    results = await asyncio.gather(*(batcher.submit(n) for n in range(3)), return_exceptions=True)
    assert [str(r) for r in results] == ["disk full"] * 3


class Closable:
    def __init__(self) -> None:
        self.closed = False

    async def aclose(self) -> None:
        self.closed = True


async def test_a_resource_is_made_once_per_runtime_and_closed_on_stop() -> None:
    made: list[Closable] = []

    def make() -> Closable:
        made.append(Closable())
        return made[-1]

    @event_step(name="Use", subscribes=["go"])
    async def use(data: object, ctx: Context) -> None:
        ctx.resource("thing", make)

    registry, _ = build_registry([use])
    runtime = Runtime(registry, Settings(database=":memory:", state="memory"))
    async with runtime:
        for _ in range(3):
            await runtime.publish("go", None)
        await runtime.drain()
        assert len(made) == 1
        assert not made[0].closed
    assert made[0].closed
