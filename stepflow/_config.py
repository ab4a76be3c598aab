"""Settings: `[tool.stepflow]` in pyproject.toml, then `STEPFLOW_*` variables, then flags.

Why not pydantic-settings: it ignores unknown `STEPFLOW_*` variables (a typo would pass
silently) and cannot map `STEPFLOW_APP_<KEY>` into the free-form `app` table without a
custom source, so it would add a dependency and leave as much of our own code as this."""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ._errors import ConfigError

ENV_PREFIX = "STEPFLOW_"
M = TypeVar("M", bound=BaseModel)


class Settings(BaseModel):
    """One typed settings object; an unknown key or a bad value stops startup."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    steps_dir: Path = Path("steps")
    database: str = ".stepflow/stepflow.db"
    """A SQLite file (relative to the project), `:memory:`, or a `postgresql://` URL."""
    database_pool_size: int = Field(default=10, ge=1, le=1_000)
    bus: str = "memory"
    state: Literal["database", "redis", "memory"] | None = None
    """Where `ctx.state` lives; by default in Redis with a Redis bus, else the database."""
    redis_namespace: str = Field(default="stepflow", min_length=1)
    redis_visibility_timeout: float = Field(default=60.0, gt=0)
    queue_size: int = Field(default=1_000, ge=1)
    default_concurrency: int = Field(default=8, ge=1)
    default_retries: int = Field(default=3, ge=0)
    retry_base_delay: float = Field(default=0.5, ge=0)
    retry_max_delay: float = Field(default=30.0, ge=0)
    emit_batch_size: int = Field(default=25, ge=1)
    emit_batch_delay: float = Field(default=0.0, ge=0)
    shutdown_timeout: float = Field(default=10.0, ge=0)
    max_body_bytes: int = Field(default=1_048_576, ge=1)
    api_key: str | None = Field(default=None, repr=False)
    host: str = "127.0.0.1"
    port: int = Field(default=3000, ge=0, le=65_535)
    allowed_hosts: list[str] = Field(default_factory=list)
    """Host names, besides loopback ones, that internal endpoints accept in Host/Origin."""
    trusted_proxies: list[str] = Field(default_factory=list)
    """Addresses whose X-Forwarded-For / X-Forwarded-Proto headers are believed."""
    header_timeout: float = Field(default=10.0, gt=0)
    """Seconds a connection may take to send a complete request head, or idle between."""
    body_timeout: float = Field(default=30.0, gt=0)
    """Seconds a request body may pause before it is answered 408 and the connection closed."""
    lease_ttl: float = Field(default=10.0, gt=0)
    """A process that has not renewed its lease for this long is gone; its work is
    taken over."""
    trace_sample: float = Field(default=1.0, ge=0.0, le=1.0)
    """The share of traces recorded (1: all, 0: tracing off)."""
    trace_retention: float = Field(default=7 * 86_400.0, gt=0)
    trace_max_spans: int = Field(default=100_000, ge=100)
    trace_max_input: int = Field(default=16_384, ge=0)
    trace_otel: bool = True
    """Export spans through OpenTelemetry when the `otel` extra is installed and an SDK
    tracer provider is set."""
    workbench: bool = False
    """Serve the Workbench at /_stepflow/ (`stepflow dev` turns it on)."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    app: dict[str, Any] = Field(default_factory=dict)
    """Free-form settings of the project's own flows (`[tool.stepflow.app]`)."""

    @field_validator("bus")
    @classmethod
    def _known_bus(cls, value: str) -> str:
        if value != "memory" and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be 'memory' or a redis:// URL")
        return value

    @field_validator("database", mode="before")
    @classmethod
    def _database(cls, value: object) -> object:
        if isinstance(value, Path):
            return str(value)
        if isinstance(value, str):
            scheme, sep, _ = value.partition("://")
            if not value.strip() or (sep and scheme not in ("postgresql", "postgres")):
                # Any other URL is not a file name: sqlite:///x or mysql://… would become
                # a folder named 'sqlite:' in the project.
                raise ValueError("must be a SQLite file, ':memory:' or a postgresql:// URL")
        return value

    @field_validator("api_key")
    @classmethod
    def _api_key(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("is empty, which would turn authentication off; set a key or unset it")
        return value

    @field_validator("allowed_hosts", "trusted_proxies", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def uses_postgres(self) -> bool:
        return self.database.startswith(("postgresql://", "postgres://"))

    @property
    def trace_database(self) -> str:
        """Where traces live: the project's database on PostgreSQL; on SQLite a file of
        their own beside it (`stepflow.traces.db` beside `stepflow.db`). SQLite has one
        writer per file, and trace writes sharing it held up the flow's own (e2e bench,
        traced: 2,160/s sharing it, 2,626/s apart)."""
        if self.uses_postgres or self.database == ":memory:":
            return self.database
        path = Path(self.database)
        return str(path.with_name(f"{path.stem}.traces{path.suffix or '.db'}"))

    @property
    def uses_redis(self) -> bool:
        return self.bus != "memory"

    @property
    def state_backend(self) -> Literal["database", "redis", "memory"]:
        if self.state is not None:
            return self.state
        return "redis" if self.uses_redis else "database"

    def resolve(self, root: Path) -> Settings:
        """These settings with relative paths made absolute against `root`."""
        database = self.database
        if database != ":memory:" and not self.uses_postgres:
            database = str(_under(root, Path(database)))
        return self.model_copy(
            update={"steps_dir": _under(root, self.steps_dir), "database": database}
        )

    def app_settings(self, model: type[M]) -> M:
        """`app` (`[tool.stepflow.app]`) validated as `model`; an unknown key or a bad
        value is a `ConfigError` naming it, as for the framework's own settings."""
        try:
            return model.model_validate(self.app)
        except ValidationError as exc:
            raise ConfigError(describe_errors(exc, model.model_fields, prefix="app.")) from None


_current: ContextVar[Settings | None] = ContextVar("stepflow_settings", default=None)


def current_settings() -> Settings:
    """The settings of the project whose step modules are being loaded.

    A step module calls this at import time for what must be fixed in its declaration
    (a batch limit in a request model, a cron schedule), and gets what the runtime will
    run with: pyproject, then `STEPFLOW_*`, then overrides (`FlowTester(..., app={...})`).
    Imported outside discovery, it gets the defaults and the environment."""
    found = _current.get()
    return found if found is not None else _validated(_env_values(os.environ))


@contextmanager
def settings_in_effect(settings: Settings) -> Iterator[None]:
    """Make `settings` what `current_settings()` returns inside the block."""
    token = _current.set(settings)
    try:
        yield
    finally:
        _current.reset(token)


def load_settings(
    root: Path | str = ".",
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    pyproject: bool = True,
) -> Settings:
    """Read `root/pyproject.toml` (unless not `pyproject`), then `STEPFLOW_*` from `env`,
    then `overrides`; relative paths are made absolute against `root`.

    The `app` table merges key by key across the three."""
    root = Path(root).resolve()
    values: dict[str, Any] = dict(_pyproject_table(root / "pyproject.toml")) if pyproject else {}
    layers = [_env_values(os.environ if env is None else env)]
    layers.append({k: v for k, v in (overrides or {}).items() if v is not None})
    for layer in layers:
        app = {**values.get("app", {}), **layer.get("app", {})}
        values.update(layer)
        if app:
            values["app"] = app
    return _validated(values).resolve(root)


def _validated(values: Mapping[str, Any]) -> Settings:
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        raise ConfigError(describe_errors(exc, Settings.model_fields)) from None


def _pyproject_table(path: Path) -> Mapping[str, Any]:
    if not path.is_file():
        return {}
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    table = document.get("tool", {}).get("stepflow", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.stepflow] must be a table")
    return table


def _env_values(env: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in env.items():
        if not key.startswith(ENV_PREFIX):
            continue
        name = key[len(ENV_PREFIX) :].lower()
        if name.startswith("app_"):
            values.setdefault("app", {})[name[4:]] = value
        elif name not in Settings.model_fields:
            hint = did_you_mean(name, Settings.model_fields, upper_prefix=ENV_PREFIX)
            raise ConfigError(f"unknown setting {key} (environment){hint}")
        else:
            values[name] = value
    return values


def describe_errors(exc: ValidationError, known: Iterable[str], *, prefix: str = "") -> str:
    """Pydantic's errors as `unknown setting 'x' (did you mean 'y'?)` and
    `bad value for setting 'x': why`, joined by "; "."""
    lines = []
    for error in exc.errors(include_url=False):
        key = prefix + ".".join(str(part) for part in error["loc"]) if error["loc"] else "settings"
        if error["type"] == "extra_forbidden":
            hint = did_you_mean(str(error["loc"][-1]), known, prefix=prefix)
            lines.append(f"unknown setting {key!r}{hint}")
        else:
            lines.append(f"bad value for setting {key!r}: {error['msg']}")
    return "; ".join(lines)


def did_you_mean(
    word: str, known: Iterable[str], *, prefix: str = "", upper_prefix: str = ""
) -> str:
    """` (did you mean 'x'?)` for the closest of `known`, or "" when none is close."""
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    if not close:
        return ""
    if upper_prefix:
        return f" (did you mean {upper_prefix}{close[0].upper()}?)"
    return f" (did you mean {prefix + close[0]!r}?)"


def _under(root: Path, path: Path) -> Path:
    return path if path.is_absolute() else root / path
