"""`/_stepflow/api/*`: what the CLI (and the Workbench) use on a running server.

Guarded by `guard_internal`: loopback clients with a loopback Host/Origin, or any client
with the API key."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ._config import did_you_mean
from ._errors import HttpError
from ._requests import (
    Page,
    guard_internal,
    json_response,
    quoted,
    read_json,
    read_query,
    validation_detail,
)
from ._runtime import Runtime

PREFIX = "/_stepflow/api"


class EmitRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", regex_engine="python-re")  # for the look-ahead

    topic: str = Field(min_length=1, max_length=500)
    data: Any = None
    trace_id: str | None = Field(default=None, pattern="^(?!0{32})[0-9a-f]{32}$")
    """A W3C trace id (32 lower-case hex digits, not all zeros) to put the event in."""


class LetterIds(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[str] | None = None
    """The dead letters to act on; all of them when null."""


def project_id(root: Path) -> str:
    """A short id of the project at `root`: the same for every process serving it."""
    return hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:12]


def project_info(runtime: Runtime) -> dict[str, Any]:
    return {
        "project_id": project_id(runtime.project),
        "root": str(runtime.project),
        "steps": len(runtime.registry.steps),
        "bus": "redis" if runtime.settings.uses_redis else "memory",
        "database": runtime.database.url,
    }


def letter_json(letter: Any) -> dict[str, Any]:
    return dataclasses.asdict(letter)


def internal_routes(runtime: Runtime) -> list[Route]:
    settings = runtime.settings
    limit = settings.max_body_bytes

    async def project(request: Request) -> Response:
        guard_internal(request, settings)
        return json_response(project_info(runtime))

    async def emit(request: Request) -> Response:
        guard_internal(request, settings)
        body = await read_json(request, EmitRequest, limit)
        assert isinstance(body, EmitRequest)
        topics = runtime.registry.topics
        if body.topic not in topics:
            hint = did_you_mean(body.topic, topics)
            raise HttpError(404, f"unknown topic {quoted(body.topic)}{hint}")
        # Each problem once, however many subscribers share the model (or the field).
        problems: dict[str, dict[str, Any]] = {}
        subscribers = runtime.registry.subscribers(body.topic)
        for model in dict.fromkeys(step.input for step in subscribers if step.input):
            try:
                model.model_validate(body.data)
            except ValidationError as exc:
                errors = exc.errors(include_url=False, include_context=False, include_input=False)
                for problem in validation_detail(errors, where=("body", "data")):
                    problems.setdefault(json.dumps(problem, sort_keys=True), problem)
        if problems:
            raise HttpError(422, list(problems.values()))
        event = await runtime.publish(body.topic, body.data, body.trace_id)
        return json_response({"id": event.id, "trace_id": event.trace_id}, 202)

    async def dead_letters(request: Request) -> Response:
        guard_internal(request, settings)
        page = read_query(request, Page)
        letters = await runtime.dead_letters.list(limit=page.limit, offset=page.offset)
        total = await runtime.dead_letters.count()
        return json_response({"total": total, "items": [letter_json(x) for x in letters]})

    async def dead_letter(request: Request) -> Response:
        guard_internal(request, settings)
        letter_id = request.path_params["letter_id"]
        if letter_id in ("replay", "purge"):  # their own routes take only POST
            raise HttpError(405, "Method Not Allowed", headers={"allow": "POST"})
        letter = await runtime.dead_letters.get(letter_id)
        if letter is None:
            raise HttpError(404, f"no dead letter {quoted(letter_id)}")
        return json_response(letter_json(letter))

    async def replay(request: Request) -> Response:
        guard_internal(request, settings)
        body = await read_json(request, LetterIds, limit)
        assert isinstance(body, LetterIds)
        letters = await runtime.replay(body.ids)
        return json_response({"replayed": [letter.id for letter in letters]})

    async def purge(request: Request) -> Response:
        guard_internal(request, settings)
        body = await read_json(request, LetterIds, limit)
        assert isinstance(body, LetterIds)
        return json_response({"purged": await runtime.dead_letters.purge(body.ids)})

    return [
        Route(f"{PREFIX}/project", project, methods=["GET"]),
        Route(f"{PREFIX}/emit", emit, methods=["POST"]),
        Route(f"{PREFIX}/dead-letters", dead_letters, methods=["GET"]),
        Route(f"{PREFIX}/dead-letters/replay", replay, methods=["POST"]),
        Route(f"{PREFIX}/dead-letters/purge", purge, methods=["POST"]),
        Route(f"{PREFIX}/dead-letters/{{letter_id}}", dead_letter, methods=["GET"]),
    ]
