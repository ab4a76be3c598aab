"""Spans exported through the OpenTelemetry SDK (the `otel` extra).

Each stepflow span becomes an OpenTelemetry span with the same trace and span ids, its
parent, start and end times, a status, and its fields as attributes (`stepflow.step`,
`stepflow.kind`, `stepflow.topic`, `stepflow.attempt`, …). Spans are written after the
fact, as they finish, in the tracer's background task."""

from __future__ import annotations

from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import (
    NonRecordingSpan,
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
    TraceFlags,
)

from ._tracing import Adjustments, LogRecord, Span

_KINDS = {"api": SpanKind.SERVER, "event": SpanKind.CONSUMER, "cron": SpanKind.INTERNAL}


class OpenTelemetrySink:
    def __init__(self, tracer: trace.Tracer | None = None) -> None:
        self._tracer = tracer

    @property
    def tracer(self) -> trace.Tracer:
        return self._tracer or trace.get_tracer("stepflow")

    @property
    def configured(self) -> bool:
        """Whether spans go anywhere: a tracer was given, or an SDK tracer provider is
        set. Without one, OpenTelemetry's API makes spans that record nothing, and
        building them cost a third of what tracing costs a flow (measured on `e2e`)."""
        if self._tracer is not None:
            return True
        provider = trace.get_tracer_provider()
        return not isinstance(provider, trace.ProxyTracerProvider | trace.NoOpTracerProvider)

    async def write(
        self, spans: list[Span], logs: list[LogRecord], adjustments: Adjustments
    ) -> None:
        if not self.configured:
            return
        for span in spans:
            self._export(span)

    def _export(self, span: Span) -> None:
        context: Any = Context()  # a root span has no parent, whatever is current
        if span.parent_id is not None:
            parent = SpanContext(
                trace_id=int(span.trace_id, 16),
                span_id=int(span.parent_id, 16),
                is_remote=True,
                trace_flags=TraceFlags(TraceFlags.SAMPLED),
            )
            context = trace.set_span_in_context(NonRecordingSpan(parent))
        start = int(span.started_at * 1e9)
        attributes: dict[str, Any] = {
            "stepflow.step": span.step,
            "stepflow.kind": span.kind,
            "stepflow.attempt": span.attempt,
            "stepflow.status": span.status,
            "stepflow.emitted": span.emitted,
            **{k: v for k, v in span.attributes.items() if isinstance(v, str | int | float | bool)},
        }
        if span.topic is not None:
            attributes["stepflow.topic"] = span.topic
        if span.event_id is not None:
            attributes["stepflow.event_id"] = span.event_id
        otel_span = self.tracer.start_span(
            span.name,
            context=context,
            kind=_KINDS.get(span.kind, SpanKind.INTERNAL),
            attributes=attributes,
            start_time=start,
        )
        if not otel_span.is_recording():
            return  # no SDK configured (or not sampled there): nothing to export
        _force_ids(otel_span, span)
        if span.status in ("failed", "dead_letter"):
            otel_span.set_status(Status(StatusCode.ERROR, span.error or span.status))
        elif span.status == "ok":
            otel_span.set_status(Status(StatusCode.OK))
        if span.error is not None:
            otel_span.add_event("error", {"message": span.error, "traceback": span.traceback or ""})
        otel_span.end(end_time=start + int((span.duration or 0.0) * 1e9))


def _force_ids(otel_span: Any, span: Span) -> None:
    """Give the SDK span stepflow's trace and span ids, so both name the same span (the
    SDK draws its own ids; its span context is a plain attribute)."""
    context = getattr(otel_span, "_context", None)
    if context is None:
        return
    otel_span._context = SpanContext(
        trace_id=int(span.trace_id, 16),
        span_id=int(span.span_id, 16),
        is_remote=False,
        trace_flags=context.trace_flags,
        trace_state=context.trace_state,
    )
