"""Normalize an indicator's units (a pure function), then pass it on to classify."""

from __future__ import annotations

from stepflow import Context, event_step
from steps.classify.flow import CLASSIFY, NORMALIZE, NormalizeRequest
from steps.classify.models import NormalizedIndicator
from steps.classify.units import normalize_units


@event_step(
    name="NormalizeIndicator",
    subscribes=[NORMALIZE],
    input=NormalizeRequest,
    emits=[CLASSIFY],
    flows=["classify"],
    concurrency=32,
)
async def normalize(request: NormalizeRequest, ctx: Context) -> None:
    units = normalize_units(request.indicator.units)
    await ctx.emit(
        CLASSIFY,
        NormalizedIndicator(
            indicator=request.indicator,
            units=units,
            provider=request.provider,
            batch_id=request.batch_id,
        ),
    )
