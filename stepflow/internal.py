"""`/_stepflow/*`: what `stepflow emit` and `stepflow dlq` use on a running server.

Open to loopback clients when no API key is configured; otherwise only with the key."""

from __future__ import annotations

import dataclasses
import ipaddress
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .http import HttpError, check_api_key, json_response, parse_body, read_body
from .runtime import Runtime


class EmitRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topic: str = Field(min_length=1)
    data: Any = None
    trace_id: str | None = None


class ReplayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[str] | None = None


def internal_routes(runtime: Runtime, prefix: str) -> list[Route]:
    settings = runtime.settings

    async def guarded(request: Request, model: type[BaseModel] | None) -> Any:
        if settings.api_key is not None:
            check_api_key(request, settings.api_key)
        elif not _loopback(request):
            raise HttpError(403, "internal endpoints answer loopback clients only")
        if model is None:
            return None
        return parse_body(model, await read_body(request, settings.max_body_bytes))

    async def emit(request: Request) -> Response:
        try:
            body = await guarded(request, EmitRequest)
        except HttpError as exc:
            return json_response({"detail": exc.detail}, exc.status)
        if body.topic not in runtime.registry.topics:
            return json_response({"detail": f"unknown topic {body.topic!r}"}, 404)
        event = await runtime.publish(body.topic, body.data, body.trace_id)
        return json_response({"id": event.id, "trace_id": event.trace_id}, 202)

    async def dead_letters(request: Request) -> Response:
        try:
            await guarded(request, None)
        except HttpError as exc:
            return json_response({"detail": exc.detail}, exc.status)
        letters = await runtime.bus.dead_letters.list(limit=1_000)
        return json_response([dataclasses.asdict(letter) for letter in letters])

    async def replay(request: Request) -> Response:
        try:
            body = await guarded(request, ReplayRequest)
        except HttpError as exc:
            return json_response({"detail": exc.detail}, exc.status)
        letters = await runtime.replay(body.ids)
        return json_response({"replayed": [letter.id for letter in letters]})

    return [
        Route(f"{prefix}/emit", emit, methods=["POST"]),
        Route(f"{prefix}/dead-letters", dead_letters, methods=["GET"]),
        Route(f"{prefix}/dead-letters/replay", replay, methods=["POST"]),
    ]


def _loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host in {"localhost", "testclient"}
