"""Spans: one for every API request, handler attempt and cron firing.

A span records where it ran (step, kind, topic, attempt), when and how long, how it
ended (`ok`, `retry`, `failed`, `dead_letter`), the error with its traceback, the input
(capped at `trace_max_input` bytes), and how many deliveries its emits caused. The
`Tracer` keeps finished spans and the log records handlers wrote in memory and writes
them to the trace store in batches from a background task, off the handlers' path.

Sampling is decided from the trace id alone, so every process keeps or drops the same
traces. W3C `traceparent` is read on API requests and written on responses."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import traceback as tb
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from ._events import random_bits
from ._json import display_json
from ._logs import extras

log = logging.getLogger("stepflow.tracing")

SpanKind = Literal["api", "event", "cron"]
SpanStatus = Literal["running", "ok", "retry", "failed", "dead_letter"]
TraceStatus = Literal["running", "ok", "failed"]
TERMINAL: frozenset[str] = frozenset({"ok", "failed", "dead_letter"})

_TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}(-.*)?")
_MAX_BUFFER = 50_000


def new_span_id() -> str:
    """64 random bits as 16 hex digits (see `new_trace_id`)."""
    return "%016x" % random_bits(64)  # noqa: UP031 (faster than an f-string)


def parse_traceparent(value: str | None) -> tuple[str, str] | None:
    """`(trace_id, parent span id)` from a W3C `traceparent` header, or None when it is
    absent or invalid, as Trace Context says: lower-case hex only, ids not all zeros,
    version `ff` never, and version 00 with nothing after the flags; a later version is
    read for its first four fields (what follows them starts with a dash)."""
    if not value:
        return None
    match = _TRACEPARENT.fullmatch(value.strip())
    if match is None:
        return None
    version, trace_id, span_id, more = match.groups()
    if version == "ff" or (version == "00" and more is not None):
        return None
    if trace_id == "0" * 32 or span_id == "0" * 16:
        return None
    return trace_id, span_id


def traceparent(trace_id: str, span_id: str, sampled: bool = True) -> str:
    return f"00-{trace_id}-{span_id}-{'01' if sampled else '00'}"


@dataclass(slots=True)
class Span:
    trace_id: str
    span_id: str
    parent_id: str | None
    step: str
    kind: SpanKind
    name: str
    topic: str | None = None
    attempt: int = 1
    event_id: str | None = None
    started_at: float = field(default_factory=time.time)
    duration: float | None = None
    status: SpanStatus = "running"
    error: str | None = None
    traceback: str | None = None
    input: str | None = None
    emitted: int = 0
    """Deliveries this span's emits caused (events × subscribers)."""
    attributes: dict[str, Any] = field(default_factory=dict)
    _began: float = field(default_factory=time.perf_counter, repr=False)
    _data: Any = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "trace_id": self.trace_id,
            "span_id": self.span_id,
            "parent_id": self.parent_id,
            "step": self.step,
            "kind": self.kind,
            "name": self.name,
            "topic": self.topic,
            "attempt": self.attempt,
            "event_id": self.event_id,
            "started_at": self.started_at,
            "duration": self.duration,
            "status": self.status,
            "error": self.error,
            "traceback": self.traceback,
            "input": self.input,
            "emitted": self.emitted,
            "attributes": self.attributes,
        }


@dataclass(frozen=True, slots=True)
class LogRecord:
    time: float
    level: str
    logger: str
    message: str
    trace_id: str | None
    span_id: str | None
    step: str | None
    fields: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "level": self.level,
            "logger": self.logger,
            "message": self.message,
            "trace_id": self.trace_id,
            "span_id": self.span_id,
            "step": self.step,
            "fields": self.fields,
        }


Adjustments = dict[str, list[int]]
"""Per trace id: [pending delta, dead-letter delta] that no span carries."""


class TraceSink(Protocol):
    """Where finished spans and log records go: a trace store, or an exporter."""

    async def write(
        self, spans: list[Span], logs: list[LogRecord], adjustments: Adjustments
    ) -> None: ...


def capped_input(data: Any, limit: int) -> str | None:
    """The input as JSON text of at most `limit` bytes (cut, and marked so)."""
    if limit <= 0 or data is None:
        return None
    try:
        raw = display_json(data)
    except Exception:  # an input that cannot be shown must not break tracing
        raw = repr(data)
    return capped_text(raw, limit)


def capped_text(text: str, limit: int) -> str | None:
    """`text` cut to `limit` characters, and marked so (None when inputs are not kept)."""
    if limit <= 0:
        return None
    if len(text) > limit:
        return text[:limit] + f"… ({len(text) - limit} more characters)"
    return text


class Tracer:
    """Makes spans and hands finished ones, with log records, to its sinks in batches."""

    def __init__(
        self,
        *,
        sample: float = 1.0,
        max_input: int = 16_384,
        flush_interval: float = 0.25,
        sinks: Iterable[TraceSink] = (),
    ) -> None:
        self.sample = sample
        self.max_input = max_input
        self.flush_interval = flush_interval
        self.sinks: list[TraceSink] = list(sinks)
        self.enabled = sample > 0 and bool(self.sinks)
        """Whether spans are made at all: fixed when the tracer is made (read per event)."""
        self.dropped = 0
        self._spans: deque[Span] = deque()
        self._logs: deque[LogRecord] = deque()
        self._adjustments: Adjustments = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._threshold = int(sample * 2**32)
        self._every = sample >= 1.0

    def sampled(self, trace_id: str) -> bool:
        """Whether `trace_id` is recorded: the same answer in every process."""
        if self.sample >= 1.0:
            return True
        if self.sample <= 0.0:
            return False
        try:
            return int(trace_id[-8:], 16) < self._threshold
        except ValueError:
            return True

    def start(
        self,
        *,
        trace_id: str,
        parent_id: str | None,
        step: str,
        kind: SpanKind,
        name: str,
        topic: str | None = None,
        attempt: int = 1,
        event_id: str | None = None,
        data: Any = None,
        span_id: str | None = None,
    ) -> Span | None:
        """A running span, or None when tracing is off or this trace is not sampled."""
        if not self.enabled or not (self._every or self.sampled(trace_id)):
            return None
        return Span(
            trace_id=trace_id,
            span_id=span_id or "%016x" % random_bits(64),  # noqa: UP031 (new_span_id inlined)
            parent_id=parent_id,
            step=step,
            kind=kind,
            name=name,
            topic=topic,
            attempt=attempt,
            event_id=event_id,
            _data=data,
        )

    def finish(
        self,
        span: Span | None,
        status: SpanStatus,
        exc: BaseException | None = None,
        error: str | None = None,
        attributes: dict[str, Any] | None = None,
    ) -> None:
        if span is None:
            return
        span.duration = time.perf_counter() - span._began
        span.status = status
        if exc is not None:
            span.error = error or f"{type(exc).__name__}: {exc}"
            span.traceback = "".join(tb.format_exception(exc))
        elif error is not None:
            span.error = error
        if attributes:
            span.attributes.update(attributes)
        self._push(self._spans, span)

    def adjust(self, trace_id: str, *, pending: int = 0, dead: int = 0) -> None:
        """Count deliveries (or dead letters) against a trace that no span accounts for:
        an event published from outside a handler, a dead letter replayed."""
        if not self.enabled or not self.sampled(trace_id):
            return
        found = self._adjustments.setdefault(trace_id, [0, 0])
        found[0] += pending
        found[1] += dead

    def record_log(self, record: logging.LogRecord) -> None:
        fields = extras(record)
        trace_id = fields.pop("trace_id", None)
        if trace_id is not None and not self.sampled(str(trace_id)):
            return
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            message = f"{message}\n{''.join(tb.format_exception(record.exc_info[1]))}"
        entry = LogRecord(
            time=record.created,
            level=record.levelname,
            logger=record.name,
            message=message,
            trace_id=None if trace_id is None else str(trace_id),
            span_id=_text_or_none(fields.pop("span_id", None)),
            step=_text_or_none(fields.pop("step", None)),
            fields={k: _plain(v) for k, v in fields.items()},
        )
        self._push(self._logs, entry)

    def _push(self, buffer: deque[Any], item: Any) -> None:
        if len(buffer) >= _MAX_BUFFER:
            buffer.popleft()
            self.dropped += 1
        buffer.append(item)
        if len(buffer) >= 1_000:
            self._wake.set()

    async def run(self) -> None:
        """Flush every `flush_interval` seconds (sooner when much is waiting)."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.flush_interval)
            self._wake.clear()
            await self.flush()

    async def flush(self) -> None:
        if not self._spans and not self._logs and not self._adjustments:
            return
        spans, self._spans = list(self._spans), deque()
        logs, self._logs = list(self._logs), deque()
        adjustments, self._adjustments = self._adjustments, {}
        for span in spans:
            if span.input is None and span._data is not None:
                span.input = capped_input(span._data, self.max_input)
            span._data = None
        for sink in self.sinks:
            try:
                await sink.write(spans, logs, adjustments)
            except Exception as exc:
                # Traces are worth less than the work: never let their store stop it.
                log.debug("writing traces failed", extra={"error": str(exc)})


class TraceLogHandler(logging.Handler):
    """Hands stepflow's log records to a tracer (attached while a runtime runs)."""

    def __init__(self, tracer: Tracer) -> None:
        super().__init__(level=logging.DEBUG)
        self.tracer = tracer

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("stepflow.tracing"):
            return  # never trace the tracer
        try:
            self.tracer.record_log(record)
        except Exception:
            self.handleError(record)


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
