"""Hostile requests against the real classify API, over real loopback HTTP.

Each bad request gets the status DESIGN.md §5 documents (400 malformed JSON or wrong
content type, 401 bad/missing API key, 404, 405, 413 body over the limit, 422 validation
in FastAPI's shape) and a JSON `{"detail": ...}` body, never HTML or a stack trace; the
server stays healthy afterwards. A few valid edge cases (labelled `valid-*`) check that the
refusals are not over-eager."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from stepflow.testing import wait_until_blocking
from tests.helpers import serve_flow

pytestmark = pytest.mark.slow

API_KEY = "s3cret-key-for-hostile-tests"
BATCH = "/classify/batch"
JSON_CT = {"content-type": "application/json"}
TEN_MB = 10 * 1024 * 1024


@pytest.fixture(scope="module")
def open_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_flow(tmp_path_factory.mktemp("hostile-open") / "flow.db") as url:
        yield url


@pytest.fixture(scope="module")
def keyed_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("hostile-keyed") / "flow.db"
    with serve_flow(database, framework={"api_key": API_KEY}) as url:
        yield url


@pytest.fixture(scope="module")
def max_batch(open_url: str) -> int:
    """`api_max_batch` as the server publishes it: maxItems of the request's indicators."""
    document = httpx.get(f"{open_url}/openapi.json", timeout=10).json()
    schema = document["components"]["schemas"]["ClassifyRequest"]
    limit: int = schema["properties"]["indicators"]["maxItems"]
    return limit


# --- building bodies -------------------------------------------------------------------


def item(indicator_id: Any = "GDP", name: Any = "Gross domestic product", **more: Any) -> Any:
    return {"indicator_id": indicator_id, "name": name, **more}


def batch(*items: Any, **more: Any) -> bytes:
    """A request body holding `items` (one valid indicator when none are given)."""
    return dumps({"indicators": list(items) or [item()], **more})


def dumps(value: Any) -> bytes:
    return json.dumps(value).encode()


def items(count: int, prefix: str = "id") -> list[Any]:
    return [item(f"{prefix}-{n}", f"Indicator {n}") for n in range(count)]


def sample(value: str) -> bytes:
    """An indicator with one sample value written as the raw JSON token `value`."""
    head = b'{"indicators": [{"indicator_id": "s", "name": "n", "sample_values": '
    return head + b'[{"date": "2024-01", "value": ' + value.encode() + b"}]}]}"


def nested(depth: int) -> bytes:
    """A valid batch plus an unknown field holding `depth` nested arrays."""
    return b'{"indicators": [{"indicator_id": "a", "name": "n"}], "x": ' + (
        b"[" * depth + b"]" * depth + b"}"
    )


def ten_megabytes(limit: int) -> bytes:
    return b'{"indicators": [{"indicator_id": "a", "name": "' + b"x" * TEN_MB + b'"}]}'


def ten_megabytes_chunked() -> Iterator[bytes]:
    """The same 10 MB streamed without a Content-Length (chunked transfer encoding)."""
    yield b'{"indicators": [{"indicator_id": "a", "name": "'
    for _ in range(TEN_MB // 65_536):
        yield b"x" * 65_536
    yield b'"}]}'


# --- the table -------------------------------------------------------------------------

Body = bytes | Callable[[int], bytes] | Callable[[], Iterator[bytes]] | None


@dataclass(frozen=True)
class Case:
    status: int
    body: Body = None
    """Raw bytes; a callable of `api_max_batch` returning bytes; a generator function
    (sent chunked); or None for no body."""
    method: str = "POST"
    path: str = BATCH
    headers: Mapping[str, str | bytes] = field(default_factory=lambda: dict(JSON_CT))
    keyed: bool = False
    """Send to the server that has an API key (with `headers` as given, no key added)."""
    error: tuple[tuple[str | int, ...], str] | None = None
    """For 422: a (loc, type) expected among the detail's errors."""
    chunked: bool = False


def case(id_: str, status: int, body: Body = None, **kwargs: Any) -> Any:
    return pytest.param(Case(status, body, **kwargs), id=id_)


def unprocessable(
    id_: str, body: Body, loc: tuple[str | int, ...], type_: str, **kwargs: Any
) -> Any:
    return case(id_, 422, body, error=(("body", *loc), type_), **kwargs)


IND0 = ("indicators", 0)
KEYED_OK = {**JSON_CT, "x-api-key": API_KEY}

CASES = [
    # Malformed JSON: 400.
    case("malformed-empty-body", 400, b""),
    case("malformed-truncated", 400, b'{"indicators": [{"indicator_id": "a", "na'),
    case("malformed-trailing-comma", 400, b'{"indicators": [{"indicator_id": "a", "name": "n"},]}'),
    case("malformed-single-quotes", 400, b"{'indicators': [{'indicator_id': 'a', 'name': 'n'}]}"),
    case("malformed-bare-word", 400, b"indicators"),
    case("malformed-two-documents", 400, batch() + batch()),
    case("malformed-invalid-utf8", 400, b'{"indicators": [{"indicator_id": "\xff", "name": "n"}]}'),
    case("malformed-utf8-bom", 400, b"\xef\xbb\xbf" + batch()),
    case("malformed-lone-surrogate-escape", 400, batch(item()).replace(b"GDP", b"\\ud800")),
    # Nesting far beyond the parser's recursion limit is refused as malformed, not a crash.
    case("malformed-10000-nested-arrays-in-field", 400, nested(10_000)),
    case("malformed-10000-nested-objects", 400, b'{"a": ' * 10_000 + b"1" + b"}" * 10_000),
    # RFC 8259 §6 lets a parser limit the range of numbers; this one refuses the token.
    case("malformed-5000-digit-number", 400, sample("9" * 5_000)),
    # JSON that is not an object: 422 with loc ["body"].
    unprocessable("not-object-array", b"[]", (), "model_type"),
    unprocessable("not-object-array-of-batch", b"[" + batch() + b"]", (), "model_type"),
    unprocessable("not-object-string", b'"indicators"', (), "model_type"),
    unprocessable("not-object-number", b"42", (), "model_type"),
    unprocessable("not-object-null", b"null", (), "model_type"),
    unprocessable("not-object-true", b"true", (), "model_type"),
    # Wrong types.
    unprocessable(
        "indicators-as-string", dumps({"indicators": "GDP"}), ("indicators",), "list_type"
    ),
    unprocessable(
        "indicators-as-object", dumps({"indicators": item()}), ("indicators",), "list_type"
    ),
    unprocessable("item-as-string", dumps({"indicators": ["GDP"]}), IND0, "model_type"),
    unprocessable("indicator_id-as-number", batch(item(7)), (*IND0, "indicator_id"), "string_type"),
    unprocessable(
        "indicator_id-as-null", batch(item(None)), (*IND0, "indicator_id"), "string_type"
    ),
    unprocessable("name-as-list", batch(item(name=["GDP"])), (*IND0, "name"), "string_type"),
    unprocessable("name-as-bool", batch(item(name=True)), (*IND0, "name"), "string_type"),
    unprocessable(
        "sample_values-as-object",
        batch(item(sample_values={"date": "2024", "value": 1})),
        (*IND0, "sample_values"),
        "list_type",
    ),
    unprocessable(
        "sample-value-as-word",
        sample('"abc"'),
        (*IND0, "sample_values", 0, "value"),
        "float_type",
    ),
    # Numbers are strict: JSON's true is not 1.0, nor is the string "1".
    unprocessable(
        "sample-value-as-bool", sample("true"), (*IND0, "sample_values", 0, "value"), "float_type"
    ),
    unprocessable(
        "sample-value-as-numeric-string",
        sample('"1.5"'),
        (*IND0, "sample_values", 0, "value"),
        "float_type",
    ),
    unprocessable(
        "llm_provider-as-number", batch(llm_provider=1), ("llm_provider",), "literal_error"
    ),
    # Missing fields.
    unprocessable("missing-everything", b"{}", ("indicators",), "missing"),
    unprocessable(
        "missing-indicators", dumps({"llm_provider": "rules"}), ("indicators",), "missing"
    ),
    unprocessable("item-without-name", batch({"indicator_id": "a"}), (*IND0, "name"), "missing"),
    unprocessable(
        "item-without-indicator_id", batch({"name": "n"}), (*IND0, "indicator_id"), "missing"
    ),
    unprocessable("item-empty-object", batch({}), (*IND0, "indicator_id"), "missing"),
    unprocessable(
        "sample-without-value",
        batch(item(sample_values=[{"date": "2024"}])),
        (*IND0, "sample_values", 0, "value"),
        "missing",
    ),
    # Sizes.
    unprocessable("empty-batch", dumps({"indicators": []}), ("indicators",), "too_short"),
    unprocessable(
        "oversized-batch-max-plus-one",
        lambda limit: dumps({"indicators": items(limit + 1)}),
        ("indicators",),
        "too_long",
    ),
    unprocessable(
        "name-100KB", batch(item(name="x" * 100_000)), (*IND0, "name"), "string_too_long"
    ),
    unprocessable("name-empty", batch(item(name="")), (*IND0, "name"), "string_too_short"),
    unprocessable(
        "name-whitespace-only",
        batch(item(name=" \t\u3000 ")),
        (*IND0, "name"),
        "string_pattern_mismatch",
    ),
    # U+0085 is whitespace to the server but not to ECMA-262's `\s`: the pattern says so.
    unprocessable(
        "name-next-line-only", batch(item(name="\x85")), (*IND0, "name"), "string_pattern_mismatch"
    ),
    unprocessable(
        "indicator_id-empty", batch(item("")), (*IND0, "indicator_id"), "string_too_short"
    ),
    unprocessable(
        "indicator_id-201-chars", batch(item("i" * 201)), (*IND0, "indicator_id"), "string_too_long"
    ),
    # The document's maxLength counts what is sent: white space stripped after it is not
    # a way past the limit (schemathesis found a 201st character in U+0085).
    unprocessable(
        "indicator_id-200-chars-and-a-space",
        batch(item("\x85" + "i" * 200)),
        (*IND0, "indicator_id"),
        "string_too_long",
    ),
    unprocessable(
        "sample_values-501",
        batch(item(sample_values=[{"date": f"d{n}", "value": n} for n in range(501)])),
        (*IND0, "sample_values"),
        "too_long",
    ),
    unprocessable(
        "currency_code-11-chars",
        batch(item(currency_code="USDUSDUSDUS")),
        (*IND0, "currency_code"),
        "string_too_long",
    ),
    case("body-10MB", 413, ten_megabytes),
    case("body-10MB-chunked-no-content-length", 413, ten_megabytes_chunked, chunked=True),
    # Control characters in indicator_id.
    *(
        unprocessable(
            f"indicator_id-control-{name}",
            batch(item(f"GDP{char}US")),
            (*IND0, "indicator_id"),
            "string_pattern_mismatch",
        )
        for name, char in [("nul", "\x00"), ("newline", "\n"), ("escape", "\x1b"), ("del", "\x7f")]
    ),
    # NaN and infinities (Python's json and pydantic's parser both read these tokens).
    *(
        unprocessable(
            f"sample-value-{token}",
            sample(token),
            (*IND0, "sample_values", 0, "value"),
            "finite_number",
        )
        for token in ["NaN", "Infinity", "-Infinity"]
    ),
    unprocessable(
        "sample-value-1e400-overflows",
        sample("1e400"),
        (*IND0, "sample_values", 0, "value"),
        "finite_number",
    ),
    # Unknown fields.
    unprocessable("unknown-top-level-field", batch(dry_run=True), ("dry_run",), "extra_forbidden"),
    unprocessable(
        "unknown-item-field", batch(item(colour="red")), (*IND0, "colour"), "extra_forbidden"
    ),
    unprocessable(
        "unknown-sample-field",
        batch(item(sample_values=[{"date": "2024", "value": 1, "note": "x"}])),
        (*IND0, "sample_values", 0, "note"),
        "extra_forbidden",
    ),
    # Provider.
    unprocessable(
        "unknown-llm_provider", batch(llm_provider="gpt-9"), ("llm_provider",), "literal_error"
    ),
    unprocessable(
        "llm_provider-wrong-case", batch(llm_provider="RULES"), ("llm_provider",), "literal_error"
    ),
    # Duplicates (the whole request is at fault: loc is ["body"]).
    unprocessable(
        "duplicate-indicator_id", batch(item("A"), item("A", "Other")), (), "value_error"
    ),
    unprocessable(
        "duplicate-indicator_id-after-whitespace-strip",
        batch(item("A"), item(" A\t", "Other")),
        (),
        "value_error",
    ),
    # Content type: 400.
    case("content-type-text-plain", 400, batch(), headers={"content-type": "text/plain"}),
    case("content-type-missing", 400, batch(), headers={}),
    case(
        "content-type-form",
        400,
        b"indicators=GDP",
        headers={"content-type": "application/x-www-form-urlencoded"},
    ),
    case("content-type-jsonx", 400, batch(), headers={"content-type": "application/jsonx"}),
    # Methods: 405.
    *(
        case(f"method-{m}-batch", 405, None, method=m, headers={})
        for m in ["GET", "PUT", "DELETE", "PATCH"]
    ),
    case("method-POST-health", 405, batch(), path="/health"),
    case(
        "method-DELETE-indicator",
        405,
        None,
        method="DELETE",
        path="/classify/indicators/GDP",
        headers={},
    ),
    # Paths: 404.
    case("unknown-path", 404, batch(), path="/classify/batches"),
    case("unknown-path-trailing-segment", 404, batch(), path="/classify/batch/extra"),
    case("unknown-path-root", 404, None, method="GET", path="/", headers={}),
    case(
        "unknown-indicator", 404, None, method="GET", path="/classify/indicators/nope", headers={}
    ),
    case("unknown-batch", 404, None, method="GET", path="/classify/batches/nope", headers={}),
    case(
        "unknown-indicator-nul-and-bad-utf8",
        404,
        None,
        method="GET",
        path="/classify/indicators/%00%ff%ED%A0%80",
        headers={},
    ),
    # API key on the keyed server: 401, checked before anything else.
    case("api-key-missing", 401, batch(), keyed=True),
    case("api-key-wrong", 401, batch(), keyed=True, headers={**JSON_CT, "x-api-key": "wrong"}),
    case("api-key-empty", 401, batch(), keyed=True, headers={**JSON_CT, "x-api-key": ""}),
    case(
        "api-key-prefix", 401, batch(), keyed=True, headers={**JSON_CT, "x-api-key": API_KEY[:-1]}
    ),
    case(
        "api-key-with-suffix",
        401,
        batch(),
        keyed=True,
        headers={**JSON_CT, "x-api-key": API_KEY + "x"},
    ),
    case(
        "api-key-as-bearer",
        401,
        batch(),
        keyed=True,
        headers={**JSON_CT, "authorization": f"Bearer {API_KEY}"},
    ),
    case(
        "api-key-non-ascii",
        401,
        batch(),
        keyed=True,
        headers={**JSON_CT, "x-api-key": "clé-à-molette".encode()},
    ),
    case(
        "api-key-wrong-with-malformed-json",
        401,
        b"{",
        keyed=True,
        headers={**JSON_CT, "x-api-key": "no"},
    ),
    case(
        "api-key-missing-on-read",
        401,
        None,
        keyed=True,
        method="GET",
        path="/classify/batches/x",
        headers={},
    ),
    # Valid edge cases: these must be accepted.
    case("valid-keyed-right-key", 202, batch(), keyed=True, headers=KEYED_OK),
    case("valid-unicode-cjk-name", 202, batch(item("cn-gdp", "国内生产总值 (年率)"))),
    case("valid-unicode-astral-emoji", 202, batch(item("📈-gdp", "GDP 📈🇺🇸 growth 𝔾𝔻ℙ"))),
    case(
        "valid-unicode-rtl-combining",
        202,
        batch(item("ar-gdp", "الناتج المحلي e\u0301\u200d\u202e")),
    ),
    case(
        "valid-unicode-raw-utf8-not-escaped",
        202,
        json.dumps(
            {"indicators": [item("jp-cpi", "消費者物価指数 ✓")]}, ensure_ascii=False
        ).encode(),
    ),
    case("valid-exactly-max-batch", 202, lambda limit: dumps({"indicators": items(limit)})),
    case("valid-name-500-chars", 202, batch(item(name="n" * 500))),
    case("valid-indicator_id-200-chars", 202, batch(item("i" * 200))),
    case("valid-whitespace-around-id-is-stripped", 202, batch(item("  padded\t"))),
    case("valid-name-a-byte-order-mark", 202, batch(item(name="\ufeff"))),  # not White_Space
    case("valid-llm_provider-null", 202, batch(llm_provider=None)),
    case("valid-llm_provider-rules", 202, batch(llm_provider="rules")),
    case("valid-largest-finite-sample-value", 202, sample("1.7976931348623157e308")),
    case(
        "valid-content-type-charset",
        202,
        batch(),
        headers={"content-type": "application/json; charset=utf-8"},
    ),
    case(
        "valid-content-type-vendor-json",
        202,
        batch(),
        headers={"content-type": "application/vnd.api+json"},
    ),
    case(
        "valid-content-type-upper-case", 202, batch(), headers={"content-type": "APPLICATION/JSON"}
    ),
]


def send(client: httpx.Client, test_case: Case, limit: int) -> httpx.Response:
    body: Any = test_case.body
    if test_case.chunked:
        content: Any = body()
    elif callable(body):
        content = body(limit)
    else:
        content = body
    headers = [
        (key.encode(), value if isinstance(value, bytes) else value.encode())
        for key, value in test_case.headers.items()
    ]
    return client.request(test_case.method, test_case.path, content=content, headers=headers)


def assert_documented(response: httpx.Response, test_case: Case) -> None:
    assert response.status_code == test_case.status, response.text[:500]
    assert response.headers["content-type"].startswith("application/json"), response.headers
    assert "Traceback" not in response.text
    body = response.json()
    assert isinstance(body, dict)
    if test_case.status == 202:
        assert isinstance(body["trace_id"], str) and body["trace_id"]
        assert isinstance(body["count"], int) and body["count"] >= 1
        return
    assert "detail" in body, body
    if test_case.status != 422:
        assert isinstance(body["detail"], str) and body["detail"]
        return
    detail = body["detail"]
    assert isinstance(detail, list) and detail
    for error in detail:
        assert set(error) == {"loc", "msg", "type"}, error
        assert isinstance(error["loc"], list) and error["loc"][0] == "body", error
        assert isinstance(error["msg"], str) and isinstance(error["type"], str)
    if test_case.error is not None:
        loc, type_ = test_case.error
        found = [(tuple(e["loc"]), e["type"]) for e in detail]
        assert (loc, type_) in found, found


@pytest.mark.parametrize("test_case", CASES)
def test_hostile_request(test_case: Case, open_url: str, keyed_url: str, max_batch: int) -> None:
    url = keyed_url if test_case.keyed else open_url
    with httpx.Client(base_url=url, timeout=30) as client:
        response = send(client, test_case, max_batch)
        assert_documented(response, test_case)
        assert client.get("/health").status_code == 200


def test_case_table_is_wide() -> None:
    assert len(CASES) >= 24
    ids = [param.id for param in CASES]
    assert len(set(ids)) == len(ids)


def raw_request(url: str, request: bytes) -> bytes:
    """Send `request` as is on a new connection and read until the server closes it."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65_536):
            chunks.append(chunk)
    return b"".join(chunks)


NON_DIGIT_CONTENT_LENGTH = (
    b"POST /classify/batch HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
    b"Content-Length: abc\r\nConnection: close\r\n\r\n" + batch()
)


def test_non_digit_content_length_is_refused(open_url: str) -> None:
    """httpx refuses to send a bad Content-Length, so this goes over a raw socket."""
    with pytest.raises(httpx.LocalProtocolError):
        httpx.post(
            f"{open_url}{BATCH}", content=batch(), headers={**JSON_CT, "content-length": "abc"}
        )
    answer = raw_request(open_url, NON_DIGIT_CONTENT_LENGTH)
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert httpx.get(f"{open_url}/health", timeout=10).status_code == 200


@pytest.mark.parametrize("length", [b"abc", b"-1", b"1e3", b"12 34"])
def test_malformed_framing_is_answered_in_json(open_url: str, length: bytes) -> None:
    request = (
        b"POST /classify/batch HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + length + b"\r\n\r\n" + batch()
    )
    head, _, body = raw_request(open_url, request).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 "), head
    assert b"content-type: application/json" in head.lower(), head
    assert json.loads(body)["detail"].startswith("malformed HTTP request: ")


def test_a_404_quotes_at_most_200_characters_of_the_id(open_url: str) -> None:
    # 10,000 characters: a request head over h11's 16 KB buffer is refused with a 400
    # when it arrives in more than one read, which depends on the loopback's timing.
    response = httpx.get(f"{open_url}/classify/indicators/{'x' * 10_000}", timeout=10)
    assert response.status_code == 404
    assert response.json() == {"detail": f"no indicator '{'x' * 200}…'"}


def test_a_client_that_never_finishes_its_headers_is_cut_off(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    database = tmp_path_factory.mktemp("slow-headers") / "flow.db"
    with serve_flow(database, framework={"header_timeout": 0.5}) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            sock.sendall(b"POST /classify/batch HTTP/1.1\r\nHost: test\r\nX-Slow: ")
            answer = b"".join(iter(lambda: sock.recv(65_536), b""))  # until it closes
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408 "), head
        assert json.loads(body) == {"detail": "the request head did not arrive in time"}
        with socket.create_connection((host, int(port)), timeout=30) as idle:
            assert idle.recv(1) == b""  # a connection that sends nothing is closed too


def test_a_body_that_stops_arriving_is_cut_off_and_the_server_goes_on(
    tmp_path_factory: pytest.TempPathFactory, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path_factory.mktemp("slow-body") / "flow.db"
    with serve_flow(database, framework={"body_timeout": 0.5}) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            sock.sendall(
                b"POST /classify/batch HTTP/1.1\r\nHost: test\r\nContent-Type: application/json"
                b'\r\nContent-Length: 50\r\n\r\n{"in'
            )
            answer = b"".join(iter(lambda: sock.recv(65_536), b""))  # until it closes
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408 "), head
        assert json.loads(body) == {"detail": "the request body did not arrive in time"}
        accepted = httpx.post(f"{url}{BATCH}", content=batch(), headers=JSON_CT, timeout=30)
        assert accepted.status_code == 202, accepted.text
    assert [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")] == []


def test_a_client_leaving_mid_body_is_one_debug_line(
    open_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="stepflow.http")
    host, port = open_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /classify/batch HTTP/1.1\r\nHost: test\r\nContent-Type: application/json"
            b"\r\nContent-Length: 100000\r\n\r\n{"
        )
    assert httpx.get(f"{open_url}/health", timeout=10).status_code == 200
    wait_until_blocking(
        lambda: any(r.getMessage() == "client disconnected mid-request" for r in caplog.records),
        what="the disconnect to be noticed",
    )
    assert [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")] == []
    [line] = [r for r in caplog.records if r.getMessage() == "client disconnected mid-request"]
    assert line.levelname == "DEBUG"


def test_a_control_character_in_an_id_is_refused_in_words(open_url: str) -> None:
    response = httpx.post(f"{open_url}{BATCH}", content=batch(item("f\x00g")), headers=JSON_CT)
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body", *IND0, "indicator_id"],
            "msg": "Should hold no control characters and more than white space",
            "type": "string_pattern_mismatch",
        }
    ]


def test_accepted_indicator_id_with_slash_reads_back(open_url: str) -> None:
    with httpx.Client(base_url=open_url, timeout=10) as client:
        accepted = client.post(BATCH, json={"indicators": [item("EUR/USD", "Euro in dollars")]})
        assert accepted.status_code == 202, accepted.text
        response = client.get(f"/classify/indicators/{quote('EUR/USD', safe='')}")
        assert response.status_code == 200, response.text
        assert response.json()["indicator_id"] == "EUR/USD"


def test_a_trailing_slash_is_a_json_404_not_a_redirect_to_another_indicator(
    open_url: str,
) -> None:
    with httpx.Client(base_url=open_url, timeout=10) as client:
        client.post(BATCH, json={"indicators": [item("slash-x", "X")]})
        response = client.get("/classify/indicators/slash-x%2F")
    assert response.status_code == 404
    assert response.json() == {"detail": "no indicator 'slash-x/'"}


def test_health_after_everything(open_url: str, keyed_url: str) -> None:
    for url in (open_url, keyed_url):
        response = httpx.get(f"{url}/health", timeout=10)
        assert response.status_code == 200
        assert response.json()["status"] == "ok"
