"""LLM providers against the fake LLM server over real loopback HTTP."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from steps.classify.fake_llm import FakeLLMConfig, FakeLLMServer
from steps.classify.models import Classification, IndicatorInput, SampleValue
from steps.classify.providers import (
    AnthropicProvider,
    HTTPProvider,
    LLMSettings,
    OpenAIProvider,
    ProviderError,
    TokenBucket,
    make_provider,
)
from steps.classify.providers.http import parse_retry_after
from steps.classify.rules import classify_indicator
from steps.classify.units import normalize_units

PROVIDERS = ["openai", "anthropic"]


@pytest.fixture(scope="module")
def shared_server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as server:
        yield server


@pytest.fixture
def server(shared_server: FakeLLMServer) -> FakeLLMServer:
    """The module's fake server, with the default config and zeroed counters."""
    shared_server.configure(FakeLLMConfig())
    return shared_server


_SEEDS: list[tuple[str, str | None, str | None]] = [
    ("GDP", "USD Billion", "Quarterly"),
    ("Consumer Price Index", "Index 2015=100", "Monthly"),
    ("Unemployment Rate", "%", "Monthly"),
    ("Inflation Rate YoY", "percent", "Monthly"),
    ("Euro Exchange Rate", "EUR/USD", "Daily"),
    ("Crude Oil Price", "USD/Barrel", "Daily"),
    ("Population", "Thousand", "Annual"),
    ("Balance of Trade", "EUR Million", "Monthly"),
    ("Housing Starts", "Thousand units", "Monthly"),
    ("Consumer Confidence", "points", "Monthly"),
    ("Government Debt to GDP", "% of GDP", "Annual"),
    ("Interest Rate", "%", "Daily"),
    ("Crude Oil Production", "BBL/D/1K", "Monthly"),
    ("Retail Sales MoM", "%", "Monthly"),
    ("Foreign Exchange Reserves", "USD Million", "Monthly"),
    ("Budget Balance YTD", "ALL Million", "Monthly"),
    ("Average Hourly Earnings", "USD/Hour", "Monthly"),
    ("Birth Rate", "per 1000 people", "Annual"),
    ("Something Odd", None, None),
]


def make_indicators(count: int) -> list[IndicatorInput]:
    indicators = []
    for i in range(count):
        name, units, periodicity = _SEEDS[i % len(_SEEDS)]
        samples = (
            [SampleValue(date=f"2024-{m:02d}-01", value=float(100 + i + m)) for m in (1, 2, 3)]
            if i % 2
            else None
        )
        indicators.append(
            IndicatorInput(
                indicator_id=f"ind-{i}",
                name=name if i < len(_SEEDS) else f"{name} ({i})",
                units=units,
                periodicity=periodicity,
                sample_values=samples,
                country="Testland" if i % 3 else None,
            )
        )
    return indicators


def rules_answer(indicator: IndicatorInput) -> Classification:
    return classify_indicator(indicator, normalize_units(indicator.units))


def same_answer(got: Classification, want: Classification) -> bool:
    skip = {"provider", "model", "reasoning"}
    return got.model_dump(exclude=skip) == want.model_dump(exclude=skip)


def settings_for(provider: str, server: FakeLLMServer, **overrides: Any) -> LLMSettings:
    values: dict[str, Any] = {
        "provider": provider,
        "base_url": server.base_url if provider == "openai" else server.root_url,
        "model": "test-model",
        "timeout": 5.0,
        "backoff_base": 0.01,
        "backoff_max": 0.05,
    }
    values.update(overrides)
    return LLMSettings.model_validate(values)


def provider_for(provider: str, server: FakeLLMServer, **overrides: Any) -> HTTPProvider:
    settings = settings_for(provider, server, **overrides)
    if provider == "openai":
        return OpenAIProvider(settings)
    return AnthropicProvider(settings)


async def classify_all(
    provider: HTTPProvider, indicators: Sequence[IndicatorInput]
) -> dict[str, Classification]:
    results: dict[str, Classification] = {}

    async def one(indicator: IndicatorInput) -> None:
        units = normalize_units(indicator.units)
        results[indicator.indicator_id] = await provider.classify(indicator, units)

    async with anyio.create_task_group() as tg:
        for indicator in indicators:
            tg.start_soon(one, indicator)
    return results


@pytest.mark.anyio
@pytest.mark.parametrize("name", PROVIDERS)
async def test_provider_matches_rules(name: str) -> None:
    indicators = make_indicators(len(_SEEDS))
    # Its own server, to exercise `async with FakeLLMServer(...)`.
    async with FakeLLMServer() as server, provider_for(name, server) as provider:
        results = await classify_all(provider, indicators)
        stats = server.stats()
    for indicator in indicators:
        got = results[indicator.indicator_id]
        assert same_answer(got, rules_answer(indicator)), indicator.name
        assert got.provider == name
        assert got.model == "test-model"
        assert got.reasoning
    assert stats["requests"] == len(indicators)
    assert stats["by_endpoint"] == {name: len(indicators)}
    assert provider.stats.retries == 0 and provider.stats.reasks == 0


@pytest.mark.anyio
async def test_model_comes_from_the_reply(server: FakeLLMServer) -> None:
    server.configure(FakeLLMConfig(model="resolved-model-2024"))
    indicator = make_indicators(1)[0]
    async with provider_for("openai", server) as p:
        result = await p.classify(indicator, normalize_units(indicator.units))
    assert result.model == "resolved-model-2024"
    assert result.provider == "openai"


@pytest.mark.anyio
@pytest.mark.parametrize("name", PROVIDERS)
async def test_retry_after_is_honoured(name: str, server: FakeLLMServer) -> None:
    server.configure(FakeLLMConfig(fault_schedule=["429"], retry_after=1))
    indicators = make_indicators(3)
    async with provider_for(name, server) as p:
        results = await classify_all(p, indicators)
    stats = server.stats()
    assert stats["faults"] == {"429": 3}
    for indicator in indicators:
        assert same_answer(results[indicator.indicator_id], rules_answer(indicator))
        throttled = stats["throttled"][indicator.indicator_id]
        assert throttled["next_request_at"] is not None
        assert throttled["next_request_at"] - throttled["throttled_at"] >= 1.0
    assert p.stats.retries == 3


def test_parse_retry_after_forms() -> None:
    now = time.time()
    date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now + 30))
    assert parse_retry_after(httpx.Headers({"retry-after": "2"})) == 2.0
    assert parse_retry_after(httpx.Headers({"retry-after": "1.5"})) == 1.5
    assert parse_retry_after(httpx.Headers({"retry-after-ms": "250"})) == 0.25
    from_date = parse_retry_after(httpx.Headers({"retry-after": date}), now=now)
    assert from_date is not None and 28 <= from_date <= 30
    assert parse_retry_after(httpx.Headers({"retry-after": "soon"})) is None
    assert parse_retry_after(httpx.Headers()) is None


@pytest.mark.anyio
@pytest.mark.parametrize("name", PROVIDERS)
async def test_server_errors_are_retried(name: str, server: FakeLLMServer) -> None:
    server.configure(FakeLLMConfig(fault_schedule=["500", "503"]))
    indicator = make_indicators(1)[0]
    async with provider_for(name, server) as p:
        result = await p.classify(indicator, normalize_units(indicator.units))
    stats = server.stats()
    assert same_answer(result, rules_answer(indicator))
    assert stats["faults"] == {"500": 1, "503": 1}
    assert stats["requests"] == 3
    assert p.stats.retries == 2


@pytest.mark.anyio
async def test_retries_exhausted_is_a_provider_error(server: FakeLLMServer) -> None:
    server.configure(FakeLLMConfig(fault_schedule=["500"] * 10))
    indicator = make_indicators(1)[0]
    async with provider_for("openai", server, max_retries=2) as p:
        with pytest.raises(ProviderError, match=r"^openai: HTTP 500 after 3 attempts$"):
            await p.classify(indicator, normalize_units(indicator.units))
    assert server.stats()["requests"] == 3
    assert p.stats.failures == 1


@pytest.mark.anyio
async def test_client_errors_are_not_retried(server: FakeLLMServer) -> None:
    server.configure(FakeLLMConfig(api_key="sekret"))
    indicator = make_indicators(1)[0]
    async with provider_for("anthropic", server) as p:
        with pytest.raises(ProviderError, match="anthropic: HTTP 401: invalid api"):
            await p.classify(indicator, normalize_units(indicator.units))
    assert p.stats.http_requests == 1
    async with provider_for("openai", server, api_key="sekret") as p:
        result = await p.classify(indicator, normalize_units(indicator.units))
    assert same_answer(result, rules_answer(indicator))


@pytest.mark.anyio
async def test_connection_errors_are_retried_then_fail() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = LLMSettings(
        provider="openai",
        base_url=f"http://127.0.0.1:{port}/v1",
        max_retries=2,
        backoff_base=0.01,
        timeout=2,
    )
    indicator = make_indicators(1)[0]
    async with OpenAIProvider(settings) as p:
        with pytest.raises(ProviderError, match=r"connection error .* after 3 attempts"):
            await p.classify(indicator, normalize_units(indicator.units))
    assert p.stats.http_requests == 3


@pytest.mark.anyio
@pytest.mark.parametrize("name", PROVIDERS)
async def test_hang_times_out_and_is_retried(name: str, server: FakeLLMServer) -> None:
    server.configure(FakeLLMConfig(fault_schedule=["hang"], hang_seconds=10))
    indicator = make_indicators(1)[0]
    started = time.monotonic()
    async with provider_for(name, server, timeout=0.3) as p:
        result = await p.classify(indicator, normalize_units(indicator.units))
    elapsed = time.monotonic() - started
    stats = server.stats()
    assert same_answer(result, rules_answer(indicator))
    assert stats["requests"] == 2
    assert stats["faults"] == {"hang": 1}
    assert p.stats.retries == 1
    assert elapsed >= 0.3


@pytest.mark.anyio
@pytest.mark.parametrize("fault", ["truncated", "invalid"])
@pytest.mark.parametrize("name", PROVIDERS)
async def test_bad_reply_gets_one_reask(name: str, fault: str, server: FakeLLMServer) -> None:
    server.configure(FakeLLMConfig.model_validate({"fault_schedule": [fault]}))
    indicator = make_indicators(2)[1]
    async with provider_for(name, server) as p:
        result = await p.classify(indicator, normalize_units(indicator.units))
    stats = server.stats()
    assert same_answer(result, rules_answer(indicator))
    assert stats["requests"] == 2
    assert stats["faults"] == {fault: 1}
    assert p.stats.reasks == 1 and p.stats.retries == 0


@pytest.mark.anyio
@pytest.mark.parametrize("name", PROVIDERS)
async def test_two_bad_replies_are_a_provider_error(name: str, server: FakeLLMServer) -> None:
    server.configure(FakeLLMConfig(fault_schedule=["invalid", "truncated"]))
    indicator = make_indicators(1)[0]
    async with provider_for(name, server) as p:
        with pytest.raises(ProviderError, match=f"^{name}: reply failed schema validation twice: "):
            await p.classify(indicator, normalize_units(indicator.units))
    assert server.stats()["requests"] == 2


@pytest.mark.anyio
async def test_concurrency_cap_is_never_exceeded(server: FakeLLMServer) -> None:
    server.configure(FakeLLMConfig(latency=0.05))
    indicators = make_indicators(40)
    async with provider_for("openai", server, concurrency=4) as p:
        results = await classify_all(p, indicators)
    assert len(results) == 40
    assert 1 < server.stats()["max_in_flight"] <= 4


@pytest.mark.anyio
async def test_requests_per_minute_spaces_calls(server: FakeLLMServer) -> None:
    # 1200/min is 20/s with a one-second burst of 20: the 40th request cannot
    # leave before 20 more tokens have accrued, i.e. one second after the start.
    indicators = make_indicators(40)
    async with provider_for("anthropic", server, requests_per_minute=1200) as p:
        started = time.monotonic()
        results = await classify_all(p, indicators)
        elapsed = time.monotonic() - started
    arrivals = sorted(
        t for rec in server.stats()["per_indicator"].values() for t in rec["requests"]
    )
    assert len(results) == 40
    assert elapsed >= 0.95
    assert arrivals[-1] - arrivals[0] >= 0.9


@pytest.mark.anyio
async def test_token_bucket_waits_for_tokens() -> None:
    bucket = TokenBucket(600)  # 10/s, burst 10
    started = anyio.current_time()
    for _ in range(15):
        await bucket.acquire(1)
    assert anyio.current_time() - started >= 0.49
    # 10/s, burst 1: a 3-token request goes at once and leaves a debt of 2.
    big = TokenBucket(600, burst_seconds=0.1)
    started = anyio.current_time()
    await big.acquire(3)
    await big.acquire(1)
    assert anyio.current_time() - started >= 0.29


@pytest.mark.anyio
@pytest.mark.parametrize("name", PROVIDERS)
async def test_cache_hit_makes_no_request(name: str, server: FakeLLMServer, tmp_path: Path) -> None:
    indicator = make_indicators(2)[1]
    units = normalize_units(indicator.units)
    cache = str(tmp_path / "llm-cache.sqlite")
    async with provider_for(name, server, cache_path=cache) as p:
        first = await p.classify(indicator, units)
        second = await p.classify(indicator, units)
    assert p.stats.cache_hits == 1 and p.stats.http_requests == 1
    async with provider_for(name, server, cache_path=cache) as p2:
        third = await p2.classify(indicator, units)
    assert p2.stats.cache_hits == 1 and p2.stats.http_requests == 0
    other = make_indicators(3)[2]
    async with provider_for(name, server, cache_path=cache) as p3:
        await p3.classify(other, normalize_units(other.units))
    assert server.stats()["requests"] == 2
    assert first == second == third
    assert same_answer(first, rules_answer(indicator))


@pytest.mark.anyio
@pytest.mark.parametrize("name", PROVIDERS)
async def test_two_hundred_indicators(name: str, server: FakeLLMServer) -> None:
    server.configure(FakeLLMConfig(latency=0.05))
    indicators = make_indicators(200)
    async with provider_for(name, server, concurrency=32) as p:
        results = await classify_all(p, indicators)
    stats = server.stats()
    assert len(results) == 200
    for indicator in indicators:
        assert same_answer(results[indicator.indicator_id], rules_answer(indicator))
    assert stats["requests"] == 200
    assert stats["max_in_flight"] <= 32


@pytest.mark.anyio
async def test_random_faults_are_all_recovered(server: FakeLLMServer) -> None:
    server.configure(
        FakeLLMConfig(
            fault_rate=0.3,
            faults=["429", "500", "503", "invalid"],
            retry_after=0,
            seed=7,
        )
    )
    indicators = make_indicators(60)
    async with provider_for("openai", server, max_retries=8) as p:
        results = await classify_all(p, indicators)
    faults = server.stats()["faults"]
    assert len(results) == 60
    assert sum(faults.values()) > 0
    for indicator in indicators:
        assert same_answer(results[indicator.indicator_id], rules_answer(indicator))
    # The same seed gives the same faults, whatever the order of the requests.
    server.configure(server.config)
    async with provider_for("openai", server, max_retries=8) as p:
        await classify_all(p, list(reversed(indicators)))
    assert server.stats()["faults"] == faults


def test_sync_server_and_endpoints() -> None:
    with FakeLLMServer() as server:
        models = httpx.get(f"{server.base_url}/models").json()
        configured = httpx.post(
            f"{server.root_url}/_fake/config", json={"latency": 0.01, "seed": 3}
        )
        bad = httpx.post(f"{server.base_url}/chat/completions", json={"messages": []})
        stats = httpx.get(f"{server.root_url}/_fake/stats").json()
        config = server.config
    assert models["data"][0]["id"] == "fake-llm"
    assert configured.status_code == 200 and config.seed == 3
    assert bad.status_code == 400
    assert stats["requests"] == 0


def test_settings_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:1234/v1/")
    monkeypatch.setenv("OPENAI_MODEL", "qwen2.5-7b-instruct")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    openai = LLMSettings.from_env({"provider": "openai", "model": "given"})
    assert openai.base_url == "http://localhost:1234/v1/"
    assert openai.effective_base_url() == "http://localhost:1234/v1"
    assert openai.model == "given" and openai.api_key is None
    anthropic = LLMSettings.from_env({"provider": "anthropic"})
    assert anthropic.api_key == "sk-ant-test"
    assert "sk-ant-test" not in repr(anthropic)
    assert anthropic.effective_model() == "claude-3-5-haiku-latest"
    assert anthropic.effective_base_url() == "https://api.anthropic.com"
    assert LLMSettings().provider == "rules"
    with pytest.raises(ValueError):
        LLMSettings.model_validate({"provider": "openai", "temperature": 1})


@pytest.mark.anyio
async def test_make_provider() -> None:
    openai = make_provider(LLMSettings(provider="openai"))
    anthropic = make_provider(LLMSettings(provider="anthropic"))
    rules = make_provider(LLMSettings())
    try:
        assert isinstance(openai, OpenAIProvider) and openai.model == "gpt-4o-mini"
        assert isinstance(anthropic, AnthropicProvider)
        indicator = make_indicators(1)[0]
        units = normalize_units(indicator.units)
        result = await rules.classify(indicator, units)
        assert same_answer(result, rules_answer(indicator))
    finally:
        for provider in (openai, anthropic, rules):
            await provider.aclose()
