"""Faulty handlers through a real runtime, on both buses: a handler that raises, one
that hangs past its timeout, and one that emits data its downstream step cannot take.

Each fault ends in the dead-letter store with a precise error, never stops the runtime
(the faulty step's only worker and every other step keep going), and replays once the
fault is gone."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, BaseModel, Field

from stepflow import Context, Unavailable, event_step
from stepflow.testing import FlowTester, wait_until
from tests.helpers import FAST


class Item(BaseModel):
    n: int


def _healthy(seen: list[int], subscribes: str = "item") -> Any:
    @event_step(name="Healthy", subscribes=[subscribes], input=Item)
    async def healthy(item: Item, ctx: Context) -> None:
        seen.append(item.n)

    return healthy


async def test_a_raising_handler_is_dead_lettered_and_replays_once_fixed(
    backend: dict[str, Any],
) -> None:
    failing = {1}
    calls: list[int] = []
    done: list[int] = []
    seen: list[int] = []

    # One worker: if a failure killed it, nothing after the fault would be handled.
    @event_step(name="Raises", subscribes=["item"], input=Item, retries=2, concurrency=1)
    async def raises(item: Item, ctx: Context) -> None:
        calls.append(item.n)
        if item.n in failing:
            raise RuntimeError(f"cannot handle {item.n}")
        await ctx.state.set("done", str(item.n), True)
        done.append(item.n)

    async with FlowTester([raises, _healthy(seen)], **FAST, **backend) as flow:
        event = await flow.emit("item", {"n": 1}, trace_id="trace-raise")
        await flow.drain()
        [letter] = await flow.dead_letters()
        assert letter.error == "RuntimeError: cannot handle 1"
        assert (letter.step, letter.topic, letter.data) == ("Raises", "item", {"n": 1})
        assert (letter.attempts, letter.event_id, letter.trace_id) == (3, event.id, "trace-raise")
        assert calls == [1, 1, 1]

        # Emitted after the fault: the faulty step and its neighbour both carry on.
        for n in (2, 3):
            await flow.emit("item", {"n": n})
        await flow.drain()
        assert done == [2, 3]
        assert sorted(seen) == [1, 2, 3]

        failing.clear()
        [replayed] = await flow.replay()
        await flow.drain()
        assert replayed.id == letter.id
        assert await flow.dead_letters() == []
        assert done == [2, 3, 1]
        assert await flow.state.get("done", "1") is True
        assert sorted(seen) == [1, 2, 3]  # a replay goes to the failed step only


async def test_a_hanging_handler_is_cancelled_dead_lettered_and_replays_once_fixed(
    backend: dict[str, Any],
) -> None:
    hanging = {1}
    started = asyncio.Event()
    cancelled: list[int] = []
    done: list[int] = []
    seen: dict[int, float] = {}

    @event_step(
        name="Hangs", subscribes=["item"], input=Item, retries=1, timeout=0.5, concurrency=1
    )
    async def hangs(item: Item, ctx: Context) -> None:
        if item.n in hanging:
            started.set()
            try:
                await asyncio.Event().wait()  # hangs until the timeout cancels it
            except asyncio.CancelledError:
                cancelled.append(item.n)
                raise
        done.append(item.n)

    @event_step(name="Healthy", subscribes=["other"], input=Item)
    async def healthy(item: Item, ctx: Context) -> None:
        seen[item.n] = time.time()

    async with FlowTester([hangs, healthy], **FAST, **backend) as flow:
        event = await flow.emit("item", {"n": 1}, trace_id="trace-hang")
        await asyncio.wait_for(started.wait(), 5)
        # While the handler hangs, other steps are served, and its own queue waits.
        for n in (2, 3):
            await flow.emit("other", {"n": n})
        await flow.emit("item", {"n": 4})
        await flow.drain()
        [letter] = await flow.dead_letters()
        assert letter.error == "TimeoutError: handler timed out after 0.5s"
        assert (letter.step, letter.topic, letter.data) == ("Hangs", "item", {"n": 1})
        assert (letter.attempts, letter.event_id, letter.trace_id) == (2, event.id, "trace-hang")
        assert cancelled == [1, 1]  # each timed-out attempt was cancelled, not leaked
        assert sorted(seen) == [2, 3]
        assert max(seen.values()) < letter.failed_at  # served during the hang
        assert done == [4]

        hanging.clear()
        await flow.replay([letter.id])
        await flow.drain()
        assert await flow.dead_letters() == []
        assert done == [4, 1]
        assert cancelled == [1, 1]


class Start(BaseModel):
    n: int
    old_format: bool = False


class ItemFixed(BaseModel):
    """The consumer's fix: it takes the producer's renamed field as well."""

    n: int = Field(validation_alias=AliasChoices("n", "count"))


def _producer() -> Any:
    @event_step(name="Produce", subscribes=["start"], input=Start, emits=["item"])
    async def produce(start: Start, ctx: Context) -> None:
        # The bug: an old code path still emits the field under its former name.
        await ctx.emit("item", {"count": start.n} if start.old_format else {"n": start.n})

    return produce


def _consumer(model: type[BaseModel], done: list[int]) -> Any:
    @event_step(name="Consume", subscribes=["item"], input=model, retries=3, concurrency=1)
    async def consume(item: Any, ctx: Context) -> None:
        await ctx.state.set("consumed", str(item.n), item.n)
        done.append(item.n)

    return consume


async def test_data_invalid_for_the_next_step_is_dead_lettered_and_replays_once_fixed(
    backend: dict[str, Any], tmp_path: Path
) -> None:
    done: list[int] = []
    seen: list[int] = []
    # A file database, so that the dead letters outlive the runtime (memory bus).
    settings = {"database": tmp_path / "flow.db", **FAST, **backend}
    steps = [_producer(), _consumer(Item, done), _healthy(seen, subscribes="start")]

    async with FlowTester(steps, **settings) as flow:
        await flow.emit("start", {"n": 1, "old_format": True}, trace_id="trace-bad")
        await flow.drain()
        [letter] = await flow.dead_letters()
        assert letter.error.startswith(
            "invalid input for Consume: 1 validation error for Item\n"
            "n\n"
            "  Field required [type=missing, input_value={'count': 1}, input_type=dict]"
        )
        assert (letter.step, letter.topic, letter.data) == ("Consume", "item", {"count": 1})
        # Bad data is not retried: it would fail the same way every time.
        assert (letter.attempts, letter.trace_id) == (1, "trace-bad")
        assert [e.data for e in flow.emitted("item")] == [{"count": 1}]

        await flow.emit("start", {"n": 2})
        await flow.emit("start", {"n": 3})
        await flow.drain()
        assert done == [2, 3]
        assert sorted(seen) == [1, 2, 3]
        assert len(await flow.dead_letters()) == 1

    # The fix is deployed: a new runtime on the same store replays the letter.
    done.clear()
    fixed = [_producer(), _consumer(ItemFixed, done), _healthy(seen, subscribes="start")]
    async with FlowTester(fixed, **settings) as flow:
        [replayed] = await flow.replay()
        await flow.drain()
        assert replayed.id == letter.id
        assert await flow.dead_letters() == []
        assert done == [1]
        assert await flow.state.get("consumed", "1") == 1
    assert sorted(seen) == [1, 2, 3]


async def test_an_ack_that_cannot_be_written_is_not_an_ack(backend: dict[str, Any]) -> None:
    handled: list[int] = []

    @event_step(name="Solo", subscribes=["item"], input=Item, concurrency=1)
    async def solo(item: Item, ctx: Context) -> None:
        handled.append(item.n)

    settings: dict[str, Any] = {**FAST, **backend, "redis_visibility_timeout": 0.5}
    async with FlowTester([solo], **settings) as flow:
        bus = flow.runtime.bus
        ack = bus.ack
        failures = [Unavailable("the bus", "down for a moment")]

        async def flaky_ack(delivery: Any) -> None:
            if failures and delivery.event.data == {"n": 1}:
                if settings.get("bus"):
                    bus._settled(delivery.subscription)  # type: ignore[attr-defined]
                raise failures.pop()  # not acknowledged: the bus keeps the event
            await ack(delivery)

        bus.ack = flaky_ack  # type: ignore[method-assign]
        await flow.emit("item", {"n": 1})
        await flow.emit("item", {"n": 2})
        await wait_until(lambda: sorted(handled) == [1, 1, 2], what="the redelivery")
        await flow.drain()

    # The worker lives on, and the event whose ack failed was delivered again.
    assert sorted(handled) == [1, 1, 2]


async def test_an_outage_longer_than_the_retries_is_waited_out_never_dead_lettered(
    backend: dict[str, Any],
) -> None:
    attempts: list[int] = []

    @event_step(name="Stores", subscribes=["item"], input=Item, retries=1, concurrency=1)
    async def stores(item: Item, ctx: Context) -> None:
        attempts.append(ctx.attempt)
        if len(attempts) <= 4:  # the database is down for four calls: past both tries
            raise Unavailable("the database", "disk I/O error", retry_after=0)

    async with FlowTester([stores], **FAST, **backend) as flow:
        await flow.emit("item", {"n": 1})
        await wait_until(lambda: len(attempts) == 5, what="the call after the outage")
        await flow.drain()
        assert await flow.dead_letters() == []

    # Its attempts rise to the last one its retries allow, and stay there.
    assert attempts == [1, 2, 2, 2, 2]


async def test_a_batch_that_meets_an_outage_is_retried_whole_not_event_by_event(
    backend: dict[str, Any],
) -> None:
    calls: list[tuple[list[int], int]] = []

    # One worker and a long batch_wait: the three events are one batch, the first time
    # and the next.
    @event_step(
        name="Saves", subscribes=["item"], input=Item, batch_size=3, batch_wait=30, concurrency=1
    )
    async def saves(items: list[Item], ctx: Context) -> None:
        calls.append((sorted(item.n for item in items), ctx.attempt))
        if len(calls) == 1:
            raise Unavailable("the database", "disk I/O error", retry_after=0)

    async with FlowTester([saves], **FAST, **backend) as flow:
        for n in (1, 2, 3):
            await flow.emit("item", {"n": n})
        await wait_until(lambda: len(calls) == 2, what="the batch's retry")
        await flow.drain()
        assert await flow.dead_letters() == []

    assert calls == [([1, 2, 3], 1), ([1, 2, 3], 2)]
