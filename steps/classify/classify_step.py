"""Classify an indicator with its provider; a final provider failure is recorded, not lost."""

from __future__ import annotations

from stepflow import Context, event_step
from steps.classify.flow import CLASSIFY, PERSIST, flow_settings, provider_of
from steps.classify.models import Classification, ClassifiedIndicator, NormalizedIndicator
from steps.classify.providers import ProviderError, ProviderName
from steps.classify.settings import startup_settings

RETRIES = 2


@event_step(
    name="ClassifyIndicator",
    subscribes=[CLASSIFY],
    input=NormalizedIndicator,
    emits=[PERSIST],
    flows=["classify"],
    # The provider caps LLM calls itself (llm_concurrency); this only bounds handlers.
    concurrency=startup_settings().classify_concurrency,
    retries=RETRIES,
)
async def classify(item: NormalizedIndicator, ctx: Context) -> None:
    name: ProviderName = item.provider or flow_settings(ctx).llm_provider  # type: ignore[assignment]
    attempt = ctx.event.attempt if ctx.event else 1
    classification: Classification | None = None
    error: str | None = None
    try:
        classification = await provider_of(ctx, name).classify(item.indicator, item.units)
    except ProviderError as exc:
        # The provider already retried what can be retried: record the reason.
        ctx.logger.warning("classification failed", extra={"error": str(exc)})
        error = str(exc)
    except Exception as exc:
        if attempt <= RETRIES:
            raise  # the runtime retries with back-off
        ctx.logger.exception("classification failed on the last attempt")
        error = f"{type(exc).__name__}: {exc}"
    result = ClassifiedIndicator(
        indicator_id=item.indicator.indicator_id,
        units=item.units,
        classification=classification,
        error=error,
        attempts=attempt,
        batch_id=item.batch_id,
    )
    await ctx.emit(PERSIST, result)
