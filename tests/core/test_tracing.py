"""Spans for every API request, handler attempt and cron firing, and the traces they make."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import trace as otel_trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import BaseModel

from stepflow import ApiRequest, ApiResponse, Context, api_step, cron_step, event_step
from stepflow._events import new_trace_id
from stepflow._logs import configure
from stepflow._otel import OpenTelemetrySink
from stepflow._tracing import new_span_id, parse_traceparent
from stepflow.testing import FlowTester
from tests.helpers import FAST


class Order(BaseModel):
    id: str


failing: set[str] = set()
released = asyncio.Event()


@api_step(name="Create", method="POST", path="/orders", body=Order, emits=["order"])
async def create(req: ApiRequest[Order], ctx: Context) -> ApiResponse:
    ctx.logger.info("order accepted", extra={"order": req.body.id})
    await ctx.emit("order", req.body)
    return ApiResponse(status=202, body={"trace_id": ctx.trace_id})


@event_step(name="Ship", subscribes=["order"], input=Order, emits=["shipped"], retries=2)
async def ship(order: Order, ctx: Context) -> None:
    if order.id in failing:
        raise RuntimeError(f"no truck for {order.id}")
    if order.id == "wait":
        await released.wait()
    ctx.logger.info("shipping", extra={"order": order.id})
    await ctx.emit("shipped", order)


@event_step(name="Notify", subscribes=["shipped"], input=Order)
async def notify(order: Order, ctx: Context) -> None: ...


STEPS: list[Any] = [create, ship, notify]


@contextmanager
def _no_truck_for(order_id: str) -> Iterator[None]:
    """Ship fails for `order_id` until the block ends (or `failing.discard` fixes it)."""
    failing.add(order_id)
    try:
        yield
    finally:
        failing.discard(order_id)


async def _order(flow: FlowTester, order_id: str, **headers: str) -> str:
    response = await flow.post("/orders", json={"id": order_id}, headers=headers)
    assert response.status_code == 202
    trace_id: str = response.json()["trace_id"]
    return trace_id


async def _trace(flow: FlowTester, trace_id: str) -> dict[str, Any]:
    found = await flow.trace(trace_id)
    assert found is not None
    return found


async def test_a_request_is_a_trace_of_one_span_per_step_with_parents() -> None:
    async with FlowTester(STEPS) as flow:
        trace_id = await _order(flow, "A1")
        await flow.drain()
        trace = await _trace(flow, trace_id)
    assert (trace["status"], trace["spans"], trace["pending"], trace["name"]) == (
        "ok",
        3,
        0,
        "POST /orders",
    )
    api, shipped, notified = trace["span_list"]
    assert (api["kind"], api["step"], api["status"], api["parent_id"]) == (
        "api",
        "Create",
        "ok",
        None,
    )
    assert api["attributes"] == {"http.status_code": 202}
    assert api["input"] == '{"id":"A1"}' and api["emitted"] == 1
    assert (shipped["kind"], shipped["topic"], shipped["parent_id"]) == (
        "event",
        "order",
        api["span_id"],
    )
    assert notified["parent_id"] == shipped["span_id"]
    assert all(span["duration"] >= 0 for span in trace["span_list"])


async def test_a_sqlite_projects_traces_have_a_file_of_their_own(tmp_path: Path) -> None:
    database = tmp_path / "app.db"
    async with FlowTester(STEPS, database=str(database)) as flow:
        trace_id = await _order(flow, "F1")
        await flow.drain()
        assert (await _trace(flow, trace_id))["spans"] == 3
    with closing(sqlite3.connect(tmp_path / "app.traces.db")) as traces:
        assert traces.execute("SELECT COUNT(*) FROM stepflow_spans").fetchone() == (3,)
    with closing(sqlite3.connect(database)) as project:
        tables = {row[0] for row in project.execute("SELECT name FROM sqlite_master")}
    assert "stepflow_spans" not in tables


async def test_handler_logs_belong_to_their_span() -> None:
    async with FlowTester(STEPS) as flow:
        trace_id = await _order(flow, "L1")
        await flow.drain()
        trace = await _trace(flow, trace_id)
        logs = await flow.runtime.traces.logs(_logs_of(trace_id))
    spans = {span["step"]: span["span_id"] for span in trace["span_list"]}
    by_message = {entry["message"]: entry for entry in logs.items}
    assert by_message["order accepted"]["span_id"] == spans["Create"]
    assert by_message["shipping"]["span_id"] == spans["Ship"]
    assert by_message["shipping"]["fields"]["order"] == "L1"


async def test_records_below_the_log_level_reach_spans_but_not_the_console(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logger = logging.getLogger("stepflow")
    level, handlers, propagate = logger.level, list(logger.handlers), logger.propagate
    configure("WARNING")  # a handler on this test's captured stderr
    try:
        async with FlowTester(STEPS) as flow:
            trace_id = await _order(flow, "Q1")
            await flow.drain()
            await flow.trace(trace_id)  # spans and their logs are written
            logs = await flow.runtime.traces.logs(_logs_of(trace_id))
    finally:
        logger.handlers[:], logger.propagate = handlers, propagate
        logger.setLevel(level)
    assert {entry["message"] for entry in logs.items} == {"order accepted", "shipping"}
    assert "shipping" not in capsys.readouterr().err


def _logs_of(trace_id: str) -> Any:
    from stepflow._traces import LogQuery

    return LogQuery(trace_id=trace_id)


async def test_retries_are_spans_of_their_own_and_a_dead_letter_fails_the_trace() -> None:
    with _no_truck_for("F1"):
        async with FlowTester(STEPS, **FAST) as flow:
            trace_id = await _order(flow, "F1")
            await flow.drain()
            trace = await _trace(flow, trace_id)
            ships = [span for span in trace["span_list"] if span["step"] == "Ship"]
            assert [(s["attempt"], s["status"]) for s in ships] == [
                (1, "retry"),
                (2, "retry"),
                (3, "dead_letter"),
            ]
            assert {s["error"] for s in ships} == {"RuntimeError: no truck for F1"}
            assert "Traceback (most recent call last)" in ships[-1]["traceback"]
            assert (trace["status"], trace["dead_letters"]) == ("failed", 1)
            assert (trace["spans"], trace["errors"]) == (4, 3)  # the request, three Ships

            failing.discard("F1")
            await flow.replay()
            await flow.drain()
            replayed = await _trace(flow, trace_id)
    assert (replayed["status"], replayed["dead_letters"], replayed["pending"]) == ("ok", 0, 0)
    assert (replayed["spans"], replayed["errors"]) == (6, 3)  # then Ship and Notify, ok
    assert [s["status"] for s in replayed["span_list"] if s["step"] == "Ship"][-1] == "ok"


async def test_a_replayed_dead_letter_runs_under_the_span_that_emitted_it() -> None:
    with _no_truck_for("F2"):
        async with FlowTester(STEPS, **FAST) as flow:
            trace_id = await _order(flow, "F2")
            await flow.drain()
            failing.discard("F2")
            await flow.replay()
            await flow.drain()
            trace = await _trace(flow, trace_id)
    [api] = [span for span in trace["span_list"] if span["step"] == "Create"]
    ships = [span for span in trace["span_list"] if span["step"] == "Ship"]
    assert [s["status"] for s in ships] == ["retry", "retry", "dead_letter", "ok"]
    assert {s["parent_id"] for s in ships} == {api["span_id"]}
    assert trace["name"] == "POST /orders"  # the root is still the request


async def test_a_trace_with_work_in_flight_is_running() -> None:
    released.clear()
    async with FlowTester(STEPS) as flow:
        trace_id = await _order(flow, "wait")
        await flow.runtime.tracer.flush()
        running = await _trace(flow, trace_id)
        released.set()
        await flow.drain()
        done = await _trace(flow, trace_id)
    assert (running["status"], running["pending"]) == ("running", 1)
    assert (done["status"], done["pending"]) == ("ok", 0)


async def test_a_traceparent_header_continues_the_callers_trace() -> None:
    header = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    async with FlowTester(STEPS) as flow:
        response = await flow.post("/orders", json={"id": "T1"}, headers={"traceparent": header})
        await flow.drain()
        trace = await _trace(flow, "0af7651916cd43dd8448eb211c80319c")
    api = trace["span_list"][0]
    assert api["parent_id"] == "b7ad6b7169203331"
    assert parse_traceparent(response.headers["traceparent"]) == (
        "0af7651916cd43dd8448eb211c80319c",
        api["span_id"],
    )


async def test_an_api_span_keeps_the_body_as_sent_also_when_it_is_refused() -> None:
    body = b'{ "id" : 7 }'  # an id must be a string: 422
    async with FlowTester(STEPS) as flow:
        response = await flow.post(
            "/orders", content=body, headers={"content-type": "application/json"}
        )
        await flow.runtime.tracer.flush()
        trace = await _trace(flow, response.headers["x-trace-id"])
    assert response.status_code == 422
    (api,) = trace["span_list"]
    assert (api["input"], api["attributes"]) == ('{ "id" : 7 }', {"http.status_code": 422})


async def test_the_input_is_capped_at_trace_max_input() -> None:
    async with FlowTester(STEPS, trace_max_input=20) as flow:
        trace_id = await _order(flow, "x" * 100)
        await flow.drain()
        trace = await _trace(flow, trace_id)
    assert trace["span_list"][0]["input"] == '{"id":"xxxxxxxxxxxxx… (89 more characters)'


async def test_sampling_keeps_the_same_traces_in_every_process() -> None:
    async with FlowTester(STEPS, trace_sample=0.5) as flow:
        ids = [await _order(flow, f"S{n}") for n in range(40)]
        await flow.drain()
        kept = [trace_id for trace_id in ids if await flow.trace(trace_id) is not None]
        decided = [trace_id for trace_id in ids if flow.runtime.tracer.sampled(trace_id)]
    assert kept == decided
    assert 0 < len(kept) < 40


async def test_tracing_off_records_nothing() -> None:
    async with FlowTester(STEPS, trace_sample=0) as flow:
        trace_id = await _order(flow, "off")
        await flow.drain()
        assert await flow.trace(trace_id) is None
        response = await flow.post("/orders", json={"id": "off2"})
    assert response.headers["traceparent"].endswith("-00")  # not sampled


async def test_a_cron_firing_is_a_span() -> None:
    @cron_step(name="Tick", cron="* * * * *")
    async def tick(ctx: Context) -> None:
        ctx.logger.info("tick")

    async with FlowTester([tick]) as flow:
        await flow.run_cron("Tick")
        await flow.runtime.tracer.flush()
        page = await flow.runtime.traces.traces(_query())
    [trace] = page.items
    assert (trace["name"], trace["status"], trace["spans"]) == ("Tick", "ok", 1)


def _query(**fields: Any) -> Any:
    from stepflow._traces import TraceQuery

    return TraceQuery(**fields)


async def test_old_spans_are_pruned_by_count() -> None:
    async with FlowTester(STEPS) as flow:
        for n in range(40):
            await _order(flow, f"P{n}")
        await flow.drain()
        await flow.runtime.tracer.flush()
        dropped = await flow.runtime.traces.prune(retention=3_600, max_spans=30)
        left = await flow.runtime.traces.traces(_query(limit=500))
        spans, _ = await flow.runtime.traces.latest(0, 0)
    assert (dropped, len(spans)) == (120 - 30, 30)
    # The traces that still have spans are kept; the others went with theirs.
    assert {t["trace_id"] for t in left.items} == {span["trace_id"] for span in spans}


async def test_spans_are_exported_through_opentelemetry_with_the_same_ids() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    async with FlowTester(STEPS) as flow:
        flow.runtime.tracer.sinks.append(OpenTelemetrySink(provider.get_tracer("test")))
        trace_id = await _order(flow, "O1")
        await flow.drain()
        trace = await _trace(flow, trace_id)
    finished = exporter.get_finished_spans()
    exported = {format(span.context.span_id, "016x"): span for span in finished}
    assert set(exported) == {span["span_id"] for span in trace["span_list"]}
    for span in trace["span_list"]:
        otel = exported[span["span_id"]]
        assert format(otel.context.trace_id, "032x") == trace_id
        parent = format(otel.parent.span_id, "016x") if otel.parent else None
        assert parent == span["parent_id"]
        assert otel.attributes is not None and otel.attributes["stepflow.step"] == span["step"]


async def test_spans_go_to_the_global_tracer_provider_once_one_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sink = OpenTelemetrySink()
    assert not sink.configured  # OpenTelemetry's API alone: spans would record nothing
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    # What `trace.set_tracer_provider` does, undone after the test (it can be set once).
    monkeypatch.setattr(otel_trace, "get_tracer_provider", lambda: provider)
    assert sink.configured
    async with FlowTester(STEPS) as flow:
        flow.runtime.tracer.sinks.append(sink)
        trace_id = await _order(flow, "O2")
        await flow.drain()
        trace = await _trace(flow, trace_id)
    exported = {format(span.context.span_id, "016x") for span in exporter.get_finished_spans()}
    assert exported == {span["span_id"] for span in trace["span_list"]}


@pytest.mark.parametrize("status", ["ok", "failed"])
async def test_traces_filter_by_status_step_and_text(status: str) -> None:
    with _no_truck_for("bad"):
        async with FlowTester(STEPS, **FAST) as flow:
            good = await _order(flow, "good-one")
            bad = await _order(flow, "bad")
            await flow.drain()
            await flow.runtime.tracer.flush()
            store = flow.runtime.traces
            by_status = await store.traces(_query(status=status))
            by_text = await store.traces(_query(text="no truck"))
            by_step = await store.traces(_query(step="Notify"))
    assert [t["trace_id"] for t in by_status.items] == [good if status == "ok" else bad]
    assert [t["trace_id"] for t in by_text.items] == [bad]
    assert [t["trace_id"] for t in by_step.items] == [good]


TRACE = "0af7651916cd43dd8448eb211c80319c"
PARENT = "b7ad6b7169203331"


@pytest.mark.parametrize(
    "header",
    [
        f"00-{TRACE}-{PARENT}-01",
        f"00-{TRACE}-{PARENT}-00",
        f"  00-{TRACE}-{PARENT}-01 ",  # optional whitespace around a header value
        f"01-{TRACE}-{PARENT}-01",
        f"cc-{TRACE}-{PARENT}-09-what-a-later-version-adds",
    ],
)
def test_a_valid_traceparent_is_read(header: str) -> None:
    assert parse_traceparent(header) == (TRACE, PARENT)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        f"00-{TRACE.upper()}-{PARENT}-01",
        f"00-{TRACE}-{PARENT.upper()}-01",
        f"00-{TRACE}-{PARENT}-01-extra",  # version 00 has exactly four fields
        f"ff-{TRACE}-{PARENT}-01",
        f"00-{'0' * 32}-{PARENT}-01",
        f"00-{TRACE}-{'0' * 16}-01",
        f"00-{TRACE}-{PARENT}-1",
        f"00-{TRACE[:-1]}-{PARENT}-01",
        f"cc-{TRACE}-{PARENT}-09extra",  # what follows the flags starts with a dash
        f"0-{TRACE}-{PARENT}-01",
    ],
)
def test_an_invalid_traceparent_is_ignored(header: str | None) -> None:
    assert parse_traceparent(header) is None


def test_seeding_pythons_random_does_not_repeat_trace_ids() -> None:
    ids = set()
    for _ in range(3):
        random.seed(7)  # as Hypothesis and many test suites do
        ids.add(new_trace_id())
        ids.add(new_span_id())
    assert len(ids) == 6


def test_a_forked_child_makes_ids_of_its_own() -> None:
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: send one id, then leave without running pytest's teardown
        os.write(writer, new_trace_id().encode())
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as pipe:
        theirs = pipe.read()
    os.waitpid(pid, 0)
    assert len(theirs) == 32 and theirs[12:] != new_trace_id()[12:]  # the random digits


def test_a_trace_id_begins_with_the_milliseconds_it_was_made_at(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("stepflow._events._milliseconds", lambda: 1_796_000_000_123)
    first, second = new_trace_id(), new_trace_id()
    monkeypatch.setattr("stepflow._events._milliseconds", lambda: 1_796_000_000_124)
    later = new_trace_id()
    assert first[:12] == second[:12] == "01a229f1287b" and later[:12] == "01a229f1287c"
    assert first < later and second < later and first != second
