"""llm_bound: indicators/s with the openai provider against the fake LLM (100 ms per
call, 32 calls at once), against a bare client making the same calls with the same
concurrency and the same HTTP client (httpx) straight to the same fake LLM, in the same
run (two rounds, interleaved, best of each side); and the ceiling, concurrency / latency.
Target: 0.95 of the bare client."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from scripts.feeder import sample_indicators
from steps.classify.models import IndicatorInput
from steps.classify.providers import LLMSettings, OpenAIProvider
from steps.classify.units import normalize_units

from ._common import fake_llm, feed, server, source

LATENCY = 0.1
CONCURRENCY = 32


async def _bare(base_url: str, items: list[dict[str, Any]]) -> float:
    """The same request bodies the provider sends, CONCURRENCY at a time, one client."""
    provider = OpenAIProvider(
        LLMSettings(llm_provider="openai", llm_base_url=base_url, llm_api_key="bench")
    )
    bodies = []
    for item in items:
        indicator = IndicatorInput.model_validate(item)
        messages = provider.first_messages(indicator, normalize_units(indicator.units))
        bodies.append(json.dumps(provider.build_body(messages)).encode())
    await provider.aclose()
    gate = asyncio.Semaphore(CONCURRENCY)
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def call(body: bytes) -> None:
            async with gate:
                response = await client.post(
                    f"{base_url}/chat/completions",
                    content=body,
                    headers={"content-type": "application/json"},
                )
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(call(body) for body in bodies))
        return len(bodies) / (time.perf_counter() - started)


def bench_llm_bound(quick: bool) -> dict[str, Any]:
    count = 400 if quick else 2_000
    items = sample_indicators(source(), count, seed=2)
    with fake_llm(LATENCY) as base_url:
        env = {
            "STEPFLOW_APP_LLM_PROVIDER": "openai",
            "STEPFLOW_APP_LLM_BASE_URL": base_url,
            "STEPFLOW_APP_LLM_API_KEY": "bench",
            "STEPFLOW_APP_LLM_CONCURRENCY": str(CONCURRENCY),
            "STEPFLOW_APP_LLM_CACHE": "false",
            "STEPFLOW_APP_LLM_DEDUPE": "false",  # one call per indicator, as the bare client
        }
        bares, rates = [], []
        for _ in range(1 if quick else 2):  # interleaved, best of each: either side dips
            bares.append(asyncio.run(_bare(base_url, items)))
            with tempfile.TemporaryDirectory() as tmp, server(Path(tmp), env) as process:
                rates.append(feed(process.url, items).rate)
    bare, rate = max(bares), max(rates)
    ceiling = CONCURRENCY / LATENCY
    return {
        "indicators": count,
        "latency_s": LATENCY,
        "llm_concurrency": CONCURRENCY,
        "baseline": "a bare httpx client making the same calls, 32 at a time",
        "stepflow_per_s": round(rate, 1),
        "bare_client_per_s": round(bare, 1),
        "ceiling_per_s": ceiling,
        "ratio_to_bare_client": round(rate / bare, 3),
        "per_s_of_each_round": {
            "stepflow": [round(r, 1) for r in rates],
            "bare_client": [round(b, 1) for b in bares],
        },
        "ratio_to_ceiling": round(rate / ceiling, 3),
        "target_ratio_to_bare_client": 0.95,
        "met": rate / bare >= 0.95,
    }
