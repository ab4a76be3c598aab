"""redis: indicators/s through one API process and one, then two, worker processes on
the Redis bus; the workers' CPU seconds per thousand events, entries per XREADGROUP and
ids per XACK (from Redis's own command counters). Targets: two workers at least 1.6
times one; worker CPU per event at most 0.6 of the code issue 14 measured
(BEFORE_CPU_MS_PER_EVENT, measured on another machine of this kind: a figure to quote).

Worker CPU is counted from the moment every worker reads its streams, so it is the CPU
of handling events, not of starting Python. `cores_busy` is the CPU that every process
of the run used (API, workers, Redis, and this feeder) over the wall time, in cores:
when it is near the machine's count, a second worker has no core to run on."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import redis as redis_sync

from scripts.feeder import sample_indicators
from stepflow._redis import client_name
from stepflow.testing import wait_until_blocking

from ._common import cpu_seconds, feed, server, source

BEFORE_CPU_MS_PER_EVENT = 0.213
"""Worker CPU per event of commit 436f6b2 (the code issue 14 measured), through this
module's `run` on this machine kind: 0.224 and 0.202 ms in two runs of 5,000 indicators,
with 12 entries per XREADGROUP and 15 ids per XACK."""
DELIVERIES_PER_INDICATOR = 3  # normalize, classify, persist


def redis_url() -> str:
    return os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def _commands(client: redis_sync.Redis) -> dict[str, int]:
    stats: dict[str, Any] = client.info("commandstats")
    return {name: int(value["calls"]) for name, value in stats.items()}


def _reading(client: redis_sync.Redis, namespace: str, pids: list[int]) -> bool:
    """Whether each worker process waits on XREADGROUP for each of the namespace's
    consumer groups (its connections bear its name), so it has started."""
    groups = sum(len(client.xinfo_groups(s)) for s in client.scan_iter(f"{namespace}:stream:*"))
    if not groups:
        return False
    waiting = [c["name"] for c in client.client_list() if c.get("cmd") == "xreadgroup"]
    return all(waiting.count(client_name(pid)) >= groups for pid in pids)


def run(items: list[dict[str, Any]], workers: int) -> dict[str, float]:
    """One API process and `workers` workers on a namespace of their own."""
    namespace = f"bench-{os.urandom(4).hex()}"
    env = {"STEPFLOW_BUS": redis_url(), "STEPFLOW_REDIS_NAMESPACE": namespace}
    client = redis_sync.Redis.from_url(redis_url())
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            api = server(workdir, env, ("--role", "api"))
            processes = [
                server(workdir, env, ("--role", "worker"), http=False) for _ in range(workers)
            ]
            with api:
                for process in processes:
                    process.start()
                try:
                    wait_until_blocking(
                        lambda: _reading(client, namespace, [p.pid for p in processes]),
                        timeout=60,
                        interval=0.05,
                        what=f"{workers} worker(s) reading their streams",
                    )
                    # The API, the workers, Redis, and this process (the feeder).
                    pids = [api.pid, *(p.pid for p in processes), _server_pid(client), os.getpid()]
                    before = _commands(client)
                    cpu_before = sum(cpu_seconds(p.pid) for p in processes)
                    all_before = sum(cpu_seconds(pid) for pid in pids)
                    wall = time.perf_counter()
                    outcome = feed(api.url, items, in_flight=8)
                    wall = time.perf_counter() - wall
                    cpu = sum(cpu_seconds(p.pid) for p in processes) - cpu_before
                    all_cpu = sum(cpu_seconds(pid) for pid in pids) - all_before
                    after = _commands(client)
                finally:
                    for process in processes:
                        process.stop()
        if outcome.classified != len(items):
            raise RuntimeError(f"redis run classified {outcome.classified} of {len(items)}")
    finally:
        keys = list(client.scan_iter(f"{namespace}:*"))
        if keys:
            client.delete(*keys)
        client.close()
    events = len(items) * DELIVERIES_PER_INDICATOR
    reads = after.get("cmdstat_xreadgroup", 0) - before.get("cmdstat_xreadgroup", 0)
    acks = after.get("cmdstat_xack", 0) - before.get("cmdstat_xack", 0)
    return {
        "per_s": outcome.rate,
        "cpu_ms_per_event": 1_000 * cpu / events,
        "entries_per_xreadgroup": events / reads if reads else 0.0,
        "ids_per_xack": events / acks if acks else 0.0,
        "cores_busy": all_cpu / wall,
    }


def _server_pid(client: redis_sync.Redis) -> int:
    info: dict[str, Any] = client.info("server")
    return int(info["process_id"])


def bench_redis(quick: bool) -> dict[str, Any]:
    count = 1_000 if quick else 5_000
    items = sample_indicators(source(), count, seed=4)
    one = run(items, 1)
    two = run(items, 2)
    ratio = two["per_s"] / one["per_s"]
    cpu = one["cpu_ms_per_event"]
    result: dict[str, Any] = {
        "indicators": count,
        "baseline": "one worker process against two, and the CPU per event before",
        "one_worker_per_s": round(one["per_s"]),
        "two_workers_per_s": round(two["per_s"]),
        "ratio_two_to_one": round(ratio, 3),
        "worker_cpu_ms_per_event": round(cpu, 3),
        "worker_cpu_ms_per_1000_events": round(cpu * 1_000, 1),
        "entries_per_xreadgroup": round(one["entries_per_xreadgroup"], 1),
        "ids_per_xack": round(one["ids_per_xack"], 1),
        "cores": os.cpu_count(),
        "cores_busy_one_worker": round(one["cores_busy"], 2),
        "cores_busy_two_workers": round(two["cores_busy"], 2),
        "targets": {"ratio_two_to_one": 1.6, "cpu_to_before": 0.6},
        "note": "API, workers, Redis and the feeder share this machine's cores",
    }
    if BEFORE_CPU_MS_PER_EVENT:
        result["cpu_to_before"] = round(cpu / BEFORE_CPU_MS_PER_EVENT, 3)
        result["met"] = ratio >= 1.6 and cpu / BEFORE_CPU_MS_PER_EVENT <= 0.6
    return result
