"""What the sections share: the source data, server processes, the feeder, the fake LLM."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil

from scripts.feeder import Feeder, Outcome
from scripts.source import DEFAULT_DB, ensure_source_database
from stepflow.testing import ServerProcess, free_port, wait_until_blocking

ROOT = Path(__file__).resolve().parents[2]


def source() -> Path:
    ensure_source_database(DEFAULT_DB)
    return DEFAULT_DB


def unique(items: list[dict[str, Any]], total: int) -> list[dict[str, Any]]:
    """`total` indicators with distinct ids, repeating `items` with suffixed ids."""
    out: list[dict[str, Any]] = []
    copy = 0
    while len(out) < total:
        for item in items:
            out.append({**item, "indicator_id": f"{item['indicator_id']}~{copy}"} if copy else item)
            if len(out) == total:
                break
        copy += 1
    return out


def server(
    workdir: Path, env: dict[str, str], args: tuple[str, ...] = (), http: bool = True
) -> ServerProcess:
    """`stepflow start` for this repository in a subprocess."""
    base = {"STEPFLOW_DATABASE": str(workdir / "bench.db"), "STEPFLOW_QUEUE_SIZE": "2000"}
    log = workdir / f"server-{len(list(workdir.glob('server-*.log')))}.log"
    return ServerProcess(ROOT, env={**base, **env}, args=args, log=log, http=http)


def feed(url: str, items: list[dict[str, Any]], **options: Any) -> Outcome:
    async def run() -> Outcome:
        feeder = Feeder(url, in_flight=options.pop("in_flight", 4), **options)
        try:
            return await feeder.run(items)
        finally:
            await feeder.aclose()

    return asyncio.run(run())


def wait_http(url: str) -> None:
    def answers() -> bool:
        try:
            httpx.get(url, timeout=1)
        except httpx.TransportError:
            return False
        return True

    wait_until_blocking(answers, timeout=60, interval=0.05, what=url)


@contextlib.contextmanager
def fake_llm(latency: float) -> Iterator[str]:
    """The fake LLM in a process of its own (not sharing the GIL with the feeder); its
    OpenAI base URL."""
    port = free_port()
    command = [sys.executable, "-m", "scripts.fake_llm", "--port", str(port)]
    command += ["--latency", str(latency)]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        base = f"http://127.0.0.1:{port}/v1"
        wait_http(f"{base}/models")
        yield base
    finally:
        process.terminate()
        process.wait()


def cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used so far."""
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)
