"""The trace store: spans, traces and log records, shared by every process of a project.

`DatabaseTraceStore` keeps them in the project's database (SQLite or PostgreSQL), which
every process of a deployment shares, whichever bus carries its events (so an API
process shows what its Redis workers did). A trace's row is a running summary kept as
spans arrive: its span count, when it started and ended, how many deliveries it still
waits for (`pending`: deliveries its spans emitted, less the event spans that finished
them) and how many of its events are dead letters (`dead`). Its status is derived:
`failed` while something is dead-lettered, `running` while deliveries are pending, `ok`
otherwise."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ._database import Database, Migration, Row
from ._tracing import Adjustments, LogRecord, Span, TraceStatus

Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class TraceQuery:
    status: TraceStatus | None = None
    step: str | None = None
    topic: str | None = None
    since: float | None = None
    until: float | None = None
    text: str | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class LogQuery:
    trace_id: str | None = None
    span_id: str | None = None
    step: str | None = None
    level: str | None = None
    text: str | None = None
    after: int = 0
    """Only records after this sequence number (for a live tail)."""
    limit: int = 200
    offset: int = 0


@dataclass
class Page:
    total: int
    items: list[dict[str, Any]] = field(default_factory=list)


class TraceStore(Protocol):
    async def write(
        self, spans: list[Span], logs: list[LogRecord], adjustments: Adjustments
    ) -> None: ...

    async def traces(self, query: TraceQuery) -> Page: ...

    async def trace(self, trace_id: str) -> dict[str, Any] | None:
        """The trace's summary with all its spans, in start order (None if unknown)."""
        ...

    async def logs(self, query: LogQuery) -> Page: ...

    async def latest(self, after_span: int, after_log: int) -> tuple[Rows, Rows]:
        """Spans and log records stored after these sequence numbers (for live views)."""
        ...

    async def last_seqs(self) -> tuple[int, int]:
        """The newest span and log sequence numbers (where a live view starts)."""
        ...

    async def step_counts(self, since: float) -> dict[str, dict[str, int]]:
        """Spans per step and status that started after `since`."""
        ...

    async def prune(self, retention: float, max_spans: int) -> int:
        """Drop spans (and their traces and logs) older than `retention` seconds or
        beyond the newest `max_spans`; how many spans were dropped."""
        ...

    async def aclose(self) -> None: ...


def trace_status(pending: int, dead: int) -> TraceStatus:
    """Failed once an event of it is dead-lettered; else running until every delivery
    counted is settled. Below zero, settled deliveries were written before the span that
    emitted them (another process's, not flushed yet): running too."""
    if dead > 0:
        return "failed"
    return "running" if pending != 0 else "ok"


@dataclass
class _Summary:
    trace_id: str
    root: str | None = None
    any_name: str = ""
    started_at: float = float("inf")
    ended_at: float = 0.0
    spans: int = 0
    pending: int = 0
    dead: int = 0
    errors: int = 0


def summarise(spans: Iterable[Span], adjustments: Adjustments) -> dict[str, _Summary]:
    """What a batch of spans changes in each trace's summary."""
    found: dict[str, _Summary] = {}
    for span in spans:  # once per span written: kept to plain comparisons
        summary = found.get(span.trace_id)
        if summary is None:
            summary = found[span.trace_id] = _Summary(span.trace_id, any_name=span.name)
        if span.parent_id is None and summary.root is None:
            summary.root = span.name
        started = span.started_at
        if started < summary.started_at:
            summary.started_at = started
        ended = started + (span.duration or 0.0)
        if ended > summary.ended_at:
            summary.ended_at = ended
        summary.spans += 1
        summary.pending += span.emitted
        status = span.status
        if status == "ok":  # most spans
            if span.kind == "event":
                summary.pending -= 1
            continue
        if status == "dead_letter":
            summary.dead += 1
            if span.kind == "event":
                summary.pending -= 1
        if status in ("retry", "failed", "dead_letter"):
            summary.errors += 1
    now = time.time()
    for trace_id, (pending, dead) in adjustments.items():
        summary = found.setdefault(trace_id, _Summary(trace_id, started_at=now, ended_at=now))
        summary.pending += pending
        summary.dead += dead
    return found


_SPANS = {
    "sqlite": """
CREATE TABLE IF NOT EXISTS stepflow_spans (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    trace_id TEXT NOT NULL, span_id TEXT NOT NULL, parent_id TEXT, step TEXT NOT NULL,
    kind TEXT NOT NULL, name TEXT NOT NULL, topic TEXT, attempt INTEGER NOT NULL,
    event_id TEXT, started_at REAL NOT NULL, duration REAL, status TEXT NOT NULL,
    error TEXT, traceback TEXT, input TEXT, emitted INTEGER NOT NULL, attributes TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS stepflow_traces (
    trace_id TEXT PRIMARY KEY, name TEXT NOT NULL, started_at REAL NOT NULL,
    ended_at REAL NOT NULL, spans INTEGER NOT NULL, pending INTEGER NOT NULL,
    dead INTEGER NOT NULL, errors INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS stepflow_logs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    time REAL NOT NULL, level TEXT NOT NULL, logger TEXT NOT NULL, message TEXT NOT NULL,
    trace_id TEXT, span_id TEXT, step TEXT, fields TEXT NOT NULL
);
""",
}
_SPANS["postgresql"] = (
    _SPANS["sqlite"]
    .replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY")
    .replace(" REAL", " DOUBLE PRECISION")
)
_INDEXES = """
CREATE INDEX IF NOT EXISTS stepflow_spans_trace ON stepflow_spans (trace_id);
CREATE INDEX IF NOT EXISTS stepflow_spans_started ON stepflow_spans (started_at);
CREATE INDEX IF NOT EXISTS stepflow_spans_step ON stepflow_spans (step, trace_id);
CREATE INDEX IF NOT EXISTS stepflow_spans_topic ON stepflow_spans (topic, trace_id);
CREATE INDEX IF NOT EXISTS stepflow_traces_started ON stepflow_traces (started_at);
CREATE INDEX IF NOT EXISTS stepflow_logs_trace ON stepflow_logs (trace_id);
CREATE INDEX IF NOT EXISTS stepflow_logs_time ON stepflow_logs (time);
"""
# Every index costs each span written (about a third of a span's insert, measured on
# SQLite): filters by step or topic scan spans instead, at most `trace_max_spans` rows.
_LEANER = """
DROP INDEX IF EXISTS stepflow_spans_step;
DROP INDEX IF EXISTS stepflow_spans_topic;
"""
MIGRATIONS: list[Migration] = [
    {"sqlite": _SPANS["sqlite"], "postgresql": _SPANS["postgresql"]},
    _INDEXES,
    _LEANER,
]
_SPAN_COLUMNS = (
    "trace_id, span_id, parent_id, step, kind, name, topic, attempt, event_id, started_at,"
    " duration, status, error, traceback, input, emitted, attributes"
)
_LOG_COLUMNS = "time, level, logger, message, trace_id, span_id, step, fields"


class DatabaseTraceStore:
    """Traces in the project's database (SQLite or PostgreSQL)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def _db(self) -> Database:
        await self.database.ensure("traces", MIGRATIONS)
        return self.database

    async def write(
        self, spans: list[Span], logs: list[LogRecord], adjustments: Adjustments
    ) -> None:
        db = await self._db()
        least, greatest = ("MIN", "MAX") if db.dialect == "sqlite" else ("LEAST", "GREATEST")
        summaries = summarise(spans, adjustments)
        async with db.transaction() as tx:
            if spans:
                await tx.executemany(
                    f"INSERT INTO stepflow_spans ({_SPAN_COLUMNS}) VALUES"
                    " ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
                    [_span_row(span) for span in spans],
                )
            if logs:
                await tx.executemany(
                    f"INSERT INTO stepflow_logs ({_LOG_COLUMNS}) VALUES"
                    " ($1, $2, $3, $4, $5, $6, $7, $8)",
                    [_log_row(entry) for entry in logs],
                )
            if summaries:
                await tx.executemany(
                    "INSERT INTO stepflow_traces (trace_id, name, started_at, ended_at, spans,"
                    " pending, dead, errors) VALUES ($1, COALESCE($2, $3), $4, $5, $6, $7, $8, $9)"
                    " ON CONFLICT (trace_id) DO UPDATE SET"
                    " name = COALESCE($2, stepflow_traces.name),"
                    f" started_at = {least}(stepflow_traces.started_at, excluded.started_at),"
                    f" ended_at = {greatest}(stepflow_traces.ended_at, excluded.ended_at),"
                    " spans = stepflow_traces.spans + excluded.spans,"
                    " pending = stepflow_traces.pending + excluded.pending,"
                    " dead = stepflow_traces.dead + excluded.dead,"
                    " errors = stepflow_traces.errors + excluded.errors",
                    [_summary_row(summary) for summary in summaries.values()],
                )

    async def traces(self, query: TraceQuery) -> Page:
        db = await self._db()
        where, args = [], []

        def arg(value: Any) -> str:
            args.append(value)
            return f"${len(args)}"

        if query.status == "failed":
            where.append("dead > 0")
        elif query.status == "running":
            where.append("dead <= 0 AND pending <> 0")
        elif query.status == "ok":
            where.append("dead <= 0 AND pending = 0")
        for column, value in (("step", query.step), ("topic", query.topic)):
            if value:
                spans = f"SELECT trace_id FROM stepflow_spans WHERE {column} = {arg(value)}"
                where.append(f"trace_id IN ({spans})")
        if query.since is not None:
            where.append(f"started_at >= {arg(query.since)}")
        if query.until is not None:
            where.append(f"started_at <= {arg(query.until)}")
        if query.text:
            like = arg(f"%{_escaped(query.text)}%")
            where.append(
                f"(trace_id LIKE {like} ESCAPE '\\' OR name LIKE {like} ESCAPE '\\' OR trace_id IN"
                f" (SELECT trace_id FROM stepflow_spans WHERE error LIKE {like} ESCAPE '\\'"
                f" OR input LIKE {like} ESCAPE '\\' OR step LIKE {like} ESCAPE '\\'))"
            )
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        total = int(await db.fetchval(f"SELECT COUNT(*) FROM stepflow_traces{clause}", *args) or 0)
        rows = await db.fetch(
            "SELECT trace_id, name, started_at, ended_at, spans, pending, dead, errors"
            f" FROM stepflow_traces{clause} ORDER BY started_at DESC"
            f" LIMIT {arg(query.limit)} OFFSET {arg(query.offset)}",
            *args,
        )
        return Page(total, [_trace(row) for row in rows])

    async def trace(self, trace_id: str) -> dict[str, Any] | None:
        db = await self._db()
        row = await db.fetchrow(
            "SELECT trace_id, name, started_at, ended_at, spans, pending, dead, errors"
            " FROM stepflow_traces WHERE trace_id = $1",
            trace_id,
        )
        if row is None:
            return None
        spans = await db.fetch(
            f"SELECT seq, {_SPAN_COLUMNS} FROM stepflow_spans WHERE trace_id = $1"
            " ORDER BY started_at, seq",
            trace_id,
        )
        return {**_trace(row), "span_list": [_span(span) for span in spans]}

    async def logs(self, query: LogQuery) -> Page:
        db = await self._db()
        where, args = [], []

        def arg(value: Any) -> str:
            args.append(value)
            return f"${len(args)}"

        for column, value in (
            ("trace_id", query.trace_id),
            ("span_id", query.span_id),
            ("step", query.step),
            ("level", query.level.upper() if query.level else None),
        ):
            if value:
                where.append(f"{column} = {arg(value)}")
        if query.text:
            where.append(f"message LIKE {arg(f'%{_escaped(query.text)}%')} ESCAPE '\\'")
        if query.after:
            where.append(f"seq > {arg(query.after)}")
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        total = int(await db.fetchval(f"SELECT COUNT(*) FROM stepflow_logs{clause}", *args) or 0)
        rows = await db.fetch(
            f"SELECT seq, {_LOG_COLUMNS} FROM stepflow_logs{clause} ORDER BY seq DESC"
            f" LIMIT {arg(query.limit)} OFFSET {arg(query.offset)}",
            *args,
        )
        return Page(total, [_log(row) for row in rows])

    async def latest(self, after_span: int, after_log: int) -> tuple[Rows, Rows]:
        db = await self._db()
        spans = await db.fetch(
            f"SELECT seq, {_SPAN_COLUMNS} FROM stepflow_spans WHERE seq > $1"
            " ORDER BY seq LIMIT 500",
            after_span,
        )
        logs = await db.fetch(
            f"SELECT seq, {_LOG_COLUMNS} FROM stepflow_logs WHERE seq > $1 ORDER BY seq LIMIT 500",
            after_log,
        )
        return [_span(row) for row in spans], [_log(row) for row in logs]

    async def last_seqs(self) -> tuple[int, int]:
        db = await self._db()
        spans = await db.fetchval("SELECT MAX(seq) FROM stepflow_spans")
        logs = await db.fetchval("SELECT MAX(seq) FROM stepflow_logs")
        return int(spans or 0), int(logs or 0)

    async def step_counts(self, since: float) -> dict[str, dict[str, int]]:
        db = await self._db()
        rows = await db.fetch(
            "SELECT step, status, COUNT(*) FROM stepflow_spans WHERE started_at >= $1"
            " GROUP BY step, status",
            since,
        )
        counts: dict[str, dict[str, int]] = {}
        for row in rows:
            counts.setdefault(row[0], {})[row[1]] = int(row[2])
        return counts

    async def prune(self, retention: float, max_spans: int) -> int:
        db = await self._db()
        cutoff = time.time() - retention
        async with db.transaction() as tx:
            newest = int(await tx.fetchval("SELECT MAX(seq) FROM stepflow_spans") or 0)
            before = int(await tx.fetchval("SELECT COUNT(*) FROM stepflow_spans") or 0)
            await tx.execute(
                "DELETE FROM stepflow_spans WHERE started_at < $1 OR seq <= $2",
                cutoff,
                newest - max_spans,
            )
            after = int(await tx.fetchval("SELECT COUNT(*) FROM stepflow_spans") or 0)
            oldest = await tx.fetchval("SELECT MIN(started_at) FROM stepflow_spans")
            horizon = time.time() if oldest is None else max(cutoff, float(oldest))
            await tx.execute(
                "DELETE FROM stepflow_traces WHERE ended_at < $1 AND trace_id NOT IN"
                " (SELECT trace_id FROM stepflow_spans)",
                horizon,
            )
            newest_log = int(await tx.fetchval("SELECT MAX(seq) FROM stepflow_logs") or 0)
            await tx.execute(
                "DELETE FROM stepflow_logs WHERE time < $1 OR seq <= $2",
                horizon,
                newest_log - 2 * max_spans,
            )
        return before - after

    async def aclose(self) -> None:
        return None  # the runtime closes the database


def _summary_row(s: _Summary) -> tuple[Any, ...]:
    return (
        s.trace_id, s.root, s.any_name or "event", s.started_at, s.ended_at, s.spans,
        s.pending, s.dead, s.errors,
    )  # fmt: skip


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _span_row(span: Span) -> tuple[Any, ...]:
    return (
        span.trace_id, span.span_id, span.parent_id, span.step, span.kind, span.name,
        span.topic, span.attempt, span.event_id, span.started_at, span.duration, span.status,
        span.error, span.traceback, span.input, span.emitted,
        json.dumps(span.attributes) if span.attributes else "{}",
    )  # fmt: skip


def _log_row(entry: LogRecord) -> tuple[Any, ...]:
    return (
        entry.time, entry.level, entry.logger, entry.message, entry.trace_id, entry.span_id,
        entry.step, json.dumps(entry.fields, default=str),
    )  # fmt: skip


_SPAN_FIELDS = ("seq", *(name.strip() for name in _SPAN_COLUMNS.split(",")))
_LOG_FIELDS = ("seq", *(name.strip() for name in _LOG_COLUMNS.split(",")))


def _span(row: Row) -> dict[str, Any]:
    span = {name: row[i] for i, name in enumerate(_SPAN_FIELDS)}
    span["attributes"] = json.loads(span["attributes"] or "{}")
    return span


def _log(row: Row) -> dict[str, Any]:
    entry = {name: row[i] for i, name in enumerate(_LOG_FIELDS)}
    entry["fields"] = json.loads(entry["fields"] or "{}")
    return entry


def _trace(row: Row) -> dict[str, Any]:
    pending, dead = int(row[5]), int(row[6])
    return {
        "trace_id": row[0],
        "name": row[1],
        "started_at": float(row[2]),
        "ended_at": float(row[3]),
        "duration": max(0.0, float(row[3]) - float(row[2])),
        "spans": int(row[4]),
        "pending": max(0, pending),
        "dead_letters": max(0, dead),
        "errors": int(row[7]),
        "status": trace_status(pending, dead),
    }
