"""The classify flow's settings: `[tool.stepflow.app]` and `STEPFLOW_APP_*` variables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from stepflow import ConfigError, Settings, load_settings
from steps.classify.providers import LLMSettings, ProviderName

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class ClassifySettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    api_max_batch: Annotated[int, Field(ge=1, le=10_000)] = 100
    llm_provider: ProviderName = "rules"
    llm_model: str | None = None
    llm_base_url: str | None = None
    llm_api_key: str | None = Field(default=None, repr=False)
    llm_concurrency: Annotated[int, Field(ge=1, le=1_000)] = 16
    llm_requests_per_minute: Annotated[float, Field(gt=0)] | None = None
    llm_tokens_per_minute: Annotated[float, Field(gt=0)] | None = None
    llm_timeout: Annotated[float, Field(gt=0)] = 60.0
    llm_max_retries: Annotated[int, Field(ge=0)] = 4
    llm_cache: bool = True
    classify_concurrency: Annotated[int, Field(ge=1)] = 256
    persist_batch_size: Annotated[int, Field(ge=1)] = 500
    persist_max_delay: Annotated[float, Field(ge=0)] = 0.02
    sweep_cron: str = "* * * * *"
    sweep_after: Annotated[float, Field(ge=0)] = 300.0
    """Seconds an indicator may stay pending before the sweep re-emits it."""

    @field_validator("sweep_cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        if not croniter.is_valid(value):
            raise ValueError(f"invalid cron expression {value!r}")
        return value

    def llm(self, provider: ProviderName, database: Path) -> LLMSettings:
        """LLM settings for `provider`; OPENAI_* / ANTHROPIC_* fill what is not set here."""
        return LLMSettings.from_env(
            {
                "provider": provider,
                "model": self.llm_model,
                "base_url": self.llm_base_url,
                "api_key": self.llm_api_key,
                "concurrency": self.llm_concurrency,
                "requests_per_minute": self.llm_requests_per_minute,
                "tokens_per_minute": self.llm_tokens_per_minute,
                "timeout": self.llm_timeout,
                "max_retries": self.llm_max_retries,
                "cache_path": str(llm_cache_path(database)) if self.llm_cache else None,
            }
        )


def llm_cache_path(database: Path) -> Path:
    """The LLM response cache: a file of its own beside the project database, so its
    per-reply commits never contend with the batched result writes."""
    return database.with_name("llm_cache.db")


def classify_settings(settings: Settings) -> ClassifySettings:
    """Parse `settings.app`; an unknown key or a bad value is a `ConfigError` naming it."""
    try:
        return ClassifySettings.model_validate(settings.app)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'unknown' if e['type'] == 'extra_forbidden' else 'bad'} app setting "
            f"{'.'.join(map(str, e['loc']))!r}: {e['msg']}"
            for e in exc.errors()
        )
        raise ConfigError(problems) from None


def startup_settings() -> ClassifySettings:
    """The settings as the project declares them, read when step modules are imported
    (for what must be fixed at declaration: the batch limit and the sweep schedule)."""
    return classify_settings(load_settings(PROJECT_ROOT))
