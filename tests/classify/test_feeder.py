"""The feeder's command line, `scripts/run_classification.py`, as a user runs it: it checks
the server before it draws anything, and says in words what the server refused."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from scripts.feeder import Feeder, FeederError
from scripts.run_classification import count_shorthand
from stepflow.testing import LiveServer
from tests.helpers import REPO, serve_flow


def feed(*args: str, source_db: Path) -> subprocess.CompletedProcess[str]:
    """`python scripts/run_classification.py ARGS` on `source_db`, in a pipe."""
    return subprocess.run(
        [sys.executable, "scripts/run_classification.py", "--source-db", str(source_db), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )


@pytest.fixture
def keyed(tmp_path: Path) -> Iterator[str]:
    with serve_flow(tmp_path / "flow.db", framework={"api_key": "s3cret"}) as url:
        yield url


def test_a_server_that_needs_a_key_is_refused_before_any_progress_is_drawn(
    keyed: str, source_db: Path
) -> None:
    result = feed("-n", "5", "--api", keyed, source_db=source_db)
    assert result.returncode == 1
    assert result.stdout.strip() == (
        f"error: the server at {keyed} needs an API key: pass its key with --api-key"
        " (or STEPFLOW_API_KEY)"
    )


def test_a_wrong_key_is_refused_before_any_progress_is_drawn(keyed: str, source_db: Path) -> None:
    result = feed("-n", "5", "--api", keyed, "--api-key", "wrong", source_db=source_db)
    assert result.returncode == 1
    assert result.stdout.strip() == (
        f"error: the server at {keyed} refuses the API key given: pass its key with --api-key"
        " (or STEPFLOW_API_KEY)"
    )


def test_a_batch_size_over_the_servers_limit_is_refused_before_any_progress_is_drawn(
    keyed: str, source_db: Path
) -> None:
    args = ["-n", "5", "--api", keyed, "--api-key", "s3cret", "--batch-size", "101"]
    result = feed(*args, source_db=source_db)
    assert result.returncode == 1
    assert result.stdout.strip() == (
        "error: --batch-size 101 is over the server's limit of 100 indicators per request;"
        " pass at most that, or none to use it"
    )


async def _not_found(request: Request) -> PlainTextResponse:
    return PlainTextResponse("nothing here", status_code=404)


def test_something_that_is_not_stepflow_is_refused_before_any_progress_is_drawn(
    source_db: Path,
) -> None:
    other = Starlette(routes=[Route("/{path:path}", _not_found)])
    with LiveServer(other) as server:
        result = feed("-n", "5", "--api", server.url, "--serve", source_db=source_db)
    assert result.returncode == 1
    assert result.stdout.strip() == (
        f"error: something answers at {server.url}, but not a stepflow server"
        " (GET /health: HTTP 404); is --api the right server?"
    )


def test_a_422_is_printed_as_the_servers_message_not_a_python_repr(
    tmp_path: Path, source_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with serve_flow(tmp_path / "flow.db") as url:
        result = feed("-n", "5", "--api", url, "--provider", "openai", source_db=source_db)
    assert result.returncode == 1
    line = result.stdout.strip().splitlines()[-1]  # under the bars: it is the first batch's
    assert line.startswith(
        f"error: POST {url}/classify/batch: HTTP 422: llm_provider: llm_provider 'openai' calls "
    )
    assert "'loc'" not in line and "[{" not in line


async def test_a_422_lists_each_problem_on_a_line_with_its_field(tmp_path: Path) -> None:
    batch: list[dict[str, Any]] = [
        {"indicator_id": "a"},
        {"indicator_id": "b", "name": "", "units": 5},
    ]
    with serve_flow(tmp_path / "flow.db") as url:
        feeder = Feeder(url, batch_size=2, max_outage=60)
        try:
            with pytest.raises(FeederError) as raised:
                await feeder.run(batch)
        finally:
            await feeder.aclose()
    assert str(raised.value).splitlines() == [
        f"POST {url}/classify/batch: HTTP 422:",
        "  indicators.0.name: Field required",
        "  indicators.1.name: String should have at least 1 character",
        "  indicators.1.units: Input should be a valid string",
    ]


# -- the command line's own checks -------------------------------------------------------


def test_a_bare_negative_number_is_the_old_tools_count() -> None:
    assert count_shorthand(["-1000", "--serve"]) == ["--count=1000", "--serve"]


def test_a_negative_number_after_an_option_is_left_as_that_options_value() -> None:
    args = ["--max-outage", "-1", "--seed", "-7", "-n", "-3"]
    assert count_shorthand(args) == args


def test_a_negative_max_outage_is_a_usage_error_about_max_outage(tmp_path: Path) -> None:
    result = feed("--max-outage", "-1", source_db=tmp_path / "never-made.db")
    assert result.returncode == 2
    assert "Invalid value for '--max-outage': Input should be greater than or equal to 0" in (
        result.stderr
    )
    assert "--count" not in result.stderr
    assert result.stdout == ""
