"""Classification providers: the offline rules and LLMs over HTTP."""

from __future__ import annotations

from stepflow import Database
from steps.classify.models import Classification, IndicatorInput, NormalizedUnits, Obtained
from steps.classify.providers.anthropic import AnthropicProvider
from steps.classify.providers.base import (
    DEFAULT_BASE_URLS,
    DEFAULT_MODELS,
    LLMSettings,
    Provider,
    ProviderError,
    ProviderName,
)
from steps.classify.providers.cache import ResponseCache, cache_key
from steps.classify.providers.concept import concept_key, concept_of
from steps.classify.providers.http import HTTPProvider, ProviderStats
from steps.classify.providers.limits import Limits, TokenBucket
from steps.classify.providers.openai import OpenAIProvider

__all__ = [
    "DEFAULT_BASE_URLS",
    "DEFAULT_MODELS",
    "AnthropicProvider",
    "HTTPProvider",
    "LLMSettings",
    "Limits",
    "OpenAIProvider",
    "Provider",
    "ProviderError",
    "ProviderName",
    "ProviderStats",
    "ResponseCache",
    "TokenBucket",
    "cache_key",
    "classify_obtained",
    "concept_key",
    "concept_of",
    "make_provider",
]


def make_provider(settings: LLMSettings, database: Database | None = None) -> Provider:
    """The provider `settings` names, its replies cached in `database` when `llm_cache`
    is on; "rules" needs no network."""
    cache = ResponseCache(database) if settings.llm_cache and database is not None else None
    if settings.llm_provider == "openai":
        return OpenAIProvider(settings, cache)
    if settings.llm_provider == "anthropic":
        return AnthropicProvider(settings, cache)
    from steps.classify.rules import RulesProvider

    return RulesProvider()


async def classify_obtained(
    provider: Provider, indicator: IndicatorInput, units: NormalizedUnits
) -> tuple[Classification, Obtained | None]:
    """Classify with `provider`, and say how an LLM provider got the answer (None for a
    provider that asks no LLM)."""
    if isinstance(provider, HTTPProvider):
        return await provider.classify_obtained(indicator, units)
    return await provider.classify(indicator, units), None
