"""The in-memory bus through a real runtime: fan-out, limits, back-pressure, retries."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic_core import PydanticSerializationError, to_json

from stepflow import Context, NonRetriableError, RetryAfter, UndeclaredEmitError, event_step
from stepflow._events import Subscription, check_json
from stepflow.testing import FlowTester, wait_until
from tests.helpers import FAST, next_turn


class Item(BaseModel):
    n: int


async def test_every_subscriber_of_a_topic_gets_each_event(backend: dict[str, Any]) -> None:
    seen: dict[str, list[int]] = {"a": [], "b": []}

    @event_step(name="A", subscribes=["item"], input=Item)
    async def a(item: Item, ctx: Context) -> None:
        seen["a"].append(item.n)

    @event_step(name="B", subscribes=["item"], input=Item)
    async def b(item: Item, ctx: Context) -> None:
        seen["b"].append(item.n)

    async with FlowTester([a, b], **backend) as flow:
        for n in range(5):
            await flow.emit("item", {"n": n})
        await flow.drain()

    assert sorted(seen["a"]) == [0, 1, 2, 3, 4]
    assert sorted(seen["b"]) == [0, 1, 2, 3, 4]


async def test_a_step_never_runs_more_handlers_than_its_concurrency(
    backend: dict[str, Any],
) -> None:
    running = 0
    peak = 0
    full = asyncio.Event()  # three at once: only then does any of them finish

    @event_step(name="Slow", subscribes=["item"], input=Item, concurrency=3)
    async def slow(item: Item, ctx: Context) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        if running == 3:
            full.set()
        await full.wait()
        running -= 1

    async with FlowTester([slow], **backend) as flow:
        for n in range(30):
            await flow.emit("item", {"n": n})
        await flow.drain()

    assert peak == 3


async def test_concurrency_is_shared_across_a_steps_topics(backend: dict[str, Any]) -> None:
    running = 0
    peak = 0
    full = asyncio.Event()

    @event_step(name="Two", subscribes=["x", "y"], input=Item, concurrency=2)
    async def two(item: Item, ctx: Context) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        if running == 2:
            full.set()
        await full.wait()
        running -= 1

    async with FlowTester([two], **backend) as flow:
        for n in range(10):
            await flow.emit("x", {"n": n})
            await flow.emit("y", {"n": n})
        await flow.drain()

    assert peak == 2


async def test_a_full_queue_makes_emit_wait_and_stays_at_its_bound() -> None:
    release = asyncio.Event()
    handled: list[int] = []

    @event_step(name="Gate", subscribes=["item"], input=Item, concurrency=1)
    async def gate(item: Item, ctx: Context) -> None:
        await release.wait()
        handled.append(item.n)

    async with FlowTester([gate], queue_size=5) as flow:
        producer = asyncio.create_task(_emit_range(flow, 20))
        sub = Subscription("item", "Gate")
        # One event is being handled, five wait in the queue, the 7th publish waits.
        await wait_until(
            lambda: len(flow.emitted("item")) == 7 and flow.runtime.bus.depth(sub) == 5,
            what="the queue to fill",
        )
        for _ in range(10):  # however long it is left, the producer stays blocked
            await next_turn()
        assert not producer.done()
        assert (flow.runtime.bus.depth(sub), len(flow.emitted("item"))) == (5, 7)
        depths = []
        release.set()
        while not producer.done():
            depths.append(flow.runtime.bus.depth(sub))
            await next_turn()
        await flow.drain()

    assert max(depths) <= 5
    assert sorted(handled) == list(range(20))


async def _emit_range(flow: FlowTester, count: int) -> None:
    for n in range(count):
        await flow.emit("item", {"n": n})


async def test_a_handler_failing_twice_then_succeeding_runs_three_times(
    backend: dict[str, Any],
) -> None:
    attempts: list[int] = []

    @event_step(name="Flaky", subscribes=["item"], input=Item, retries=3)
    async def flaky(item: Item, ctx: Context) -> None:
        attempts.append(ctx.event.attempt if ctx.event else 0)
        if len(attempts) < 3:
            raise RuntimeError("not yet")

    async with FlowTester([flaky], **FAST, **backend) as flow:
        await flow.emit("item", {"n": 1})
        await flow.drain()
        assert await flow.dead_letters() == []

    assert attempts == [1, 2, 3]


async def test_an_always_failing_event_is_dead_lettered_then_replays(
    backend: dict[str, Any],
) -> None:
    broken = True
    calls = 0
    done: list[int] = []

    @event_step(name="Fragile", subscribes=["item"], input=Item, retries=2)
    async def fragile(item: Item, ctx: Context) -> None:
        nonlocal calls
        calls += 1
        if broken:
            raise ValueError(f"cannot handle {item.n}")
        done.append(item.n)

    async with FlowTester([fragile], **FAST, **backend) as flow:
        event = await flow.emit("item", {"n": 7}, trace_id="trace-7")
        await flow.drain()
        [letter] = await flow.dead_letters()
        assert calls == 3
        assert (letter.step, letter.topic, letter.data) == ("Fragile", "item", {"n": 7})
        assert (letter.attempts, letter.trace_id, letter.event_id) == (3, "trace-7", event.id)
        assert letter.error == "ValueError: cannot handle 7"

        broken = False
        replayed = await flow.replay([letter.id])
        await flow.drain()
        assert [r.id for r in replayed] == [letter.id]
        assert await flow.dead_letters() == []
    assert done == [7]


async def test_replay_delivers_only_to_the_step_that_failed(backend: dict[str, Any]) -> None:
    counts = {"ok": 0, "bad": 0}
    fail = True

    @event_step(name="Ok", subscribes=["item"], input=Item)
    async def ok(item: Item, ctx: Context) -> None:
        counts["ok"] += 1

    @event_step(name="Bad", subscribes=["item"], input=Item, retries=0)
    async def bad(item: Item, ctx: Context) -> None:
        counts["bad"] += 1
        if fail:
            raise RuntimeError("down")

    async with FlowTester([ok, bad], **backend) as flow:
        await flow.emit("item", {"n": 1})
        await flow.drain()
        fail = False
        await flow.replay()
        await flow.drain()

    assert counts == {"ok": 1, "bad": 2}


async def test_a_non_retriable_error_dead_letters_at_once(backend: dict[str, Any]) -> None:
    calls = 0

    @event_step(name="Refuse", subscribes=["item"], input=Item, retries=5)
    async def refuse(item: Item, ctx: Context) -> None:
        nonlocal calls
        calls += 1
        raise NonRetriableError("bad item")

    async with FlowTester([refuse], **FAST, **backend) as flow:
        await flow.emit("item", {"n": 1})
        await flow.drain()
        [letter] = await flow.dead_letters()

    assert calls == 1
    assert letter.error == "NonRetriableError: bad item"


async def test_retry_after_waits_the_requested_time(backend: dict[str, Any]) -> None:
    times: list[float] = []
    loop = asyncio.get_running_loop()

    @event_step(name="Later", subscribes=["item"], input=Item, retries=1)
    async def later(item: Item, ctx: Context) -> None:
        times.append(loop.time())
        if len(times) == 1:
            raise RetryAfter(0.2)

    async with FlowTester([later], retry_base_delay=0.0, **backend) as flow:
        await flow.emit("item", {"n": 1})
        await flow.drain()

    assert len(times) == 2
    assert times[1] - times[0] >= 0.2


async def test_a_handler_past_its_timeout_is_retried_then_dead_lettered(
    backend: dict[str, Any],
) -> None:
    calls = 0

    @event_step(name="Hang", subscribes=["item"], input=Item, retries=1, timeout=0.05)
    async def hang(item: Item, ctx: Context) -> None:
        nonlocal calls
        calls += 1
        await asyncio.Event().wait()  # hangs until the timeout cancels it

    async with FlowTester([hang], **FAST, **backend) as flow:
        await flow.emit("item", {"n": 1})
        await flow.drain()
        [letter] = await flow.dead_letters()

    assert calls == 2
    assert letter.error == "TimeoutError: handler timed out after 0.05s"


async def test_invalid_input_is_dead_lettered_with_the_pydantic_error_without_retry(
    backend: dict[str, Any],
) -> None:
    calls = 0

    @event_step(name="Typed", subscribes=["item"], input=Item, retries=3)
    async def typed(item: Item, ctx: Context) -> None:
        nonlocal calls
        calls += 1

    async with FlowTester([typed], **FAST, **backend) as flow:
        await flow.emit("item", {"n": "seven"})
        await flow.drain()
        [letter] = await flow.dead_letters()

    assert calls == 0
    assert letter.attempts == 1
    assert letter.error.startswith("invalid input for Typed: 1 validation error for Item\nn\n")
    assert "Input should be a valid integer" in letter.error


async def test_an_undeclared_emit_is_a_coding_error_dead_lettered_without_retries(
    backend: dict[str, Any],
) -> None:
    @event_step(name="Rogue", subscribes=["item"], input=Item, emits=["ok"], retries=3)
    async def rogue(item: Item, ctx: Context) -> None:
        await ctx.emit("not.declared", {"n": item.n})

    async with FlowTester([rogue], **backend) as flow:
        await flow.emit("item", {"n": 1})
        await flow.drain()
        [letter] = await flow.dead_letters()

    assert letter.error == (
        "UndeclaredEmitError: step 'Rogue' emitted 'not.declared', which is not in its emits (ok)"
    )
    assert letter.attempts == 1
    assert flow.emitted("not.declared") == []


class _Colour(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class _Point:
    x: int
    y: float


def _pydantic_writes(value: Any) -> bool:
    try:
        to_json(value)
    except PydanticSerializationError:
        return False
    return True


@pytest.mark.parametrize(
    "value",
    [
        {"n": 1, "name": "x", "value": 1.5},
        [1, "a", None, True, {"deep": [2.5]}],
        {"big": 2**70},
        {"nan": float("nan")},
        {1: "a number as a key"},
        {"set": {1, 2}},
        {"bytes": b"raw"},
        {"decimal": Decimal("1.5")},
        {"model": Item(n=1)},
        {"point": _Point(1, 2.5)},
        {"colour": _Colour.RED},
        {"id": uuid.UUID(int=7)},
        {"when": dt.datetime(2026, 12, 7, tzinfo=dt.UTC)},
        {"text": "\ud800"},
        {"what": object()},
        [object()],
    ],
    ids=repr,
)
def test_event_data_is_taken_exactly_when_pydantic_can_write_it(value: Any) -> None:
    try:
        check_json(value)
    except TypeError:
        taken = False
    else:
        taken = True
    assert taken == _pydantic_writes(value)


async def test_data_json_cannot_hold_is_refused_at_emit_and_nothing_is_published(
    backend: dict[str, Any],
) -> None:
    @event_step(name="Odd", subscribes=["item"], input=Item, emits=["ok"], retries=0)
    async def odd(item: Item, ctx: Context) -> None:
        await ctx.emit("ok", {"when": object()})

    async with FlowTester([odd], **backend) as flow:
        await flow.emit("item", {"n": 1})
        await flow.drain()
        [letter] = await flow.dead_letters()
        with pytest.raises(TypeError, match=r"^event data for 'ok' is not JSON-serializable"):
            await flow.emit("ok", object())

    assert letter.error.startswith("TypeError: event data for 'ok' is not JSON-serializable")
    assert letter.data == {"n": 1}  # the event that failed, kept whole
    assert flow.emitted("ok") == []


async def test_emit_outside_emits_raises_undeclared_emit_error(backend: dict[str, Any]) -> None:
    @event_step(name="Rogue", subscribes=["item"], input=Item, emits=["ok"])
    async def rogue(item: Item, ctx: Context) -> None:
        await ctx.emit("nope", {})

    async with FlowTester([rogue], **backend) as flow:
        step = flow.runtime.registry.by_name["Rogue"]
        ctx = Context(flow.runtime, step, "t")
        with pytest.raises(UndeclaredEmitError):
            await ctx.emit("nope", {})
        with pytest.raises(UndeclaredEmitError):
            await ctx.emit_many("nope", [{}])


async def test_trace_id_follows_the_event_chain(backend: dict[str, Any]) -> None:
    @event_step(name="First", subscribes=["one"], input=Item, emits=["two"])
    async def first(item: Item, ctx: Context) -> None:
        await ctx.emit("two", item)

    @event_step(name="Second", subscribes=["two"], input=Item)
    async def second(item: Item, ctx: Context) -> None:
        await ctx.state.set("seen", str(item.n), ctx.trace_id)

    async with FlowTester([first, second], **backend) as flow:
        await flow.emit("one", {"n": 1}, trace_id="abc")
        await flow.drain()
        assert [e.trace_id for e in flow.emitted("two")] == ["abc"]
        assert await flow.state.get("seen", "1") == "abc"
