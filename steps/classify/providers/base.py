"""The provider contract, its failure type and the LLM settings."""

from __future__ import annotations

import os
from typing import Annotated, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from steps.classify.models import Classification, IndicatorInput, NormalizedUnits, Obtained

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
    """A final failure of a provider; the message is the human reason. `obtained` says
    whether the failed answer was this indicator's own LLM call or a call it shared."""

    def __init__(self, message: str, *, obtained: Obtained | None = None) -> None:
        super().__init__(message)
        self.obtained = obtained


class LLMSettings(BaseModel):
    """How to reach an LLM provider and how hard to push it: the `llm_*` keys of
    `[tool.stepflow.app]` (the flow's settings extend this model)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    llm_provider: ProviderName = "rules"
    llm_model: str | None = None
    llm_base_url: str | None = None
    llm_api_key: str | None = Field(default=None, repr=False)
    llm_concurrency: Annotated[int, Field(ge=1, le=1_000)] = 16
    llm_requests_per_minute: Annotated[float, Field(gt=0)] | None = None
    llm_tokens_per_minute: Annotated[float, Field(gt=0)] | None = None
    llm_timeout: Annotated[float, Field(gt=0)] = 60.0
    llm_max_retries: Annotated[int, Field(ge=0, le=100)] = 4
    llm_backoff_base: Annotated[float, Field(ge=0)] = 0.5
    llm_backoff_max: Annotated[float, Field(ge=0)] = 30.0
    llm_cache: bool = True
    """Replies are kept in the project's database and reused for the same request."""
    llm_dedupe: bool = True
    """Ask the LLM about the concept (name, units without the currency, frequency,
    category, topic), not the country's indicator: one call per concept, shared by every
    country, batch and process; currency, frequency and cumulative pattern come from each
    indicator's data (see `steps.classify.providers.concept`). False: one call per
    indicator with the full prompt."""

    def for_provider(self, provider: ProviderName) -> LLMSettings:
        """These settings for `provider`, with base URL, key and model taken from its
        environment variables (OPENAI_* or ANTHROPIC_*) where not set here."""
        values = self.model_dump()
        values["llm_provider"] = provider
        prefix = _ENV_PREFIX.get(provider)
        if prefix is not None:
            for key, suffix in (
                ("llm_base_url", "BASE_URL"),
                ("llm_api_key", "API_KEY"),
                ("llm_model", "MODEL"),
            ):
                value = os.environ.get(f"{prefix}_{suffix}")
                if values.get(key) is None and value:
                    values[key] = value
        return LLMSettings.model_validate({k: values[k] for k in LLMSettings.model_fields})

    def effective_model(self) -> str:
        """The model to ask for: the configured one or the provider's default."""
        return self.llm_model or DEFAULT_MODELS.get(self.llm_provider, self.llm_provider)

    def effective_base_url(self) -> str:
        """The base URL without a trailing slash: configured or the default."""
        return (self.llm_base_url or DEFAULT_BASE_URLS.get(self.llm_provider, "")).rstrip("/")

    def problem(self) -> str | None:
        """Why this provider cannot work as configured, or None: a hosted API (the
        default base URL) needs a key."""
        if self.llm_provider == "rules" or self.llm_api_key:
            return None
        if self.llm_base_url is None:
            variable = f"{_ENV_PREFIX[self.llm_provider]}_API_KEY"
            return (
                f"llm_provider {self.llm_provider!r} calls {self.effective_base_url()}, which "
                f"needs an API key: set llm_api_key in [tool.stepflow.app] or {variable}, or "
                "llm_base_url for a server that needs none"
            )
        return None
