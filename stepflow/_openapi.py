"""OpenAPI 3.1 for a project's API steps, from their pydantic models."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from ._config import Settings
from ._discovery import Registry
from ._steps import StepSpec
from ._version import __version__

_PARAM = re.compile(r"\{([^}:/]+)(?::[^}/]+)?\}")
_REF = "#/components/schemas/{model}"

_VALIDATION_ERROR: dict[str, Any] = {
    "title": "HTTPValidationError",
    "type": "object",
    "properties": {
        "detail": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {
                        "type": "array",
                        "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                    },
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
                "required": ["loc", "msg", "type"],
            },
        }
    },
    "required": ["detail"],
}
_ERROR: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "properties": {"detail": {"type": "string"}, "trace_id": {"type": "string"}},
    "required": ["detail"],
}


def openapi_document(registry: Registry, settings: Settings | None = None) -> dict[str, Any]:
    """OpenAPI 3.1 for the project's API steps: every status each route can answer."""
    settings = settings or Settings()
    models: dict[type[BaseModel], None] = {}
    for step in registry.api_steps:
        for model in (step.body, step.response):
            if model is not None:
                models[model] = None
    refs, defs = models_json_schema([(model, "validation") for model in models], ref_template=_REF)
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    schemas["HTTPValidationError"] = _VALIDATION_ERROR
    schemas["Error"] = _ERROR
    paths: dict[str, dict[str, Any]] = {}
    for step in registry.api_steps:
        operation: dict[str, Any] = {
            "operationId": step.name,
            "summary": step.name,
            "tags": list(step.flows),
            "responses": _responses(step, refs, settings),
        }
        if step.description:
            operation["description"] = step.description
        params = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in _PARAM.findall(step.path)
        ]
        if params:
            operation["parameters"] = params
        if step.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(step.body, "validation")]}},
            }
        paths.setdefault(openapi_path(step.path), {})[step.method.lower()] = operation
    health: dict[str, Any] = {"type": "object", "properties": {"status": {"type": "string"}}}
    paths["/health"] = {
        "get": {
            "operationId": "health",
            "summary": "Liveness and queue depths",
            "responses": {
                "200": {
                    "description": "The server is up",
                    "content": {"application/json": {"schema": health}},
                }
            },
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "stepflow", "version": __version__},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def openapi_path(path: str) -> str:
    """`/items/{id:path}` as OpenAPI writes it: `/items/{id}`."""
    return _PARAM.sub(r"{\1}", path)


def _responses(step: StepSpec, refs: dict[Any, Any], settings: Settings) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": "Success"}
    if step.response is not None:
        ok["content"] = {"application/json": {"schema": refs[(step.response, "validation")]}}
    error = {"application/json": {"schema": {"$ref": _REF.format(model="Error")}}}
    responses: dict[str, Any] = {"2XX": ok}
    if step.body is not None:
        responses["400"] = {"description": "Malformed JSON or wrong content type"}
    if settings.api_key is not None:
        responses["401"] = {"description": "Missing or wrong API key"}
    for status, meaning in step.errors:
        responses[str(status)] = {"description": meaning}
    if step.body is not None:
        responses["413"] = {"description": "Body over the size limit"}
        responses["422"] = {
            "description": "Validation error",
            "content": {
                "application/json": {"schema": {"$ref": _REF.format(model="HTTPValidationError")}}
            },
        }
    responses["500"] = {"description": "Internal error"}
    responses["503"] = {"description": "The bus or the database is unavailable; see Retry-After"}
    for code, response in responses.items():
        if code != "2XX" and "content" not in response:
            response["content"] = error
    return dict(sorted(responses.items()))
