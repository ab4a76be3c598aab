"""The handler context: trace id, logger, state, settings, resources, and emit."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Iterable
from typing import Any, Protocol, TypeVar

from ._config import Settings
from ._database import Database
from ._errors import UndeclaredEmitError
from ._events import Event
from ._leases import Leases
from ._logs import StepLogger, step_logger
from ._state import StateStore
from ._steps import StepSpec
from ._tracing import Span

R = TypeVar("R")


class ContextHost(Protocol):
    """What a context needs of the runtime it runs in."""

    settings: Settings
    state: StateStore
    database: Database
    leases: Leases

    async def publish(
        self,
        topic: str,
        data: Any,
        trace_id: str | None = None,
        *,
        parent_span: str | None = None,
        span: Span | None = None,
    ) -> Event: ...

    def resource(self, key: Hashable, factory: Callable[[], R]) -> R: ...


class Context:
    """Per-invocation context; cheap to build, the logger is made on first use."""

    __slots__ = ("_host", "_logger", "event", "span", "step", "trace_id")

    def __init__(
        self,
        host: ContextHost,
        step: StepSpec,
        trace_id: str,
        event: Event | None = None,
        span: Span | None = None,
    ) -> None:
        self._host = host
        self.step = step
        self.trace_id = trace_id
        self.event = event
        self.span = span
        self._logger: StepLogger | None = None

    @property
    def span_id(self) -> str | None:
        """This invocation's span (None when the trace is not recorded): the parent of
        every event it emits."""
        return self.span.span_id if self.span is not None else None

    @property
    def logger(self) -> StepLogger:
        if self._logger is None:
            fields: dict[str, Any] = {}
            if self.event is not None:
                fields = {
                    "topic": self.event.topic,
                    "event_id": self.event.id,
                    "attempt": self.event.attempt,
                }
            if self.span is not None:
                fields["span_id"] = self.span.span_id
            self._logger = step_logger(self.step.name, self.trace_id, **fields)
        return self._logger

    @property
    def state(self) -> StateStore:
        return self._host.state

    @property
    def settings(self) -> Settings:
        return self._host.settings

    @property
    def database(self) -> Database:
        """The project's database (SQLite or PostgreSQL), shared with stepflow's stores."""
        return self._host.database

    @property
    def leases(self) -> Leases:
        """Who holds the events of work accepted now, and who still lives."""
        return self._host.leases

    @property
    def attempt(self) -> int:
        """Which delivery of the event this is (1 for API and cron steps)."""
        return self.event.attempt if self.event is not None else 1

    def resource(self, key: Hashable, factory: Callable[[], R]) -> R:
        """A per-runtime singleton (a client, a store), closed when the runtime stops."""
        return self._host.resource(key, factory)

    async def emit(self, topic: str, data: Any) -> None:
        """Publish `data` on `topic`; the topic must be in this step's `emits`."""
        if topic not in self.step.emits:
            self._check_declared(topic)
        span = self.span  # span_id inlined: once per emit
        parent = span.span_id if span is not None else None
        await self._host.publish(topic, data, self.trace_id, parent_span=parent, span=span)

    async def emit_many(
        self,
        topic: str,
        items: Iterable[Any],
        batch_size: int | None = None,
        delay: float | None = None,
    ) -> int:
        """Emit `items` in batches of `batch_size` in parallel, waiting `delay` between
        batches (defaults: `emit_batch_size`, `emit_batch_delay`). Returns the batch count."""
        settings = self._host.settings
        size = batch_size if batch_size is not None else settings.emit_batch_size
        pause = delay if delay is not None else settings.emit_batch_delay
        if size < 1:
            raise ValueError("batch_size must be >= 1")
        self._check_declared(topic)
        batch: list[Any] = []
        batches = 0
        for item in items:
            batch.append(item)
            if len(batch) == size:
                if batches and pause > 0:
                    await asyncio.sleep(pause)
                await self._emit_batch(topic, batch)
                batches += 1
                batch = []
        if batch:
            if batches and pause > 0:
                await asyncio.sleep(pause)
            await self._emit_batch(topic, batch)
            batches += 1
        return batches

    async def _emit_batch(self, topic: str, batch: list[Any]) -> None:
        publish = self._host.publish
        span, parent = self.span, self.span_id
        if len(batch) == 1:
            await publish(topic, batch[0], self.trace_id, parent_span=parent, span=span)
            return
        try:
            async with asyncio.TaskGroup() as group:
                for item in batch:
                    group.create_task(
                        publish(topic, item, self.trace_id, parent_span=parent, span=span)
                    )
        except ExceptionGroup as failed:
            # One failure of the batch, as `emit` would raise it (Unavailable, say).
            raise failed.exceptions[0] from None

    def _check_declared(self, topic: str) -> None:
        if topic not in self.step.emits:
            raise UndeclaredEmitError(
                f"step {self.step.name!r} emitted {topic!r}, which is not in its emits "
                f"({', '.join(sorted(self.step.emits)) or 'none'})"
            )
