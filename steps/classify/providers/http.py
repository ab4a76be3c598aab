"""The LLM HTTP machinery shared by the OpenAI and Anthropic providers.

One `httpx.AsyncClient` per provider; every attempt goes through the concurrency
cap and the rate limits; retries on 408/409/429/5xx and on connection errors and
timeouts, with exponential back-off and jitter or the server's Retry-After; one
re-ask when the reply is not a valid classification; a response cache in front.
"""

from __future__ import annotations

import email.utils
import json
import math
import random
import re
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC
from types import TracebackType
from typing import Any, ClassVar

import anyio
import httpx
from pydantic import ValidationError

from steps.classify.models import Classification, IndicatorInput, NormalizedUnits
from steps.classify.providers.base import LLMSettings, ProviderError
from steps.classify.providers.cache import ResponseCache, cache_key
from steps.classify.providers.limits import Limits
from steps.classify.providers.prompt import CORRECTION_PROMPT

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


def parse_retry_after(headers: httpx.Headers, now: float | None = None) -> float | None:
    """Seconds to wait from `retry-after-ms` or `Retry-After` (seconds or an HTTP
    date), or None when absent or unreadable."""
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            return max(0.0, float(value) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


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
    by_status: dict[int, int] = field(default_factory=dict)


POOL_SIZE = 8  # connections per httpx pool (see HTTPProvider.__init__)


class HTTPProvider(ABC):
    """A provider that asks an LLM over HTTP for one classification per call."""

    name: str
    max_output_tokens: ClassVar[int] = MAX_OUTPUT_TOKENS

    def __init__(self, settings: LLMSettings) -> None:
        self.settings = settings
        self.model = settings.effective_model()
        self.base_url = settings.effective_base_url()
        self.stats = ProviderStats()
        self._limits = Limits(
            settings.concurrency,
            requests_per_minute=settings.requests_per_minute,
            tokens_per_minute=settings.tokens_per_minute,
        )
        # httpcore's pool scans all its connections on every request it completes, so
        # one pool of `concurrency` connections costs O(concurrency) per call. Small
        # pools, each request to the least busy, keep that scan short; the limiter above
        # still caps the calls in flight.
        pools = max(1, math.ceil(settings.concurrency / POOL_SIZE))
        per_pool = math.ceil(settings.concurrency / pools)
        self._clients = [
            httpx.AsyncClient(
                timeout=httpx.Timeout(settings.timeout),
                limits=httpx.Limits(max_connections=per_pool, max_keepalive_connections=per_pool),
                headers={"content-type": "application/json", **self.headers()},
            )
            for _ in range(pools)
        ]
        self._in_flight = [0] * pools
        self._cache = ResponseCache(settings.cache_path) if settings.cache_path else None
        self._random = random.Random()

    # -- what each API does differently ------------------------------------------

    @property
    @abstractmethod
    def url(self) -> str:
        """The endpoint every request goes to."""

    @abstractmethod
    def headers(self) -> dict[str, str]:
        """Auth and version headers."""

    @abstractmethod
    def first_messages(self, indicator: IndicatorInput, units: NormalizedUnits) -> list[Message]:
        """The conversation of the first request."""

    @abstractmethod
    def build_body(self, messages: list[Message]) -> dict[str, Any]:
        """The JSON body for a conversation."""

    @abstractmethod
    def read_reply(self, raw: str) -> ReplyRead:
        """The candidate classification (or why there is none) from a reply body."""

    def correction(self, bad: ReplyRead, error: str) -> Message:
        """The user message that asks for a corrected reply."""
        return {"role": "user", "content": CORRECTION_PROMPT.format(error=error)}

    # -- the shared flow ----------------------------------------------------------

    async def classify(self, indicator: IndicatorInput, units: NormalizedUnits) -> Classification:
        """Classify one indicator: cache, call (with retries), one re-ask."""
        try:
            return await self._classify(indicator, units)
        except ProviderError:
            self.stats.failures += 1
            raise

    async def _classify(self, indicator: IndicatorInput, units: NormalizedUnits) -> Classification:
        messages = self.first_messages(indicator, units)
        body = self.build_body(messages)
        key = cache_key(self.name, self.url, body)
        if self._cache is not None:
            cached = await self._cache.get(key)
            if cached is not None:
                read = self.read_reply(cached)
                result, _ = self._validate(read)
                if result is not None:
                    self.stats.cache_hits += 1
                    return self._finish(result, read)
        raw = await self._post(body)
        read = self.read_reply(raw)
        result, error = self._validate(read)
        if result is None:
            self.stats.reasks += 1
            messages = [*messages, read.assistant, self.correction(read, error)]
            raw = await self._post(self.build_body(messages))
            read = self.read_reply(raw)
            result, second = self._validate(read)
            if result is None:
                raise ProviderError(f"{self.name}: reply failed schema validation twice: {second}")
        if self._cache is not None:
            await self._cache.put(key, raw, provider=self.name)
        return self._finish(result, read)

    def _validate(self, read: ReplyRead) -> tuple[Classification | None, str]:
        if read.error is not None:
            return None, read.error
        if not isinstance(read.value, dict):
            return None, "the reply is not a JSON object"
        value = dict(read.value)
        reasoning = value.get("reasoning")
        if isinstance(reasoning, str) and len(reasoning) > _MAX_REASONING_CHARS:
            value["reasoning"] = reasoning[: _MAX_REASONING_CHARS - 3] + "..."
        try:
            return Classification.model_validate(value), ""
        except ValidationError as exc:
            return None, describe_validation_error(exc)

    def _finish(self, result: Classification, read: ReplyRead) -> Classification:
        return result.model_copy(update={"provider": self.name, "model": read.model or self.model})

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        """Exponential back-off with jitter; at least Retry-After when given."""
        settings = self.settings
        ceiling = min(settings.backoff_max, settings.backoff_base * 2.0 ** (attempt - 1))
        delay = ceiling / 2 + self._random.uniform(0, ceiling / 2)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay

    async def _post(self, body: dict[str, Any]) -> str:
        """POST `body`, retrying what can be retried; the reply text on 2xx."""
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        tokens = len(payload) // 4 + self.max_output_tokens
        timeout = self.settings.timeout
        attempt = 0
        while True:
            attempt += 1
            retry_after: float | None = None
            try:
                async with self._limits.slot(tokens):
                    self.stats.http_requests += 1
                    with anyio.fail_after(timeout):
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
            if attempt > self.settings.max_retries:
                raise ProviderError(f"{self.name}: {reason} after {attempt} attempts")
            self.stats.retries += 1
            await anyio.sleep(self._backoff(attempt, retry_after))

    async def _send(self, payload: bytes) -> httpx.Response:
        index = min(range(len(self._clients)), key=self._in_flight.__getitem__)
        self._in_flight[index] += 1
        try:
            return await self._clients[index].post(self.url, content=payload)
        finally:
            self._in_flight[index] -= 1

    async def aclose(self) -> None:
        """Close the HTTP clients and the cache."""
        try:
            for client in self._clients:
                await client.aclose()
        finally:
            if self._cache is not None:
                await self._cache.aclose()

    async def __aenter__(self) -> HTTPProvider:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


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
