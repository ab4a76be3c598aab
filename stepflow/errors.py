"""Exceptions a step author raises or meets."""

from __future__ import annotations


class StepflowError(Exception):
    """Base class of stepflow's own errors."""


class StepDeclarationError(StepflowError):
    """A decorator was given a bad declaration; raised at import time."""

    def __init__(self, step: str, field: str, message: str) -> None:
        self.step = step
        self.field = field
        super().__init__(f"step {step!r}: {field}: {message}")


class ConfigError(StepflowError):
    """A configuration key is unknown or its value is bad."""


class DiscoveryError(StepflowError):
    """Step modules could not be loaded, or the flow graph is invalid."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class UndeclaredEmitError(StepflowError):
    """A handler emitted a topic that its step does not list in `emits`."""


class NonRetriableError(StepflowError):
    """Raised by a handler to fail an event at once, without retries."""


class RetryAfter(StepflowError):
    """Raised by a handler to retry the event after `seconds`."""

    def __init__(self, seconds: float, reason: str = "") -> None:
        self.seconds = max(0.0, float(seconds))
        super().__init__(reason or f"retry after {self.seconds:g}s")
