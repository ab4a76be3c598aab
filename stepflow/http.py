"""The HTTP layer: a Starlette app built from a runtime's API steps.

Every error is JSON: 400 malformed JSON or wrong content type, 401 bad API key,
404, 405, 413 body too large, 422 validation (FastAPI's shape), 500 internal error."""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import to_json
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .events import new_trace_id
from .openapi import openapi_document
from .runtime import Runtime
from .steps import ApiRequest, ApiResponse, StepSpec

log = logging.getLogger("stepflow.http")

JSON = "application/json"
INTERNAL_PREFIX = "/_stepflow"
Endpoint = Callable[[Request], Awaitable[Response]]


class HttpError(Exception):
    """An error answered as `{"detail": ...}` with `status`."""

    def __init__(self, status: int, detail: Any) -> None:
        self.status = status
        self.detail = detail
        super().__init__(str(detail))


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(to_json(body), status_code=status, headers=headers, media_type=JSON)


def build_app(runtime: Runtime, *, internal: bool = True) -> Starlette:
    """The Starlette app serving `runtime`'s API steps, `/health` and `/openapi.json`.

    With `internal`, `/_stepflow/*` lets the CLI emit and replay on a running server
    (loopback clients only, or any client presenting the API key)."""
    openapi = to_json(openapi_document(runtime.registry))

    async def health(request: Request) -> Response:
        depths = {f"{s.topic}:{s.step}": n for s, n in runtime.depths().items() if n}
        return json_response(
            {"status": "ok", "steps": len(runtime.registry.steps), "queued": depths}
        )

    async def openapi_json(request: Request) -> Response:
        return Response(openapi, media_type=JSON)

    routes = [
        Route("/health", health, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
    ]
    routes += [
        Route(step.path, _endpoint(runtime, step), methods=[step.method])
        for step in runtime.registry.api_steps
    ]
    if internal:
        from .internal import internal_routes

        routes += internal_routes(runtime, INTERNAL_PREFIX)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return json_response({"detail": exc.detail}, exc.status_code, dict(exc.headers or {}))

    async def server_error(request: Request, exc: Exception) -> Response:
        trace_id = new_trace_id()
        log.error(
            "unhandled error", exc_info=exc, extra={"trace_id": trace_id, "path": request.url.path}
        )
        return json_response({"detail": "internal error", "trace_id": trace_id}, 500)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: http_error, Exception: server_error},
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False  # a 307 to another path would name another resource
    app.state.runtime = runtime
    return app


def check_api_key(request: Request, api_key: str | None) -> None:
    if api_key is None:
        return
    given = request.headers.get("x-api-key", "")
    if not hmac.compare_digest(given.encode(), api_key.encode()):
        raise HttpError(401, "missing or invalid API key")


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing more than `limit` bytes without reading them all."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise HttpError(400, "invalid Content-Length header")
        if int(declared) > limit:
            raise HttpError(413, f"request body over the limit of {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HttpError(413, f"request body over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_body(model: type[BaseModel], raw: bytes) -> BaseModel:
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        if any(error["type"] == "json_invalid" for error in errors):
            raise HttpError(400, f"malformed JSON: {errors[0]['msg']}") from None
        raise HttpError(422, validation_detail(errors)) from None


def validation_detail(errors: Any) -> list[dict[str, Any]]:
    return [
        {"loc": ["body", *error["loc"]], "msg": error["msg"], "type": error["type"]}
        for error in errors
    ]


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == JSON or (media.startswith("application/") and media.endswith("+json"))


def _endpoint(runtime: Runtime, step: StepSpec) -> Endpoint:
    settings = runtime.settings
    body_model = step.body
    response_model = step.response

    async def endpoint(request: Request) -> Response:
        trace_id = new_trace_id()
        headers = {"x-trace-id": trace_id}
        try:
            check_api_key(request, settings.api_key)
            body: Any = None
            if body_model is not None:
                if not _is_json(request.headers.get("content-type", "")):
                    raise HttpError(400, "expected Content-Type: application/json")
                body = parse_body(body_model, await read_body(request, settings.max_body_bytes))
            api_request = ApiRequest(
                body=body,
                path_params=dict(request.path_params),
                query=dict(request.query_params),
                headers=dict(request.headers),
            )
        except HttpError as exc:
            return json_response({"detail": exc.detail}, exc.status, headers)
        try:
            result = await runtime.call_api(step.name, api_request, trace_id)
            if not isinstance(result, ApiResponse):
                raise TypeError(f"{step.name} returned {type(result).__name__}, not ApiResponse")
            payload = result.body
            if response_model is not None and 200 <= result.status < 300:
                payload = response_model.model_validate(payload)
        except HttpError as exc:
            return json_response({"detail": exc.detail}, exc.status, headers)
        except Exception as exc:
            log.error(
                "API handler failed",
                exc_info=exc,
                extra={"step": step.name, "trace_id": trace_id, "path": request.url.path},
            )
            return json_response({"detail": "internal error", "trace_id": trace_id}, 500, headers)
        return json_response(payload, result.status, {**result.headers, **headers})

    return endpoint
