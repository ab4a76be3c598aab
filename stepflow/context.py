"""The `Context` a handler receives: trace id, logger, state, and emit."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import UndeclaredEmitError
from .logs import StepLogger, step_logger

if TYPE_CHECKING:
    from .config import Settings
    from .events import Event
    from .runtime import Runtime
    from .state import StateStore
    from .steps import StepSpec


R = TypeVar("R")


class Context:
    """Per-invocation context; cheap to build, the logger is made on first use."""

    __slots__ = ("_logger", "_runtime", "event", "step", "trace_id")

    def __init__(
        self,
        runtime: Runtime,
        step: StepSpec,
        trace_id: str,
        event: Event | None = None,
    ) -> None:
        self._runtime = runtime
        self.step = step
        self.trace_id = trace_id
        self.event = event
        self._logger: StepLogger | None = None

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
            self._logger = step_logger(self.step.name, self.trace_id, **fields)
        return self._logger

    @property
    def state(self) -> StateStore:
        return self._runtime.state

    @property
    def settings(self) -> Settings:
        return self._runtime.settings

    def resource(self, key: Hashable, factory: Callable[[], R]) -> R:
        """A per-runtime singleton (a client, a store), closed when the runtime stops."""
        return self._runtime.resource(key, factory)

    async def emit(self, topic: str, data: Any) -> None:
        """Publish `data` on `topic`; the topic must be in this step's `emits`."""
        self._check_declared(topic)
        await self._runtime.publish(topic, data, self.trace_id)

    async def emit_many(
        self,
        topic: str,
        items: Iterable[Any],
        batch_size: int | None = None,
        delay: float | None = None,
    ) -> int:
        """Emit `items` in batches of `batch_size` in parallel, waiting `delay` between
        batches (defaults: `emit_batch_size`, `emit_batch_delay`). Returns the batch count."""
        settings = self._runtime.settings
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
        publish = self._runtime.publish
        if len(batch) == 1:
            await publish(topic, batch[0], self.trace_id)
            return
        async with asyncio.TaskGroup() as group:
            for item in batch:
                group.create_task(publish(topic, item, self.trace_id))

    def _check_declared(self, topic: str) -> None:
        if topic not in self.step.emits:
            raise UndeclaredEmitError(
                f"step {self.step.name!r} emitted {topic!r}, which is not in its emits "
                f"({', '.join(sorted(self.step.emits)) or 'none'})"
            )
