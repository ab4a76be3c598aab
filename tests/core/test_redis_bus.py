"""Redis-only behaviour of the bus: losing the connection."""

from __future__ import annotations

import asyncio

import pytest
import redis
from pydantic import BaseModel

from stepflow import Context, event_step
from stepflow.testing import FlowTester
from tests.conftest import REDIS_URL

pytestmark = pytest.mark.anyio


class Item(BaseModel):
    n: int


async def test_workers_keep_receiving_after_redis_drops_their_connections(
    redis_namespace: str,
) -> None:
    handled: list[int] = []

    @event_step(name="Keep", subscribes=["item"], input=Item)
    async def keep(item: Item, ctx: Context) -> None:
        handled.append(item.n)

    settings = {"bus": REDIS_URL, "redis_namespace": redis_namespace}
    async with FlowTester([keep], **settings) as flow:
        await flow.emit("item", {"n": 1})
        await flow.drain(timeout=10)
        admin = redis.Redis.from_url(REDIS_URL)
        try:
            killed = admin.client_kill_filter(_type="normal", skipme=True)
        finally:
            admin.close()
        assert killed >= 1
        await asyncio.sleep(0.6)  # the fetch loop sees the error, pauses, reconnects
        await flow.emit("item", {"n": 2})
        await flow.drain(timeout=10)

    assert handled == [1, 2]
