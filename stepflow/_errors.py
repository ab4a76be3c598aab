"""Every error stepflow raises or lets a step author raise, in one hierarchy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal


class StepflowError(Exception):
    """Base class of stepflow's own errors."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a project: where it is and what it is."""

    severity: Literal["error", "warning"]
    message: str
    step: str | None = None
    file: str | None = None
    line: int | None = None

    @property
    def where(self) -> str:
        """`file:line`, `file`, or "" when unknown."""
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file

    def describe(self) -> str:
        """The problem without its severity: `file:line: step 'X': message`."""
        where = f"{self.where}: " if self.where else ""
        who = f"step {self.step!r}: " if self.step else ""
        return f"{where}{who}{self.message}"

    def __str__(self) -> str:
        return f"{self.severity}: {self.describe()}"


_UNSET: Any = object()


class StepDeclarationError(StepflowError):
    """A decorator was given a bad declaration; raised at import time.

    With `value`, the message shows it as the decorator was given it: `cron='61 * * * *'`."""

    def __init__(self, step: str, field: str, message: str, *, value: Any = _UNSET) -> None:
        self.step = step
        self.field = field
        where = field if value is _UNSET else f"{field}={value!r}"
        super().__init__(f"step {step!r}: {where}: {message}")


class ConfigError(StepflowError):
    """A configuration key is unknown or its value is bad."""


class DiscoveryError(StepflowError):
    """Step modules could not be loaded, or the flow graph is invalid."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


class UnknownStepError(StepflowError, LookupError):
    """A step was asked for by a name the project does not declare."""


class NonRetriableError(StepflowError):
    """Raised by a handler to fail an event at once, without retries."""


class UndeclaredEmitError(NonRetriableError):
    """A handler emitted a topic that its step does not list in `emits`: a coding error,
    so the event fails at once rather than being retried."""


class RetryAfter(StepflowError):
    """Raised by a handler to retry the event after `seconds`."""

    def __init__(self, seconds: float, reason: str = "") -> None:
        self.seconds = max(0.0, float(seconds))
        super().__init__(reason or f"retry after {self.seconds:g}s")


class HttpError(StepflowError):
    """Answered as `{"detail": detail}` with `status` (and `headers`).

    Raise it from an API step's handler to answer an error yourself."""

    def __init__(
        self, status: int, detail: Any = None, headers: Mapping[str, str] | None = None
    ) -> None:
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})
        super().__init__(f"HTTP {status}: {detail}")


class Unavailable(StepflowError):
    """A dependency (the database, the bus) cannot be reached or written right now.

    HTTP answers 503 with `Retry-After`. A handler that raises it is retried after
    `retry_after` at the least, and past its retries goes on being retried at its last
    back-off until the dependency is back: an outage never dead-letters an event."""

    def __init__(self, what: str, reason: str, retry_after: float = 1.0) -> None:
        self.what = what
        self.reason = reason
        self.retry_after = retry_after
        super().__init__(f"{what} is unavailable: {reason}")
