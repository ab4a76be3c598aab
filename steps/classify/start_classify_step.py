"""POST /classify/batch: accept indicators, record them as pending, emit them."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from stepflow import ApiRequest, ApiResponse, Context, api_step
from steps.classify.flow import NORMALIZE, NormalizeRequest, flow_settings, store_of
from steps.classify.models import IndicatorInput
from steps.classify.providers import ProviderName
from steps.classify.settings import startup_settings

MAX_BATCH = startup_settings().api_max_batch


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    indicators: Annotated[list[IndicatorInput], Field(min_length=1, max_length=MAX_BATCH)]
    llm_provider: ProviderName | None = None

    @model_validator(mode="after")
    def _unique_ids(self) -> ClassifyRequest:
        seen: set[str] = set()
        for item in self.indicators:
            if item.indicator_id in seen:
                raise ValueError(f"indicator_id {item.indicator_id!r} appears more than once")
            seen.add(item.indicator_id)
        return self


class ClassifyAccepted(BaseModel):
    trace_id: str
    count: int


@api_step(
    name="StartClassify",
    method="POST",
    path="/classify/batch",
    body=ClassifyRequest,
    response=ClassifyAccepted,
    emits=[NORMALIZE],
    flows=["classify"],
    description="Accept 1..api_max_batch indicators; each ends classified or failed.",
)
async def start_classify(req: ApiRequest[ClassifyRequest], ctx: Context) -> ApiResponse:
    provider = req.body.llm_provider or flow_settings(ctx).llm_provider
    indicators = req.body.indicators
    await store_of(ctx).record_pending(ctx.trace_id, indicators, provider)
    await ctx.emit_many(
        NORMALIZE,
        [
            NormalizeRequest(indicator=item, provider=provider, batch_id=ctx.trace_id)
            for item in indicators
        ],
    )
    ctx.logger.info("batch accepted", extra={"count": len(indicators), "provider": provider})
    return ApiResponse(status=202, body={"trace_id": ctx.trace_id, "count": len(indicators)})
