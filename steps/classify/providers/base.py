"""The provider contract, its failure type and the LLM settings."""

from __future__ import annotations

import os
from typing import Annotated, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from steps.classify.models import Classification, IndicatorInput, NormalizedUnits

ProviderName = Literal["rules", "openai", "anthropic"]

DEFAULT_MODELS: dict[str, str] = {
    "openai": "gpt-4o-mini",
    "anthropic": "claude-3-5-haiku-latest",
}
DEFAULT_BASE_URLS: dict[str, str] = {
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com",
}
_ENV_PREFIX: dict[str, str] = {"openai": "OPENAI", "anthropic": "ANTHROPIC"}


@runtime_checkable
class Provider(Protocol):
    """Something that classifies one indicator at a time."""

    name: str
    model: str

    async def classify(
        self, indicator: IndicatorInput, units: NormalizedUnits
    ) -> Classification: ...

    async def aclose(self) -> None: ...


class ProviderError(Exception):
    """A final failure of a provider; the message is the human reason."""


class LLMSettings(BaseModel):
    """How to reach an LLM provider and how hard to push it."""

    model_config = ConfigDict(extra="forbid")

    provider: ProviderName = "rules"
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = Field(default=None, repr=False)
    concurrency: Annotated[int, Field(ge=1, le=1_000)] = 16
    requests_per_minute: Annotated[float, Field(gt=0)] | None = None
    tokens_per_minute: Annotated[float, Field(gt=0)] | None = None
    timeout: Annotated[float, Field(gt=0)] = 60.0
    max_retries: Annotated[int, Field(ge=0, le=100)] = 4
    backoff_base: Annotated[float, Field(ge=0)] = 0.5
    backoff_max: Annotated[float, Field(ge=0)] = 30.0
    cache_path: str | None = None

    @classmethod
    def from_env(cls, base: dict[str, object] | None = None) -> LLMSettings:
        """Settings from `base`, with base_url/api_key/model taken from the
        provider's environment variables (OPENAI_* or ANTHROPIC_*) when not given."""
        data: dict[str, object] = dict(base or {})
        provider = str(data.get("provider") or "rules")
        prefix = _ENV_PREFIX.get(provider)
        if prefix is not None:
            for field, suffix in (
                ("base_url", "BASE_URL"),
                ("api_key", "API_KEY"),
                ("model", "MODEL"),
            ):
                value = os.environ.get(f"{prefix}_{suffix}")
                if data.get(field) is None and value:
                    data[field] = value
        return cls.model_validate(data)

    def effective_model(self) -> str:
        """The model to ask for: the configured one or the provider's default."""
        return self.model or DEFAULT_MODELS.get(self.provider, self.provider)

    def effective_base_url(self) -> str:
        """The base URL without a trailing slash: configured or the default."""
        return (self.base_url or DEFAULT_BASE_URLS.get(self.provider, "")).rstrip("/")
