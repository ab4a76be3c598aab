"""Real faults under a running flow, and nothing lost: Redis restarted without its data,
the database file made unwritable, PostgreSQL crashed and started again, an LLM that
does not answer, a bus that is down when a batch arrives. Every accepted indicator still
ends classified, exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from scripts.fake_llm import FakeLLMConfig, FakeLLMServer
from scripts.feeder import Feeder, FeederError, Outcome, sample_indicators
from stepflow import DiscoveryError, Settings, discover
from stepflow.testing import LiveServer, ServerProcess, free_port, wait_until
from tests.helpers import (
    REPO,
    STEPS,
    PostgresServer,
    RedisServer,
    immutable,
    pg_statuses,
    rows,
    serve_flow,
    statuses,
)

pytestmark = pytest.mark.slow


def _retried_past_retries(log: Path, step: str, retries: int) -> bool:
    """Whether the server's JSON log shows `step` retried after its last attempt."""
    for line in log.read_text().splitlines():
        if "handler failed; retrying" not in line:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:  # the line being written
            continue
        if record.get("step") == step and record["attempt"] > retries:
            return True
    return False


def _items(source_db: Path, count: int, seed: int) -> list[dict[str, Any]]:
    items = sample_indicators(source_db, 3_000, seed=seed)
    # More indicators than the source holds: the same ones under other ids.
    return [
        {**item, "indicator_id": f"{item['indicator_id']}-{n}"}
        for n, item in enumerate((items * (count // len(items) + 1))[:count])
    ]


async def test_redis_losing_its_data_mid_run_loses_and_duplicates_nothing(
    tmp_path: Path, source_db: Path
) -> None:
    items = _items(source_db, 2_000, seed=21)
    database = tmp_path / "flow.db"
    with RedisServer(tmp_path) as redis, FakeLLMServer(FakeLLMConfig()) as fake:
        env = {
            "STEPFLOW_BUS": redis.url,
            "STEPFLOW_DATABASE": str(database),
            "STEPFLOW_QUEUE_SIZE": "20000",
            "STEPFLOW_REDIS_VISIBILITY_TIMEOUT": "5",
            "STEPFLOW_APP_LLM_PROVIDER": "openai",
            "STEPFLOW_APP_LLM_BASE_URL": fake.base_url,
            "STEPFLOW_APP_LLM_API_KEY": "x",
            "STEPFLOW_APP_LLM_CONCURRENCY": "64",
            "STEPFLOW_APP_LLM_CACHE": "false",
            "STEPFLOW_APP_SWEEP_CRON": "* * * * * *",
        }
        fake.hold()  # nothing is classified until Redis has lost what it held
        log = tmp_path / "server.log"
        with ServerProcess(REPO, env=env, log=log, args=["--log-json"]) as server:
            feeder = Feeder(server.url, in_flight=2, batch_size=100, max_outage=300)
            feeding = asyncio.create_task(feeder.run(items))
            try:
                await wait_until(
                    lambda: statuses(database)["pending"] >= 1_000,
                    timeout=120,
                    what="half the feed to be accepted",
                )
                redis.stop()  # everything queued in Redis is gone, the feed goes on
                await asyncio.to_thread(redis.start)
                fake.hold(False)
                outcome = await asyncio.wait_for(feeding, timeout=300)
            finally:
                feeding.cancel()
                await feeder.aclose()

    assert (outcome.classified, outcome.failed) == (2_000, 0)
    assert "redis lost its data; recreating streams and consumer groups" in log.read_text()
    table = rows(database)
    assert len(table) == len({row["indicator_id"] for row in table}) == 2_000
    assert Counter(row["status"] for row in table) == Counter({"classified": 2_000})


async def _ride_out_a_persist_outage(
    tmp_path: Path,
    items: list[dict[str, Any]],
    database: str,
    pending: Callable[[], Awaitable[bool] | bool],
    fault: Callable[[], contextlib.AbstractContextManager[object]],
) -> tuple[Outcome, int]:
    """Feed `items` to a server on `database`, the LLM held until every batch is accepted
    (`pending()`); then, while `fault()` holds, let results arrive, and lift the fault
    once writes have been retried past their retries. The feeder's outcome and how many
    dead letters are left."""
    log = tmp_path / "server.log"
    with FakeLLMServer(FakeLLMConfig()) as fake:
        env = {
            "STEPFLOW_DATABASE": database,
            "STEPFLOW_QUEUE_SIZE": "5000",
            "STEPFLOW_RETRY_BASE_DELAY": "0.05",
            "STEPFLOW_RETRY_MAX_DELAY": "0.5",
            "STEPFLOW_APP_LLM_PROVIDER": "openai",
            "STEPFLOW_APP_LLM_BASE_URL": fake.base_url,
            "STEPFLOW_APP_LLM_API_KEY": "x",
            "STEPFLOW_APP_LLM_CACHE": "false",
        }
        fake.hold()  # everything is accepted and waits for the LLM
        with ServerProcess(REPO, env=env, log=log, args=["--log-json"]) as server:
            feeder = Feeder(server.url, in_flight=2, batch_size=100, max_outage=300)
            feeding = asyncio.create_task(feeder.run(items))
            try:
                await wait_until(pending, timeout=120, what="every batch to be accepted")
                with fault():
                    fake.hold(False)  # results arrive, and cannot be written
                    # An outage is waited out, never dead-lettered.
                    await wait_until(
                        lambda: _retried_past_retries(log, "PersistClassification", 5),
                        timeout=120,
                        what="a write retried past its retries",
                    )
                outcome = await asyncio.wait_for(feeding, timeout=300)
            finally:
                feeding.cancel()
                await feeder.aclose()
            async with httpx.AsyncClient() as client:
                answer = await client.get(f"{server.url}/_stepflow/api/dead-letters")
    return outcome, int(answer.json()["total"])


async def test_an_unwritable_database_loses_nothing_and_leaves_nothing_pending(
    tmp_path: Path, source_db: Path
) -> None:
    database = tmp_path / "flow.db"
    outcome, letters = await _ride_out_a_persist_outage(
        tmp_path,
        _items(source_db, 1_000, seed=22),
        str(database),
        lambda: statuses(database)["pending"] == 1_000,
        lambda: immutable(database),
    )

    assert (outcome.classified, outcome.failed) == (1_000, 0)
    assert statuses(database) == Counter({"classified": 1_000})  # 0 pending
    assert letters == 0


async def test_a_postgresql_crash_mid_run_loses_nothing_and_leaves_nothing_pending(
    tmp_path: Path, source_db: Path
) -> None:
    @contextlib.contextmanager
    def crashed() -> Iterator[None]:
        postgres.stop()  # every connection dropped at once
        try:
            yield
        finally:
            postgres.start()  # its data kept, as after a crash

    with PostgresServer() as postgres:
        outcome, letters = await _ride_out_a_persist_outage(
            tmp_path,
            _items(source_db, 1_000, seed=23),
            postgres.url,
            lambda: _pending(postgres.url, 1_000),
            crashed,
        )
        final = await pg_statuses(postgres.url)

    assert (outcome.classified, outcome.failed) == (1_000, 0)
    assert final == Counter({"classified": 1_000})  # 0 pending
    assert letters == 0


async def _pending(url: str, count: int) -> bool:
    return (await pg_statuses(url))["pending"] == count


async def test_a_dead_llm_holds_back_only_its_own_provider(
    tmp_path: Path, indicators: list[dict[str, Any]]
) -> None:
    with FakeLLMServer(FakeLLMConfig()) as fake:
        fake.hold()  # the LLM never answers while this test looks
        app: dict[str, Any] = {"llm_base_url": fake.base_url, "llm_api_key": "k"}
        with serve_flow(tmp_path / "flow.db", llm_cache=False, **app) as url:
            async with httpx.AsyncClient(base_url=url, timeout=60) as client:
                for n in range(10):
                    batch = indicators[n * 100 : (n + 1) * 100]
                    response = await client.post(
                        "/classify/batch", json={"indicators": batch, "llm_provider": "openai"}
                    )
                    assert response.status_code == 202
                other = {**indicators[0], "indicator_id": "by-rules"}
                rules = await client.post(
                    "/classify/batch", json={"indicators": [other], "llm_provider": "rules"}
                )
                trace_id = rules.json()["trace_id"]

                async def rules_done() -> bool:
                    batch = (await client.get(f"/classify/batches/{trace_id}")).json()
                    return bool(batch["complete"])

                await wait_until(rules_done, what="the rules batch behind 1,000 LLM ones")
                held = statuses(tmp_path / "flow.db")
            fake.hold(False)
    assert held["classified"] == 1 and held["pending"] == 1_000


async def test_a_provider_that_cannot_work_is_refused_with_422(
    tmp_path: Path, indicators: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with serve_flow(tmp_path / "flow.db") as url:
        async with httpx.AsyncClient(base_url=url) as client:
            response = await client.post(
                "/classify/batch", json={"indicators": indicators[:1], "llm_provider": "openai"}
            )
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "llm_provider"]
    assert problem["msg"].startswith("llm_provider 'openai' calls https://api.openai.com/v1")
    assert statuses(tmp_path / "flow.db") == Counter()  # nothing recorded


def test_a_default_provider_that_cannot_work_stops_startup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    settings = Settings(steps_dir=STEPS, app={"llm_provider": "anthropic"})
    with pytest.raises(DiscoveryError) as raised:
        discover(STEPS, settings)
    [problem] = raised.value.problems
    assert "the default provider cannot work: llm_provider 'anthropic'" in problem.message


async def test_a_bus_that_is_down_answers_503_and_records_nothing(
    tmp_path: Path, indicators: list[dict[str, Any]]
) -> None:
    database = tmp_path / "flow.db"
    with RedisServer(tmp_path) as redis, serve_flow(database, framework={"bus": redis.url}) as url:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            accepted = await client.post("/classify/batch", json={"indicators": indicators[:5]})
            assert accepted.status_code == 202
            redis.stop()
            refused = await client.post("/classify/batch", json={"indicators": indicators[5:105]})
            await asyncio.to_thread(redis.start)
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "1"
    assert refused.json() == {"detail": "redis is unavailable; retry in 1s"}
    assert {row["indicator_id"] for row in rows(database)} == {
        item["indicator_id"] for item in indicators[:5]
    }  # all or nothing: not one row of the refused batch


async def test_a_bus_that_stops_answering_answers_503_and_the_flow_goes_on_after(
    tmp_path: Path, indicators: list[dict[str, Any]]
) -> None:
    database = tmp_path / "flow.db"
    with RedisServer(tmp_path) as redis, serve_flow(database, framework={"bus": redis.url}) as url:
        async with httpx.AsyncClient(base_url=url, timeout=120) as client:
            first, second = indicators[:100], indicators[100:200]
            redis.pause()
            try:
                refused = await client.post("/classify/batch", json={"indicators": first})
            finally:
                redis.resume()
            accepted = await client.post("/classify/batch", json={"indicators": second})
            assert accepted.status_code == 202
            ids = {item["indicator_id"] for item in second}
            await wait_until(
                lambda: (
                    {r["indicator_id"] for r in rows(database) if r["status"] == "classified"}
                    >= ids
                ),
                timeout=120,
                what="the batch after the outage to be classified",
            )
    assert refused.status_code == 503
    assert refused.json()["detail"].startswith("redis is unavailable")


async def test_a_database_that_is_down_answers_503(
    tmp_path: Path, indicators: list[dict[str, Any]]
) -> None:
    database = tmp_path / "flow.db"
    with serve_flow(database) as url:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            first = await client.post("/classify/batch", json={"indicators": indicators[:1]})
            assert first.status_code == 202
            with immutable(database):
                refused = await client.post("/classify/batch", json={"indicators": indicators[1:2]})
    assert refused.status_code == 503
    assert refused.json()["detail"] == f"the database {database} is unavailable; retry in 1s"


async def test_a_retried_submission_gets_the_batch_the_server_already_accepted(
    tmp_path: Path, indicators: list[dict[str, Any]]
) -> None:
    with serve_flow(tmp_path / "flow.db") as url:
        async with httpx.AsyncClient(base_url=url) as client:
            body = {"indicators": indicators[:3], "batch_key": "run-1-batch-0"}
            first = (await client.post("/classify/batch", json=body)).json()
            again = (await client.post("/classify/batch", json=body)).json()
    assert first == again
    assert len(rows(tmp_path / "flow.db", "classify_batches")) == 1


async def test_resume_checks_five_thousand_ids_in_one_request(
    tmp_path: Path, indicators: list[dict[str, Any]]
) -> None:
    with serve_flow(tmp_path / "flow.db") as url:
        feeder = Feeder(url)
        try:
            await feeder.run(indicators[:50])
            sent: list[str] = []
            feeder.client.event_hooks["request"].append(lambda request: _record(sent, request))
            ids = [item["indicator_id"] for item in indicators[:50]]
            ids += [f"never-{n}" for n in range(4_950)]
            done = await feeder.already_classified(ids)
        finally:
            await feeder.aclose()
    assert done == set(ids[:50])
    assert sent == ["POST /classify/statuses"]


async def _record(sent: list[str], request: httpx.Request) -> None:
    sent.append(f"{request.method} {request.url.path}")


async def test_the_feeder_rides_out_500_and_503_and_says_when_the_server_answers_again() -> None:
    answers = [
        JSONResponse({"detail": "boom"}, status_code=500),
        JSONResponse({"detail": "database unavailable"}, 503, {"retry-after": "0"}),
        JSONResponse({"ok": True}),
    ]
    seen: list[str] = []

    async def flaky(request: Request) -> JSONResponse:
        seen.append(request.url.path)
        return answers[len(seen) - 1]

    notices: list[str] = []
    with LiveServer(Starlette(routes=[Route("/flaky", flaky)])) as server:
        feeder = Feeder(server.url, max_outage=300, on_notice=notices.append)
        try:
            response = await feeder.request("GET", "/flaky")
        finally:
            await feeder.aclose()

    assert (response.status_code, response.json()) == (200, {"ok": True})
    assert seen == ["/flaky"] * 3
    assert notices[0] == "GET /flaky failed (HTTP 500: boom); retrying for up to 300s"
    assert notices[1].startswith("the server answers again after ")
    assert len(notices) == 2


async def test_the_feeder_gives_up_after_max_outage_naming_the_cause_and_the_next_step(
    indicators: list[dict[str, Any]],
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    notices: list[str] = []
    feeder = Feeder(url, batch_size=10, max_outage=0.5, on_notice=notices.append)
    try:
        with pytest.raises(FeederError) as raised:
            await feeder.run(indicators[:10])
    finally:
        await feeder.aclose()
    message = str(raised.value)
    assert message.startswith(f"POST {url}/classify/batch kept failing for 0.5s; last: Connect")
    assert "run again with --resume" in message
    assert notices[0].startswith("POST /classify/batch failed (ConnectError")
