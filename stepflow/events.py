"""Events and deliveries: what flows through a bus."""

from __future__ import annotations

import itertools
import os
import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

_PREFIX = os.urandom(6).hex()
_COUNTER = itertools.count(1)


def new_id() -> str:
    """A process-unique, roughly time-ordered id (cheaper than uuid4 on the hot path)."""
    return f"{_PREFIX}{next(_COUNTER):012x}"


def new_trace_id() -> str:
    return os.urandom(16).hex()


@dataclass(slots=True)
class Event:
    """One emitted event; `attempt` counts deliveries to one subscriber."""

    topic: str
    data: Any
    trace_id: str
    id: str = field(default_factory=new_id)
    attempt: int = 1
    emitted_at: float = field(default_factory=time.time)

    def jsonable_data(self) -> Any:
        """The data as plain JSON types (pydantic models are dumped)."""
        if isinstance(self.data, BaseModel):
            return self.data.model_dump(mode="json")
        return to_jsonable_python(self.data)


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
