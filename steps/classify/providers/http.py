"""The LLM HTTP machinery shared by the OpenAI and Anthropic providers.

One `httpx.AsyncClient` per provider; every attempt goes through the concurrency
cap and the rate limits; retries on 408/409/429/5xx and on connection errors and
timeouts, with exponential back-off and jitter or the server's Retry-After; one
re-ask when the reply is not a valid classification; a response cache in front.

With `llm_dedupe` (the default) the question is about the indicator's concept, keyed by
`concept.concept_key`, and the answer is merged with what the indicator's data decides
(`concept.merge`); without it, about the indicator itself, keyed by the request body.

Single flight: requests with the same key share one answer. The first makes a flight, a
task of its own that reads the cache and, on a miss, calls the LLM (retries and the
re-ask included) and stores the reply; every request that comes while it is in flight
awaits the same task instead of calling. A flight that fails fails all of them with the
same reason (a `ProviderError` each), and is forgotten: a failure is never cached, the
next request makes a new flight. The task is shielded from its requesters, so one
cancelled requester (a handler stopped at shutdown) never cancels the answer the others
wait for; `aclose` cancels what is still in flight. Flights are per provider instance,
that is per process: processes share answers through the cache in the database once a
call is done. Concept answers read or stored are also kept in memory (`MEMO_SIZE`), so
a cache hit is not a database read each time.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import re
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, ClassVar

import httpx
import pydantic_core
from pydantic import BaseModel, ValidationError

from stepflow import parse_retry_after, retry_delay
from steps.classify.models import (
    Classification,
    ConceptClassification,
    IndicatorInput,
    NormalizedUnits,
    Obtained,
)
from steps.classify.providers.base import LLMSettings, ProviderError
from steps.classify.providers.cache import ResponseCache, cache_key
from steps.classify.providers.concept import concept_key, concept_of, merge
from steps.classify.providers.limits import Limits
from steps.classify.providers.prompt import (
    CORRECTION_PROMPT,
    Prompt,
    concept_prompt,
    indicator_prompt,
)

RETRYABLE_STATUSES = frozenset({408, 409, 429})
MAX_OUTPUT_TOKENS = 1024
# A Retry-After longer than this is a quota, not a hiccup: give up at once.
MAX_RETRY_AFTER = 600.0
_MAX_ERROR_CHARS = 1_500
_MAX_REASONING_CHARS = 4_000  # Classification.reasoning's limit: cut, not re-ask
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)

Message = dict[str, Any]


def is_retryable_status(status: int) -> bool:
    """408, 409, 429 and every 5xx."""
    return status in RETRYABLE_STATUSES or 500 <= status <= 599


def _short(text: str, limit: int = _MAX_ERROR_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe_validation_error(error: ValidationError) -> str:
    """Pydantic errors as `field: message; ...` without documentation links."""
    parts = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "reply"
        parts.append(f"{where}: {item['msg']}")
    return _short("; ".join(parts))


def parse_json_text(text: str) -> Any:
    """A JSON value from a model's text: bare, in a ```json fence, or the outermost
    {...}. Raises ValueError with the reason."""
    stripped = text.strip()
    if not stripped:
        raise ValueError("the reply is empty")
    candidates = [stripped]
    candidates.extend(match.strip() for match in _FENCE.findall(stripped))
    start, end = stripped.find("{"), stripped.rfind("}")
    if 0 <= start < end:
        candidates.append(stripped[start : end + 1])
    first_error: json.JSONDecodeError | None = None
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except json.JSONDecodeError as exc:
            first_error = first_error or exc
    raise ValueError(f"the reply is not valid JSON ({first_error})")


@dataclass
class ReplyRead:
    """What a provider made of one HTTP reply."""

    value: Any  # the candidate classification object (None when unreadable)
    error: str | None  # why there is no candidate, if there is none
    model: str | None  # the model the server says answered
    assistant: Message  # the reply as a message, for a re-ask conversation


@dataclass
class ProviderStats:
    """Counters for one provider instance."""

    http_requests: int = 0
    retries: int = 0
    reasks: int = 0
    cache_hits: int = 0
    failures: int = 0
    calls: int = 0
    """LLM calls made (each with its retries and its one re-ask)."""
    shared: int = 0
    """Requests answered by a call another request had in flight."""
    joined: int = 0
    """Requests that waited on a flight another request had started (whatever it gave)."""
    by_status: dict[int, int] = field(default_factory=dict)


POOL_SIZE = 8  # connections per httpx pool (see HTTPProvider.__init__)
MEMO_SIZE = 20_000  # answers kept in memory, in front of the database cache


@dataclass(frozen=True)
class _Ask:
    """One question: its key, its prompt (made only when it is asked: most questions are
    answered from memory) and the model that validates the answer."""

    key: str
    make_prompt: Callable[[], Prompt]
    answer_type: type[Classification] | type[ConceptClassification]
    memo: bool
    """Keep the answer in memory: a concept's is asked again and again, an indicator's
    hardly ever (it stays in the database cache)."""
    body: dict[str, Any] | None = None
    """The first request's body, when the key was made from it (not built twice)."""


@dataclass(frozen=True)
class _Answer:
    value: Classification | ConceptClassification
    model: str  # the model the reply names (or the configured one)


Flight = asyncio.Task[tuple[_Answer, Obtained]]


class HTTPProvider(ABC):
    """A provider that asks an LLM over HTTP for one classification per call."""

    name: str
    max_output_tokens: ClassVar[int] = MAX_OUTPUT_TOKENS

    def __init__(self, settings: LLMSettings, cache: ResponseCache | None = None) -> None:
        self.settings = settings
        self.model = settings.effective_model()
        self.base_url = settings.effective_base_url()
        self.stats = ProviderStats()
        self._limits = Limits(
            settings.llm_concurrency,
            requests_per_minute=settings.llm_requests_per_minute,
            tokens_per_minute=settings.llm_tokens_per_minute,
        )
        # httpcore's pool scans all its connections on every request it completes, so
        # one pool of `concurrency` connections costs O(concurrency) per call. Small
        # pools, each request to the least busy, keep that scan short; the limiter above
        # still caps the calls in flight.
        pools = max(1, math.ceil(settings.llm_concurrency / POOL_SIZE))
        per_pool = math.ceil(settings.llm_concurrency / pools)
        # One TLS context for all of them: each client would otherwise load the CA
        # bundle into its own (about 20 ms a client).
        tls = httpx.create_ssl_context()
        self._clients = [
            httpx.AsyncClient(
                verify=tls,
                timeout=httpx.Timeout(settings.llm_timeout),
                limits=httpx.Limits(max_connections=per_pool, max_keepalive_connections=per_pool),
                headers={"content-type": "application/json", **self.headers()},
            )
            for _ in range(pools)
        ]
        self._in_flight = [0] * pools
        self._cache = cache
        self._flights: dict[str, Flight] = {}
        self._memo: OrderedDict[str, _Answer] = OrderedDict()

    # -- what each API does differently ------------------------------------------

    @property
    @abstractmethod
    def url(self) -> str:
        """The endpoint every request goes to."""

    @abstractmethod
    def headers(self) -> dict[str, str]:
        """Auth and version headers."""

    @abstractmethod
    def prompt_messages(self, prompt: Prompt) -> list[Message]:
        """The conversation of the first request about `prompt`."""

    @abstractmethod
    def build_body(self, messages: list[Message], prompt: Prompt | None = None) -> dict[str, Any]:
        """The JSON body for a conversation about `prompt` (by default the indicator
        prompt's: its system prompt and the schema of every field)."""

    def first_messages(self, indicator: IndicatorInput, units: NormalizedUnits) -> list[Message]:
        """The conversation of the first request about one indicator, the full prompt
        (`llm_dedupe = false`); `build_body(messages)` makes the body sent."""
        return self.prompt_messages(indicator_prompt(indicator, units))

    @abstractmethod
    def read_reply(self, raw: str) -> ReplyRead:
        """The candidate classification (or why there is none) from a reply body."""

    def correction(self, bad: ReplyRead, error: str) -> Message:
        """The user message that asks for a corrected reply."""
        return {"role": "user", "content": CORRECTION_PROMPT.format(error=error)}

    # -- the shared flow ----------------------------------------------------------

    async def classify(self, indicator: IndicatorInput, units: NormalizedUnits) -> Classification:
        """Classify one indicator: cache, call (with retries), one re-ask."""
        classification, _ = await self.classify_obtained(indicator, units)
        return classification

    async def classify_obtained(
        self, indicator: IndicatorInput, units: NormalizedUnits
    ) -> tuple[Classification, Obtained]:
        """`classify`, and how the answer was obtained (a `ProviderError` says it too)."""
        try:
            if self.settings.llm_dedupe:
                concept = concept_of(indicator, units)
                ask = _Ask(
                    concept_key(self.name, self.model, concept),
                    functools.partial(concept_prompt, concept),
                    ConceptClassification,
                    memo=True,
                )
            else:
                prompt = indicator_prompt(indicator, units)
                body = self.build_body(self.prompt_messages(prompt), prompt)
                key = cache_key(self.name, self.url, body)
                ask = _Ask(key, lambda: prompt, Classification, memo=False, body=body)
            answer, obtained = await self._answer(ask)
        except ProviderError:
            self.stats.failures += 1
            raise
        if isinstance(answer.value, ConceptClassification):
            result = merge(answer.value, indicator, units, provider=self.name, model=answer.model)
        else:
            result = answer.value.model_copy(update={"provider": self.name, "model": answer.model})
        return result, obtained

    async def _answer(self, ask: _Ask) -> tuple[_Answer, Obtained]:
        """The answer to `ask`: from memory, or from the flight in progress for its key,
        or from a new flight (see the module docstring)."""
        memo = self._memo.get(ask.key)
        if memo is not None:
            self._memo.move_to_end(ask.key)
            self.stats.cache_hits += 1
            return memo, "cache_hit"
        flight = self._flights.get(ask.key)
        if flight is None:
            flight = asyncio.get_running_loop().create_task(self._fly(ask))
            flight.add_done_callback(_retrieve)
            self._flights[ask.key] = flight
            return await asyncio.shield(flight)
        self.stats.joined += 1
        try:
            answer, obtained = await asyncio.shield(flight)
        except ProviderError as exc:
            raise ProviderError(str(exc), obtained="shared_call") from exc
        if obtained == "llm_call":
            self.stats.shared += 1
            return answer, "shared_call"
        self.stats.cache_hits += 1
        return answer, obtained

    async def _fly(self, ask: _Ask) -> tuple[_Answer, Obtained]:
        """One flight: the cache, else a call whose reply is stored."""
        try:
            if self._cache is not None:
                cached = await self._cache.get(ask.key)
                if cached is not None:
                    read = self.read_reply(cached)
                    value, _ = self._validate(read, ask.answer_type)
                    if value is not None:
                        self.stats.cache_hits += 1
                        return self._remember(ask, value, read), "cache_hit"
            self.stats.calls += 1
            try:
                value, read, raw = await self._call(ask)
            except ProviderError as exc:
                exc.obtained = "llm_call"
                raise
            answer = self._remember(ask, value, read)
            if self._cache is not None:
                await self._cache.put(ask.key, raw, provider=self.name)
            return answer, "llm_call"
        finally:
            if self._flights.get(ask.key) is asyncio.current_task():
                del self._flights[ask.key]

    def _remember(
        self, ask: _Ask, value: Classification | ConceptClassification, read: ReplyRead
    ) -> _Answer:
        answer = _Answer(value, read.model or self.model)
        if ask.memo and self._cache is not None:  # without a cache, nothing is reused
            self._memo[ask.key] = answer
            if len(self._memo) > MEMO_SIZE:
                self._memo.popitem(last=False)
        return answer

    async def _call(
        self, ask: _Ask
    ) -> tuple[Classification | ConceptClassification, ReplyRead, str]:
        """Ask the LLM (retries in `_post`), and once more if the reply is not valid."""
        prompt = ask.make_prompt()
        body = ask.body or self.build_body(self.prompt_messages(prompt), prompt)
        raw = await self._post(body)
        read = self.read_reply(raw)
        value, error = self._validate(read, ask.answer_type)
        if value is None:
            self.stats.reasks += 1
            messages = [*self.prompt_messages(prompt), read.assistant, self.correction(read, error)]
            raw = await self._post(self.build_body(messages, prompt))
            read = self.read_reply(raw)
            value, second = self._validate(read, ask.answer_type)
            if value is None:
                raise ProviderError(f"{self.name}: reply failed schema validation twice: {second}")
        return value, read, raw

    def _validate(
        self, read: ReplyRead, answer_type: type[Classification] | type[ConceptClassification]
    ) -> tuple[Classification | ConceptClassification | None, str]:
        if read.error is not None:
            return None, read.error
        if not isinstance(read.value, dict):
            return None, "the reply is not a JSON object"
        value = dict(read.value)
        reasoning = value.get("reasoning")
        if isinstance(reasoning, str) and len(reasoning) > _MAX_REASONING_CHARS:
            value["reasoning"] = reasoning[: _MAX_REASONING_CHARS - 3] + "..."
        try:
            validated: BaseModel = answer_type.model_validate(value)
        except ValidationError as exc:
            return None, describe_validation_error(exc)
        assert isinstance(validated, Classification | ConceptClassification)
        return validated, ""

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        """Exponential back-off with jitter; at least Retry-After when given."""
        settings = self.settings
        delay = retry_delay(attempt, settings.llm_backoff_base, settings.llm_backoff_max)
        return delay if retry_after is None else max(delay, retry_after)

    async def _post(self, body: dict[str, Any]) -> str:
        """POST `body`, retrying what can be retried; the reply text on 2xx."""
        payload = pydantic_core.to_json(body)  # UTF-8 JSON, a third of json.dumps' time
        tokens = len(payload) // 4 + self.max_output_tokens
        timeout = self.settings.llm_timeout
        attempt = 0
        while True:
            attempt += 1
            retry_after: float | None = None
            try:
                async with self._limits.slot(tokens):
                    self.stats.http_requests += 1
                    async with asyncio.timeout(timeout):
                        response = await self._send(payload)
            except (TimeoutError, httpx.TimeoutException):
                reason = f"timed out (timeout {timeout:g}s)"
            except httpx.TransportError as exc:
                reason = f"connection error ({type(exc).__name__}: {exc})".replace(" ()", "")
            else:
                status = response.status_code
                self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1
                if 200 <= status < 300:
                    return response.text
                if not is_retryable_status(status):
                    raise ProviderError(f"{self.name}: HTTP {status}: {_error_detail(response)}")
                reason = f"HTTP {status}"
                retry_after = parse_retry_after(response.headers)
                if retry_after is not None and retry_after > MAX_RETRY_AFTER:
                    raise ProviderError(
                        f"{self.name}: HTTP {status} with Retry-After "
                        f"{retry_after:.0f}s (over {MAX_RETRY_AFTER:.0f}s): "
                        f"{_error_detail(response)}"
                    )
            if attempt > self.settings.llm_max_retries:
                raise ProviderError(f"{self.name}: {reason} after {attempt} attempts")
            self.stats.retries += 1
            await asyncio.sleep(self._backoff(attempt, retry_after))

    async def _send(self, payload: bytes) -> httpx.Response:
        index = min(range(len(self._clients)), key=self._in_flight.__getitem__)
        self._in_flight[index] += 1
        try:
            return await self._clients[index].post(self.url, content=payload)
        finally:
            self._in_flight[index] -= 1

    async def aclose(self) -> None:
        """Cancel the flights still in the air and close the HTTP clients (the cache's
        database belongs to the runtime)."""
        flights = list(self._flights.values())
        for flight in flights:
            flight.cancel()
        await asyncio.gather(*flights, return_exceptions=True)
        for client in self._clients:
            await client.aclose()

    async def __aenter__(self) -> HTTPProvider:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _retrieve(flight: Flight) -> None:
    """Mark a flight's failure as seen: every requester may have left."""
    if not flight.cancelled():
        flight.exception()


def _error_detail(response: httpx.Response) -> str:
    """The server's error message, or the start of the body."""
    try:
        data = response.json()
    except ValueError:
        return _short(response.text, 300) or response.reason_phrase
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return _short(error["message"], 300)
        if isinstance(error, str):
            return _short(error, 300)
    return _short(response.text, 300)
