"""The Workbench: a web page at /_stepflow/ to see inside a running flow, and its JSON API.

Pages (each a deep link a browser can open): `/_stepflow/` (the flow graph with live
counters), `/_stepflow/endpoints`, `/_stepflow/traces`, `/_stepflow/traces/{trace_id}`,
`/_stepflow/logs`, `/_stepflow/dead-letters`, `/_stepflow/state`, and `/docs` (with a
trailing slash, a redirect to the same without it). They are one HTML page and two
static files shipped in the package: no CDN, no build step.

Data, under `/_stepflow/api/`: `flows`, `stats`, `traces`, `traces/{trace_id}`, `logs`,
`state` (the groups), `state?group=NAME` and `state/{group}` (a group's keys and values;
the query form reaches every name: a browser drops a `.` or `..` segment from a path,
percent-encoded or not), `session` (whether the server needs an API key, and whether
this browser's cookie holds it: never the key), and `events`, a server-sent-events
stream of new spans and log records (read from the trace store, so it shows what every
process did), after a first `ready` event once the stream knows where it starts. The
dead-letter endpoints live with the CLI's in `_internal.py`. Everything is guarded like
the other internal endpoints; a browser may present the API key once as `?key=` (kept in
a same-site, httponly cookie, so that every tab opens without it). The request forms
call API steps with the key typed into them, or else with the cookie's, by sending
`x-stepflow-session: 1` (see `has_session_key`). Without the key the page itself still
loads (it holds no data), to ask for it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from importlib.resources import files
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from .._errors import HttpError
from .._graph import edges
from .._internal import PREFIX, project_info
from .._requests import (
    KEY_COOKIE,
    RowNumber,
    guard_internal,
    has_key_cookie,
    json_response,
    key_matches,
    quoted,
    read_query,
)
from .._runtime import Runtime
from .._steps import StepSpec
from .._traces import LogQuery, TraceQuery

PAGES = (
    *(f"/_stepflow/{name}" for name in ("endpoints", "traces", "logs", "dead-letters", "state")),
    "/_stepflow/traces/{trace_id}",
    "/docs",
)
"""The pages besides the graph's (`/_stepflow/`): each also answers with a trailing slash,
by a redirect to its address without it."""
_STATIC = files(__package__) / "static"
_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".html": "text/html",
    ".svg": "image/svg+xml",
}


class TraceFilter(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: Literal["running", "ok", "failed"] | None = None
    step: str | None = Field(default=None, max_length=500)
    topic: str | None = Field(default=None, max_length=500)
    since: float | None = None
    until: float | None = None
    q: str | None = Field(default=None, max_length=500)
    limit: int = Field(default=50, ge=1, le=500)
    offset: RowNumber = 0

    def query(self) -> TraceQuery:
        return TraceQuery(text=self.q, **self.model_dump(exclude={"q"}))


class LogFilter(BaseModel):
    model_config = ConfigDict(extra="ignore")

    trace_id: str | None = Field(default=None, max_length=200)
    span_id: str | None = Field(default=None, max_length=200)
    step: str | None = Field(default=None, max_length=500)
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] | None = None
    q: str | None = Field(default=None, max_length=500)
    after: RowNumber = 0
    limit: int = Field(default=200, ge=1, le=1_000)
    offset: RowNumber = 0

    def query(self) -> LogQuery:
        return LogQuery(text=self.q, **self.model_dump(exclude={"q"}))


def step_json(step: StepSpec, runtime: Runtime) -> dict[str, Any]:
    """A step's declaration, as the Workbench shows it."""
    model = step.body if step.kind == "api" else step.input
    return {
        "name": step.name,
        "kind": step.kind,
        "trigger": step.trigger,
        "description": step.description,
        "flows": list(step.flows),
        "emits": sorted(step.emits),
        "subscribes": list(step.subscribes),
        "method": step.method or None,
        "path": step.path or None,
        "cron": step.cron or None,
        "schema": model.model_json_schema() if model is not None else None,
        "concurrency": (step.concurrency or runtime.settings.default_concurrency)
        if step.kind == "event"
        else None,
        "retries": runtime.retries(step) if step.kind == "event" else None,
        "timeout": step.timeout,
        "batch_size": step.batch_size,
        "file": step.file,
        "line": step.line,
    }


def workbench_routes(runtime: Runtime) -> list[BaseRoute]:
    settings = runtime.settings
    registry = runtime.registry
    traces = runtime.traces

    def guard(request: Request) -> None:
        guard_internal(request, settings)

    def guard_page(request: Request) -> None:
        """The page and its assets hold no data: without the key they are served anyway,
        so that the page can ask for the key (every API call still answers 401)."""
        try:
            guard(request)
        except HttpError as exc:
            if exc.status != 401:
                raise

    async def page(request: Request) -> Response:
        key = request.query_params.get("key")
        if key is not None and settings.api_key is not None and key_matches(key, settings.api_key):
            response = _static("index.html")
            response.set_cookie(KEY_COOKIE, key, httponly=True, samesite="strict")
            return response
        guard_page(request)
        return _static("index.html")

    async def without_slash(request: Request) -> Response:
        """A page's address with a trailing slash: to the page, the query kept."""
        guard_page(request)
        query = request.url.query
        return RedirectResponse(request.url.path.rstrip("/") + (f"?{query}" if query else ""))

    async def static(request: Request) -> Response:
        guard_page(request)
        name = request.path_params["name"]
        if name not in {"app.js", "app.css"}:
            raise HttpError(404, f"no asset {quoted(name)}")
        return _static(name)

    async def flows(request: Request) -> Response:
        guard(request)
        return json_response(
            {
                "project": project_info(runtime),
                "steps": [step_json(step, runtime) for step in registry.steps],
                "edges": [
                    {"from": source, "topic": topic, "to": target}
                    for source, topic, target in edges(registry)
                ],
                "topics": registry.topics,
            }
        )

    async def stats(request: Request) -> Response:
        guard(request)
        window = 60.0
        now = time.time()
        recent = await traces.step_counts(now - window)
        last = await traces.step_counts(now - 10.0)
        queued: dict[str, int] = {}
        for sub, depth in runtime.depths().items():
            queued[sub.step] = queued.get(sub.step, 0) + depth
        body = {}
        for step in registry.steps:
            counts = recent.get(step.name, {})
            body[step.name] = {
                "queued": queued.get(step.name, 0),
                "running": runtime.running.get(step.name, 0),
                "ok": counts.get("ok", 0),
                "retry": counts.get("retry", 0),
                "failed": counts.get("failed", 0) + counts.get("dead_letter", 0),
                "dead_letter": counts.get("dead_letter", 0),
                "per_second": round(sum(last.get(step.name, {}).values()) / 10.0, 2),
            }
        return json_response({"window_seconds": window, "steps": body, "time": now})

    async def trace_list(request: Request) -> Response:
        guard(request)
        page_ = await traces.traces(read_query(request, TraceFilter).query())
        return json_response({"total": page_.total, "items": page_.items})

    async def trace_one(request: Request) -> Response:
        guard(request)
        trace_id = request.path_params["trace_id"]
        found = await traces.trace(trace_id)
        if found is None:
            raise HttpError(404, f"no trace {quoted(trace_id)}")
        logs = await traces.logs(LogQuery(trace_id=trace_id, limit=1_000))
        return json_response({**found, "logs": list(reversed(logs.items))})

    async def log_list(request: Request) -> Response:
        guard(request)
        page_ = await traces.logs(read_query(request, LogFilter).query())
        return json_response({"total": page_.total, "items": page_.items})

    async def group_json(group: str) -> Response:
        return json_response({"group": group, "values": await runtime.state.get_group(group)})

    async def state_groups(request: Request) -> Response:
        """The groups; with `?group=`, that group (any name, `""`, `.` and `..` too)."""
        guard(request)
        if "group" in request.query_params:
            return await group_json(request.query_params["group"])
        return json_response({"groups": await runtime.state.groups()})

    async def state_group(request: Request) -> Response:
        guard(request)
        return await group_json(request.path_params["group"])

    async def session(request: Request) -> Response:
        """What this browser's session holds: whether the server needs an API key and
        whether the Workbench's cookie holds it, so that the request forms can say so
        (the cookie is httponly: the page never sees the key)."""
        guard(request)
        key = settings.api_key
        held = key is not None and has_key_cookie(request, key)
        return json_response({"api_key": key is not None, "cookie": held})

    async def events(request: Request) -> Response:
        guard(request)
        return StreamingResponse(
            _stream(runtime, request),
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
        )

    return [
        Route("/_stepflow/", page, methods=["GET"]),
        Route("/_stepflow", page, methods=["GET"]),
        *(Route(path, page, methods=["GET"]) for path in PAGES),
        *(Route(f"{path}/", without_slash, methods=["GET"]) for path in PAGES),
        Route("/_stepflow/static/{name}", static, methods=["GET"]),
        Route(f"{PREFIX}/flows", flows, methods=["GET"]),
        Route(f"{PREFIX}/stats", stats, methods=["GET"]),
        Route(f"{PREFIX}/traces", trace_list, methods=["GET"]),
        Route(f"{PREFIX}/traces/{{trace_id}}", trace_one, methods=["GET"]),
        Route(f"{PREFIX}/logs", log_list, methods=["GET"]),
        Route(f"{PREFIX}/state", state_groups, methods=["GET"]),
        Route(f"{PREFIX}/state/{{group:path}}", state_group, methods=["GET"]),
        Route(f"{PREFIX}/session", session, methods=["GET"]),
        Route(f"{PREFIX}/events", events, methods=["GET"]),
    ]


async def _stream(runtime: Runtime, request: Request) -> AsyncIterator[bytes]:
    """New spans and log records as server-sent events, until the client leaves or the
    server shuts down; a comment every 15 s keeps proxies from closing it."""
    traces = runtime.traces
    after_span, after_log = await traces.last_seqs()
    yield b"retry: 2000\n\n"
    # Where the stream starts: a page reloads its view on it, so that nothing stored
    # between the page's first fetch and this point goes missing.
    yield _event("ready", {"span_seq": after_span, "log_seq": after_log})
    quiet = 0.0
    while not runtime.stopping.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(runtime.stopping.wait(), 0.5)
        if runtime.stopping.is_set() or await request.is_disconnected():
            return
        try:
            spans, logs = await traces.latest(after_span, after_log)
        except Exception:  # the store is down for a moment: the stream waits
            spans, logs = [], []
        for span in spans:
            after_span = max(after_span, int(span["seq"]))
            yield _event("span", span)
        for entry in logs:
            after_log = max(after_log, int(entry["seq"]))
            yield _event("log", entry)
        quiet = 0.0 if spans or logs else quiet + 0.5
        if quiet >= 15:
            quiet = 0.0
            yield b": keep-alive\n\n"


def _event(kind: str, payload: dict[str, Any]) -> bytes:
    return f"event: {kind}\ndata: {json.dumps(payload, default=str)}\n\n".encode()


def _static(name: str) -> Response:
    content = (_STATIC / name).read_bytes()
    media = next((t for suffix, t in _TYPES.items() if name.endswith(suffix)), "text/plain")
    headers = {"cache-control": "no-cache", "x-content-type-options": "nosniff"}
    if name.endswith(".html"):
        headers["content-security-policy"] = (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            " connect-src 'self'; frame-ancestors 'none'"
        )
    return Response(content, media_type=media, headers=headers)
