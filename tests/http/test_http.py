"""The HTTP layer over real loopback HTTP: routing, validation and every error code."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, Field

from stepflow import ApiRequest, ApiResponse, Context, Runtime, Settings, api_step, event_step
from stepflow.discovery import build_registry
from stepflow.http import HttpError, build_app
from stepflow.testing import LiveServer


class Order(BaseModel):
    id: str = Field(min_length=1)
    qty: int = Field(ge=1)


class Shipped(BaseModel):
    id: str
    qty: int


class OrderOut(BaseModel):
    id: str
    qty: int
    note: str
    trace_id: str


@api_step(name="CreateOrder", method="POST", path="/orders", body=Order, emits=["order.created"])
async def create_order(req: ApiRequest[Order], ctx: Context) -> ApiResponse:
    await ctx.emit("order.created", req.body)
    return ApiResponse(status=202, body={"trace_id": ctx.trace_id})


@event_step(name="ShipOrder", subscribes=["order.created"], input=Order, emits=["order.shipped"])
async def ship(order: Order, ctx: Context) -> None:
    await ctx.emit("order.shipped", Shipped(id=order.id, qty=order.qty))


@event_step(name="RecordShipment", subscribes=["order.shipped"], input=Shipped)
async def record(shipped: Shipped, ctx: Context) -> None:
    await ctx.state.set("shipped", shipped.id, {"qty": shipped.qty, "trace_id": ctx.trace_id})


@api_step(name="GetOrder", method="GET", path="/orders/{id}", response=OrderOut)
async def get_order(req: ApiRequest[None], ctx: Context) -> ApiResponse:
    shipped = await ctx.state.get("shipped", req.path_params["id"])
    if shipped is None:
        raise HttpError(404, f"order {req.path_params['id']} not found")
    note = req.query.get("note", "")
    body = {"id": req.path_params["id"], "note": note, **shipped}
    return ApiResponse(body=body)


@api_step(name="Explode", method="POST", path="/explode")
async def explode(req: ApiRequest[None], ctx: Context) -> ApiResponse:
    raise RuntimeError("secret internals")


@api_step(name="BadShape", method="GET", path="/bad-shape", response=OrderOut)
async def bad_shape(req: ApiRequest[None], ctx: Context) -> ApiResponse:
    return ApiResponse(body={"id": 1})


STEPS = [create_order, ship, record, get_order, explode, bad_shape]


def _serve(tmp_path: Any, **settings: Any) -> Iterator[httpx.Client]:
    registry, _ = build_registry(STEPS)
    options = {"database": tmp_path / "db.sqlite", "max_body_bytes": 1_000, **settings}
    runtime = Runtime(registry, Settings(**options))
    with LiveServer(build_app(runtime)) as server, httpx.Client(base_url=server.url) as client:
        yield client


@pytest.fixture
def client(tmp_path: Any) -> Iterator[httpx.Client]:
    yield from _serve(tmp_path)


@pytest.fixture
def keyed(tmp_path: Any) -> Iterator[httpx.Client]:
    yield from _serve(tmp_path, api_key="s3cret")


def _wait_for(client: httpx.Client, path: str) -> httpx.Response:
    for _ in range(500):
        response = client.get(path)
        if response.status_code == 200:
            return response
        time.sleep(0.01)
    raise AssertionError(f"{path} never answered 200")


def test_api_to_event_to_event_over_real_http(client: httpx.Client) -> None:
    response = client.post("/orders", json={"id": "A1", "qty": 3})
    assert response.status_code == 202
    trace_id = response.json()["trace_id"]
    assert response.headers["x-trace-id"] == trace_id

    order = _wait_for(client, "/orders/A1?note=hi")
    assert order.json() == {"id": "A1", "qty": 3, "note": "hi", "trace_id": trace_id}


def test_422_has_fastapis_shape(client: httpx.Client) -> None:
    response = client.post("/orders", json={"id": "", "qty": "many"})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "loc": ["body", "id"],
                "msg": "String should have at least 1 character",
                "type": "string_too_short",
            },
            {
                "loc": ["body", "qty"],
                "msg": "Input should be a valid integer, unable to parse string as an integer",
                "type": "int_parsing",
            },
        ]
    }


def test_missing_field_is_422(client: httpx.Client) -> None:
    response = client.post("/orders", json={"id": "x"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["body", "qty"], "msg": "Field required", "type": "missing"}
    ]


def test_malformed_json_is_400(client: httpx.Client) -> None:
    response = client.post(
        "/orders", content=b'{"id": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("malformed JSON: ")


def test_wrong_content_type_is_400(client: httpx.Client) -> None:
    response = client.post("/orders", content=b"id=1", headers={"content-type": "text/plain"})
    assert response.status_code == 400
    assert response.json() == {"detail": "expected Content-Type: application/json"}


def test_a_body_over_the_limit_is_413(client: httpx.Client) -> None:
    response = client.post("/orders", json={"id": "x" * 2_000, "qty": 1})
    assert response.status_code == 413
    assert response.json() == {"detail": "request body over the limit of 1000 bytes"}


def test_a_chunked_body_over_the_limit_is_413(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"id": "'
        for _ in range(20):
            yield b"x" * 100
        yield b'", "qty": 1}'

    response = client.post(
        "/orders", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_unknown_path_is_404_json(client: httpx.Client) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_a_handler_can_answer_404(client: httpx.Client) -> None:
    response = client.get("/orders/none")
    assert response.status_code == 404
    assert response.json() == {"detail": "order none not found"}


def test_wrong_method_is_405_json(client: httpx.Client) -> None:
    response = client.delete("/orders")
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}


def test_a_handler_exception_is_500_without_details(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    response = client.post("/explode")
    assert response.status_code == 500
    body = response.json()
    assert body == {"detail": "internal error", "trace_id": response.headers["x-trace-id"]}
    assert "secret" not in response.text
    [record] = [r for r in caplog.records if r.getMessage() == "API handler failed"]
    assert record.exc_info is not None and "secret internals" in str(record.exc_info[1])
    assert record.__dict__["trace_id"] == body["trace_id"]


def test_a_response_not_matching_its_model_is_500(client: httpx.Client) -> None:
    response = client.get("/bad-shape")
    assert response.status_code == 500
    assert response.json()["detail"] == "internal error"


def test_api_key_missing_or_wrong_is_401(keyed: httpx.Client) -> None:
    assert keyed.post("/orders", json={"id": "a", "qty": 1}).status_code == 401
    wrong = keyed.post("/orders", json={"id": "a", "qty": 1}, headers={"x-api-key": "nope"})
    assert wrong.status_code == 401
    assert wrong.json() == {"detail": "missing or invalid API key"}
    right = keyed.post("/orders", json={"id": "a", "qty": 1}, headers={"x-api-key": "s3cret"})
    assert right.status_code == 202


def test_health_answers_without_a_key(keyed: httpx.Client) -> None:
    response = keyed.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_openapi_describes_routes_models_and_errors(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    assert document["openapi"] == "3.1.0"
    post = document["paths"]["/orders"]["post"]
    assert post["operationId"] == "CreateOrder"
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Order"
    }
    assert post["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/HTTPValidationError"
    }
    order = document["components"]["schemas"]["Order"]
    assert order["properties"]["qty"] == {"minimum": 1, "title": "Qty", "type": "integer"}
    get = document["paths"]["/orders/{id}"]["get"]
    assert get["parameters"] == [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    ]


def test_internal_emit_publishes_from_loopback(client: httpx.Client) -> None:
    response = client.post(
        "/_stepflow/emit", json={"topic": "order.created", "data": {"id": "E1", "qty": 2}}
    )
    assert response.status_code == 202
    assert _wait_for(client, "/orders/E1").json()["qty"] == 2


def test_internal_emit_needs_the_key_when_one_is_configured(keyed: httpx.Client) -> None:
    body = {"topic": "order.created", "data": {"id": "K", "qty": 1}}
    assert keyed.post("/_stepflow/emit", json=body).status_code == 401
    ok = keyed.post("/_stepflow/emit", json=body, headers={"x-api-key": "s3cret"})
    assert ok.status_code == 202


def test_internal_emit_of_an_unknown_topic_is_404(client: httpx.Client) -> None:
    response = client.post("/_stepflow/emit", json={"topic": "nope", "data": {}})
    assert response.status_code == 404
    assert response.json() == {"detail": "unknown topic 'nope'"}
