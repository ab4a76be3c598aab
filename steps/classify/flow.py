"""What the classify steps share: topics, event models, and per-runtime resources."""

from __future__ import annotations

from pydantic import BaseModel

from stepflow import Context
from steps.classify.models import IndicatorInput
from steps.classify.providers import Provider, ProviderName, make_provider
from steps.classify.settings import ClassifySettings, classify_settings
from steps.classify.store import ClassifyStore

NORMALIZE = "indicator.normalize"
CLASSIFY = "indicator.classify"
PERSIST = "indicator.persist"


class NormalizeRequest(BaseModel):
    indicator: IndicatorInput
    provider: ProviderName
    batch_id: str | None = None


def flow_settings(ctx: Context) -> ClassifySettings:
    return ctx.resource("classify.settings", lambda: classify_settings(ctx.settings))


def store_of(ctx: Context) -> ClassifyStore:
    settings = flow_settings(ctx)
    return ctx.resource(
        "classify.store",
        lambda: ClassifyStore(
            ctx.settings.database,
            batch_size=settings.persist_batch_size,
            max_delay=settings.persist_max_delay,
        ),
    )


def provider_of(ctx: Context, name: ProviderName) -> Provider:
    settings = flow_settings(ctx)
    return ctx.resource(
        ("classify.provider", name),
        lambda: make_provider(settings.llm(name, ctx.settings.database)),
    )
