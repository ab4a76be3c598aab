"""e2e: indicators/s through the whole classify flow over real HTTP (the server in
another process, rules provider, SQLite), with tracing on and off, against the floor: the
same work per indicator without the framework (`floor.py`), in the same run.

Targets: stepflow at least 0.5 of the floor; tracing on at least 0.9 of tracing off."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from scripts.feeder import sample_indicators
from stepflow.testing import free_port

from ._common import ROOT, feed, server, source, wait_http


def _stepflow(items: list[dict[str, Any]], tracing: bool) -> float:
    env = {"STEPFLOW_TRACE_SAMPLE": "1" if tracing else "0"}
    with tempfile.TemporaryDirectory() as tmp, server(Path(tmp), env) as process:
        outcome = feed(process.url, items, batch_size=100)
    if outcome.classified != len(items):
        raise RuntimeError(f"e2e classified {outcome.classified} of {len(items)}")
    return outcome.rate


def _floor(items: list[dict[str, Any]]) -> float:
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "scripts.benchmarks.floor", "--port", str(port)]
        command += ["--database", str(Path(tmp) / "floor.db")]
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_http(f"{url}/health")
            outcome = feed(url, items, batch_size=100)
        finally:
            process.terminate()
            process.wait()
    return outcome.rate


def bench_e2e(quick: bool) -> dict[str, Any]:
    count = 2_000 if quick else 10_000
    items = sample_indicators(source(), count, seed=1)
    rounds = 1 if quick else 2
    traced, untraced, floors = [], [], []
    for _ in range(rounds):  # interleaved, best of each
        floors.append(_floor(items))
        traced.append(_stepflow(items, tracing=True))
        untraced.append(_stepflow(items, tracing=False))
    on, off, floor = max(traced), max(untraced), max(floors)
    return {
        "indicators": count,
        "baseline": "floor.py: the same HTTP stack, models, units, rules and batched SQLite "
        "upserts in one asyncio program, without the framework",
        "floor_per_s": round(floor),
        "stepflow_per_s": round(on),
        "stepflow_untraced_per_s": round(off),
        "ratio_to_floor": round(on / floor, 3),
        "tracing_on_to_off": round(on / off, 3),
        "targets": {"ratio_to_floor": 0.5, "tracing_on_to_off": 0.9},
        "met": on / floor >= 0.5 and on / off >= 0.9,
    }
