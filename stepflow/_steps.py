"""Step declarations: the `api_step`, `event_step` and `cron_step` decorators."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel

from ._cron import cron_problem
from ._errors import StepDeclarationError

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Awaitable[Any]])

StepKind = Literal["api", "event", "cron"]
HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
STEP_ATTRIBUTE = "__stepflow_step__"

# While discovery imports a step module, every step declared is recorded here, so that
# two handlers bound to one name in a module are both found.
_declared: ContextVar[list[StepSpec] | None] = ContextVar("stepflow_declared", default=None)


@contextmanager
def collecting() -> Iterator[list[StepSpec]]:
    """Record every step declared inside the block, in declaration order."""
    found: list[StepSpec] = []
    token = _declared.set(found)
    try:
        yield found
    finally:
        _declared.reset(token)


@dataclass(slots=True)
class ApiRequest(Generic[T]):
    """What an API step's handler receives."""

    body: T
    path_params: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class ApiResponse:
    """What an API step's handler returns; `body` is sent as JSON. `status` is 200 to
    599 (another is the handler's error: a 500); a 204 or 304 has no body (None)."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StepSpec:
    """Everything a decorator declared about one step."""

    kind: StepKind
    name: str
    handler: Callable[..., Awaitable[Any]]
    description: str = ""
    flows: tuple[str, ...] = ()
    emits: frozenset[str] = frozenset()
    subscribes: tuple[str, ...] = ()
    input: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    method: str = ""
    path: str = ""
    cron: str = ""
    concurrency: int | None = None
    retries: int | None = None
    timeout: float | None = None
    batch_size: int | None = None
    """When set, the handler takes a list of up to this many inputs at once."""
    batch_wait: float = 0.0
    """How long a batch handler waits for more inputs before it runs a partial batch."""
    errors: tuple[tuple[int, str], ...] = ()
    """Error statuses an API step's handler answers itself, with what each means."""

    @property
    def file(self) -> str:
        return inspect.getsourcefile(self.handler) or "<unknown>"

    @property
    def line(self) -> int:
        return self.handler.__code__.co_firstlineno

    @property
    def trigger(self) -> str:
        if self.kind == "api":
            return f"{self.method} {self.path}"
        if self.kind == "cron":
            return self.cron
        return ", ".join(self.subscribes)


def step_of(obj: object) -> StepSpec | None:
    """The step declared on `obj`, if it was decorated."""
    spec = getattr(obj, STEP_ATTRIBUTE, None)
    return spec if isinstance(spec, StepSpec) else None


def api_step(
    *,
    name: str,
    method: str,
    path: str,
    body: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    emits: Sequence[str] = (),
    flows: Sequence[str] = (),
    description: str = "",
    timeout: float | None = None,
    errors: Mapping[int, str] | None = None,
) -> Callable[[F], F]:
    """Declare an HTTP-triggered step: `handler(req: ApiRequest[T], ctx) -> ApiResponse`.

    `errors` documents the error statuses the handler answers itself (with
    `raise HttpError(404, ...)`, say), for the OpenAPI document."""
    upper = method.upper() if isinstance(method, str) else ""
    if upper not in HTTP_METHODS:
        raise StepDeclarationError(
            name,
            "method",
            f"unknown HTTP method {method!r}; use one of {_listing(HTTP_METHODS)}",
        )
    if not isinstance(path, str) or not path.startswith("/"):
        raise StepDeclarationError(name, "path", f"must start with '/', got {path!r}")
    documented = dict(errors or {})
    for status, meaning in documented.items():
        if not isinstance(status, int) or not 400 <= status <= 599 or not isinstance(meaning, str):
            raise StepDeclarationError(
                name, "errors", f"maps error statuses (400-599) to descriptions, got {status!r}"
            )
    return _declare(
        kind="api",
        name=name,
        description=description,
        flows=flows,
        emits=emits,
        body=_model(name, "body", body),
        response=_model(name, "response", response),
        method=upper,
        path=path,
        timeout=timeout,
        errors=tuple(sorted(documented.items())),
    )


def event_step(
    *,
    name: str,
    subscribes: Sequence[str],
    input: type[BaseModel] | None = None,
    emits: Sequence[str] = (),
    flows: Sequence[str] = (),
    description: str = "",
    concurrency: int | None = None,
    retries: int | None = None,
    timeout: float | None = None,
    batch_size: int | None = None,
    batch_wait: float = 0.0,
) -> Callable[[F], F]:
    """Declare a step run for every event on its topics: `handler(data, ctx) -> None`.

    With `batch_size`, the handler takes a list of up to that many inputs
    (`handler(items, ctx)`), gathered for at most `batch_wait` seconds; retries, dead
    letters and traces stay per event."""
    if isinstance(subscribes, str):
        subscribes = [subscribes]
    if not subscribes:
        raise StepDeclarationError(name, "subscribes", "must name at least one topic")
    for topic in subscribes:
        _check_topic(name, "subscribes", topic)
    if concurrency is not None and (not isinstance(concurrency, int) or concurrency < 1):
        raise StepDeclarationError(name, "concurrency", f"must be >= 1, got {concurrency!r}")
    if retries is not None and (not isinstance(retries, int) or retries < 0):
        raise StepDeclarationError(name, "retries", f"must be >= 0, got {retries!r}")
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
        raise StepDeclarationError(name, "batch_size", f"must be >= 1, got {batch_size!r}")
    if not isinstance(batch_wait, int | float) or batch_wait < 0:
        raise StepDeclarationError(name, "batch_wait", f"must be >= 0 seconds, got {batch_wait!r}")
    return _declare(
        kind="event",
        name=name,
        description=description,
        flows=flows,
        emits=emits,
        subscribes=tuple(dict.fromkeys(subscribes)),
        input=_model(name, "input", input),
        concurrency=concurrency,
        retries=retries,
        timeout=timeout,
        batch_size=batch_size,
        batch_wait=float(batch_wait),
    )


def cron_step(
    *,
    name: str,
    cron: str,
    emits: Sequence[str] = (),
    flows: Sequence[str] = (),
    description: str = "",
    timeout: float | None = None,
) -> Callable[[F], F]:
    """Declare a step run on a cron schedule: `handler(ctx) -> None`."""
    if not isinstance(cron, str):
        raise StepDeclarationError(name, "cron", f"must be a cron expression string, got {cron!r}")
    problem = cron_problem(cron)
    if problem is not None:
        raise StepDeclarationError(
            name, "cron", f"not a valid cron expression: {problem}", value=cron
        )
    return _declare(
        kind="cron",
        name=name,
        description=description,
        flows=flows,
        emits=emits,
        cron=cron,
        timeout=timeout,
    )


def _declare(
    *,
    kind: StepKind,
    name: str,
    description: str,
    flows: Sequence[str],
    emits: Sequence[str],
    timeout: float | None,
    **fields: Any,
) -> Callable[[F], F]:
    if not isinstance(name, str) or not name.strip():
        raise StepDeclarationError(str(name), "name", "must be a non-empty string")
    if isinstance(emits, str):
        emits = [emits]
    for topic in emits:
        _check_topic(name, "emits", topic)
    if timeout is not None and (not isinstance(timeout, int | float) or timeout <= 0):
        raise StepDeclarationError(name, "timeout", f"must be > 0 seconds, got {timeout!r}")

    def decorate(handler: F) -> F:
        declared = handler  # the narrowing below would lose F
        if not inspect.iscoroutinefunction(handler):
            raise StepDeclarationError(name, "handler", "must be an `async def` function")
        spec = StepSpec(
            kind=kind,
            name=name,
            handler=handler,
            description=description or inspect.getdoc(handler) or "",
            flows=tuple(flows),
            emits=frozenset(emits),
            timeout=timeout,
            **fields,
        )
        setattr(handler, STEP_ATTRIBUTE, spec)
        collector = _declared.get()
        if collector is not None:
            collector.append(spec)
        return declared

    return decorate


def _check_topic(step: str, field_name: str, topic: object) -> None:
    if not isinstance(topic, str) or not topic.strip():
        raise StepDeclarationError(
            step, field_name, f"topics must be non-empty strings, got {topic!r}"
        )


def _model(step: str, field_name: str, model: object) -> type[BaseModel] | None:
    if model is None or (isinstance(model, type) and issubclass(model, BaseModel)):
        return model
    raise StepDeclarationError(step, field_name, f"must be a pydantic model class, got {model!r}")


def _listing(items: frozenset[str]) -> str:
    return ", ".join(sorted(items))
