"""stepflow: an event-driven step framework."""

from .config import Settings, load_settings
from .context import Context
from .deadletters import DeadLetter
from .discovery import Problem, Registry, build_registry, discover
from .errors import (
    ConfigError,
    DiscoveryError,
    NonRetriableError,
    RetryAfter,
    StepDeclarationError,
    StepflowError,
    UndeclaredEmitError,
)
from .events import Event
from .http import HttpError
from .runtime import Runtime
from .steps import ApiRequest, ApiResponse, StepSpec, api_step, cron_step, event_step

__all__ = [
    "ApiRequest",
    "ApiResponse",
    "ConfigError",
    "Context",
    "DeadLetter",
    "DiscoveryError",
    "Event",
    "HttpError",
    "NonRetriableError",
    "Problem",
    "Registry",
    "RetryAfter",
    "Runtime",
    "Settings",
    "StepDeclarationError",
    "StepSpec",
    "StepflowError",
    "UndeclaredEmitError",
    "api_step",
    "build_registry",
    "cron_step",
    "discover",
    "event_step",
    "load_settings",
]
