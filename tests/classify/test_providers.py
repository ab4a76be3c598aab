"""LLM providers against the fake LLM server over real loopback HTTP."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import pytest

from scripts.fake_llm import FakeLLMConfig, FakeLLMServer, concept_id
from stepflow import Database, parse_retry_after
from steps.classify.models import Classification, IndicatorInput, SampleValue
from steps.classify.providers import (
    AnthropicProvider,
    HTTPProvider,
    LLMSettings,
    OpenAIProvider,
    ProviderError,
    ResponseCache,
    TokenBucket,
    concept_of,
    make_provider,
)
from steps.classify.providers.cache import canonical_json
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


def fake_id(indicator: IndicatorInput) -> str:
    """What the fake keeps an indicator's requests under: with llm_dedupe (the default)
    the provider asks about its concept, which has no indicator id."""
    return concept_id(concept_of(indicator, normalize_units(indicator.units)))


def rules_answer(indicator: IndicatorInput) -> Classification:
    return classify_indicator(indicator, normalize_units(indicator.units))


def same_answer(got: Classification, want: Classification) -> bool:
    skip = {"provider", "model", "reasoning"}
    return got.model_dump(exclude=skip) == want.model_dump(exclude=skip)


def settings_for(provider: str, server: FakeLLMServer, **overrides: Any) -> LLMSettings:
    values: dict[str, Any] = {
        "llm_provider": provider,
        "llm_base_url": server.base_url if provider == "openai" else server.root_url,
        "llm_model": "test-model",
        "llm_timeout": 5.0,
        "llm_backoff_base": 0.01,
        "llm_backoff_max": 0.05,
    }
    values.update({f"llm_{key}": value for key, value in overrides.items()})
    return LLMSettings.model_validate(values)


def provider_for(
    provider: str, server: FakeLLMServer, cache: ResponseCache | None = None, **overrides: Any
) -> HTTPProvider:
    settings = settings_for(provider, server, **overrides)
    if provider == "openai":
        return OpenAIProvider(settings, cache)
    return AnthropicProvider(settings, cache)


async def classify_all(
    provider: HTTPProvider, indicators: Sequence[IndicatorInput]
) -> dict[str, Classification]:
    results: dict[str, Classification] = {}

    async def one(indicator: IndicatorInput) -> None:
        units = normalize_units(indicator.units)
        results[indicator.indicator_id] = await provider.classify(indicator, units)

    async with asyncio.TaskGroup() as group:
        for indicator in indicators:
            group.create_task(one(indicator))
    return results


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


async def test_model_comes_from_the_reply(server: FakeLLMServer) -> None:
    server.configure(FakeLLMConfig(model="resolved-model-2024"))
    indicator = make_indicators(1)[0]
    async with provider_for("openai", server) as p:
        result = await p.classify(indicator, normalize_units(indicator.units))
    assert result.model == "resolved-model-2024"
    assert result.provider == "openai"


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
        throttled = stats["throttled"][fake_id(indicator)]
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


async def test_retries_exhausted_is_a_provider_error(server: FakeLLMServer) -> None:
    server.configure(FakeLLMConfig(fault_schedule=["500"] * 10))
    indicator = make_indicators(1)[0]
    async with provider_for("openai", server, max_retries=2) as p:
        with pytest.raises(ProviderError, match=r"^openai: HTTP 500 after 3 attempts$"):
            await p.classify(indicator, normalize_units(indicator.units))
    assert server.stats()["requests"] == 3
    assert p.stats.failures == 1


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


async def test_connection_errors_are_retried_then_fail() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = LLMSettings(
        llm_provider="openai",
        llm_base_url=f"http://127.0.0.1:{port}/v1",
        llm_max_retries=2,
        llm_backoff_base=0.01,
        llm_timeout=2,
    )
    indicator = make_indicators(1)[0]
    async with OpenAIProvider(settings) as p:
        with pytest.raises(ProviderError, match=r"connection error .* after 3 attempts"):
            await p.classify(indicator, normalize_units(indicator.units))
    assert p.stats.http_requests == 3


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


@pytest.mark.parametrize("name", PROVIDERS)
async def test_two_bad_replies_are_a_provider_error(name: str, server: FakeLLMServer) -> None:
    server.configure(FakeLLMConfig(fault_schedule=["invalid", "truncated"]))
    indicator = make_indicators(1)[0]
    async with provider_for(name, server) as p:
        with pytest.raises(ProviderError, match=f"^{name}: reply failed schema validation twice: "):
            await p.classify(indicator, normalize_units(indicator.units))
    assert server.stats()["requests"] == 2


async def test_concurrency_cap_is_never_exceeded(server: FakeLLMServer) -> None:
    server.configure(FakeLLMConfig(latency=0.05))
    indicators = make_indicators(40)
    async with provider_for("openai", server, concurrency=4) as p:
        results = await classify_all(p, indicators)
    assert len(results) == 40
    assert 1 < server.stats()["max_in_flight"] <= 4


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
    # Measured from the start, not from the first arrival: a busy machine can hold the
    # first requests back, never bring the last one forward.
    assert arrivals[-1] - started >= 0.95


async def test_token_bucket_waits_for_tokens() -> None:
    bucket = TokenBucket(600)  # 10/s, burst 10
    started = time.monotonic()
    for _ in range(15):
        await bucket.acquire(1)
    assert time.monotonic() - started >= 0.49
    # 10/s, burst 1: a 3-token request goes at once and leaves a debt of 2.
    big = TokenBucket(600, burst_seconds=0.1)
    started = time.monotonic()
    await big.acquire(3)
    await big.acquire(1)
    assert time.monotonic() - started >= 0.29


@pytest.mark.parametrize("name", PROVIDERS)
async def test_cache_hit_makes_no_request(
    name: str, server: FakeLLMServer, database: Database
) -> None:
    indicator = make_indicators(2)[1]
    units = normalize_units(indicator.units)
    cache = ResponseCache(database)
    async with provider_for(name, server, cache) as p:
        first = await p.classify(indicator, units)
        second = await p.classify(indicator, units)
    assert p.stats.cache_hits == 1 and p.stats.http_requests == 1
    async with provider_for(name, server, ResponseCache(database)) as p2:
        third = await p2.classify(indicator, units)
    assert p2.stats.cache_hits == 1 and p2.stats.http_requests == 0
    other = make_indicators(3)[2]
    async with provider_for(name, server, cache) as p3:
        await p3.classify(other, normalize_units(other.units))
    assert server.stats()["requests"] == 2
    assert first == second == third
    assert same_answer(first, rules_answer(indicator))


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


async def test_random_faults_are_all_recovered(server: FakeLLMServer) -> None:
    server.configure(
        FakeLLMConfig(
            fault_rate=0.3,
            faults=["429", "500", "503", "invalid"],
            retry_after=0,
            seed=8,  # one that never faults a concept's reply and its re-ask alike
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
    openai = LLMSettings(llm_model="given").for_provider("openai")
    assert openai.llm_base_url == "http://localhost:1234/v1/"
    assert openai.effective_base_url() == "http://localhost:1234/v1"
    assert openai.llm_model == "given" and openai.llm_api_key is None
    anthropic = LLMSettings().for_provider("anthropic")
    assert anthropic.llm_api_key == "sk-ant-test"
    assert "sk-ant-test" not in repr(anthropic)
    assert anthropic.effective_model() == "claude-3-5-haiku-latest"
    assert anthropic.effective_base_url() == "https://api.anthropic.com"
    assert LLMSettings().llm_provider == "rules"
    with pytest.raises(ValueError):
        LLMSettings.model_validate({"llm_provider": "openai", "llm_temperature": 1})


def test_a_hosted_provider_without_a_key_says_what_to_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert LLMSettings().for_provider("openai").problem() == (
        "llm_provider 'openai' calls https://api.openai.com/v1, which needs an API key: set"
        " llm_api_key in [tool.stepflow.app] or OPENAI_API_KEY, or llm_base_url for a server"
        " that needs none"
    )
    local = LLMSettings(llm_base_url="http://127.0.0.1:1234/v1")
    assert local.for_provider("openai").problem() is None
    assert LLMSettings(llm_api_key="sk").for_provider("openai").problem() is None
    assert LLMSettings().for_provider("rules").problem() is None


async def test_make_provider() -> None:
    openai = make_provider(LLMSettings(llm_provider="openai"))
    anthropic = make_provider(LLMSettings(llm_provider="anthropic"))
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


def test_back_off_grows_with_jitter_and_never_undercuts_retry_after(
    server: FakeLLMServer,
) -> None:
    provider = provider_for("openai", server, backoff_base=0.4, backoff_max=1.0)
    firsts = [provider._backoff(1, None) for _ in range(200)]
    assert min(firsts) >= 0.2 and max(firsts) <= 0.4  # equal jitter around the base
    thirds = [provider._backoff(3, None) for _ in range(200)]
    assert min(thirds) >= 0.5 and max(thirds) <= 1.0  # capped at backoff_max
    assert min(provider._backoff(1, 3.0) for _ in range(50)) >= 3.0


def test_a_concept_holds_nothing_of_the_country() -> None:
    def report(country: str, currency: str, name: str = "GDP") -> IndicatorInput:
        return IndicatorInput(
            indicator_id=f"{country}-gdp",
            name=name,
            units=f"{currency} Billion",
            description=f"{name} for {country}. The output of {country} in {currency}."
            f" Source: Statistics {country}.",
            periodicity="Quarterly",
            sample_values=[SampleValue(date="2024-03-31", value=1.0)],
            source_name=f"Statistics {country}",
            country=country,
            currency_code=currency,
        )

    france, japan = report("France", "EUR"), report("Japan", "JPY")
    one, other = (concept_of(i, normalize_units(i.units)) for i in (france, japan))
    assert one == other
    assert one == {
        "name": "GDP",
        "units": {
            "unit_type": "currency-amount",
            "scale": "billions",
            "is_currency": True,
            "confidence": 0.95,
            "wording": "CUR",
        },
        "reporting_frequency": "quarterly",
    }
    # A name that does not say what it measures keeps its description, masked.
    opaque = report("France", "EUR", name="GFCF")
    concept = concept_of(opaque, normalize_units(opaque.units))
    assert concept["description"] == "The output of [country] in CUR."
    japanese = report("Japan", "JPY", name="GFCF")
    assert concept == concept_of(japanese, normalize_units(japanese.units))


def test_the_concept_schema_leaves_out_what_the_data_decides() -> None:
    from steps.classify.providers.prompt import CONCEPT_SYSTEM_PROMPT, concept_schema

    asked = set(concept_schema()["properties"])
    assert asked == {
        "reasoning",
        "family",
        "indicator_type",
        "temporal_aggregation",
        "heat_map_orientation",
        "confidence",
    }
    for field in ("reporting_frequency", "cumulative_pattern", "time_basis"):
        assert f"- {field}:" not in CONCEPT_SYSTEM_PROMPT


def test_the_user_prompt_holds_the_indicator_and_its_units_as_indented_json() -> None:
    from steps.classify.providers.prompt import user_prompt

    indicator = IndicatorInput(
        indicator_id="fr-cpi",
        name='Indice des prix "harmonisé"',
        units="Index 2015=100",
        description="Prix à la consommation\nsource: Insee",
        periodicity="Monthly",
        sample_values=[SampleValue(date="2024-01-31", value=118.25)],
        country="France",
    )
    units = normalize_units(indicator.units)
    data = {
        "indicator": indicator.model_dump(mode="json", exclude_none=True),
        "units": units.model_dump(mode="json"),
    }
    block = json.dumps(data, ensure_ascii=False, indent=2)
    assert user_prompt(indicator, units) == f"Classify this indicator.\n\n```json\n{block}\n```"


def _json_dumps_canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@pytest.mark.parametrize("name", PROVIDERS)
def test_a_request_key_is_made_of_the_text_json_dumps_wrote_before(
    name: str, indicators: list[dict[str, Any]]
) -> None:
    """Replies cached by earlier versions stay found: the canonical text is unchanged."""
    provider = make_provider(
        LLMSettings(llm_provider=name, llm_base_url="http://127.0.0.1:9", llm_api_key="k")
    )
    assert isinstance(provider, HTTPProvider)
    for raw in indicators:
        indicator = IndicatorInput.model_validate(raw)
        messages = provider.first_messages(indicator, normalize_units(indicator.units))
        body = {"provider": name, "url": provider.url, "body": provider.build_body(messages)}
        assert canonical_json(body) == _json_dumps_canonical(body)
    concept = concept_of(indicator, normalize_units(indicator.units))
    assert canonical_json(concept) == _json_dumps_canonical(concept)


def test_what_orjson_refuses_gets_the_text_of_json_dumps() -> None:
    for value in ({"big": 2**70}, {2: "a", 1: [1.5, None, True]}):
        assert canonical_json(value) == _json_dumps_canonical(value)
