"""The HTTP layer over real loopback HTTP: routing, validation and every error code."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, Field

from stepflow import (
    ApiRequest,
    ApiResponse,
    Context,
    HttpError,
    Runtime,
    Settings,
    Unavailable,
    api_step,
    build_app,
    event_step,
)
from stepflow._discovery import build_registry
from stepflow.testing import LiveServer, wait_until_blocking


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


@api_step(name="Plain", method="GET", path="/plain")
async def plain(req: ApiRequest[None], ctx: Context) -> dict[str, bool]:
    return {"plain": True}


@api_step(name="Odd", method="GET", path="/odd")
async def odd(req: ApiRequest[None], ctx: Context) -> int:
    return 42


@api_step(name="Down", method="POST", path="/unavailable")
async def down(req: ApiRequest[None], ctx: Context) -> ApiResponse:
    raise Unavailable("the database", "disk I/O error", retry_after=2.5)


@api_step(name="Status", method="GET", path="/status/{code}")
async def status(req: ApiRequest[None], ctx: Context) -> ApiResponse:
    return ApiResponse(status=int(req.path_params["code"]), body=req.query.get("body"))


STEPS: list[Any] = [
    create_order, ship, record, get_order, explode, bad_shape, plain, odd, down, status
]  # fmt: skip


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


@pytest.fixture
def workbench(tmp_path: Any) -> Iterator[httpx.Client]:
    yield from _serve(tmp_path, workbench=True)


@pytest.fixture
def keyed_workbench(tmp_path: Any) -> Iterator[httpx.Client]:
    yield from _serve(tmp_path, api_key="s3cret", workbench=True)


def _wait_for(client: httpx.Client, path: str) -> httpx.Response:
    wait_until_blocking(lambda: client.get(path).status_code == 200, what=f"{path} to answer")
    return client.get(path)


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


ORDER = {"id": "a", "qty": 1}
WORKBENCH_SESSION = {"cookie": "stepflow_key=s3cret", "x-stepflow-session": "1"}
"""What the Workbench's request form sends from a tab with no key typed: its cookie (set
when the Workbench was opened with `?key=`) and the header asking for it."""


def test_an_api_step_takes_the_workbench_cookie_when_its_form_asks_for_it(
    keyed_workbench: httpx.Client,
) -> None:
    response = keyed_workbench.post("/orders", json=ORDER, headers=WORKBENCH_SESSION)
    assert response.status_code == 202, response.text


def test_an_api_step_refuses_the_workbench_cookie_alone(keyed_workbench: httpx.Client) -> None:
    response = keyed_workbench.post(
        "/orders", json=ORDER, headers={"cookie": "stepflow_key=s3cret"}
    )
    assert response.status_code == 401
    assert response.json() == {"detail": "missing or invalid API key"}


def test_an_api_step_refuses_the_session_header_with_a_wrong_cookie(
    keyed_workbench: httpx.Client,
) -> None:
    headers = {**WORKBENCH_SESSION, "cookie": "stepflow_key=nope"}
    assert keyed_workbench.post("/orders", json=ORDER, headers=headers).status_code == 401


def test_an_api_step_refuses_the_workbench_cookie_from_another_origin(
    keyed_workbench: httpx.Client,
) -> None:
    headers = {**WORKBENCH_SESSION, "origin": "http://evil.example"}
    assert keyed_workbench.post("/orders", json=ORDER, headers=headers).status_code == 401


def test_the_workbench_cookie_is_taken_from_a_page_of_this_server(
    keyed_workbench: httpx.Client,
) -> None:
    origin = str(keyed_workbench.base_url).rstrip("/")  # http://127.0.0.1:PORT
    headers = {"cookie": "stepflow_key=s3cret", "origin": origin}
    assert keyed_workbench.get("/_stepflow/api/traces", headers=headers).status_code == 200


def test_the_workbench_cookie_is_refused_from_a_page_on_another_port_of_the_host(
    keyed_workbench: httpx.Client,
) -> None:
    # A browser sends a host's cookies to all its ports: a page on another port is not ours.
    other = f"http://127.0.0.1:{(keyed_workbench.base_url.port or 80) + 1}"
    headers = {"cookie": "stepflow_key=s3cret", "origin": other}
    assert keyed_workbench.get("/_stepflow/api/traces", headers=headers).status_code == 401
    session = {**WORKBENCH_SESSION, "origin": other}
    assert keyed_workbench.post("/orders", json=ORDER, headers=session).status_code == 401


def test_an_api_step_refuses_the_workbench_cookie_when_no_workbench_is_served(
    keyed: httpx.Client,
) -> None:
    assert keyed.post("/orders", json=ORDER, headers=WORKBENCH_SESSION).status_code == 401


def test_the_session_endpoint_says_whether_the_cookie_holds_the_key(
    keyed_workbench: httpx.Client,
) -> None:
    with_cookie = keyed_workbench.get("/_stepflow/api/session", headers=WORKBENCH_SESSION)
    with_header = keyed_workbench.get("/_stepflow/api/session", headers={"x-api-key": "s3cret"})
    assert with_cookie.json() == {"api_key": True, "cookie": True}
    assert with_header.json() == {"api_key": True, "cookie": False}
    assert "s3cret" not in with_cookie.text


def test_the_session_endpoint_says_a_server_without_a_key_needs_none(
    workbench: httpx.Client,
) -> None:
    response = workbench.get("/_stepflow/api/session")
    assert response.json() == {"api_key": False, "cookie": False}


def test_health_answers_without_a_key_but_shows_queues_only_with_it(keyed: httpx.Client) -> None:
    response = keyed.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "steps": len(STEPS)}
    with_key = keyed.get("/health", headers={"x-api-key": "s3cret"}).json()
    assert with_key == {"status": "ok", "steps": len(STEPS), "queued": {}}


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
        "/_stepflow/api/emit", json={"topic": "order.created", "data": {"id": "E1", "qty": 2}}
    )
    assert response.status_code == 202
    assert _wait_for(client, "/orders/E1").json()["qty"] == 2


def test_internal_emit_needs_the_key_when_one_is_configured(keyed: httpx.Client) -> None:
    body = {"topic": "order.created", "data": {"id": "K", "qty": 1}}
    assert keyed.post("/_stepflow/api/emit", json=body).status_code == 401
    ok = keyed.post("/_stepflow/api/emit", json=body, headers={"x-api-key": "s3cret"})
    assert ok.status_code == 202


def test_internal_emit_of_an_unknown_topic_is_404_with_a_suggestion(client: httpx.Client) -> None:
    response = client.post("/_stepflow/api/emit", json={"topic": "order.create", "data": {}})
    assert response.status_code == 404
    assert response.json() == {
        "detail": "unknown topic 'order.create' (did you mean 'order.created'?)"
    }


def test_internal_emit_validates_the_data_against_the_subscribers_models(
    client: httpx.Client,
) -> None:
    response = client.post(
        "/_stepflow/api/emit", json={"topic": "order.created", "data": {"id": "E2"}}
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": [{"loc": ["body", "data", "qty"], "msg": "Field required", "type": "missing"}]
    }


@event_step(name="BillOrder", subscribes=["order.placed"], input=Order)
async def bill(order: Order, ctx: Context) -> None: ...


@event_step(name="PackOrder", subscribes=["order.placed"], input=Order)
async def pack(order: Order, ctx: Context) -> None: ...


class Placed(BaseModel):  # another model of the same shape as Order
    id: str = Field(min_length=1)
    qty: int = Field(ge=1)


@event_step(name="CountOrder", subscribes=["order.placed"], input=Placed)
async def count(placed: Placed, ctx: Context) -> None: ...


def test_internal_emit_reports_a_problem_once_however_many_subscribers_share_it(
    tmp_path: Any,
) -> None:
    registry, _ = build_registry([bill, pack, count])
    runtime = Runtime(registry, Settings(database=tmp_path / "db.sqlite"))
    with LiveServer(build_app(runtime)) as server:
        response = httpx.post(
            f"{server.url}/_stepflow/api/emit", json={"topic": "order.placed", "data": {"id": "P"}}
        )
    assert response.status_code == 422
    assert response.json() == {
        "detail": [{"loc": ["body", "data", "qty"], "msg": "Field required", "type": "missing"}]
    }


@pytest.mark.parametrize(
    "trace_id", ["not hex!!", "0AF7651916CD43DD8448EB211C80319C", "0" * 32, "ab"]
)
def test_internal_emit_takes_only_a_w3c_trace_id(client: httpx.Client, trace_id: str) -> None:
    body = {"topic": "order.created", "data": {"id": "E3", "qty": 1}, "trace_id": trace_id}
    response = client.post("/_stepflow/api/emit", json=body)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["loc"], error["type"]) == (["body", "trace_id"], "string_pattern_mismatch")


def test_internal_emit_puts_the_event_in_the_trace_it_is_given(client: httpx.Client) -> None:
    trace_id = "0af7651916cd43dd8448eb211c80319c"
    body = {"topic": "order.created", "data": {"id": "E4", "qty": 1}, "trace_id": trace_id}
    response = client.post("/_stepflow/api/emit", json=body)
    assert response.status_code == 202
    assert response.json()["trace_id"] == trace_id


@pytest.mark.parametrize(
    "headers",
    [
        {"host": "attacker.example"},
        {"host": "127.0.0.1", "origin": "http://attacker.example"},
        {"host": "localhost.attacker.example"},
    ],
)
def test_internal_endpoints_refuse_a_foreign_host_or_origin(
    client: httpx.Client, headers: dict[str, str]
) -> None:
    body = {"topic": "order.created", "data": {"id": "R", "qty": 1}}
    response = client.post("/_stepflow/api/emit", json=body, headers=headers)
    assert response.status_code == 403
    assert response.json() == {
        "detail": "internal endpoints answer a loopback Host and Origin (or allowed_hosts) only"
    }


def test_an_allowed_host_reaches_the_internal_endpoints(tmp_path: Any) -> None:
    for client in _serve(tmp_path, allowed_hosts=["flows.internal"]):
        response = client.get("/_stepflow/api/project", headers={"host": "flows.internal"})
        assert response.status_code == 200
        assert (
            client.get("/_stepflow/api/project", headers={"host": "x.example"}).status_code == 403
        )


PAST_64_BITS = str(2**63)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/_stepflow/api/dead-letters", "offset"),
        ("/_stepflow/api/traces", "offset"),
        ("/_stepflow/api/logs", "offset"),
        ("/_stepflow/api/logs", "after"),
    ],
)
@pytest.mark.parametrize("value", [PAST_64_BITS, "99999999999999999999"])
def test_a_row_number_past_64_bits_is_422(
    workbench: httpx.Client, path: str, field: str, value: str
) -> None:
    response = workbench.get(path, params={field: value})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["loc"], error["type"]) == (["query", field], "less_than_equal")


def test_the_largest_row_number_is_taken(workbench: httpx.Client) -> None:
    largest = str(2**63 - 1)
    assert workbench.get("/_stepflow/api/dead-letters", params={"offset": largest}).json() == {
        "total": 0,
        "items": [],
    }
    logs = workbench.get("/_stepflow/api/logs", params={"after": largest, "offset": largest})
    assert logs.status_code == 200 and logs.json()["items"] == []


@pytest.mark.parametrize("letter_id", [PAST_64_BITS, "99999999999999999999", "²", "-1", "1.0"])
def test_a_dead_letter_id_no_row_can_have_is_404(client: httpx.Client, letter_id: str) -> None:
    response = client.get(f"/_stepflow/api/dead-letters/{letter_id}")
    assert response.status_code == 404
    assert response.json()["detail"].startswith("no dead letter ")


@pytest.mark.parametrize("action", ["replay", "purge"])
def test_replaying_or_purging_ids_no_row_can_have_acts_on_none(
    client: httpx.Client, action: str
) -> None:
    ids = {"ids": [PAST_64_BITS, "²", "x"]}
    response = client.post(f"/_stepflow/api/dead-letters/{action}", json=ids)
    assert response.status_code == 200
    expected: dict[str, Any] = {"replayed": []} if action == "replay" else {"purged": 0}
    assert response.json() == expected


@pytest.mark.parametrize("action", ["replay", "purge"])
def test_get_on_replay_or_purge_is_405(client: httpx.Client, action: str) -> None:
    response = client.get(f"/_stepflow/api/dead-letters/{action}")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json() == {"detail": "Method Not Allowed"}


def test_an_unexpected_error_in_an_internal_endpoint_is_a_json_500(
    tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    registry, _ = build_registry(STEPS)
    runtime = Runtime(registry, Settings(database=tmp_path / "db.sqlite"))

    async def broken() -> int:
        raise RuntimeError("secret internals")

    runtime.dead_letters.count = broken  # type: ignore[method-assign]
    app = build_app(runtime)
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as client:
        response = client.get("/_stepflow/api/dead-letters")
        assert response.status_code == 500
        body = response.json()
        assert body == {"detail": "internal error", "trace_id": body["trace_id"]}
        assert len(body["trace_id"]) == 32 and "secret" not in response.text
        assert client.get("/health").status_code == 200  # on the same connection
    [record] = [r for r in caplog.records if r.getMessage() == "request failed"]
    assert record.exc_info is not None and "secret internals" in str(record.exc_info[1])


def test_forwarded_headers_are_ignored_unless_from_a_trusted_proxy(client: httpx.Client) -> None:
    response = client.get("/_stepflow/api/project", headers={"x-forwarded-for": "8.8.8.8"})
    assert response.status_code == 200  # still the loopback client it really is


def test_forwarded_headers_from_a_trusted_proxy_name_the_client(tmp_path: Any) -> None:
    for client in _serve(tmp_path, trusted_proxies=["127.0.0.1"]):
        forwarded = client.get("/_stepflow/api/project", headers={"x-forwarded-for": "8.8.8.8"})
        direct = client.get("/_stepflow/api/project")
        # Through the proxy, a client from 8.8.8.8 is not on loopback: no internal endpoints.
        assert (forwarded.status_code, direct.status_code) == (403, 200)


def test_a_plain_dict_returned_by_a_handler_is_answered_200(client: httpx.Client) -> None:
    assert client.get("/plain").json() == {"plain": True}


def test_a_handler_returning_something_else_is_500(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    response = client.get("/odd")
    assert response.status_code == 500
    [record] = [r for r in caplog.records if r.getMessage() == "API handler failed"]
    assert "Odd returned int; return an ApiResponse" in str(
        record.exc_info[1] if record.exc_info else ""
    )


@pytest.mark.parametrize("code", [999, 99, 600, 0])
def test_a_handler_answering_a_status_http_has_not_is_500(
    client: httpx.Client, caplog: pytest.LogCaptureFixture, code: int
) -> None:
    response = client.get(f"/status/{code}")
    assert response.status_code == 500
    assert response.json()["detail"] == "internal error"
    [record] = [r for r in caplog.records if r.getMessage() == "API handler failed"]
    assert f"Status answered status {code}; an HTTP status is 200 to 599" in str(
        record.exc_info[1] if record.exc_info else ""
    )


@pytest.mark.parametrize("code", [204, 304])
def test_a_status_without_a_body_is_answered_without_one(client: httpx.Client, code: int) -> None:
    response = client.get(f"/status/{code}")
    assert response.status_code == code
    assert response.content == b""
    assert client.get("/plain").json() == {"plain": True}  # the connection still serves


def test_a_body_on_a_status_that_has_none_is_500(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    response = client.get("/status/204", params={"body": "x"})
    assert response.status_code == 500
    [record] = [r for r in caplog.records if r.getMessage() == "API handler failed"]
    assert "Status answered 204 with a body; a 204 or 304 has none" in str(
        record.exc_info[1] if record.exc_info else ""
    )


def test_a_traceparent_header_continues_the_callers_trace(client: httpx.Client) -> None:
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    response = client.post("/orders", json={"id": "T", "qty": 1}, headers={"traceparent": parent})
    assert response.status_code == 202
    assert response.json()["trace_id"] == "0af7651916cd43dd8448eb211c80319c"
    assert response.headers["x-trace-id"] == "0af7651916cd43dd8448eb211c80319c"
    version, trace_id, span_id, flags = response.headers["traceparent"].split("-")
    assert (version, trace_id) == ("00", "0af7651916cd43dd8448eb211c80319c")
    assert flags in ("00", "01")
    assert len(span_id) == 16 and span_id != "b7ad6b7169203331"


def test_a_malformed_traceparent_starts_a_new_trace(client: httpx.Client) -> None:
    response = client.post(
        "/orders", json={"id": "U", "qty": 1}, headers={"traceparent": "00-zz-zz-01"}
    )
    assert response.status_code == 202
    assert len(response.json()["trace_id"]) == 32


def test_a_dependency_down_is_503_with_retry_after(client: httpx.Client) -> None:
    response = client.post("/unavailable")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "3"
    assert response.json() == {"detail": "the database is unavailable; retry in 3s"}
