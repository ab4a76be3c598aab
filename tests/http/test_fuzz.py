"""Schema-driven fuzzing of the classify API over real loopback HTTP: never a 5xx.

Request bodies come from the server's own `/openapi.json`: a small JSON-Schema-to-
hypothesis translator (below) draws valid bodies, and mutations of them (dropped fields,
wrong types, extra fields, huge strings, odd unicode, extreme numbers, broken bytes) give
invalid ones. Path parameters get arbitrary URL-quoted text. Every answer must be below
500 and JSON."""

from __future__ import annotations

import json
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Annotated, Any
from urllib.parse import quote, unquote

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import StringConstraints, TypeAdapter

from stepflow.testing import free_port, wait_until_blocking
from steps.classify.models import _BLANK, WHITE_SPACE
from tests.helpers import serve_flow

pytestmark = pytest.mark.slow


FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,  # nothing written into the repo
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- JSON Schema -> hypothesis ---------------------------------------------------------

ANNOTATIONS = {"title", "description", "default", "examples"}
ARRAY_CAP = 4
"""Longest array drawn for a valid body: big batches add time, not coverage (the limits
themselves are in test_hostile.py)."""
STRING_CAP = 40
BIG_INT = 2**53


class SchemaStrategies:
    """Valid instances of the JSON Schema subset pydantic emits; any other keyword is an
    error, so a schema change that this does not understand is noticed, not skipped."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.schemas: dict[str, Any] = document["components"]["schemas"]

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            prefix = "#/components/schemas/"
            ref: str = schema["$ref"]
            assert ref.startswith(prefix), ref
            schema = self.schemas[ref.removeprefix(prefix)]
        return schema

    def valid(self, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
        schema = self.resolve(schema)
        keywords = set(schema) - ANNOTATIONS
        if "anyOf" in schema:
            assert keywords == {"anyOf"}, schema
            return st.one_of([self.valid(option) for option in schema["anyOf"]])
        if "enum" in schema:
            assert keywords <= {"enum", "type"}, schema
            return st.sampled_from(schema["enum"])
        if "const" in schema:
            return st.just(schema["const"])
        kind = schema.get("type")
        build: dict[str, Callable[[dict[str, Any]], st.SearchStrategy[Any]]] = {
            "object": self._object,
            "array": self._array,
            "string": self._string,
            "number": self._number,
            "integer": self._integer,
            "boolean": lambda _: st.booleans(),
            "null": lambda _: st.none(),
        }
        if not isinstance(kind, str) or kind not in build:
            raise ValueError(f"unsupported schema {schema}")
        return build[kind](schema)

    def _object(self, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
        self._only(schema, {"type", "properties", "required", "additionalProperties"})
        assert schema.get("additionalProperties", True) in (False, True), schema
        properties: dict[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {name: self.valid(sub) for name, sub in properties.items() if name in required},
            optional={
                name: self.valid(sub) for name, sub in properties.items() if name not in required
            },
        )

    def _array(self, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
        self._only(schema, {"type", "items", "minItems", "maxItems"})
        low = schema.get("minItems", 0)
        high = min(schema.get("maxItems", ARRAY_CAP), max(low, ARRAY_CAP))
        return st.lists(
            self.valid(schema.get("items", {"type": "null"})), min_size=low, max_size=high
        )

    def _string(self, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
        self._only(schema, {"type", "minLength", "maxLength", "pattern"})
        low = schema.get("minLength", 0)
        high = schema.get("maxLength")
        if "pattern" in schema:
            top = high if high is not None else 10**9
            return st.from_regex(schema["pattern"], fullmatch=True).filter(
                lambda text: low <= len(text) <= top
            )
        cap = max(low, STRING_CAP) if high is None else min(high, max(low, STRING_CAP))
        return st.text(min_size=low, max_size=cap)

    def _number(self, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
        self._only(schema, {"type"})
        return st.integers(-BIG_INT, BIG_INT) | st.floats(allow_nan=False, allow_infinity=False)

    def _integer(self, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
        self._only(schema, {"type", "minimum", "maximum"})
        return st.integers(schema.get("minimum", -BIG_INT), schema.get("maximum", BIG_INT))

    @staticmethod
    def _only(schema: dict[str, Any], allowed: set[str]) -> None:
        unknown = set(schema) - ANNOTATIONS - allowed
        if unknown:
            raise ValueError(f"unsupported keywords {sorted(unknown)} in {schema}")


# --- mutations -------------------------------------------------------------------------

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
ANY_JSON = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
WEIRD_CHARS = (
    "\x00\x01\x08\t\n\r\x0b\x0c\x1b\x1f\x7f\x85\xa0\xad"
    "\u200b\u200c\u200d\u2028\u2029\u202e\u2066\ufeff\ufffd\ufffe\uffff"
    "\u0301\u0308\u20dd\u3000"
    "\U0001f4c8\U0001f1fa\U0001f1f8\U0001d53e\U0010ffff"
    "\"\\/'<>&%{}[]"
)
WEIRD_TEXT = st.text(alphabet=st.sampled_from(WEIRD_CHARS) | st.characters(), max_size=60)
HUGE_TEXT = st.builds(
    lambda unit, count: unit * count,
    st.text(alphabet=st.sampled_from(WEIRD_CHARS) | st.characters(), min_size=1, max_size=3),
    st.integers(1_000, 300_000),
)
LONG_TEXT = st.builds(
    lambda unit, count: unit * count,
    st.text(alphabet=st.sampled_from(WEIRD_CHARS) | st.characters(), min_size=1, max_size=3),
    st.integers(100, 600),
)
EXTREME_NUMBERS = st.sampled_from(
    [0, -0.0, 1e308, -1e308, 5e-324, 2**63, -(2**63) - 1, 10**30, 10**400, 1.5e-300]
)


def locations(value: Any, here: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every value in a JSON document, the root (`()`) first."""
    yield here
    if isinstance(value, dict):
        for key, child in value.items():
            yield from locations(child, (*here, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from locations(child, (*here, index))


def replace(document: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    container = document
    for key in path[:-1]:
        container = container[key]
    container[path[-1]] = new
    return document


def get(document: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        document = document[key]
    return document


MUTATIONS = ["drop", "retype", "extra", "huge", "weird", "number", "duplicate", "whole", "null"]
BYTE_MUTATIONS = ["none", "none", "truncate", "insert"]


@st.composite
def mutated_body(draw: st.DrawFn, valid: st.SearchStrategy[Any]) -> bytes:
    """A valid body, changed by one or two mutations, then perhaps broken as bytes."""
    document = draw(valid)
    for _ in range(draw(st.integers(1, 2))):
        paths = list(locations(document))
        path = draw(st.sampled_from(paths))
        kind = draw(st.sampled_from(MUTATIONS))
        target = get(document, path)
        if kind == "drop" and path:
            del get(document, path[:-1])[path[-1]]
        elif kind == "retype":
            document = replace(document, path, draw(ANY_JSON))
        elif kind == "extra" and isinstance(target, dict):
            target[draw(st.text(max_size=12))] = draw(ANY_JSON)
        elif kind == "huge":
            document = replace(document, path, draw(HUGE_TEXT))
        elif kind == "weird":
            document = replace(document, path, draw(WEIRD_TEXT))
        elif kind == "number":
            document = replace(document, path, draw(EXTREME_NUMBERS))
        elif kind == "duplicate" and isinstance(target, list) and target:
            target.append(json.loads(json.dumps(draw(st.sampled_from(target)))))
        elif kind == "whole":
            document = draw(ANY_JSON)
        elif kind == "null":
            document = replace(document, path, None)
    # Lone surrogates (st.characters() draws them) go out as they are: invalid UTF-8.
    raw = json.dumps(document, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    how = draw(st.sampled_from(BYTE_MUTATIONS))
    if how == "truncate" and raw:
        raw = raw[: draw(st.integers(0, len(raw) - 1))]
    elif how == "insert":
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(min_size=1, max_size=4)) + raw[at:]
    return raw


# --- the server ------------------------------------------------------------------------


FUZZ_APP: dict[str, Any] = {
    "llm_base_url": f"http://127.0.0.1:{free_port()}/v1",
    "llm_max_retries": 0,
}
"""Fuzzed bodies may ask for the `openai` or `anthropic` provider: those point at a closed
loopback port with no retries, so they fail at once (recorded as `failed`) and nothing
leaves the machine."""


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    with (
        serve_flow(tmp_path_factory.mktemp("fuzz") / "flow.db", **FUZZ_APP) as url,
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        yield http


@pytest.fixture(scope="module")
def document(client: httpx.Client) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture(scope="module")
def body_operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, body schema) of every operation that takes a JSON body."""
    found = [
        (method.upper(), path, operation["requestBody"]["content"]["application/json"]["schema"])
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
        if "requestBody" in operation
    ]
    assert ("POST", "/classify/batch") in [(m, p) for m, p, _ in found]
    return found


def check(response: httpx.Response, allowed: set[int]) -> Any:
    """No 5xx, a JSON body, a status in `allowed`, and a `detail` on any error."""
    event(f"{response.request.method} -> {response.status_code}")
    assert response.status_code < 500, response.text[:1000]
    assert response.status_code in allowed, (response.status_code, response.text[:1000])
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    if response.status_code >= 400:
        assert isinstance(body, dict) and "detail" in body, body
    if response.status_code == 422:
        for error in body["detail"]:
            assert set(error) == {"loc", "msg", "type"} and error["loc"][0] == "body", error
    return body


def test_the_white_space_stripped_is_unicodes_and_the_patterns_own() -> None:
    """What the server strips around a text is Unicode White_Space (pydantic-core's
    `str::trim` set, not `str.strip`'s), and exactly what its patterns call blank."""
    trim = TypeAdapter(Annotated[str, StringConstraints(strip_whitespace=True)])
    # Every White_Space character is `isspace()` (which also takes U+001C-U+001F).
    spaces = [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()]
    assert "".join(c for c in spaces if trim.validate_python(c) == "") == WHITE_SPACE
    assert "".join(c for c in spaces if re.fullmatch(f"[{_BLANK}]", c)) == WHITE_SPACE


def expected_for_valid(body: dict[str, Any]) -> int:
    """202 for a schema-valid classify body, unless whitespace stripping (which JSON Schema
    cannot say) empties a required string or makes two ids equal: then 422."""
    ids = [item["indicator_id"].strip(WHITE_SPACE) for item in body["indicators"]]
    names = [item["name"].strip(WHITE_SPACE) for item in body["indicators"]]
    if not all(ids) or not all(names) or len(set(ids)) != len(ids):
        return 422
    return 202


def path_segment(text: str) -> str:
    """`text` as one path segment: quoted, with '.' quoted too so that "." and ".." are not
    dot segments (which httpx would resolve away)."""
    return quote(utf8(text), safe="").replace(".", "%2E")


def utf8(text: str) -> bytes:
    """`text` as UTF-8, lone surrogates included (as the invalid bytes they make)."""
    return text.encode("utf-8", "surrogatepass")


# --- the tests -------------------------------------------------------------------------


@FUZZ
@given(data=st.data())
def test_valid_bodies_are_accepted_and_readable(
    data: st.DataObject, client: httpx.Client, document: dict[str, Any]
) -> None:
    schema = document["paths"]["/classify/batch"]["post"]["requestBody"]["content"]
    strategy = SchemaStrategies(document).valid(schema["application/json"]["schema"])
    body = data.draw(strategy, label="body")
    if "batch_key" in body:  # a key names one batch: the same key again is that batch
        body["batch_key"] = f"{body['batch_key']}-{uuid.uuid4().hex}"
    ensure_ascii = data.draw(st.booleans(), label="ensure_ascii")
    raw = json.dumps(body, ensure_ascii=ensure_ascii).encode()
    response = client.post(
        "/classify/batch", content=raw, headers={"content-type": "application/json"}
    )
    expected = expected_for_valid(body)
    accepted = check(response, {expected})
    if expected != 202:
        return
    assert accepted["count"] == len(body["indicators"])
    batch = check(client.get(f"/classify/batches/{path_segment(accepted['trace_id'])}"), {200})
    assert batch["total"] == len(body["indicators"])
    for item in body["indicators"]:
        indicator_id = item["indicator_id"].strip(WHITE_SPACE)
        if "/" in indicator_id:
            continue  # cannot be read back: see test_hostile's xfail
        record = check(client.get(f"/classify/indicators/{path_segment(indicator_id)}"), {200})
        assert record["indicator_id"] == indicator_id


@FUZZ
@given(data=st.data())
def test_mutated_bodies_never_5xx(
    data: st.DataObject,
    client: httpx.Client,
    document: dict[str, Any],
    body_operations: list[tuple[str, str, dict[str, Any]]],
) -> None:
    method, path, schema = data.draw(st.sampled_from(body_operations), label="operation")
    raw = data.draw(mutated_body(SchemaStrategies(document).valid(schema)), label="raw")
    response = client.request(
        method, path, content=raw, headers={"content-type": "application/json"}
    )
    check(response, {200, 202, 400, 413, 422})  # 200: the statuses endpoint


CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/json; charset=latin-1",
        "application/problem+json",
        "text/plain",
        "",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ]
) | st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40).map(str.strip)
"""Header values as HTTP allows them (no surrounding space, no control characters)."""


@FUZZ
@given(body=ANY_JSON, content_type=CONTENT_TYPES)
def test_arbitrary_json_and_content_types_never_5xx(
    body: Any, content_type: str, client: httpx.Client
) -> None:
    raw = json.dumps(body).encode()
    response = client.post("/classify/batch", content=raw, headers={"content-type": content_type})
    check(response, {202, 400, 422})


@FUZZ
@given(data=st.data())
def test_path_params_never_5xx(
    data: st.DataObject, client: httpx.Client, document: dict[str, Any]
) -> None:
    templates = sorted(
        path
        for path, methods in document["paths"].items()
        if any(p["in"] == "path" for op in methods.values() for p in op.get("parameters", []))
    )
    assert {"/classify/indicators/{indicator_id}", "/classify/batches/{trace_id}"} <= set(templates)
    template = data.draw(st.sampled_from(templates), label="template")
    text = data.draw(st.text(max_size=300) | WEIRD_TEXT | LONG_TEXT, label="text")
    quoted = data.draw(
        st.sampled_from(
            [path_segment(text), quote(utf8(text), safe=""), quote(utf8(text), safe="/%")]
        ),
        label="quoted",
    )
    name = template[template.index("{") : template.index("}") + 1]
    response = client.get(template.replace(name, quoted))
    if response.status_code == 307 and unquote(quoted).endswith("/"):
        # Starlette's redirect_slashes: a trailing '/' (even one sent as %2F) is
        # redirected to the path without it; what that answers must hold too.
        assert response.headers["location"].startswith(str(client.base_url))
        response = client.get(response.headers["location"])
    check(response, {200, 404})


@settings(max_examples=40, deadline=None, database=None)
@given(data=st.data())
def test_accepted_indicators_all_finish(
    data: st.DataObject, client: httpx.Client, document: dict[str, Any]
) -> None:
    """Odd but valid input never leaves an indicator pending: each ends classified or
    failed (a unique prefix keeps other tests' re-submissions out of the count, and out
    of the batch: a batch key seen before answers with that earlier batch, whose
    indicators another example may have submitted again since)."""
    schema = document["components"]["schemas"]["ClassifyRequest"]
    body = data.draw(SchemaStrategies(document).valid(schema), label="body")
    if expected_for_valid(body) != 202:
        return
    tag = f"finish-{time.monotonic_ns()}-"
    for n, item in enumerate(body["indicators"]):
        item["indicator_id"] = f"{tag}{n}-" + item["indicator_id"].strip(WHITE_SPACE)[:150]
    if isinstance(body.get("batch_key"), str):
        body["batch_key"] = tag + body["batch_key"][:150]
    response = client.post("/classify/batch", json=body)
    accepted = check(response, {202})
    path = f"/classify/batches/{accepted['trace_id']}"
    wait_until_blocking(
        lambda: bool(check(client.get(path), {200})["complete"]), timeout=120, what=path
    )
    batch = check(client.get(path), {200})  # complete is final: the figures read now
    assert batch["classified"] + batch["failed"] == batch["total"], batch
    assert check(client.get("/health"), {200})["status"] == "ok"
