"""The feeder's client: sample indicators from the source database and submit them to the
classify API in batches, several requests in flight, following each to completion.

It rides out an outage: a connection error, a 5xx or a 429 is retried with back-off and
jitter for up to `max_outage` seconds. Every batch carries a `batch_key` (this run's id
and the batch's number), so a submission retried after the server accepted it gets the
same batch back, never a second one. `scripts/run_classification.py` is the command line;
`scripts/bench.py` reuses `Feeder`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import sqlite3
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from stepflow import parse_retry_after, retry_delay
from steps.classify.models import IndicatorInput

REPO = Path(__file__).resolve().parents[1]
DEFAULT_API = "http://127.0.0.1:3000"
FIELDS = tuple(IndicatorInput.model_fields)  # the source table holds the same columns
RESUME_CHUNK = 5_000  # ids per status request (the endpoint takes up to 10,000)
PROBLEMS_SHOWN = 20  # lines of a refused request's problems in an error
RETRY_CAP = 5.0  # seconds: the longest pause between two tries during an outage


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
    outages: int = 0
    """How many times the server stopped answering for a while, and came back."""
    llm_calls: int = 0
    cache_hits: int = 0

    @property
    def done(self) -> int:
        return self.classified + self.failed

    @property
    def seconds(self) -> float:
        return (self.finished or time.perf_counter()) - self.started

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds > 0 else 0.0


class FeederError(Exception):
    """A failure that ends the run; the message names its cause and the next step."""


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
        max_outage: float = 600.0,
        on_progress: Callable[[Outcome], None] | None = None,
        on_notice: Callable[[str], None] | None = None,
    ) -> None:
        self.api = api.rstrip("/")
        self.batch_size = batch_size
        self.in_flight = max(1, in_flight)
        self.provider = provider
        self.api_key = api_key
        self.max_outage = max_outage
        self.run_id = os.urandom(6).hex()
        headers = {"x-api-key": api_key} if api_key else {}
        limits = httpx.Limits(max_connections=self.in_flight + 4)
        self.client = httpx.AsyncClient(
            base_url=self.api, headers=headers, timeout=timeout, limits=limits
        )
        self.on_progress = on_progress or (lambda outcome: None)
        self.on_notice = on_notice or (lambda text: None)
        self._outage_since: float | None = None
        self._outages = 0

    async def aclose(self) -> None:
        await self.client.aclose()

    # -- requests that ride out an outage ----------------------------------------------

    async def request(self, method: str, path: str, body: Any = None) -> httpx.Response:
        """`method path`, retried through connection errors, 5xx and 429 for up to
        `max_outage` seconds; any other answer is returned as it is."""
        attempt = 0
        while True:
            attempt += 1
            cause: str
            wait: float | None = None
            try:
                response = await self.client.request(method, path, json=body)
            except httpx.TransportError as exc:
                cause = f"{type(exc).__name__}: {exc}".rstrip(": ")
            else:
                if response.status_code < 500 and response.status_code != 429:
                    self._recovered()
                    return response
                cause = f"HTTP {response.status_code}: {_detail(response)}"
                wait = parse_retry_after(response.headers)
            self._failing(method, path, cause)
            delay = retry_delay(attempt, 0.2, RETRY_CAP)
            await asyncio.sleep(delay if wait is None else min(max(wait, delay), 30.0))

    def _failing(self, method: str, path: str, cause: str) -> None:
        now = time.monotonic()
        if self._outage_since is None:
            self._outage_since = now
            self._outages += 1
            self.on_notice(
                f"{method} {path} failed ({cause}); retrying for up to {self.max_outage:g}s"
            )
        elif now - self._outage_since > self.max_outage:
            raise FeederError(
                f"{method} {self.api}{path} kept failing for {self.max_outage:g}s; last: {cause}."
                " Start the server again (or check --api), then run again with --resume to"
                " submit only what is not classified yet."
            )

    def _recovered(self) -> None:
        if self._outage_since is not None:
            self.on_notice(
                f"the server answers again after {time.monotonic() - self._outage_since:.1f}s"
            )
            self._outage_since = None

    async def _json(self, method: str, path: str, body: Any = None) -> Any:
        response = await self.request(method, path, body)
        if response.status_code >= 400:
            said = f"{method} {self.api}{path}: HTTP {response.status_code}"
            problems = _problems(response)
            if len(problems) == 1:
                raise FeederError(f"{said}: {problems[0]}")
            shown = problems[:PROBLEMS_SHOWN]
            if len(problems) > PROBLEMS_SHOWN:
                shown.append(f"... and {len(problems) - PROBLEMS_SHOWN} more")
            raise FeederError("\n  ".join([f"{said}:", *shown]))
        return response.json()

    # -- what the feeder asks --------------------------------------------------------

    async def preflight(self) -> None:
        """Before any work: check that the server is a stepflow server that takes this
        feeder's API key and serves a classify flow taking its batch size (the server's
        limit, when none is given). A `FeederError` says what to change otherwise."""
        response = await self.request("GET", "/health")
        try:
            health = response.json() if response.status_code == 200 else None
        except ValueError:
            health = None
        if not isinstance(health, dict) or health.get("status") != "ok":
            raise FeederError(
                f"something answers at {self.api}, but not a stepflow server (GET /health:"
                f" HTTP {response.status_code}); is --api the right server?"
            )
        if "queued" not in health:  # the queues are shown only with the server's key
            what = "refuses the API key given" if self.api_key else "needs an API key"
            raise FeederError(
                f"the server at {self.api} {what}: pass its key with --api-key"
                " (or STEPFLOW_API_KEY)"
            )
        limit = await self.server_batch_limit()
        if self.batch_size is None:
            self.batch_size = limit
        elif self.batch_size > limit:
            raise FeederError(
                f"--batch-size {self.batch_size} is over the server's limit of {limit}"
                " indicators per request; pass at most that, or none to use it"
            )

    async def server_batch_limit(self) -> int:
        """`maxItems` of the batch request's `indicators`, from the server's OpenAPI."""
        document = await self._json("GET", "/openapi.json")
        try:
            operation = document["paths"]["/classify/batch"]["post"]
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            schema = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
            return int(schema["properties"]["indicators"]["maxItems"])
        except (KeyError, TypeError, ValueError):
            raise FeederError(
                f"{self.api} serves no classify flow (no POST /classify/batch in its"
                " /openapi.json); is --api the right server?"
            ) from None

    async def already_classified(self, ids: Sequence[str]) -> set[str]:
        """The ids whose indicator is already classified (for --resume), in bulk."""
        done: set[str] = set()
        for start in range(0, len(ids), RESUME_CHUNK):
            chunk = list(ids[start : start + RESUME_CHUNK])
            reply = await self._json("POST", "/classify/statuses", {"ids": chunk})
            done.update(i for i, status in reply["statuses"].items() if status == "classified")
        return done

    async def batch_status(self, trace_id: str) -> dict[str, Any] | None:
        """A batch's progress; None if the server does not know it (yet)."""
        response = await self.request("GET", f"/classify/batches/{trace_id}")
        if response.status_code != 200:
            return None
        status: dict[str, Any] = response.json()
        return status

    async def run(
        self, indicators: Sequence[dict[str, Any]], outcome: Outcome | None = None
    ) -> Outcome:
        outcome = outcome or Outcome()
        size = self.batch_size or await self.server_batch_limit()
        batches = [indicators[i : i + size] for i in range(0, len(indicators), size)]
        traces: dict[str, int] = {}
        queue: asyncio.Queue[tuple[int, Sequence[dict[str, Any]]]] = asyncio.Queue()
        for number, batch in enumerate(batches):
            queue.put_nowait((number, batch))

        async def submitter() -> None:
            while not queue.empty():
                number, batch = queue.get_nowait()
                trace_id = await self.submit(number, batch)
                if trace_id not in traces:
                    traces[trace_id] = len(batch)
                    outcome.submitted += len(batch)
                self.on_progress(outcome)

        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(self.in_flight):
                    group.create_task(submitter())
                group.create_task(self._follow(traces, outcome, len(indicators)))
        except ExceptionGroup as failed:
            raise failed.exceptions[0] from None  # the first failure, whole: it says why
        outcome.outages = self._outages
        outcome.finished = time.perf_counter()
        return outcome

    async def submit(self, number: int, batch: Sequence[dict[str, Any]]) -> str:
        """Submit batch `number` of this run; its trace id (the same on a retry)."""
        body: dict[str, Any] = {"indicators": list(batch), "batch_key": f"{self.run_id}-{number}"}
        if self.provider:
            body["llm_provider"] = self.provider
        reply = await self._json("POST", "/classify/batch", body)
        trace_id: str = reply["trace_id"]
        return trace_id

    async def _follow(self, traces: dict[str, int], outcome: Outcome, total: int) -> None:
        finished: dict[str, dict[str, Any]] = {}
        while True:
            # Batches finish roughly in order: asking about the oldest few open ones is
            # enough, and keeps status reads from competing with the work itself.
            open_traces = [t for t in list(traces) if t not in finished][:8]
            results = await asyncio.gather(*(self.batch_status(t) for t in open_traces))
            live: dict[str, dict[str, Any]] = {}
            for trace_id, status in zip(open_traces, results, strict=True):
                if status is not None:
                    (finished if status["complete"] else live)[trace_id] = status
            _tally(outcome, [*finished.values(), *live.values()])
            self.on_progress(outcome)
            if outcome.submitted >= total and len(finished) == len(traces):
                return
            await asyncio.sleep(0.1)


def _tally(outcome: Outcome, statuses: Sequence[dict[str, Any]]) -> None:
    outcome.classified = sum(s["classified"] for s in statuses)
    outcome.failed = sum(s["failed"] for s in statuses)
    outcome.by_family = _merge(s["by_family"] for s in statuses)
    outcome.by_type = _merge(s["by_type"] for s in statuses)
    outcome.failures = [f for s in statuses for f in s["failures"]]
    outcome.llm_calls = sum(s.get("llm", {}).get("calls", 0) for s in statuses)
    outcome.cache_hits = sum(s.get("llm", {}).get("cache_hits", 0) for s in statuses)


def _merge(counts: Any) -> dict[str, int]:
    merged: dict[str, int] = defaultdict(int)
    for item in counts:
        for key, value in item.items():
            merged[key] += value
    return dict(merged)


def _detail(response: httpx.Response) -> str:
    """The server's error on one line (for a notice)."""
    return "; ".join(_problems(response))


def _problems(response: httpx.Response) -> list[str]:
    """The server's error in words: each of a 422's problems as `where: what` (where
    in the body the feeder sent, so without `body.`), else its detail as it is."""
    try:
        body = response.json()
    except ValueError:
        return [response.text[:300] or response.reason_phrase]
    detail = body.get("detail", body) if isinstance(body, dict) else body
    if not isinstance(detail, list) or not all(isinstance(e, dict) and "msg" in e for e in detail):
        return [str(detail)[:300]]
    found: dict[str, None] = {}
    for error in detail:
        loc = [str(part) for part in error.get("loc", [])]
        where = ".".join(loc[1:] if loc[:1] == ["body"] else loc)
        found[f"{where}: {error['msg']}" if where else str(error["msg"])] = None
    return list(found) or [response.reason_phrase]


async def answers(api: str) -> bool:
    """Whether anything answers HTTP at `api` (`Feeder.preflight` says whether it is
    the right server, and takes this feeder)."""
    try:
        async with httpx.AsyncClient(timeout=2) as client:
            await client.get(f"{api.rstrip('/')}/health")
    except httpx.TransportError:
        return False
    return True


@contextlib.asynccontextmanager
async def serving(api: str, project: Path = REPO) -> AsyncIterator[str]:
    """Serve `project` on `api`'s host and port, in this process, until the block ends;
    yields where its database is."""
    from stepflow import Runtime, build_app, discover, load_settings
    from stepflow.testing import LiveServer

    url = httpx.URL(api)
    settings = load_settings(project, overrides={"host": url.host, "port": url.port or 80})
    registry, _ = discover(settings.steps_dir, settings)
    runtime = Runtime(registry, settings, project=project)
    server = LiveServer(build_app(runtime), settings.host, settings.port)
    await asyncio.to_thread(server.start)
    try:
        yield settings.database
    finally:
        await asyncio.to_thread(server.stop)
