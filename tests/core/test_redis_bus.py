"""Redis-only behaviour of the bus: losing the connection, whose work is alive, and whose
connections are whose."""

from __future__ import annotations

import json
import os
import socket
import time
from typing import Any

import redis
from pydantic import BaseModel

from stepflow import Context, event_step
from stepflow._events import Event, new_trace_id
from stepflow._redis import encode_event
from stepflow.testing import FlowTester, wait_until
from tests.helpers import REDIS_URL


class Item(BaseModel):
    n: int


async def test_workers_keep_receiving_after_redis_drops_their_connections(
    redis_namespace: str,
) -> None:
    handled: list[int] = []

    @event_step(name="Keep", subscribes=["item"], input=Item)
    async def keep(item: Item, ctx: Context) -> None:
        handled.append(item.n)

    settings: dict[str, Any] = {"bus": REDIS_URL, "redis_namespace": redis_namespace}
    async with FlowTester([keep], **settings) as flow:
        await flow.emit("item", {"n": 1})
        await flow.drain(timeout=10)
        admin = redis.Redis.from_url(REDIS_URL)
        try:
            killed = admin.client_kill_filter(_type="normal", skipme=True)
        finally:
            admin.close()
        assert killed >= 1
        await flow.emit("item", {"n": 2})  # on a new connection; the fetch loop reconnects
        await wait_until(lambda: handled == [1, 2], what="the event after the drop")

    assert handled == [1, 2]


async def test_work_in_redis_lives_with_its_epoch_and_work_in_hand_with_its_process(
    redis_namespace: str,
) -> None:
    @event_step(name="Idle", subscribes=["item"], input=Item)
    async def idle(item: Item, ctx: Context) -> None:
        return None

    async with FlowTester([idle], bus=REDIS_URL, redis_namespace=redis_namespace) as flow:
        leases = flow.runtime.leases
        assert leases.owner.startswith("redis:")
        assert leases.process != leases.owner
        owners = {leases.owner, leases.process, "redis:an-epoch-redis-lost", "a-dead-process"}
        assert await leases.alive(owners) == {leases.owner, leases.process}


async def test_a_processs_redis_connections_bear_its_name(redis_namespace: str) -> None:
    @event_step(name="Named", subscribes=["item"], input=Item)
    async def named(item: Item, ctx: Context) -> None:
        return None

    async with FlowTester([named], bus=REDIS_URL, redis_namespace=redis_namespace) as flow:
        await flow.emit("item", {"n": 1})
        await flow.drain(timeout=10)
        admin = redis.Redis.from_url(REDIS_URL)
        try:
            names = {client["name"] for client in admin.client_list()}
        finally:
            admin.close()
    assert f"stepflow-{socket.gethostname()}-{os.getpid()}" in names


async def test_a_retry_another_process_scheduled_is_moved_here(redis_namespace: str) -> None:
    handled: list[int] = []

    @event_step(name="Later", subscribes=["item"], input=Item)
    async def later(item: Item, ctx: Context) -> None:
        handled.append(item.n)

    async with FlowTester([later], bus=REDIS_URL, redis_namespace=redis_namespace) as flow:
        # As another process's nack leaves it (that process may be gone): due now, and
        # no wake-up of this process's mover but its own clock.
        event = Event(topic="item", data={"n": 7}, trace_id=new_trace_id(), attempt=2)
        member = {"s": f"{redis_namespace}:stream:item", "o": "Later"}
        member |= {"e": encode_event(event).decode(), "n": "elsewhere"}
        admin = redis.Redis.from_url(REDIS_URL)
        try:
            admin.zadd(f"{redis_namespace}:delayed", {json.dumps(member): time.time()})
        finally:
            admin.close()
        await wait_until(lambda: handled == [7], timeout=30, what="the retry moved here")
        await flow.drain(timeout=10)
    assert handled == [7]
