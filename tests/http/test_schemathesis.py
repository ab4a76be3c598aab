"""schemathesis against the live classify API's /openapi.json: every operation, cases
drawn from the schema and mutated, every check schemathesis has (no 5xx, status codes and
content types and bodies conforming to the document, and the rest)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from stepflow.testing import free_port
from steps.classify.models import WHITE_SPACE
from tests.helpers import serve_flow

pytestmark = pytest.mark.slow

APP: dict[str, Any] = {
    # Asked for an LLM provider, the flow fails at once: a closed port, no retries.
    "llm_base_url": f"http://127.0.0.1:{free_port()}/v1",
    "llm_api_key": "none",
    "llm_max_retries": 0,
}


# The statuses schemathesis takes for rejected invalid data (less 5xx), and 413: an
# invalid body can also be too large (a list far over its `maxItems`), as documented.
REJECTED = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
CONFIG = SchemathesisConfig.from_dict(
    {"checks": {"negative_data_rejection": {"expected-statuses": REJECTED}}}
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    database = tmp_path_factory.mktemp("schemathesis") / "flow.db"
    with serve_flow(database, **APP) as url:
        yield schemathesis.openapi.from_url(f"{url}/openapi.json", config=CONFIG)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_live_api_conforms_to_its_document(api: Any, mode: GenerationMode) -> None:
    """Cases valid by the schema (positive) and invalid ones (negative), on every
    operation, each called and checked with all of schemathesis's checks."""
    for result in api.get_all_operations():
        operation = result.ok()
        if mode is GenerationMode.NEGATIVE and not operation.get_request_payload_content_types():
            continue  # no body, and any string is a valid path id: nothing to send wrong
        cases = operation.as_strategy(generation_mode=mode)
        if mode is GenerationMode.POSITIVE:
            cases = cases.filter(_ids_unique)

        @given(case=cases)
        @settings(
            max_examples=50, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def check(case: Any) -> None:  # a schemathesis Case
            case.call_and_validate()

        check()


def _ids_unique(case: Any) -> bool:
    """A batch names each indicator once, white space around it stripped: a rule JSON
    Schema cannot state (its `uniqueItems` compares whole items), which the API answers
    with 422."""
    body = case.body
    if case.operation.path != "/classify/batch" or not isinstance(body, dict):
        return True
    items = body.get("indicators")
    ids = [
        item["indicator_id"].strip(WHITE_SPACE)
        for item in items or []
        if isinstance(item, dict) and isinstance(item.get("indicator_id"), str)
    ]
    return len(ids) == len(set(ids))


def test_the_document_describes_every_route(tmp_path: Path) -> None:
    with serve_flow(tmp_path / "flow.db") as url:
        loaded: Any = schemathesis.openapi.from_url(f"{url}/openapi.json")
    operations = {
        f"{op.method.upper()} {op.path}" for op in (r.ok() for r in loaded.get_all_operations())
    }
    assert {
        "POST /classify/batch",
        "GET /classify/batches/{trace_id}",
        "GET /classify/indicators/{indicator_id}",
        "POST /classify/statuses",
        "GET /health",
    } <= operations


def test_the_documents_patterns_read_alike_in_every_regex_engine(tmp_path: Path) -> None:
    """JSON Schema patterns are ECMA-262, pydantic's are Rust's: `\\s` and `\\S` differ
    between them (U+0085, U+FEFF), so the document spells its whitespace out."""
    with serve_flow(tmp_path / "flow.db") as url:
        document = httpx.get(f"{url}/openapi.json").json()
    patterns = list(_patterns(document))
    assert patterns  # the name and id patterns at least
    assert [p for p in patterns if "\\s" in p or "\\S" in p] == []


def _patterns(node: Any) -> Iterator[str]:
    """Every `pattern` in a JSON document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from _patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _patterns(value)
