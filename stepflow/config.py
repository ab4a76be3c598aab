"""Settings: `[tool.stepflow]` in pyproject.toml, then `STEPFLOW_*` variables, then flags."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ConfigError

ENV_PREFIX = "STEPFLOW_"


class Settings(BaseModel):
    """One typed settings object; an unknown key or a bad value stops startup."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    steps_dir: Path = Path("steps")
    database: Path = Path(".stepflow/stepflow.db")
    bus: str = "memory"
    redis_namespace: str = "stepflow"
    redis_visibility_timeout: float = Field(default=60.0, gt=0)
    state: Literal["sqlite", "memory"] = "sqlite"
    queue_size: int = Field(default=1_000, ge=1)
    default_concurrency: int = Field(default=8, ge=1)
    default_retries: int = Field(default=3, ge=0)
    retry_base_delay: float = Field(default=0.5, ge=0)
    retry_max_delay: float = Field(default=30.0, ge=0)
    emit_batch_size: int = Field(default=25, ge=1)
    emit_batch_delay: float = Field(default=0.0, ge=0)
    shutdown_timeout: float = Field(default=10.0, ge=0)
    max_body_bytes: int = Field(default=1_048_576, ge=1)
    api_key: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=3000, ge=0, le=65_535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    app: dict[str, Any] = Field(default_factory=dict)
    """Free-form settings of the project's own flows (`[tool.stepflow.app]`)."""

    @field_validator("bus")
    @classmethod
    def _known_bus(cls, value: str) -> str:
        if value != "memory" and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be 'memory' or a redis:// URL")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    def resolve(self, root: Path) -> Settings:
        """These settings with relative paths made absolute against `root`."""
        return self.model_copy(
            update={
                "steps_dir": _under(root, self.steps_dir),
                "database": self.database
                if str(self.database) == ":memory:"
                else _under(root, self.database),
            }
        )


def load_settings(
    root: Path | str = ".",
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Read `root/pyproject.toml`, then `STEPFLOW_*` from `env`, then `overrides`."""
    root = Path(root).resolve()
    values: dict[str, Any] = dict(_pyproject_table(root / "pyproject.toml"))
    from_env = _env_values(os.environ if env is None else env)
    app = {**values.get("app", {}), **from_env.pop("app", {})}
    values.update(from_env)
    if app:
        values["app"] = app
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        settings = Settings.model_validate(values)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
    return settings.resolve(root)


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
            raise ConfigError(f"unknown setting {key} (environment)")
        else:
            values[name] = value
    return values


def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "settings"
        if error["type"] == "extra_forbidden":
            lines.append(f"unknown setting {key!r}")
        else:
            lines.append(f"bad value for setting {key!r}: {error['msg']}")
    return "; ".join(lines)


def _under(root: Path, path: Path) -> Path:
    return path if path.is_absolute() else root / path
