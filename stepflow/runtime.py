"""The runtime: owns the bus, state and dead letters; runs workers and cron."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .bus import Bus, MemoryBus
from .config import Settings
from .context import Context
from .cron import CronSchedule
from .deadletters import DeadLetter, SqliteDeadLetters
from .discovery import Registry
from .errors import NonRetriableError, RetryAfter
from .events import Delivery, Event, Subscription, new_trace_id
from .state import MemoryState, SqliteState, StateStore
from .steps import ApiRequest, ApiResponse, StepSpec

log = logging.getLogger("stepflow.runtime")

Observer = Callable[[Event], None]
R = TypeVar("R")


class Runtime:
    """One project's steps running in this process.

    `async with Runtime(registry, settings):` starts workers and cron; leaving drains
    in-flight work up to `settings.shutdown_timeout`, then stops."""

    def __init__(
        self,
        registry: Registry,
        settings: Settings | None = None,
        *,
        bus: Bus | None = None,
        state: StateStore | None = None,
        cron: bool = True,
        workers: bool = True,
    ) -> None:
        self.registry = registry
        self.settings = settings or Settings()
        self.bus: Bus = bus or make_bus(self.settings, registry)
        self.state: StateStore = state or make_state(self.settings)
        self.observers: list[Observer] = []
        self._run_cron = cron
        self._run_workers = workers
        self._tasks: list[asyncio.Task[None]] = []
        self._resources: dict[Hashable, Any] = {}
        self._running = 0
        self._all_done = asyncio.Event()
        self._all_done.set()
        self._started = False
        self._closed = False
        self._rng = random.Random()

    async def __aenter__(self) -> Runtime:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        await self.bus.start(self.registry.subscriptions)
        if self._run_workers:
            self._start_workers()
        if self._run_cron:
            for step in self.registry.cron_steps:
                self._tasks.append(
                    asyncio.create_task(self._cron_loop(step), name=f"cron:{step.name}")
                )

    async def stop(self, deadline: float | None = None) -> None:
        """Drain up to `deadline` seconds (default `shutdown_timeout`), then stop and close."""
        if self._closed:
            return
        self._closed = True
        deadline = self.settings.shutdown_timeout if deadline is None else deadline
        if self._started and self._run_workers and deadline > 0:
            wait = self.drain() if self.bus.drain_on_stop else self._all_done.wait()
            try:
                await asyncio.wait_for(wait, deadline)
            except TimeoutError:
                log.warning(
                    "shutdown deadline reached with work in flight",
                    extra={"deadline": deadline},
                )
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await self._close_resources()
        await self.bus.aclose()
        await self.state.aclose()

    async def drain(self) -> None:
        """Return when no event is queued, waiting for a retry, or being handled."""
        await self.bus.wait_idle()

    async def publish(self, topic: str, data: Any, trace_id: str | None = None) -> Event:
        """Publish an event: what `ctx.emit` does once the topic is checked; tests and the
        CLI's `emit` call it directly."""
        event = Event(topic=topic, data=data, trace_id=trace_id or new_trace_id())
        for observer in self.observers:
            observer(event)
        await self.bus.publish(event)
        return event

    async def call_api(
        self, name: str, request: ApiRequest[Any], trace_id: str | None = None
    ) -> ApiResponse:
        """Run an API step's handler in-process (the HTTP layer does the parsing)."""
        step = self.registry.by_name[name]
        ctx = Context(self, step, trace_id or new_trace_id())
        response: ApiResponse = await self._call(step, ctx, request)
        return response

    async def run_cron(self, name: str) -> None:
        """Run a cron step's handler once, now."""
        step = self.registry.by_name[name]
        await self._call(step, Context(self, step, new_trace_id()))

    async def replay(self, ids: Sequence[str] | None = None) -> list[DeadLetter]:
        """Re-deliver dead letters (all when `ids` is None) to the step that failed them."""
        letters = list(await self.bus.dead_letters.take(ids))
        for letter in letters:
            if letter.step in self.registry.by_name:
                await self.bus.publish(letter.to_event(), only_step=letter.step)
            else:
                log.error(
                    "dead letter names an unknown step; kept",
                    extra={"step": letter.step},
                )
                await self.bus.dead_letters.add(letter.to_event(), letter.step, letter.error)
        return letters

    def resource(self, key: Hashable, factory: Callable[[], R]) -> R:
        """A per-runtime singleton made by `factory` on first use; if it has an async
        `aclose()`, it is called when the runtime stops (last made, first closed)."""
        try:
            found: R = self._resources[key]
            return found
        except KeyError:
            made = self._resources[key] = factory()
            return made

    async def _close_resources(self) -> None:
        while self._resources:
            _, value = self._resources.popitem()
            close = getattr(value, "aclose", None)
            if close is None:
                continue
            try:
                await close()
            except Exception:
                log.exception("closing a resource failed", extra={"resource": repr(value)})

    def depths(self) -> dict[Subscription, int]:
        return {sub: self.bus.depth(sub) for sub in self.registry.subscriptions}

    # -- workers -------------------------------------------------------------------

    def _start_workers(self) -> None:
        for step in self.registry.event_steps:
            concurrency = step.concurrency or self.settings.default_concurrency
            shared = asyncio.Semaphore(concurrency) if len(step.subscribes) > 1 else None
            for topic in step.subscribes:
                sub = Subscription(topic, step.name)
                for n in range(concurrency):
                    task = asyncio.create_task(
                        self._worker(sub, step, shared),
                        name=f"worker:{step.name}:{topic}:{n}",
                    )
                    self._tasks.append(task)

    async def _worker(
        self, sub: Subscription, step: StepSpec, shared: asyncio.Semaphore | None
    ) -> None:
        receive = self.bus.receive
        while True:
            delivery = await receive(sub)
            if shared is None:
                await self._handle(step, delivery)
            else:
                async with shared:
                    await self._handle(step, delivery)

    async def _handle(self, step: StepSpec, delivery: Delivery) -> None:
        if not self._running:
            self._all_done.clear()
        self._running += 1
        event = delivery.event
        try:
            if event.attempt > 1 and event.attempt > self._retries(step) + 1:
                # Redelivered after consumers died mid-handler: do not try forever.
                error = f"delivered {event.attempt} times without completing"
                await self._dead_letter(step, delivery, error)
                return
            try:
                data = _validated(step.input, event.data)
            except ValidationError as exc:
                await self._dead_letter(step, delivery, f"invalid input for {step.name}: {exc}")
                return
            ctx = Context(self, step, event.trace_id, event)
            try:
                if step.timeout is None:
                    await step.handler(data, ctx)  # the hot path: no extra coroutine
                else:
                    await self._call(step, ctx, data)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                await self._failed(step, delivery, exc)
                return
            await self.bus.ack(delivery)
        except Exception:
            # The bus failed to settle the delivery (Redis unreachable, say): the worker
            # lives on; an unsettled Redis delivery is claimed again later.
            log.exception(
                "settling an event failed", extra={"step": step.name, "event_id": event.id}
            )
        finally:
            self._running -= 1
            if not self._running:
                self._all_done.set()

    async def _call(self, step: StepSpec, ctx: Context, *args: Any) -> Any:
        call = step.handler(*args, ctx) if args else step.handler(ctx)
        if step.timeout is None:
            return await call
        try:
            async with asyncio.timeout(step.timeout):
                return await call
        except TimeoutError:
            raise TimeoutError(f"handler timed out after {step.timeout:g}s") from None

    async def _failed(self, step: StepSpec, delivery: Delivery, exc: Exception) -> None:
        event = delivery.event
        error = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, NonRetriableError) or event.attempt > self._retries(step):
            await self._dead_letter(step, delivery, error, exc)
            return
        delay = exc.seconds if isinstance(exc, RetryAfter) else self._backoff(event.attempt)
        log.warning(
            "handler failed; retrying",
            extra={"step": step.name, "trace_id": event.trace_id, "event_id": event.id,
                   "attempt": event.attempt, "retry_in": round(delay, 3), "error": error},
        )  # fmt: skip
        await self.bus.nack(delivery, delay)

    async def _dead_letter(
        self,
        step: StepSpec,
        delivery: Delivery,
        error: str,
        exc: BaseException | None = None,
    ) -> None:
        event = delivery.event
        log.error(
            "event dead-lettered",
            exc_info=exc,
            extra={"step": step.name, "trace_id": event.trace_id, "event_id": event.id,
                   "topic": event.topic, "attempt": event.attempt, "error": error},
        )  # fmt: skip
        await self.bus.dead_letter(delivery, error)

    def _retries(self, step: StepSpec) -> int:
        return step.retries if step.retries is not None else self.settings.default_retries

    def _backoff(self, attempt: int) -> float:
        base = self.settings.retry_base_delay * (2 ** (attempt - 1))
        capped = min(self.settings.retry_max_delay, base)
        return float(capped * (0.5 + self._rng.random() / 2))

    # -- cron ----------------------------------------------------------------------

    async def _cron_loop(self, step: StepSpec) -> None:
        schedule = CronSchedule(step.cron)
        while True:
            fire_at = schedule.next_after(time.time())
            await asyncio.sleep(max(0.0, fire_at - time.time()))
            if not await self.bus.acquire_once(f"cron:{step.name}:{fire_at:.0f}", ttl=3_600):
                continue  # another process runs this firing
            ctx = Context(self, step, new_trace_id())
            try:
                await self._call(step, ctx)
            except asyncio.CancelledError:
                raise
            except Exception:
                ctx.logger.exception("cron handler failed")


def _validated(model: type[BaseModel] | None, data: Any) -> Any:
    if model is None:
        return data
    if type(data) is model:
        return data
    if isinstance(data, BaseModel):
        data = data.model_dump()
    return model.__pydantic_validator__.validate_python(data)


def make_bus(settings: Settings, registry: Registry | None = None) -> Bus:
    if settings.bus == "memory":
        return MemoryBus(SqliteDeadLetters(settings.database), queue_size=settings.queue_size)
    from .backends.redis import RedisBus

    concurrency = {
        step.name: step.concurrency or settings.default_concurrency
        for step in (registry.event_steps if registry else [])
    }
    return RedisBus.from_settings(settings, concurrency)


def make_state(settings: Settings) -> StateStore:
    if settings.bus != "memory":
        from .backends.redis import RedisState

        return RedisState.from_settings(settings)
    if settings.state == "memory":
        return MemoryState()
    return SqliteState(settings.database)
