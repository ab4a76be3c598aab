#!/usr/bin/env python3
"""Benchmarks: `python scripts/bench.py [--quick] [--json out.json] [--only bus,e2e]`.

Each section measures stepflow against a baseline run in the same process or run, and
reports the ratio next to its target; no figure here is asserted by the test suite.

- bus: events/s through a 4-step chain of no-op pydantic event steps on the in-memory
  bus, against a hand-written asyncio pipeline doing the same validation.
- e2e: indicators/s through the whole classify flow over real HTTP, the server in another
  process, the feeder's client code here, rules provider, SQLite.
- llm_bound: indicators/s with the openai provider against the fake LLM (100 ms latency,
  llm_concurrency 32), divided by the ceiling 32 / 0.1 s.
- memory: peak RSS of the server process while indicators are fed as fast as possible.
- redis: indicators/s with one and with two worker processes on the Redis backend.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psutil  # noqa: E402
from pydantic import BaseModel  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from stepflow import Context, Runtime, Settings, build_registry, event_step  # noqa: E402
from stepflow.testing import ServerProcess, free_port  # noqa: E402
from steps.classify.feeder import Feeder, sample_indicators  # noqa: E402
from steps.classify.source import ensure_source_database  # noqa: E402

console = Console()


# -- bus -------------------------------------------------------------------------------------


class Payload(BaseModel):
    n: int
    name: str
    value: float


async def bench_stepflow_chain(events: int, concurrency: int) -> float:
    done = asyncio.Event()
    seen = 0

    def stage(index: int) -> Any:
        topic, next_topic = f"s{index}", f"s{index + 1}"
        emits = [next_topic] if index < 4 else []

        @event_step(
            name=f"Stage{index}",
            subscribes=[topic],
            input=Payload,
            emits=emits,
            concurrency=concurrency,
        )
        async def handler(item: Payload, ctx: Context) -> None:
            nonlocal seen
            if index < 4:
                await ctx.emit(next_topic, {"n": item.n, "name": item.name, "value": item.value})
            else:
                seen += 1
                if seen == events:
                    done.set()

        return handler

    registry, _ = build_registry([stage(i) for i in range(1, 5)])
    settings = Settings(database=":memory:", state="memory", queue_size=1_000)  # type: ignore[arg-type]
    async with Runtime(registry, settings, cron=False) as runtime:
        start = time.perf_counter()
        for n in range(events):
            await runtime.publish("s1", {"n": n, "name": "x", "value": 1.5})
        await done.wait()
        elapsed = time.perf_counter() - start
    return events / elapsed


async def bench_hand_written_chain(events: int, concurrency: int) -> float:
    """Bounded queues and worker tasks, validating each stage's input like stepflow."""
    queues: list[asyncio.Queue[dict[str, Any]]] = [asyncio.Queue(1_000) for _ in range(4)]
    done = asyncio.Event()
    seen = 0

    async def worker(index: int) -> None:
        nonlocal seen
        queue = queues[index]
        while True:
            data = await queue.get()
            item = Payload.model_validate(data)
            if index < 3:
                await queues[index + 1].put({"n": item.n, "name": item.name, "value": item.value})
            else:
                seen += 1
                if seen == events:
                    done.set()

    tasks = [asyncio.create_task(worker(i)) for i in range(4) for _ in range(concurrency)]
    start = time.perf_counter()
    for n in range(events):
        await queues[0].put({"n": n, "name": "x", "value": 1.5})
    await done.wait()
    elapsed = time.perf_counter() - start
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return events / elapsed


def bench_bus(quick: bool) -> dict[str, Any]:
    events = 10_000 if quick else 50_000
    concurrency = 8
    rounds = 2 if quick else 3
    ours, theirs = [], []
    for _ in range(rounds):  # interleaved, best of each
        ours.append(asyncio.run(bench_stepflow_chain(events, concurrency)))
        theirs.append(asyncio.run(bench_hand_written_chain(events, concurrency)))
    best_ours, best_theirs = max(ours), max(theirs)
    return {
        "events": events,
        "steps": 4,
        "concurrency": concurrency,
        "stepflow_events_per_s": round(best_ours),
        "hand_written_events_per_s": round(best_theirs),
        "ratio": round(best_ours / best_theirs, 3),
        "target_ratio": 0.35,
    }


# -- helpers for the HTTP sections -------------------------------------------------------------


def _source(quick: bool) -> Path:
    path = ROOT / ".stepflow" / "source.db"
    ensure_source_database(path)
    return path


def _unique(items: list[dict[str, Any]], total: int) -> list[dict[str, Any]]:
    """`total` indicators with distinct ids, repeating the sample with suffixed ids."""
    out: list[dict[str, Any]] = []
    copy = 0
    while len(out) < total:
        for item in items:
            out.append({**item, "indicator_id": f"{item['indicator_id']}~{copy}"} if copy else item)
            if len(out) == total:
                break
        copy += 1
    return out


def _server(workdir: Path, env: dict[str, str], args: tuple[str, ...] = ()) -> ServerProcess:
    base = {"STEPFLOW_DATABASE": str(workdir / "bench.db"), "STEPFLOW_QUEUE_SIZE": "2000"}
    return ServerProcess(ROOT, env={**base, **env}, args=args, log=workdir / "server.log")


async def _feed(url: str, items: list[dict[str, Any]], **options: Any) -> Any:
    feeder = Feeder(url, in_flight=options.pop("in_flight", 4), **options)
    try:
        return await feeder.run(items)
    finally:
        await feeder.aclose()


def bench_e2e(quick: bool) -> dict[str, Any]:
    count = 2_000 if quick else 10_000
    items = sample_indicators(_source(quick), count, seed=1)
    with tempfile.TemporaryDirectory() as tmp, _server(Path(tmp), {}) as server:
        outcome = asyncio.run(_feed(server.url, items))
    return {
        "indicators": count,
        "classified": outcome.classified,
        "failed": outcome.failed,
        "seconds": round(outcome.seconds, 2),
        "indicators_per_s": round(outcome.rate),
        "target_indicators_per_s": 3_000,
    }


def bench_llm_bound(quick: bool) -> dict[str, Any]:
    count = 400 if quick else 2_000
    latency, concurrency = 0.1, 32
    items = sample_indicators(_source(quick), count, seed=2)
    port = free_port()
    fake = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "steps.classify.fake_llm",
            "--port",
            str(port),
            "--latency",
            str(latency),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_http(f"http://127.0.0.1:{port}/v1/models")
        env = {
            "STEPFLOW_APP_LLM_PROVIDER": "openai",
            "STEPFLOW_APP_LLM_BASE_URL": f"http://127.0.0.1:{port}/v1",
            "STEPFLOW_APP_LLM_API_KEY": "bench",
            "STEPFLOW_APP_LLM_CONCURRENCY": str(concurrency),
            "STEPFLOW_APP_LLM_CACHE": "false",
        }
        with tempfile.TemporaryDirectory() as tmp, _server(Path(tmp), env) as server:
            outcome = asyncio.run(_feed(server.url, items))
    finally:
        fake.terminate()
        fake.wait()
    ceiling = concurrency / latency
    return {
        "indicators": count,
        "classified": outcome.classified,
        "latency_s": latency,
        "llm_concurrency": concurrency,
        "indicators_per_s": round(outcome.rate, 1),
        "ceiling_per_s": ceiling,
        "ratio": round(outcome.rate / ceiling, 3),
        "target_ratio": 0.9,
    }


def bench_memory(quick: bool) -> dict[str, Any]:
    count = 20_000 if quick else 100_000
    items = _unique(sample_indicators(_source(quick), 10_000, seed=3), count)
    with tempfile.TemporaryDirectory() as tmp, _server(Path(tmp), {}) as server:
        process = psutil.Process(server.pid)
        peak = process.memory_info().rss
        baseline = peak
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, process.memory_info().rss)
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        outcome = asyncio.run(_feed(server.url, items, in_flight=8))
        stop.set()
        sampler.join()
    return {
        "indicators": count,
        "classified": outcome.classified,
        "indicators_per_s": round(outcome.rate),
        "rss_at_start_mb": round(baseline / 2**20, 1),
        "peak_rss_mb": round(peak / 2**20, 1),
        "target_peak_rss_mb": 300,
    }


def _redis_url() -> str:
    return os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def _redis_run(items: list[dict[str, Any]], workers: int) -> float:
    """indicators/s through one API process and `workers` worker processes on Redis."""
    import redis

    namespace = f"bench-{os.urandom(4).hex()}"
    env = {"STEPFLOW_BUS": _redis_url(), "STEPFLOW_REDIS_NAMESPACE": namespace}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            api = _server(workdir, env, ("--role", "api"))
            processes = [
                ServerProcess(
                    ROOT,
                    env={**api.env, "STEPFLOW_DATABASE": str(workdir / "bench.db")},
                    args=("--role", "worker"),
                    http=False,
                    log=workdir / f"worker{n}.log",
                )
                for n in range(workers)
            ]
            with api:
                for process in processes:
                    process.start()
                try:
                    outcome = asyncio.run(_feed(api.url, items, in_flight=8))
                finally:
                    for process in processes:
                        process.stop()
            if outcome.classified != len(items):
                raise RuntimeError(f"redis run classified {outcome.classified} of {len(items)}")
            return float(outcome.rate)
    finally:
        client = redis.Redis.from_url(_redis_url())
        keys = list(client.scan_iter(f"{namespace}:*"))
        if keys:
            client.delete(*keys)
        client.close()


def bench_redis(quick: bool) -> dict[str, Any]:
    count = 1_000 if quick else 5_000
    items = sample_indicators(_source(quick), count, seed=4)
    one = _redis_run(items, 1)
    two = _redis_run(items, 2)
    return {
        "indicators": count,
        "one_worker_per_s": round(one),
        "two_workers_per_s": round(two),
        "ratio_two_to_one": round(two / one, 3),
        "note": "API, workers, Redis and the feeder share this machine's cores",
    }


def _wait_http(url: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} never answered")


SECTIONS: dict[str, Callable[[bool], dict[str, Any]]] = {
    "bus": bench_bus,
    "e2e": bench_e2e,
    "llm_bound": bench_llm_bound,
    "memory": bench_memory,
    "redis": bench_redis,
}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, for a CI smoke run (< 60 s)"
    )
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--only", help=f"comma-separated sections: {', '.join(SECTIONS)}")
    args = parser.parse_args()
    chosen = args.only.split(",") if args.only else list(SECTIONS)
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown sections: {', '.join(unknown)}")
    results: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "quick": args.quick,
        },
    }
    started = time.perf_counter()
    for name in chosen:
        console.print(f"[bold]{name}[/] …")
        section_start = time.perf_counter()
        results[name] = SECTIONS[name](args.quick)
        results[name]["section_seconds"] = round(time.perf_counter() - section_start, 1)
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    table = Table("section", "measure", "value", title="stepflow benchmarks", title_justify="left")
    for name in chosen:
        for key, value in results[name].items():
            table.add_row(name, key, str(value))
    console.print(table)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        console.print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
