"""The runtime: owns the bus, the stores and the tracer; runs workers and cron.

Concurrency is plain asyncio: the runtime's workers, cron loops and background loops
run in one `asyncio.TaskGroup` owned by a supervisor task, so none outlives the runtime
and a crash of one is logged, never lost; short-lived helper tasks of the bus and the
micro-batcher are tracked by their owners and cancelled when those close."""

from __future__ import annotations

import asyncio
import logging
import time
import traceback as tb
from collections.abc import Callable, Coroutine, Hashable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ._bus import Bus, MemoryBus
from ._config import Settings
from ._connect import open_database
from ._context import Context
from ._cron import CronSchedule
from ._database import Database
from ._deadletters import DatabaseDeadLetters, DeadLetter, DeadLetterStore
from ._discovery import Registry
from ._errors import NonRetriableError, RetryAfter, Unavailable
from ._events import Delivery, Event, Subscription, check_json, new_id, new_trace_id
from ._leases import DatabaseLeases, Leases
from ._locks import Locks, MemoryLocks
from ._retry import retry_delay
from ._state import DatabaseState, MemoryState, StateStore
from ._steps import ApiRequest, StepSpec
from ._traces import DatabaseTraceStore, TraceStore
from ._tracing import Span, TraceLogHandler, Tracer, TraceSink

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
        project: Path | None = None,
    ) -> None:
        self.registry = registry
        self.settings = settings = settings or Settings()
        self.project = (project or settings.steps_dir.parent).resolve()
        """The project's root folder (what `stepflow` commands are run in)."""
        self.database: Database = open_database(
            settings.database, pool_size=settings.database_pool_size
        )
        self.dead_letters: DeadLetterStore
        self.locks: Locks
        self.leases: Leases
        processes = DatabaseLeases(self.database, ttl=settings.lease_ttl)
        if settings.uses_redis:
            from ._redis import RedisBus, RedisLeases, RedisLocks

            redis_bus = RedisBus.from_settings(settings, _concurrency(settings, registry))
            self.bus: Bus = bus or redis_bus
            self.dead_letters = redis_bus.dead_letters
            self.locks = RedisLocks.from_settings(settings)
            self.leases = RedisLeases(redis_bus, processes)
        else:
            self.dead_letters = DatabaseDeadLetters(self.database)
            self.bus = bus or MemoryBus(self.dead_letters, queue_size=settings.queue_size)
            self.locks = MemoryLocks()
            self.leases = processes
        self.state: StateStore = state or make_state(settings, self.database)
        self.trace_database: Database = (
            self.database
            if settings.trace_database == settings.database
            else open_database(settings.trace_database)
        )
        self.traces: TraceStore = DatabaseTraceStore(self.trace_database)
        self.tracer = Tracer(
            sample=settings.trace_sample,
            max_input=settings.trace_max_input,
            sinks=[self.traces, *otel_sinks(settings)],
        )
        self.observers: list[Observer] = []
        self._run_cron = cron
        self._run_workers = workers
        self._resources: dict[Hashable, Any] = {}
        self._fanout = {topic: len(registry.subscribers(topic)) for topic in registry.topics}
        self._in_flight = 0
        """Handler calls running now (a batch is one)."""
        self._all_done: asyncio.Future[None] | None = None
        """Made when stopping waits for the calls in flight; resolved by the last."""
        self.running: dict[str, int] = dict.fromkeys(registry.by_name, 0)
        """Handlers running now in this process, by step (for the Workbench)."""
        self.stopping = asyncio.Event()
        """Set when this process begins to shut down (long-lived streams end then)."""
        self._supervisor: asyncio.Task[None] | None = None
        self._ready: asyncio.Event | None = None
        self._log_handler: TraceLogHandler | None = None
        self._started = False
        self._closed = False

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
        await self.leases.start()
        if self.tracer.enabled:
            self._capture_logs()
        jobs: list[Callable[[], Coroutine[Any, Any, None]]] = [self.tracer.run]
        if self.tracer.enabled and self._run_workers:
            jobs.append(self._prune_loop)
        if self._run_workers:
            jobs += self._workers()
        if self._run_cron:
            jobs += [partial(self._cron_loop, step) for step in self.registry.cron_steps]
        self._ready = asyncio.Event()
        self._supervisor = asyncio.create_task(self._supervise(jobs), name="stepflow:runtime")
        await self._ready.wait()

    async def _supervise(self, jobs: list[Callable[[], Coroutine[Any, Any, None]]]) -> None:
        async with asyncio.TaskGroup() as group:
            for job in jobs:
                group.create_task(_logged(job))
            assert self._ready is not None
            self._ready.set()

    async def stop(self, deadline: float | None = None) -> None:
        """Drain up to `deadline` seconds (default `shutdown_timeout`), then stop and close."""
        if self._closed:
            return
        self._closed = True
        self.stopping.set()
        deadline = self.settings.shutdown_timeout if deadline is None else deadline
        if self._started and self._run_workers and deadline > 0:
            wait = self.drain() if self.bus.drain_on_stop else self._calls_done()
            try:
                await asyncio.wait_for(wait, deadline)
            except TimeoutError:
                log.warning(
                    "shutdown deadline reached with work in flight",
                    extra={"deadline": deadline},
                )
        if self._supervisor is not None:
            self._supervisor.cancel()
            await asyncio.gather(self._supervisor, return_exceptions=True)
        await self.tracer.flush()
        self._release_logs()
        await self._close_resources()
        for closing in (self.bus, self.leases, self.locks, self.state, self.dead_letters):
            try:
                await closing.aclose()
            except Exception:
                log.exception("closing failed", extra={"what": type(closing).__name__})
        await self.database.aclose()
        if self.trace_database is not self.database:
            await self.trace_database.aclose()

    async def drain(self) -> None:
        """Return when no event is queued, waiting for a retry, or being handled."""
        await self.bus.wait_idle()

    async def _calls_done(self) -> None:
        """Return when no handler call is in flight here (the bus keeps what is queued)."""
        if self._in_flight:
            self._all_done = asyncio.get_running_loop().create_future()
            await self._all_done

    async def publish(
        self,
        topic: str,
        data: Any,
        trace_id: str | None = None,
        *,
        parent_span: str | None = None,
        only_step: str | None = None,
        span: Span | None = None,
    ) -> Event:
        """Publish an event: what `ctx.emit` does once the topic is checked; tests and the
        CLI's `emit` call it directly. Data must be a pydantic model or JSON-like."""
        if not isinstance(data, BaseModel):
            try:
                check_json(data)
            except TypeError as exc:
                raise TypeError(f"event data for {topic!r} is {exc}") from None
        # Positional, every field given: a dataclass __init__ with keywords and default
        # factories costs more, once per emit.
        event = Event(
            topic, data, trace_id or new_trace_id(), new_id(), 1, time.time(), parent_span
        )
        if self.observers:
            for observer in self.observers:
                observer(event)
        await self.bus.publish(event, only_step=only_step)
        if span is not None:
            span.emitted += 1 if only_step else self._fanout.get(topic, 0)
        elif self.tracer.enabled:  # from outside a handler (a replay's has a parent)
            self.tracer.adjust(event.trace_id, pending=1 if only_step else self._fanout[topic])
        return event

    async def call_api(
        self,
        name: str,
        request: ApiRequest[Any],
        trace_id: str | None = None,
        span: Span | None = None,
    ) -> Any:
        """Run an API step's handler in-process (the HTTP layer does the parsing)."""
        step = self.registry.step(name, "api")
        ctx = self.context(step, trace_id or new_trace_id(), span=span)
        return await self._call(step, ctx, request)

    async def run_cron(self, name: str) -> None:
        """Run a cron step's handler once, now, in a span of its own."""
        await self._fire(self.registry.step(name, "cron"))

    async def replay(self, ids: Sequence[str] | None = None) -> list[DeadLetter]:
        """Re-deliver dead letters (all when `ids` is None) to the step that failed them."""
        letters = list(await self.dead_letters.take(ids))
        for letter in letters:
            if letter.step in self.registry.by_name:
                await self.publish(
                    letter.topic,
                    letter.data,
                    letter.trace_id,
                    parent_span=letter.parent_span,
                    only_step=letter.step,
                )
                self.tracer.adjust(letter.trace_id, dead=-1)
            else:
                log.error(
                    "dead letter names an unknown step; kept",
                    extra={"step": letter.step},
                )
                await self.dead_letters.add(
                    letter.to_event(), letter.step, letter.error, letter.traceback
                )
        return letters

    def context(
        self, step: StepSpec, trace_id: str, event: Event | None = None, span: Span | None = None
    ) -> Context:
        return Context(self, step, trace_id, event, span)

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

    # -- tracing -------------------------------------------------------------------

    async def _prune_loop(self) -> None:
        """Keep the trace store within `trace_retention` and `trace_max_spans`."""
        settings = self.settings
        while True:
            await asyncio.sleep(60)
            try:
                await self.traces.prune(settings.trace_retention, settings.trace_max_spans)
            except Exception as exc:
                log.debug("pruning traces failed", extra={"error": str(exc)})

    def _capture_logs(self) -> None:
        root = logging.getLogger("stepflow")
        if root.getEffectiveLevel() > logging.INFO:
            root.setLevel(logging.INFO)  # handlers' INFO records belong in their spans
        self._log_handler = TraceLogHandler(self.tracer)
        root.addHandler(self._log_handler)

    def _release_logs(self) -> None:
        if self._log_handler is not None:
            logging.getLogger("stepflow").removeHandler(self._log_handler)
            self._log_handler = None

    # -- workers -------------------------------------------------------------------

    def _workers(self) -> list[Callable[[], Coroutine[Any, Any, None]]]:
        jobs: list[Callable[[], Coroutine[Any, Any, None]]] = []
        for step in self.registry.event_steps:
            concurrency = step.concurrency or self.settings.default_concurrency
            shared = asyncio.Semaphore(concurrency) if len(step.subscribes) > 1 else None
            for topic in step.subscribes:
                sub = Subscription(topic, step.name)
                for _ in range(concurrency):
                    jobs.append(partial(self._worker, sub, step, shared))
        return jobs

    async def _worker(
        self, sub: Subscription, step: StepSpec, shared: asyncio.Semaphore | None
    ) -> None:
        receive = self.bus.receive
        if step.batch_size is None:
            while True:
                delivery = await receive(sub)
                if shared is None:
                    await self._handle_one(step, delivery)
                else:
                    async with shared:
                        await self._handle_one(step, delivery)
        more = step.batch_size - 1
        while True:
            deliveries = [await receive(sub)]
            if more > 0:
                deliveries += await self._more(sub, more, step.batch_wait)
            if shared is None:
                await self._handle_batch(step, deliveries)
            else:
                async with shared:
                    await self._handle_batch(step, deliveries)

    async def _more(self, sub: Subscription, count: int, wait: float) -> list[Delivery]:
        """Up to `count` more deliveries: those ready now, then those that arrive within
        `wait` seconds."""
        found = self.bus.ready(sub, count)
        deadline = time.monotonic() + wait
        while len(found) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                found.append(await asyncio.wait_for(self.bus.receive(sub), left))
            except TimeoutError:
                break
            found += self.bus.ready(sub, count - len(found))
        return found

    def _begin(self, step: StepSpec, count: int) -> None:
        self._in_flight += 1
        self.running[step.name] += count

    def _end(self, step: StepSpec, count: int) -> None:
        self.running[step.name] -= count
        self._in_flight -= 1
        if not self._in_flight and self._all_done is not None:
            self._calls_ended()

    def _calls_ended(self) -> None:
        if self._all_done is not None and not self._all_done.done():
            self._all_done.set_result(None)

    async def _handle_one(self, step: StepSpec, delivery: Delivery) -> None:
        # The hot path: _begin and _end inlined, one await for the run.
        self._in_flight += 1
        self.running[step.name] += 1
        try:
            run = _Run(self, step, delivery)
            refused = run.admit()
            if refused is None:
                await run.call(run.data)
            else:
                await run.dead_letter(refused)
        finally:
            self.running[step.name] -= 1
            self._in_flight -= 1
            if not self._in_flight and self._all_done is not None:
                self._calls_ended()

    async def _handle_batch(self, step: StepSpec, deliveries: list[Delivery]) -> None:
        self._begin(step, len(deliveries))
        try:
            ready = []
            for delivery in deliveries:
                run = _Run(self, step, delivery)
                refused = run.admit()
                if refused is None:
                    ready.append(run)
                else:
                    await run.dead_letter(refused)
            if ready:
                await self._call_batch(step, ready)
        finally:
            self._end(step, len(deliveries))

    async def _call_batch(self, step: StepSpec, runs: list[_Run]) -> None:
        """One call for the batch; when it fails, each event is tried alone (so one bad
        event cannot fail its neighbours) and then retried on its own schedule. An
        outage (`Unavailable`) fails them all at once: no event of theirs is to blame."""
        ctx = self.context(step, runs[0].delivery.event.trace_id, runs[0].delivery.event)
        try:
            await self._call(step, ctx, [run.data for run in runs])
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if len(runs) == 1 or isinstance(exc, Unavailable):
                for run in runs:
                    await run.failed(exc)
                return
            for run in runs:
                await run.call([run.data])
            return
        # Settled together: on Redis their acks go out as one pipeline.
        await asyncio.gather(*(run.succeeded() for run in runs))

    async def _call(self, step: StepSpec, ctx: Context, *args: Any) -> Any:
        call = step.handler(*args, ctx) if args else step.handler(ctx)
        if step.timeout is None:
            return await call
        try:
            async with asyncio.timeout(step.timeout):
                return await call
        except TimeoutError:
            raise TimeoutError(f"handler timed out after {step.timeout:g}s") from None

    def retries(self, step: StepSpec) -> int:
        return step.retries if step.retries is not None else self.settings.default_retries

    def backoff(self, attempt: int) -> float:
        return retry_delay(attempt, self.settings.retry_base_delay, self.settings.retry_max_delay)

    # -- cron ----------------------------------------------------------------------

    async def _cron_loop(self, step: StepSpec) -> None:
        schedule = CronSchedule(step.cron)
        while True:
            fire_at = schedule.next_after(time.time())
            await asyncio.sleep(max(0.0, fire_at - time.time()))
            try:
                mine = await self.locks.acquire_once(f"cron:{step.name}:{fire_at:.0f}", ttl=3_600)
            except Exception as exc:
                log.warning(
                    "cron lock unavailable; skipping this firing",
                    extra={"step": step.name, "error": str(exc)},
                )
                continue
            if mine:
                await self._fire(step)

    async def _fire(self, step: StepSpec) -> None:
        trace_id = new_trace_id()
        span = self.tracer.start(
            trace_id=trace_id, parent_id=None, step=step.name, kind="cron", name=step.name
        )
        ctx = self.context(step, trace_id, span=span)
        try:
            await self._call(step, ctx)
        except asyncio.CancelledError:
            self.tracer.finish(span, "failed", error="cancelled")
            raise
        except Exception as exc:
            ctx.logger.exception("cron handler failed")
            self.tracer.finish(span, "failed", exc)
            return
        self.tracer.finish(span, "ok")


class _Run:
    """One delivery through one step: admission, the call, and how it is settled."""

    __slots__ = ("data", "delivery", "runtime", "span", "step")

    def __init__(self, runtime: Runtime, step: StepSpec, delivery: Delivery) -> None:
        self.runtime = runtime
        self.step = step
        self.delivery = delivery
        self.data: Any = None
        event = delivery.event
        tracer = runtime.tracer
        self.span = (
            None
            if not tracer.enabled
            else tracer.start(
                trace_id=event.trace_id,
                parent_id=event.parent_span,
                step=step.name,
                kind="event",
                name=step.name,
                topic=event.topic,
                attempt=event.attempt,
                event_id=event.id,
                data=event.data,
            )
        )

    def admit(self) -> str | None:
        """None when the event may run (its input validated into `data`), else why not:
        redelivered too often, or input its step cannot take."""
        event = self.delivery.event
        if event.attempt > 1 and event.attempt > self.runtime.retries(self.step) + 1:
            # Redelivered after consumers died mid-handler: do not try forever.
            return f"delivered {event.attempt} times without completing"
        model, data = self.step.input, event.data
        if model is None or type(data) is model:  # emitted in-process as the model it takes
            self.data = data
            return None
        if isinstance(data, BaseModel):
            data = data.model_dump()
        try:
            self.data = model.__pydantic_validator__.validate_python(data)
        except ValidationError as exc:
            return f"invalid input for {self.step.name}: {exc}"
        return None

    async def call(self, data: Any) -> None:
        runtime = self.runtime
        step = self.step
        event = self.delivery.event
        ctx = Context(runtime, step, event.trace_id, event, self.span)
        try:
            if step.timeout is None:
                await step.handler(data, ctx)  # the hot path: no extra coroutine
            else:
                await runtime._call(step, ctx, data)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await self.failed(exc)
            return
        await self.succeeded()

    async def succeeded(self) -> None:
        try:
            await self.runtime.bus.ack(self.delivery)
        except Exception as exc:
            await self._unsettled(exc)
            return
        if self.span is not None:
            self.runtime.tracer.finish(self.span, "ok")

    async def failed(self, exc: Exception) -> None:
        event = self.delivery.event
        error = f"{type(exc).__name__}: {exc}"
        spent = event.attempt > self.runtime.retries(self.step)
        outage = isinstance(exc, Unavailable)
        if isinstance(exc, NonRetriableError) or (spent and not outage):
            await self.dead_letter(error, exc)
            return
        attempt = None  # the next one
        if isinstance(exc, RetryAfter):
            delay = exc.seconds
        elif isinstance(exc, Unavailable):
            delay = max(exc.retry_after, self.runtime.backoff(event.attempt))
            if spent:
                # An outage is not the event's fault: past its retries it waits for the
                # dependency at its last back-off, never dead-lettered for it (a dead
                # letter written as the dependency comes back would strand its work).
                attempt = event.attempt
        else:
            delay = self.runtime.backoff(event.attempt)
        log.warning(
            "handler failed; retrying",
            extra={"step": self.step.name, "trace_id": event.trace_id, "event_id": event.id,
                   "span_id": self.span.span_id if self.span else None,
                   "attempt": event.attempt, "retry_in": round(delay, 3), "error": error},
        )  # fmt: skip
        if await self._settle(self.runtime.bus.nack(self.delivery, delay, attempt)):
            self.runtime.tracer.finish(self.span, "retry", exc, error)

    async def dead_letter(self, error: str, exc: BaseException | None = None) -> None:
        event = self.delivery.event
        log.error(
            "event dead-lettered",
            exc_info=exc,
            extra={"step": self.step.name, "trace_id": event.trace_id, "event_id": event.id,
                   "span_id": self.span.span_id if self.span else None,
                   "topic": event.topic, "attempt": event.attempt, "error": error},
        )  # fmt: skip
        trace = "".join(tb.format_exception(exc)) if exc is not None else ""
        settled = await self._settle(self.runtime.bus.dead_letter(self.delivery, error, trace))
        if settled:
            self.runtime.tracer.finish(self.span, "dead_letter", exc, error)

    async def _settle(self, settling: Coroutine[Any, Any, None]) -> bool:
        """Await an ack, retry or dead letter. If it cannot be written, the delivery goes
        back to the bus (re-delivered later, same attempt): never treated as done."""
        try:
            await settling
            return True
        except Exception as exc:
            await self._unsettled(exc)
            return False

    async def _unsettled(self, exc: Exception) -> None:
        event = self.delivery.event
        delay = self.runtime.backoff(event.attempt)
        log.error(
            "settling an event failed; it will be delivered again",
            extra={"step": self.step.name, "event_id": event.id, "trace_id": event.trace_id,
                   "retry_in": round(delay, 3), "error": f"{type(exc).__name__}: {exc}"},
        )  # fmt: skip
        try:
            await self.runtime.bus.release(self.delivery, delay)
        except Exception:
            log.exception("giving an event back to the bus failed")
        self.runtime.tracer.finish(self.span, "retry", exc)


async def _logged(job: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a runtime job; a crash is logged (and does not stop its siblings)."""
    try:
        await job()
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("a runtime task crashed")


def otel_sinks(settings: Settings) -> list[TraceSink]:
    """An OpenTelemetry exporter, when the `otel` extra is installed and `trace_otel`
    is on: every span goes to the global tracer provider (configure its exporters, to
    Jaeger, Tempo or Honeycomb, as OpenTelemetry documents)."""
    if not settings.trace_otel:
        return []
    try:
        from ._otel import OpenTelemetrySink
    except ImportError:  # the extra is not installed
        return []
    return [OpenTelemetrySink()]


def _concurrency(settings: Settings, registry: Registry) -> dict[str, int]:
    """Deliveries a step can hold at once: its handlers times the batch each takes."""
    return {
        step.name: (step.concurrency or settings.default_concurrency) * (step.batch_size or 1)
        for step in registry.event_steps
    }


def make_state(settings: Settings, database: Database) -> StateStore:
    backend = settings.state_backend
    if backend == "memory":
        return MemoryState()
    if backend == "redis":
        if not settings.uses_redis:
            from ._errors import ConfigError

            raise ConfigError("state = 'redis' needs bus set to a redis:// URL")
        from ._redis import RedisState

        return RedisState.from_settings(settings)
    return DatabaseState(database)
