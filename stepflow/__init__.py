"""stepflow: an event-driven step framework."""

from ._config import Settings, current_settings, load_settings
from ._connect import open_database
from ._context import Context
from ._cron import cron_problem
from ._database import Connection, Database, Migration, Row
from ._deadletters import DeadLetter, DeadLetterStore
from ._discovery import Registry, build_registry, discover
from ._errors import (
    ConfigError,
    DiscoveryError,
    HttpError,
    NonRetriableError,
    Problem,
    RetryAfter,
    StepDeclarationError,
    StepflowError,
    Unavailable,
    UndeclaredEmitError,
    UnknownStepError,
)
from ._events import Event
from ._http import build_app
from ._leases import Leases
from ._retry import parse_retry_after, retry_delay
from ._runtime import Runtime
from ._state import StateStore
from ._steps import ApiRequest, ApiResponse, StepSpec, api_step, cron_step, event_step
from ._version import __version__

__all__ = [
    "ApiRequest",
    "ApiResponse",
    "ConfigError",
    "Connection",
    "Context",
    "Database",
    "DeadLetter",
    "DeadLetterStore",
    "DiscoveryError",
    "Event",
    "HttpError",
    "Leases",
    "Migration",
    "NonRetriableError",
    "Problem",
    "Registry",
    "RetryAfter",
    "Row",
    "Runtime",
    "Settings",
    "StateStore",
    "StepDeclarationError",
    "StepSpec",
    "StepflowError",
    "Unavailable",
    "UndeclaredEmitError",
    "UnknownStepError",
    "__version__",
    "api_step",
    "build_app",
    "build_registry",
    "cron_problem",
    "cron_step",
    "current_settings",
    "discover",
    "event_step",
    "load_settings",
    "open_database",
    "parse_retry_after",
    "retry_delay",
]
