"""Declarations: decorators check their fields at import and leave functions callable."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from stepflow import (
    ApiRequest,
    ApiResponse,
    Context,
    StepDeclarationError,
    api_step,
    cron_step,
    event_step,
)
from stepflow._steps import step_of


class Order(BaseModel):
    id: str


async def test_a_decorated_function_stays_a_plain_function() -> None:
    @api_step(name="Create", method="post", path="/orders", body=Order, emits=["order.created"])
    async def create(req: ApiRequest[Order], ctx: Context) -> ApiResponse:
        return ApiResponse(status=201, body={"id": req.body.id})

    response = await create(ApiRequest(body=Order(id="1")), None)  # type: ignore[arg-type]
    assert (response.status, response.body) == (201, {"id": "1"})
    spec = step_of(create)
    assert spec is not None
    assert (spec.kind, spec.method, spec.path, spec.trigger) == (
        "api",
        "POST",
        "/orders",
        "POST /orders",
    )
    assert spec.emits == frozenset({"order.created"})


@pytest.mark.parametrize(
    ("declare", "message"),
    [
        (
            lambda: event_step(name="", subscribes=["a"]),
            "step '': name: must be a non-empty string",
        ),
        (
            lambda: api_step(name="X", method="FETCH", path="/x"),
            "step 'X': method: unknown HTTP method 'FETCH'",
        ),
        (lambda: api_step(name="X", method="GET", path="x"), "step 'X': path: must start with '/'"),
        (
            lambda: event_step(name="E", subscribes=[]),
            "step 'E': subscribes: must name at least one topic",
        ),
        (
            lambda: event_step(name="E", subscribes=["a"], concurrency=0),
            "step 'E': concurrency: must be >= 1, got 0",
        ),
        (
            lambda: event_step(name="E", subscribes=["a"], retries=-1),
            "step 'E': retries: must be >= 0, got -1",
        ),
        (
            lambda: cron_step(name="C", cron="every minute"),
            "step 'C': cron='every minute': not a valid cron expression: it has 2 fields;",
        ),
        (
            lambda: event_step(name="E", subscribes=["a"], input=dict),  # type: ignore[arg-type]
            "step 'E': input: must be a pydantic model class",
        ),
        (
            lambda: event_step(name="E", subscribes=["a"], timeout=0),
            "step 'E': timeout: must be > 0 seconds, got 0",
        ),
    ],
)
def test_a_bad_declaration_fails_at_import_naming_step_and_field(
    declare: object, message: str
) -> None:
    with pytest.raises(StepDeclarationError) as caught:
        declare()  # type: ignore[operator]
    assert str(caught.value).startswith(message)


def test_a_handler_must_be_async() -> None:
    with pytest.raises(StepDeclarationError, match="step 'Sync': handler: must be an `async def`"):

        @event_step(name="Sync", subscribes=["a"])  # type: ignore[type-var]  # the point
        def sync(data: object, ctx: Context) -> None:
            pass
