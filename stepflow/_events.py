"""Events and deliveries: what flows through a bus, and the JSON form of their data."""

from __future__ import annotations

import itertools
import os
import random
import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson
from pydantic import BaseModel
from pydantic_core import PydanticSerializationError, to_json, to_jsonable_python

_PREFIX = os.urandom(6).hex()
_COUNTER = itertools.count(1)
_RANDOM = random.Random()
"""Ids' own generator: seeded from the system, so code that seeds the global one (tests
do) cannot make two traces share an id; seeded again in a forked child."""
os.register_at_fork(after_in_child=_RANDOM.seed)


random_bits = _RANDOM.getrandbits
"""`random_bits(n)`: n random bits for ids (not secrets), cheaper than a system call
each (the generator itself: a call fewer per id on the hot path)."""


def new_id() -> str:
    """A process-unique, roughly time-ordered id (cheaper than uuid4 on the hot path)."""
    return "%s%012x" % (_PREFIX, next(_COUNTER))  # noqa: UP031 (faster than an f-string)


def new_trace_id() -> str:
    """32 hex digits (W3C trace context): the milliseconds since the epoch in the first
    12, then 80 random bits (as UUIDv7 lays them out, and X-Ray's ids begin with the
    time). Time-ordered ids go to the end of the trace store's indexes, where random ones
    would touch a page of them each, and every page touched is written again at commit;
    sampling reads the last, random, digits."""
    return "%012x%020x" % (_milliseconds(), _RANDOM.getrandbits(80))  # noqa: UP031


def _milliseconds() -> int:
    return time.time_ns() // 1_000_000


def to_json_value(value: Any, *, lenient: bool = False) -> Any:
    """`value` as plain JSON types (pydantic models dumped), so every backend stores and
    returns the same thing. Raises `TypeError` for what JSON cannot hold, unless
    `lenient`, which writes such values as their `repr` (for records that must be kept
    whatever they hold, such as dead letters)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", fallback=repr if lenient else None)
    try:
        return to_jsonable_python(value, fallback=repr if lenient else None)
    except PydanticSerializationError as exc:
        raise TypeError(f"not JSON-serializable: {exc}") from None


def check_json(value: Any) -> None:
    """Raise `TypeError` unless `to_json_value` would take `value`, without building the
    copy. orjson first: three times pydantic-core's speed on an event's few fields, and
    what it writes pydantic-core writes too; what it refuses (sets, bytes, ints past 64
    bits, non-string keys) is left to pydantic-core, which decides."""
    try:
        orjson.dumps(value)
        return
    except TypeError:
        pass
    try:
        to_json(value)
    except PydanticSerializationError as exc:
        raise TypeError(f"not JSON-serializable: {exc}") from None


@dataclass(slots=True)
class Event:
    """One emitted event; `attempt` counts deliveries to one subscriber."""

    topic: str
    data: Any
    trace_id: str
    id: str = field(default_factory=new_id)
    attempt: int = 1
    emitted_at: float = field(default_factory=time.time)
    parent_span: str | None = None
    """The span whose handler emitted the event (for tracing)."""

    def jsonable_data(self, *, lenient: bool = False) -> Any:
        """The data as plain JSON types (see `to_json_value`)."""
        return to_json_value(self.data, lenient=lenient)


class Subscription(NamedTuple):
    """One step's subscription to one topic: the unit of queueing (hashed in C)."""

    topic: str
    step: str


@dataclass(slots=True)
class Delivery:
    """An event handed to one subscriber; `token` is the backend's handle for ack."""

    event: Event
    subscription: Subscription
    token: Any = None
