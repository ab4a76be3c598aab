"""The classify flow's settings: `[tool.stepflow.app]` and `STEPFLOW_APP_*` variables."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from stepflow import Context, Settings, cron_problem, current_settings
from steps.classify.providers import LLMSettings


class ClassifySettings(LLMSettings):
    """The `llm_*` keys of `LLMSettings`, and the flow's own."""

    api_max_batch: Annotated[int, Field(ge=1, le=10_000)] = 100
    classify_concurrency: Annotated[int, Field(ge=1)] = 256
    """Rules classifications in flight (LLM calls are capped by llm_concurrency)."""
    persist_batch_size: Annotated[int, Field(ge=1, le=10_000)] = 500
    persist_max_delay: Annotated[float, Field(ge=0)] = 0.02
    sweep_cron: str = "*/5 * * * * *"
    """How often to look for pending work whose owner is gone (a crashed process, a
    Redis that lost its data) and re-emit it."""

    @field_validator("sweep_cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        # What `cron_step` will take (six fields put seconds first), checked the same way.
        problem = cron_problem(value)
        if problem is not None:
            raise ValueError(f"not a valid cron expression: {problem}")
        return value


def classify_settings(settings: Settings) -> ClassifySettings:
    """Parse `settings.app`; an unknown key or a bad value is a `ConfigError` naming it."""
    return settings.app_settings(ClassifySettings)


def declared_settings() -> ClassifySettings:
    """The settings step modules declare with: those the runtime will run with (see
    `stepflow.current_settings`)."""
    return classify_settings(current_settings())


def flow_settings(ctx: Context) -> ClassifySettings:
    """The running runtime's flow settings, parsed once per runtime."""
    return ctx.resource("classify.settings", lambda: classify_settings(ctx.settings))
