"""The HTTP layer: a Starlette app built from a runtime's API steps.

Every answer is JSON: 400 malformed JSON or wrong content type, 401 bad API key, 404,
405, 413 body too large, 422 validation (FastAPI's shape), 500 internal error (the
error in the log, never in the response), 503 with `Retry-After` when the bus or the
database is unavailable. Errors are raised as `HttpError` and answered by the handlers
registered here, which also close the request's span."""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._errors import HttpError, Unavailable
from ._events import new_trace_id, to_json_value
from ._internal import internal_routes
from ._openapi import openapi_document
from ._requests import has_api_key, has_session_key, json_response, parse_body, read_json_body
from ._runtime import Runtime
from ._steps import ApiRequest, ApiResponse, StepSpec
from ._tracing import (
    Span,
    SpanStatus,
    capped_text,
    new_span_id,
    parse_traceparent,
    traceparent,
)

log = logging.getLogger("stepflow.http")

Endpoint = Callable[[Request], Awaitable[Response]]


def build_app(runtime: Runtime, *, internal: bool = True) -> Starlette:
    """The Starlette app serving `runtime`'s API steps, `/health` and `/openapi.json`,
    and, with `internal`, `/_stepflow/api/*` for the CLI (and the Workbench when
    `settings.workbench` is on)."""
    settings = runtime.settings
    openapi = json_response(openapi_document(runtime.registry, settings)).body

    async def health(request: Request) -> Response:
        body: dict[str, Any] = {"status": "ok", "steps": len(runtime.registry.steps)}
        if settings.api_key is None or has_api_key(request, settings.api_key):
            body["queued"] = {f"{s.topic}:{s.step}": n for s, n in runtime.depths().items() if n}
        return json_response(body)

    async def openapi_json(request: Request) -> Response:
        return Response(openapi, media_type="application/json")

    routes: list[BaseRoute] = [
        Route("/health", health, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
    ]
    routes += [
        Route(step.path, _endpoint(runtime, step), methods=[step.method])
        for step in runtime.registry.api_steps
    ]
    if internal:
        routes += internal_routes(runtime)
        if settings.workbench:
            from ._workbench import workbench_routes

            routes += workbench_routes(runtime)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = Starlette(
        routes=routes,
        exception_handlers={
            HttpError: _http_error,
            HTTPException: _starlette_error,
            Unavailable: _unavailable,
            ClientDisconnect: _disconnected,
        },
        middleware=[Middleware(_InternalErrors)],
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False  # a 307 to another path would name another resource
    app.state.runtime = runtime
    return app


def _endpoint(runtime: Runtime, step: StepSpec) -> Endpoint:
    settings = runtime.settings
    tracer = runtime.tracer
    body_model = step.body
    response_model = step.response
    name = f"{step.method} {step.path}"

    async def endpoint(request: Request) -> Response:
        parent = parse_traceparent(request.headers.get("traceparent"))
        trace_id, parent_id = parent if parent else (new_trace_id(), None)
        span_id = new_span_id()
        span = tracer.start(
            trace_id=trace_id,
            parent_id=parent_id,
            step=step.name,
            kind="api",
            name=name,
            span_id=span_id,
        )
        request.state.trace_id = trace_id
        request.state.span_id = span_id
        request.state.span = span
        if settings.api_key is not None and not (
            has_api_key(request, settings.api_key)
            or (settings.workbench and has_session_key(request, settings.api_key))
        ):
            raise HttpError(401, "missing or invalid API key")
        body: Any = None
        if body_model is not None:
            raw = await read_json_body(request, settings.max_body_bytes)
            if span is not None:
                # The body as it came (also when it does not validate): decoding it is a
                # fraction of serializing the parsed models again.
                span.input = capped_text(raw.decode(errors="replace"), tracer.max_input)
            body = parse_body(body_model, raw)
        api_request = ApiRequest(
            body=body,
            path_params=dict(request.path_params),
            query=dict(request.query_params),
            headers=dict(request.headers),
        )
        try:
            result = await runtime.call_api(step.name, api_request, trace_id, span)
            status, payload, extra = _answer(step, result, response_model)
        except (HttpError, Unavailable):
            raise
        except Exception as exc:
            log.error(
                "API handler failed",
                exc_info=exc,
                extra={"step": step.name, "trace_id": trace_id, "path": request.url.path},
            )
            tracer.finish(span, "failed", exc, attributes={"http.status_code": 500})
            raise HttpError(500, "internal error") from exc
        outcome: SpanStatus = "ok" if status < 400 else "failed"
        tracer.finish(span, outcome, attributes={"http.status_code": status})
        headers = {**extra, **_trace_headers(request)}
        if status in _BODILESS:
            return Response(status_code=status, headers=headers)
        return json_response(payload, status, headers)

    return endpoint


_BODILESS = frozenset({204, 304})
"""Statuses HTTP sends without a body."""


def _answer(
    step: StepSpec, result: Any, response_model: type[BaseModel] | None
) -> tuple[int, Any, dict[str, str]]:
    """Status, JSON body and headers of what a handler returned: an `ApiResponse`, or
    a model, dict or list for 200."""
    if isinstance(result, ApiResponse):
        status, payload, headers = result.status, result.body, dict(result.headers)
    elif isinstance(result, BaseModel | dict | list):
        status, payload, headers = 200, result, {}
    else:
        raise TypeError(
            f"{step.name} returned {type(result).__name__}; return an ApiResponse "
            "(or a dict, list or model, answered with 200)"
        )
    if not isinstance(status, int) or not 200 <= status <= 599:
        raise TypeError(f"{step.name} answered status {status!r}; an HTTP status is 200 to 599")
    if status in _BODILESS and payload is not None:
        raise TypeError(f"{step.name} answered {status} with a body; a 204 or 304 has none")
    if response_model is not None and 200 <= status < 300 and status not in _BODILESS:
        try:
            payload = response_model.model_validate(payload)
        except ValidationError as exc:
            raise TypeError(f"{step.name}'s response does not match its model: {exc}") from None
    return status, to_json_value(payload), headers


def _trace_headers(request: Request) -> dict[str, str]:
    trace_id = getattr(request.state, "trace_id", None)
    if trace_id is None:
        return {}
    headers = {"x-trace-id": trace_id}
    span_id = getattr(request.state, "span_id", None)
    if span_id is not None:
        recorded = getattr(request.state, "span", None) is not None
        headers["traceparent"] = traceparent(trace_id, span_id, sampled=recorded)
    return headers


def _finish(request: Request, status: int, exc: BaseException | None = None) -> None:
    span: Span | None = getattr(request.state, "span", None)
    if span is not None and span.status == "running":
        runtime: Runtime = request.app.state.runtime
        outcome: SpanStatus = "ok" if status < 400 else "failed"
        runtime.tracer.finish(span, outcome, exc, attributes={"http.status_code": status})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HttpError)
    _finish(request, exc.status, exc)
    body: dict[str, Any] = {"detail": exc.detail}
    headers = {**exc.headers, **_trace_headers(request)}
    if exc.status >= 500:
        body["trace_id"] = getattr(request.state, "trace_id", None) or new_trace_id()
    return json_response(body, exc.status, headers)


async def _starlette_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return json_response({"detail": exc.detail}, exc.status_code, dict(exc.headers or {}))


async def _unavailable(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Unavailable)
    log.warning(
        "answered 503", extra={"what": exc.what, "error": exc.reason, "path": request.url.path}
    )
    _finish(request, 503, exc)
    retry_after = str(max(1, math.ceil(exc.retry_after)))
    headers = {"retry-after": retry_after, **_trace_headers(request)}
    detail = f"{exc.what} is unavailable; retry in {retry_after}s"
    return json_response({"detail": detail}, 503, headers)


class _InternalErrors:
    """Whatever else goes wrong in a request (not an API handler's error, which its
    endpoint answers): logged with its traceback and answered with the documented JSON
    500. Starlette's own last resort answers in plain text and raises the error on to
    the server, which then drops the connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            if started:
                raise  # too late to answer: the server closes the connection
            request = Request(scope)
            log.error("request failed", exc_info=exc, extra={"path": request.url.path})
            _finish(request, 500, exc)
            trace_id = getattr(request.state, "trace_id", None) or new_trace_id()
            body = {"detail": "internal error", "trace_id": trace_id}
            await json_response(body, 500, _trace_headers(request))(scope, receive, send)


async def _disconnected(request: Request, exc: Exception) -> Response:
    log.debug("client disconnected mid-request", extra={"path": request.url.path})
    _finish(request, 499)
    return Response(status_code=400)  # nobody is there to read it
