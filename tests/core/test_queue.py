"""The in-memory bus's bounded queue: order, bounds, waiting, and cancelled waits."""

from __future__ import annotations

import asyncio

import pytest

from stepflow._queue import BoundedQueue
from tests.helpers import next_turn


async def test_items_come_out_in_the_order_they_went_in() -> None:
    queue: BoundedQueue[int] = BoundedQueue(10)
    for n in range(5):
        queue.put_nowait(n)
    assert [await queue.get() for _ in range(5)] == [0, 1, 2, 3, 4]
    assert queue.empty()


async def test_a_full_queue_refuses_put_nowait_and_an_empty_one_get_nowait() -> None:
    queue: BoundedQueue[int] = BoundedQueue(2)
    queue.put_nowait(1)
    queue.put_nowait(2)
    with pytest.raises(asyncio.QueueFull):
        queue.put_nowait(3)
    assert (queue.get_nowait(), queue.get_nowait()) == (1, 2)
    with pytest.raises(asyncio.QueueEmpty):
        queue.get_nowait()


async def test_put_waits_for_room_and_goes_in_once_an_item_leaves() -> None:
    queue: BoundedQueue[int] = BoundedQueue(1)
    queue.put_nowait(1)
    putting = asyncio.create_task(queue.put(2))
    await next_turn()
    assert not putting.done() and queue.qsize() == 1
    assert queue.get_nowait() == 1
    await putting
    assert queue.get_nowait() == 2


async def test_get_waits_for_an_item() -> None:
    queue: BoundedQueue[str] = BoundedQueue(1)
    getting = asyncio.create_task(queue.get())
    await next_turn()
    assert not getting.done()
    queue.put_nowait("a")
    assert await getting == "a"


async def test_a_cancelled_get_takes_nothing() -> None:
    queue: BoundedQueue[str] = BoundedQueue(5)
    getting = asyncio.create_task(queue.get())
    await next_turn()
    getting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await getting
    queue.put_nowait("kept")
    assert queue.get_nowait() == "kept"


async def test_a_getter_cancelled_after_its_wake_up_hands_the_item_to_the_next() -> None:
    queue: BoundedQueue[str] = BoundedQueue(5)
    first = asyncio.create_task(queue.get())
    second = asyncio.create_task(queue.get())
    await next_turn()
    queue.put_nowait("one")  # wakes `first`, which is cancelled before it runs
    first.cancel()
    assert await asyncio.wait_for(second, timeout=30) == "one"
    assert first.cancelled()


async def test_a_putter_cancelled_after_its_wake_up_hands_the_room_to_the_next() -> None:
    queue: BoundedQueue[int] = BoundedQueue(1)
    queue.put_nowait(0)
    first = asyncio.create_task(queue.put(1))
    second = asyncio.create_task(queue.put(2))
    await next_turn()
    assert queue.get_nowait() == 0  # wakes `first`, which is cancelled before it runs
    first.cancel()
    await asyncio.wait_for(second, timeout=30)
    assert first.cancelled()
    assert queue.get_nowait() == 2


def test_a_queue_holds_at_least_one_item() -> None:
    with pytest.raises(ValueError, match="maxsize must be >= 1"):
        BoundedQueue(0)
