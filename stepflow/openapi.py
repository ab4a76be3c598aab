"""OpenAPI 3.1 for a project's API steps, from their pydantic models."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .discovery import Registry

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


def openapi_document(
    registry: Registry, *, title: str = "stepflow", version: str = "0.1.0"
) -> dict[str, Any]:
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
            "responses": _responses(step.response, refs),
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
    paths["/health"] = {
        "get": {
            "operationId": "health",
            "summary": "Liveness and queue depths",
            "responses": {"200": {"description": "The server is up"}},
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def openapi_path(path: str) -> str:
    """`/items/{id:path}` as OpenAPI writes it: `/items/{id}`."""
    return _PARAM.sub(r"{\1}", path)


def _responses(model: type[BaseModel] | None, refs: dict[Any, Any]) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": "Success"}
    if model is not None:
        ok["content"] = {"application/json": {"schema": refs[(model, "validation")]}}
    error = {"application/json": {"schema": {"$ref": _REF.format(model="Error")}}}
    return {
        "2XX": ok,
        "400": {"description": "Malformed JSON or wrong content type", "content": error},
        "401": {"description": "Missing or wrong API key", "content": error},
        "413": {"description": "Body over the size limit", "content": error},
        "422": {
            "description": "Validation error",
            "content": {
                "application/json": {"schema": {"$ref": _REF.format(model="HTTPValidationError")}}
            },
        },
        "500": {"description": "Internal error", "content": error},
    }
