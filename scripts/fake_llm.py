"""A fake LLM server for tests and demos: OpenAI- and Anthropic-shaped endpoints
that answer with the rules classification, with configurable latency and faults.

    python -m scripts.fake_llm --port 8011 --latency 0.1 --fault-rate 0.3

Endpoints: `POST /v1/chat/completions` (OpenAI), `POST /v1/messages` (Anthropic),
`GET /v1/models`, `GET /_fake/stats`, `POST /_fake/reset` and `POST /_fake/config`
(a `FakeLLMConfig` as JSON; it also resets the counters).

It answers both prompts the providers send: an indicator prompt (`llm_dedupe = false`:
the indicator with its country and samples) and a concept prompt (`llm_dedupe`: the
concept's name, units, frequency, category, topic and, sometimes, a masked description;
see `steps.classify.providers.concept`). A concept is answered with the rules provider's
reading of the concept alone (no country, no samples), so that once the provider merges
in what each indicator's data decides, the result equals the rules answer to the full
indicator for every field.

Faults are chosen per indicator: its k-th request gets `fault_schedule[k]` when the
schedule is that long, otherwise a fault with probability `fault_rate` drawn from
a random generator seeded with (seed, indicator id, k), so a run repeats whatever
the order the requests arrive in. A concept prompt has no indicator id: its id is
`concept_id(concept)`, "concept:" and a hash of the concept, in faults and in the stats.
Times in the stats are the server's `time.monotonic()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Sequence
from types import TracebackType
from typing import Annotated, Any, Literal

import httpx
import typer
import uvicorn
from pydantic import BaseModel, ConfigDict, Field
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from stepflow.testing import LiveServer
from steps.classify.models import (
    FAMILY_OF_TYPE,
    TYPES_BY_FAMILY,
    IndicatorInput,
    NormalizedUnits,
)
from steps.classify.rules import classify_indicator
from steps.classify.units import normalize_units

FaultKind = Literal["429", "500", "503", "hang", "truncated", "invalid"]
FAULT_KINDS: tuple[FaultKind, ...] = (
    "429",
    "500",
    "503",
    "hang",
    "truncated",
    "invalid",
)
DEFAULT_FAULTS: list[FaultKind] = ["429", "500", "503", "truncated", "invalid"]
_FENCE = re.compile(r"```json\s*(.*?)```", re.DOTALL | re.IGNORECASE)


class FakeLLMConfig(BaseModel):
    """How the fake server behaves."""

    model_config = ConfigDict(extra="forbid")

    latency: float = Field(default=0.0, ge=0.0)
    fault_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    faults: list[FaultKind] = Field(default_factory=lambda: list(DEFAULT_FAULTS))
    # The k-th request for each indicator gets fault_schedule[k] (None: no fault).
    fault_schedule: list[FaultKind | None] = Field(default_factory=list)
    retry_after: float = Field(default=1.0, ge=0.0)
    hang_seconds: float = Field(default=30.0, ge=0.0)
    seed: int = 0
    # The model name in replies; None echoes the requested model.
    model: str | None = None
    # When set, requests must carry it (Bearer or x-api-key) or get a 401.
    api_key: str | None = None
    # While true, every request waits (until it is false again, or the client leaves).
    hold: bool = False


class FakeLLMState:
    """The live config and the counters, shared with readers in other threads."""

    def __init__(self, config: FakeLLMConfig | None = None) -> None:
        self._lock = threading.Lock()
        self.config = config or FakeLLMConfig()
        self._generation = 0
        self.reset()

    def configure(self, config: FakeLLMConfig) -> None:
        """Swap the config (for the next requests) and reset the counters."""
        self.config = config
        self.reset()

    def reset(self) -> None:
        """Zero the counters; requests still in flight are no longer counted."""
        with self._lock:
            self._generation += 1
            self.requests = 0
            self.by_endpoint: Counter[str] = Counter()
            self.faults: Counter[str] = Counter()
            self.responses: Counter[str] = Counter()
            self.in_flight = 0
            self.max_in_flight = 0
            self.per_indicator: dict[str, dict[str, list[Any]]] = {}
            self.throttled: dict[str, dict[str, float | None]] = {}
            self._serial = 0

    def begin(self, endpoint: str, indicator_id: str) -> tuple[int, int, int]:
        """Record a request: its serial number, its index for the indicator and
        the counters' generation."""
        now = time.monotonic()
        with self._lock:
            self.requests += 1
            self._serial += 1
            self.by_endpoint[endpoint] += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            record = self.per_indicator.setdefault(indicator_id, {"requests": [], "faults": []})
            index = len(record["requests"])
            record["requests"].append(now)
            throttled = self.throttled.get(indicator_id)
            if throttled is not None and throttled["next_request_at"] is None:
                throttled["next_request_at"] = now
            return self._serial, index, self._generation

    def fault(self, generation: int, indicator_id: str, kind: str) -> None:
        now = time.monotonic()
        with self._lock:
            if generation != self._generation:
                return
            self.faults[kind] += 1
            self.per_indicator[indicator_id]["faults"].append([now, kind])
            if kind == "429":
                self.throttled[indicator_id] = {
                    "throttled_at": now,
                    "next_request_at": None,
                }

    def end(self, generation: int, status: int) -> None:
        with self._lock:
            if generation != self._generation:
                return
            self.in_flight -= 1
            self.responses[str(status)] += 1

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready copy of the counters."""
        with self._lock:
            return {
                "requests": self.requests,
                "by_endpoint": dict(self.by_endpoint),
                "faults": dict(self.faults),
                "responses": dict(self.responses),
                "in_flight": self.in_flight,
                "max_in_flight": self.max_in_flight,
                "per_indicator": {
                    key: {
                        "requests": list(value["requests"]),
                        "faults": [list(item) for item in value["faults"]],
                    }
                    for key, value in self.per_indicator.items()
                },
                "throttled": {key: dict(value) for key, value in self.throttled.items()},
            }


def choose_fault(config: FakeLLMConfig, indicator_id: str, index: int) -> str | None:
    """The fault for the `index`-th request of an indicator, or None."""
    if index < len(config.fault_schedule):
        return config.fault_schedule[index]
    if config.fault_rate <= 0 or not config.faults:
        return None
    rng = random.Random(f"{config.seed}:{indicator_id}:{index}")
    if rng.random() < config.fault_rate:
        return rng.choice(config.faults)
    return None


class _BadRequest(Exception):
    pass


def _texts(content: Any) -> list[str]:
    """The text pieces of a message's content (a string or a list of parts)."""
    if isinstance(content, str):
        return [content]
    pieces: list[str] = []
    if isinstance(content, list):
        for part in content:
            if isinstance(part, dict):
                if isinstance(part.get("text"), str):
                    pieces.append(part["text"])
                elif part.get("type") == "tool_result":
                    pieces.extend(_texts(part.get("content")))
    return pieces


def extract_payload(messages: Any) -> dict[str, Any]:
    """The fenced json block of the last user message that has one: an indicator
    prompt's (`{"indicator": ..., "units": ...}`) or a concept prompt's
    (`{"concept": ...}`)."""
    if not isinstance(messages, list):
        raise _BadRequest("messages must be a list")
    for message in reversed(messages):
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        for text in reversed(_texts(message.get("content"))):
            for block in reversed(_FENCE.findall(text)):
                try:
                    data = json.loads(block)
                except json.JSONDecodeError:
                    continue
                if isinstance(data, dict) and (
                    isinstance(data.get("indicator"), dict) or isinstance(data.get("concept"), dict)
                ):
                    return data
    raise _BadRequest("no user message with a ```json block holding an indicator or a concept")


def concept_id(concept: dict[str, Any]) -> str:
    """A concept's stand-in for an indicator id: "concept:" and a hash of its JSON."""
    text = json.dumps(concept, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "concept:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def request_id(payload: dict[str, Any]) -> str:
    """The id faults and stats are kept under: the indicator's, or the concept's."""
    if isinstance(payload.get("concept"), dict):
        return concept_id(payload["concept"])
    return str(payload["indicator"].get("indicator_id", ""))


def _concept_indicator(concept: dict[str, Any]) -> tuple[IndicatorInput, NormalizedUnits]:
    """The concept as an indicator the rules provider can read: no country, no samples,
    the unit wording for the unit string, the frequency for the periodicity."""
    units = concept.get("units")
    units = units if isinstance(units, dict) else {}
    normalized = NormalizedUnits(
        unit_type=units.get("unit_type", "unknown"),
        scale=units.get("scale", "raw-units"),
        is_currency=bool(units.get("is_currency", False)),
        confidence=units.get("confidence", 0.0),
    )
    indicator = IndicatorInput(
        indicator_id="concept",
        name=concept.get("name", ""),
        units=units.get("wording") or None,
        description=concept.get("description"),
        periodicity=concept.get("reporting_frequency"),
        category_group=concept.get("category_group"),
        topic=concept.get("topic"),
    )
    return indicator, normalized


def answer_for(payload: dict[str, Any], keep: Sequence[str] | None) -> dict[str, Any]:
    """The rules classification of the payload, as an LLM would reply it."""
    if isinstance(payload.get("concept"), dict):
        indicator, units = _concept_indicator(payload["concept"])
    else:
        indicator = IndicatorInput.model_validate(payload["indicator"])
        raw_units = payload.get("units")
        units = (
            NormalizedUnits.model_validate(raw_units)
            if isinstance(raw_units, dict)
            else normalize_units(indicator.units)
        )
    result = classify_indicator(indicator, units)
    data = result.model_dump(mode="json", exclude={"provider", "model"})
    data["reasoning"] = (
        f"Deterministic answer for {indicator.name[:80]!r}: "
        f"{result.family}/{result.indicator_type}."
    )
    if keep:
        data = {key: value for key, value in data.items() if key in keep}
    return data


def make_invalid(data: dict[str, Any]) -> dict[str, Any]:
    """The same answer with an indicator_type from another family."""
    family = str(data.get("family", "price-value"))
    families = list(TYPES_BY_FAMILY)
    other = families[(families.index(family) + 1) % len(families)]
    bad = dict(data)
    bad["indicator_type"] = TYPES_BY_FAMILY[other][0]
    assert FAMILY_OF_TYPE[bad["indicator_type"]] != family
    return bad


def _schema_keys(schema: Any) -> list[str] | None:
    if isinstance(schema, dict) and isinstance(schema.get("properties"), dict):
        return list(schema["properties"])
    return None


async def _hang(request: Request, seconds: float) -> bool:
    """Wait `seconds` or until the client goes away; True if it went away."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            while True:
                message = await request.receive()
                if message["type"] == "http.disconnect":
                    return True
    return False


def create_app(config: FakeLLMConfig | None = None, state: FakeLLMState | None = None) -> Starlette:
    """The Starlette app of the fake server."""
    st = state or FakeLLMState(config)
    if state is not None and config is not None:
        st.config = config

    def openai_error(status: int, message: str, kind: str) -> JSONResponse:
        return JSONResponse(
            {"error": {"message": message, "type": kind, "code": status}},
            status_code=status,
        )

    def anthropic_error(status: int, message: str, kind: str) -> JSONResponse:
        return JSONResponse(
            {"type": "error", "error": {"type": kind, "message": message}},
            status_code=status,
        )

    async def handle(request: Request, endpoint: str) -> Response:
        error = openai_error if endpoint == "openai" else anthropic_error
        cfg = st.config
        if cfg.api_key is not None:
            given = request.headers.get("x-api-key") or request.headers.get(
                "authorization", ""
            ).removeprefix("Bearer ")
            if given != cfg.api_key:
                return error(401, "invalid api key", "authentication_error")
        if endpoint == "anthropic" and not request.headers.get("anthropic-version"):
            return error(400, "anthropic-version header is required", "invalid_request")
        try:
            body = await request.json()
            if not isinstance(body, dict):
                raise _BadRequest("the body must be a JSON object")
            payload = extract_payload(body.get("messages"))
        except (ValueError, _BadRequest) as exc:
            return error(400, str(exc), "invalid_request_error")
        try:
            indicator_id = request_id(payload)
        except (TypeError, ValueError) as exc:
            return error(400, f"bad concept: {exc}", "invalid_request_error")
        serial, index, generation = st.begin(endpoint, indicator_id)
        status = 200
        try:
            while st.config.hold:
                if await _hang(request, 0.01):
                    status = 499
                    return Response(status_code=499)
            cfg = st.config
            if cfg.latency:
                await asyncio.sleep(cfg.latency)
            fault = choose_fault(cfg, indicator_id, index)
            if fault is not None:
                st.fault(generation, indicator_id, fault)
            if fault == "429":
                status = 429
                response = error(429, "rate limited (fake)", "rate_limit_error")
                response.headers["retry-after"] = f"{cfg.retry_after:g}"
                return response
            if fault in ("500", "503"):
                status = int(fault)
                return error(status, f"fake server error {fault}", "api_error")
            if fault == "hang" and await _hang(request, cfg.hang_seconds):
                status = 499
                return Response(status_code=499)
            model = cfg.model or str(body.get("model") or "fake-llm")
            try:
                if endpoint == "openai":
                    reply = _openai_reply(body, payload, fault, model, serial)
                else:
                    reply = _anthropic_reply(body, payload, fault, model, serial)
            except ValueError as exc:
                status = 400
                return error(400, f"bad indicator: {exc}", "invalid_request_error")
            return JSONResponse(reply)
        finally:
            st.end(generation, status)

    async def chat_completions(request: Request) -> Response:
        return await handle(request, "openai")

    async def messages(request: Request) -> Response:
        return await handle(request, "anthropic")

    async def models(request: Request) -> Response:
        name = st.config.model or "fake-llm"
        return JSONResponse(
            {
                "object": "list",
                "data": [{"id": name, "object": "model", "created": 0, "owned_by": "fake"}],
            }
        )

    async def stats(request: Request) -> Response:
        return JSONResponse(st.snapshot())

    async def reset(request: Request) -> Response:
        st.reset()
        return JSONResponse({"ok": True})

    async def configure(request: Request) -> Response:
        try:
            new = FakeLLMConfig.model_validate_json(await request.body())
        except ValueError as exc:
            return JSONResponse({"error": {"message": str(exc)}}, status_code=400)
        st.configure(new)
        return JSONResponse(new.model_dump(mode="json"))

    app = Starlette(
        routes=[
            Route("/v1/chat/completions", chat_completions, methods=["POST"]),
            Route("/v1/messages", messages, methods=["POST"]),
            Route("/v1/models", models, methods=["GET"]),
            Route("/_fake/stats", stats, methods=["GET"]),
            Route("/_fake/reset", reset, methods=["POST"]),
            Route("/_fake/config", configure, methods=["POST"]),
        ]
    )
    app.state.fake_state = st
    return app


def _openai_reply(
    body: dict[str, Any],
    payload: dict[str, Any],
    fault: str | None,
    model: str,
    serial: int,
) -> dict[str, Any]:
    response_format = body.get("response_format")
    keep: list[str] | None = None
    fenced = True
    if isinstance(response_format, dict):
        if response_format.get("type") == "json_schema":
            spec = response_format.get("json_schema")
            keep = _schema_keys(spec.get("schema") if isinstance(spec, dict) else None)
            fenced = False
        elif response_format.get("type") == "json_object":
            fenced = False
    data = answer_for(payload, keep)
    if fault == "invalid":
        data = make_invalid(data)
    text = json.dumps(data)
    finish = "stop"
    if fault == "truncated":
        text = text[: len(text) // 2]
        finish = "length"
    elif fenced:
        text = f"Here is the classification.\n\n```json\n{text}\n```"
    return {
        "id": f"chatcmpl-fake-{serial}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": finish,
            }
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


def _anthropic_reply(
    body: dict[str, Any],
    payload: dict[str, Any],
    fault: str | None,
    model: str,
    serial: int,
) -> dict[str, Any]:
    tools = body.get("tools") if isinstance(body.get("tools"), list) else []
    tool: dict[str, Any] | None = None
    choice = body.get("tool_choice")
    if tools:
        wanted = choice.get("name") if isinstance(choice, dict) else None
        tool = next(
            (t for t in tools if isinstance(t, dict) and t.get("name") == wanted),
            tools[0] if isinstance(tools[0], dict) else None,
        )
    keep = _schema_keys(tool.get("input_schema")) if tool else None
    data = answer_for(payload, keep)
    if fault == "invalid":
        data = make_invalid(data)
    content: list[dict[str, Any]]
    if fault == "truncated":
        text = json.dumps(data)
        content = [{"type": "text", "text": text[: len(text) // 2]}]
        stop = "max_tokens"
    elif tool is not None:
        content = [
            {
                "type": "tool_use",
                "id": f"toolu_fake_{serial}",
                "name": tool.get("name"),
                "input": data,
            }
        ]
        stop = "tool_use"
    else:
        content = [{"type": "text", "text": json.dumps(data)}]
        stop = "end_turn"
    return {
        "id": f"msg_fake_{serial}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": 0, "output_tokens": 0},
    }


class FakeLLMServer:
    """The fake app served by uvicorn in a background thread on loopback.

    Use as `with FakeLLMServer(config) as server:` or `async with`; `base_url` is
    the OpenAI-style base (`http://127.0.0.1:PORT/v1`), `root_url` the bare origin
    (the Anthropic base URL).
    """

    def __init__(
        self,
        config: FakeLLMConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.state = FakeLLMState(config)
        self.app = create_app(state=self.state)
        self.host = host
        self.port = port
        self._live: LiveServer | None = None

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    def stats(self) -> dict[str, Any]:
        """The counters (the same as GET /_fake/stats)."""
        return self.state.snapshot()

    @property
    def config(self) -> FakeLLMConfig:
        return self.state.config

    def configure(self, config: FakeLLMConfig | None = None) -> None:
        """Use `config` from the next request on and reset the counters."""
        self.state.configure(config or FakeLLMConfig())

    def reset(self) -> None:
        """Reset the counters."""
        self.state.reset()

    def hold(self, held: bool = True) -> None:
        """Make every request wait from now on (or, with False, let them all go), keeping
        the counters."""
        self.state.config = self.state.config.model_copy(update={"hold": held})

    def start(self, wait: float = 10.0) -> None:
        """Bind, serve in a thread and wait until the server answers."""
        if self._live is not None:
            raise RuntimeError("the fake LLM server is already running")
        self._live = LiveServer(self.app, self.host, self.port)
        self._live.start(wait)
        self.port = self._live.port
        try:
            with httpx.Client(timeout=wait) as client:
                client.get(f"{self.base_url}/models").raise_for_status()
        except BaseException:
            self.stop()
            raise

    def stop(self, wait: float = 10.0) -> None:
        """Ask uvicorn to exit and wait for its thread."""
        if self._live is not None:
            self._live.stop(wait)
        self._live = None

    def __enter__(self) -> FakeLLMServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> FakeLLMServer:
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)


cli = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@cli.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8011,
    latency: Annotated[float, typer.Option(min=0, help="Seconds before each reply.")] = 0.0,
    fault_rate: Annotated[float, typer.Option(min=0, max=1, help="Share of faulty replies.")] = 0.0,
    faults: Annotated[
        str, typer.Option(help=f"Comma-separated subset of {','.join(FAULT_KINDS)}.")
    ] = ",".join(DEFAULT_FAULTS),
    retry_after: float = 1.0,
    hang_seconds: float = 30.0,
    seed: int = 0,
    model: str | None = None,
    api_key: str | None = None,
) -> None:
    """Serve the fake LLM in the foreground (OpenAI and Anthropic APIs)."""
    chosen = [item.strip() for item in faults.split(",") if item.strip()]
    unknown = sorted(set(chosen) - set(FAULT_KINDS))
    if unknown:
        raise typer.BadParameter(f"unknown faults: {', '.join(unknown)}", param_hint="--faults")
    config = FakeLLMConfig.model_validate(
        {
            "latency": latency,
            "fault_rate": fault_rate,
            "faults": chosen,
            "retry_after": retry_after,
            "hang_seconds": hang_seconds,
            "seed": seed,
            "model": model,
            "api_key": api_key,
        }
    )
    typer.echo(
        f"fake LLM on http://{host}:{port}/v1 (OpenAI base URL; Anthropic: http://{host}:{port})"
    )
    uvicorn.run(create_app(config), host=host, port=port, log_level="warning", access_log=False)


def main(argv: Sequence[str] | None = None) -> None:
    cli(args=list(argv) if argv is not None else None, prog_name="python -m scripts.fake_llm")


if __name__ == "__main__":
    main()
