"""memory: peak RSS of the server process while 100,000 indicators are fed as fast as
they go (target: at most 200 MB; the bounded queues keep it flat)."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import Any

import psutil

from scripts.feeder import sample_indicators

from ._common import feed, server, source, unique

TARGET_MB = 200


def bench_memory(quick: bool) -> dict[str, Any]:
    count = 20_000 if quick else 100_000
    items = unique(sample_indicators(source(), 10_000, seed=3), count)
    with tempfile.TemporaryDirectory() as tmp, server(Path(tmp), {}) as process:
        watched = psutil.Process(process.pid)
        baseline = peak = watched.memory_info().rss
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not stop.wait(0.05):
                peak = max(peak, watched.memory_info().rss)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        outcome = feed(process.url, items, in_flight=8)
        stop.set()
        sampler.join()
    peak_mb = peak / 2**20
    return {
        "indicators": count,
        "classified": outcome.classified,
        "indicators_per_s": round(outcome.rate),
        "baseline": "the server's own RSS at start",
        "rss_at_start_mb": round(baseline / 2**20, 1),
        "peak_rss_mb": round(peak_mb, 1),
        "target_peak_rss_mb": TARGET_MB,
        "met": peak_mb <= TARGET_MB,
    }
