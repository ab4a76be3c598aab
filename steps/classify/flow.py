"""What the classify steps share: topics, event models, and per-runtime resources.

Each provider has a topic and a classify step of its own, so each has its own queue and
concurrency: a slow or unreachable LLM never holds back the rules provider, nor another
LLM."""

from __future__ import annotations

from typing import get_args

from pydantic import BaseModel

from stepflow import Context
from steps.classify.models import IndicatorInput
from steps.classify.providers import Provider, ProviderName, make_provider
from steps.classify.settings import flow_settings
from steps.classify.store import ClassifyStore

NORMALIZE = "indicator.normalize"
PERSIST = "indicator.persist"
PROVIDERS: tuple[ProviderName, ...] = get_args(ProviderName)


def classify_topic(provider: str) -> str:
    """Where normalized indicators for `provider` go: `indicator.classify.<provider>`."""
    return f"indicator.classify.{provider}"


CLASSIFY_TOPICS = [classify_topic(provider) for provider in PROVIDERS]


class NormalizeRequest(BaseModel):
    indicator: IndicatorInput
    provider: ProviderName
    batch_id: str | None = None


def store_of(ctx: Context) -> ClassifyStore:
    return ctx.resource("classify.store", lambda: ClassifyStore(ctx.database))


def provider_of(ctx: Context, name: ProviderName) -> Provider:
    settings = flow_settings(ctx)
    return ctx.resource(
        ("classify.provider", name),
        lambda: make_provider(settings.for_provider(name), ctx.database),
    )
