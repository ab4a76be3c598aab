"""Classification providers: the offline rules and LLMs over HTTP."""

from __future__ import annotations

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
    "make_provider",
]


def make_provider(settings: LLMSettings) -> Provider:
    """The provider `settings` names; "rules" needs no network."""
    if settings.provider == "openai":
        return OpenAIProvider(settings)
    if settings.provider == "anthropic":
        return AnthropicProvider(settings)
    from steps.classify.rules import RulesProvider

    return RulesProvider()
