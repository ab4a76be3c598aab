"""Normalize an indicator's units (a pure function), then pass it on to its provider."""

from __future__ import annotations

from stepflow import Context, event_step
from steps.classify.flow import CLASSIFY_TOPICS, NORMALIZE, NormalizeRequest, classify_topic
from steps.classify.models import NormalizedIndicator
from steps.classify.units import normalize_units


@event_step(
    name="NormalizeIndicator",
    subscribes=[NORMALIZE],
    input=NormalizeRequest,
    emits=CLASSIFY_TOPICS,
    flows=["classify"],
    concurrency=32,
)
async def normalize(request: NormalizeRequest, ctx: Context) -> None:
    units = normalize_units(request.indicator.units)
    await ctx.emit(
        classify_topic(request.provider),
        NormalizedIndicator(
            indicator=request.indicator,
            units=units,
            provider=request.provider,
            batch_id=request.batch_id,
        ),
    )
