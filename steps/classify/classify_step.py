"""Classify an indicator with its provider; a final provider failure is recorded, not lost.

One step per provider (ClassifyWithRules, ClassifyWithOpenai, ClassifyWithAnthropic),
each on its own topic: its own queue, its own concurrency."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from stepflow import Context, event_step
from steps.classify.flow import PERSIST, PROVIDERS, classify_topic, provider_of
from steps.classify.models import (
    Classification,
    ClassifiedIndicator,
    NormalizedIndicator,
    Obtained,
)
from steps.classify.providers import ProviderError, ProviderName, classify_obtained
from steps.classify.settings import declared_settings

RETRIES = 2
SETTINGS = declared_settings()

Handler = Callable[[NormalizedIndicator, Context], Awaitable[None]]


def _classifier(provider: ProviderName) -> Handler:
    async def classify(item: NormalizedIndicator, ctx: Context) -> None:
        classification: Classification | None = None
        error: str | None = None
        obtained: Obtained | None = None
        try:
            classification, obtained = await classify_obtained(
                provider_of(ctx, provider), item.indicator, item.units
            )
        except ProviderError as exc:
            # The provider already retried what can be retried: record the reason.
            ctx.logger.warning("classification failed", extra={"error": str(exc)})
            error = str(exc)
            obtained = exc.obtained
        except Exception as exc:
            if ctx.attempt <= RETRIES:
                raise  # the runtime retries with back-off
            ctx.logger.exception("classification failed on the last attempt")
            error = f"{type(exc).__name__}: {exc}"
        result = ClassifiedIndicator(
            indicator_id=item.indicator.indicator_id,
            units=item.units,
            classification=classification,
            error=error,
            attempts=ctx.attempt,
            batch_id=item.batch_id,
            obtained=obtained,
        )
        await ctx.emit(PERSIST, result)

    classify.__name__ = classify.__qualname__ = f"classify_with_{provider}"
    return classify


def _concurrency(provider: ProviderName) -> int:
    if provider == "rules":
        return SETTINGS.classify_concurrency
    # Enough handlers to keep every allowed LLM call busy, and a few waiting. With
    # llm_dedupe most handlers find their concept answered (the cache) or in flight (they
    # wait on another's call, holding no LLM slot): more of them keep the calls busy.
    return SETTINGS.llm_concurrency * (8 if SETTINGS.llm_dedupe else 2)


classify_with_rules, classify_with_openai, classify_with_anthropic = (
    event_step(
        name=f"ClassifyWith{provider.capitalize()}",
        subscribes=[classify_topic(provider)],
        input=NormalizedIndicator,
        emits=[PERSIST],
        flows=["classify"],
        concurrency=_concurrency(provider),
        retries=RETRIES,
        description=f"Classify with the {provider} provider.",
    )(_classifier(provider))
    for provider in PROVIDERS
)
