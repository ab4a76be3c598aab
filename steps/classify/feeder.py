"""The feeder: sample indicators from the source database and submit them to the API.

`scripts/run_classification.py` is its command line; `scripts/bench.py` reuses `Feeder`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import re
import sqlite3
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from steps.classify.models import IndicatorInput
from steps.classify.settings import PROJECT_ROOT
from steps.classify.source import DEFAULT_DB, ensure_source_database

DEFAULT_API = "http://127.0.0.1:3000"
FIELDS = tuple(IndicatorInput.model_fields)  # the source table holds the same columns
RETRY_STATUSES = {429, 502, 503, 504}


def sample_indicators(source: Path, count: int, seed: int) -> list[dict[str, Any]]:
    """Exactly `count` indicators (or all there are), spread evenly over indicator names:
    one of each name in turn, in a seeded order, until `count` are taken."""
    with contextlib.closing(sqlite3.connect(source)) as conn:
        rows = conn.execute(
            f"SELECT {', '.join(FIELDS)} FROM source_indicators ORDER BY indicator_id"
        ).fetchall()
    rng = random.Random(seed)
    by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        item = {k: v for k, v in zip(FIELDS, row, strict=True) if v is not None}
        if "sample_values" in item:
            item["sample_values"] = json.loads(item["sample_values"])
        by_name[item["name"]].append(item)
    names = sorted(by_name)
    rng.shuffle(names)
    for group in by_name.values():
        rng.shuffle(group)
    taken: list[dict[str, Any]] = []
    depth = 0
    while len(taken) < count and any(depth < len(by_name[n]) for n in names):
        for name in names:
            if depth < len(by_name[name]):
                taken.append(by_name[name][depth])
                if len(taken) == count:
                    break
        depth += 1
    return taken


@dataclass
class Outcome:
    submitted: int = 0
    classified: int = 0
    failed: int = 0
    started: float = field(default_factory=time.perf_counter)
    finished: float | None = None
    by_family: dict[str, int] = field(default_factory=dict)
    by_type: dict[str, int] = field(default_factory=dict)
    failures: list[dict[str, str]] = field(default_factory=list)
    skipped: int = 0

    @property
    def done(self) -> int:
        return self.classified + self.failed

    @property
    def seconds(self) -> float:
        return (self.finished or time.perf_counter()) - self.started

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds > 0 else 0.0


class Feeder:
    """Submits batches with several requests in flight and follows them to completion."""

    def __init__(
        self,
        api: str,
        *,
        batch_size: int | None = None,
        in_flight: int = 4,
        provider: str | None = None,
        api_key: str | None = None,
        timeout: float = 120.0,
        on_progress: Callable[[Outcome], None] | None = None,
    ) -> None:
        self.api = api.rstrip("/")
        self.batch_size = batch_size
        self.in_flight = max(1, in_flight)
        self.provider = provider
        headers = {"x-api-key": api_key} if api_key else {}
        limits = httpx.Limits(max_connections=self.in_flight + 4)
        self.client = httpx.AsyncClient(
            base_url=self.api, headers=headers, timeout=timeout, limits=limits
        )
        self.on_progress = on_progress or (lambda outcome: None)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def server_batch_limit(self) -> int:
        """`maxItems` of the batch request's `indicators`, from the server's OpenAPI."""
        response = await self.client.get("/openapi.json")
        response.raise_for_status()
        document = response.json()
        operation = document["paths"]["/classify/batch"]["post"]
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        schema = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        return int(schema["properties"]["indicators"]["maxItems"])

    async def already_classified(self, ids: Sequence[str]) -> set[str]:
        """The ids whose indicator is already classified (for --resume)."""
        done: set[str] = set()
        gate = asyncio.Semaphore(16)

        async def check(indicator_id: str) -> None:
            async with gate:
                response = await self.client.get(f"/classify/indicators/{indicator_id}")
            if response.status_code == 200 and response.json()["status"] == "classified":
                done.add(indicator_id)

        await asyncio.gather(*(check(i) for i in ids))
        return done

    async def run(
        self, indicators: Sequence[dict[str, Any]], outcome: Outcome | None = None
    ) -> Outcome:
        outcome = outcome or Outcome()
        size = self.batch_size or await self.server_batch_limit()
        batches = [indicators[i : i + size] for i in range(0, len(indicators), size)]
        traces: dict[str, int] = {}
        queue: asyncio.Queue[Sequence[dict[str, Any]]] = asyncio.Queue()
        for batch in batches:
            queue.put_nowait(batch)

        async def submitter() -> None:
            while not queue.empty():
                batch = queue.get_nowait()
                trace_id = await self._submit(batch)
                traces[trace_id] = len(batch)
                outcome.submitted += len(batch)
                self.on_progress(outcome)

        follower = asyncio.create_task(self._follow(traces, outcome, len(indicators)))
        try:
            await asyncio.gather(*(submitter() for _ in range(self.in_flight)))
            await follower
        finally:
            follower.cancel()
        outcome.finished = time.perf_counter()
        return outcome

    async def _submit(self, batch: Sequence[dict[str, Any]]) -> str:
        body: dict[str, Any] = {"indicators": list(batch)}
        if self.provider:
            body["llm_provider"] = self.provider
        delay = 0.2
        for _ in range(20):
            try:
                response = await self.client.post("/classify/batch", json=body)
            except httpx.TransportError:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            if response.status_code == 202:
                trace_id: str = response.json()["trace_id"]
                return trace_id
            if response.status_code in RETRY_STATUSES:
                await asyncio.sleep(_retry_after(response) or delay)
                delay = min(delay * 2, 5.0)
                continue
            raise FeederError(
                f"POST /classify/batch: HTTP {response.status_code}: {response.text[:500]}"
            )
        raise FeederError("POST /classify/batch kept failing; giving up")

    async def _follow(self, traces: dict[str, int], outcome: Outcome, total: int) -> None:
        finished: dict[str, dict[str, Any]] = {}
        while True:
            # Batches finish roughly in order: asking about the oldest few open ones is
            # enough, and keeps status reads from competing with the work itself.
            open_traces = [t for t in list(traces) if t not in finished][:8]
            results = await asyncio.gather(*(self._batch(t) for t in open_traces))
            live: dict[str, dict[str, Any]] = {}
            for trace_id, status in zip(open_traces, results, strict=False):
                if status is None:
                    continue
                (finished if status["complete"] else live)[trace_id] = status
            _tally(outcome, [*finished.values(), *live.values()])
            self.on_progress(outcome)
            if outcome.submitted >= total and len(finished) == len(traces):
                return
            await asyncio.sleep(0.1)

    async def _batch(self, trace_id: str) -> dict[str, Any] | None:
        response = await self.client.get(f"/classify/batches/{trace_id}")
        if response.status_code != 200:
            return None
        status: dict[str, Any] = response.json()
        return status


class FeederError(Exception):
    pass


def _tally(outcome: Outcome, statuses: Sequence[dict[str, Any]]) -> None:
    outcome.classified = sum(s["classified"] for s in statuses)
    outcome.failed = sum(s["failed"] for s in statuses)
    outcome.by_family = _merge(s["by_family"] for s in statuses)
    outcome.by_type = _merge(s["by_type"] for s in statuses)
    outcome.failures = [f for s in statuses for f in s["failures"]]


def _merge(counts: Any) -> dict[str, int]:
    merged: dict[str, int] = defaultdict(int)
    for item in counts:
        for key, value in item.items():
            merged[key] += value
    return dict(merged)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return min(float(value), 30.0) if value else None
    except ValueError:
        return None


# -- command line --------------------------------------------------------------------------


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="run_classification.py",
        description="Sample indicators from the source database and classify them via the API.",
    )
    parser.add_argument("-n", "--count", type=int, default=100, help="how many indicators")
    parser.add_argument("--api", default=DEFAULT_API, help="the API's base URL")
    parser.add_argument("--provider", choices=["rules", "openai", "anthropic"], help="LLM provider")
    parser.add_argument(
        "--batch-size", type=int, help="indicators per request (default: the server's limit)"
    )
    parser.add_argument("--in-flight", type=int, default=4, help="requests in flight")
    parser.add_argument("--seed", type=int, default=42, help="sampling seed")
    parser.add_argument("--source-db", type=Path, default=DEFAULT_DB, help="source database")
    parser.add_argument("--resume", action="store_true", help="skip indicators already classified")
    parser.add_argument(
        "--serve", action="store_true", help="start the server in-process if none answers"
    )
    parser.add_argument("--api-key", help="the server's API key")
    # The old tool took the count as a bare negative number: `-1000`.
    args = parser.parse_args([f"--count={a[1:]}" if re.fullmatch(r"-\d+", a) else a for a in argv])
    if args.count < 1:
        parser.error("--count must be at least 1")
    if args.batch_size is not None and args.batch_size < 1:
        parser.error("--batch-size must be at least 1")
    return args


async def _answers(api: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=2) as client:
            return (await client.get(f"{api.rstrip('/')}/health")).status_code == 200
    except httpx.TransportError:
        return False


@contextlib.asynccontextmanager
async def serving(api: str, console: Console) -> AsyncIterator[None]:
    """Serve the project in this process on `api`'s host and port until the block ends."""
    import uvicorn

    from stepflow import Runtime, discover, load_settings
    from stepflow.http import build_app

    url = httpx.URL(api)
    settings = load_settings(PROJECT_ROOT, overrides={"host": url.host, "port": url.port or 80})
    registry, _ = discover(settings.steps_dir)
    runtime = Runtime(registry, settings)
    config = uvicorn.Config(
        build_app(runtime),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise FeederError(f"the server did not start on {api}")
        await asyncio.sleep(0.02)
    console.print(f"[dim]serving {api} in-process (database {settings.database})[/]")
    try:
        yield
    finally:
        server.should_exit = True
        await task


async def feed(args: argparse.Namespace, console: Console) -> Outcome:
    await asyncio.to_thread(ensure_source_database, args.source_db)
    indicators = sample_indicators(args.source_db, args.count, args.seed)
    if len(indicators) < args.count:
        raise FeederError(f"the source database holds only {len(indicators)} indicators")
    async with contextlib.AsyncExitStack() as stack:
        if not await _answers(args.api):
            if not args.serve:
                raise FeederError(f"no server answers at {args.api} (start one, or pass --serve)")
            await stack.enter_async_context(serving(args.api, console))
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        submitted = progress.add_task("submitted", total=len(indicators))
        completed = progress.add_task("completed", total=len(indicators))

        def show(outcome: Outcome) -> None:
            progress.update(submitted, completed=outcome.submitted + outcome.skipped)
            progress.update(completed, completed=outcome.done + outcome.skipped)

        feeder = Feeder(
            args.api,
            batch_size=args.batch_size,
            in_flight=args.in_flight,
            provider=args.provider,
            api_key=args.api_key,
            on_progress=show,
        )
        stack.push_async_callback(feeder.aclose)
        outcome = Outcome()
        if args.resume:
            done = await feeder.already_classified([i["indicator_id"] for i in indicators])
            indicators = [i for i in indicators if i["indicator_id"] not in done]
            outcome.skipped = len(done)
        with progress:
            show(outcome)
            if indicators:
                await feeder.run(indicators, outcome)
            outcome.finished = time.perf_counter()
            show(outcome)
        return outcome


def summary(outcome: Outcome, console: Console) -> None:
    families = Table("family", "count", title="classified by family", title_justify="left")
    for family, count in sorted(outcome.by_family.items(), key=lambda kv: -kv[1]):
        families.add_row(family, str(count))
    types = Table("family/type", "count", title="classified by type", title_justify="left")
    for label, count in sorted(outcome.by_type.items(), key=lambda kv: -kv[1]):
        types.add_row(label, str(count))
    console.print(families)
    console.print(types)
    if outcome.failures:
        failures = Table("indicator", "reason", title="failures", title_justify="left")
        for failure in outcome.failures[:20]:
            failures.add_row(failure["indicator_id"], failure["error"])
        console.print(failures)
    totals = Table(
        "submitted",
        "classified",
        "failed",
        "skipped",
        "seconds",
        "indicators/s",
        title="summary",
        title_justify="left",
    )
    totals.add_row(
        str(outcome.submitted),
        str(outcome.classified),
        str(outcome.failed),
        str(outcome.skipped),
        f"{outcome.seconds:.2f}",
        f"{outcome.rate:.0f}",
    )
    console.print(totals)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    console = Console()
    try:
        outcome = asyncio.run(feed(args, console))
    except FeederError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        return 1
    except KeyboardInterrupt:
        return 130
    summary(outcome, console)
    return 0 if outcome.failed == 0 and outcome.classified == outcome.submitted else 1
