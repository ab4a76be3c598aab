"""POST /classify/batch: accept indicators, record them as pending, emit them.

Acceptance is all or nothing: if the events cannot be emitted (the bus is down), the
rows are removed again and the client gets 503 with Retry-After. A `batch_key` makes a
retried submission safe: the server answers it with the batch it already accepted."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from stepflow import ApiRequest, ApiResponse, ConfigError, Context, HttpError, Unavailable, api_step
from steps.classify.flow import NORMALIZE, NormalizeRequest, store_of
from steps.classify.models import IndicatorInput
from steps.classify.providers import ProviderName
from steps.classify.settings import declared_settings, flow_settings

SETTINGS = declared_settings()
MAX_BATCH = SETTINGS.api_max_batch
_default_problem = SETTINGS.for_provider(SETTINGS.llm_provider).problem()
if _default_problem is not None:
    raise ConfigError(f"the default provider cannot work: {_default_problem}")


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    indicators: Annotated[
        list[IndicatorInput],
        Field(
            min_length=1,
            max_length=MAX_BATCH,
            description="Each indicator_id at most once in a batch.",
        ),
    ]
    llm_provider: ProviderName | None = None
    batch_key: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    """A client's name for this batch: the same key again gets the same batch back."""

    @model_validator(mode="after")
    def _unique_ids(self) -> ClassifyRequest:
        seen: set[str] = set()
        for item in self.indicators:
            if item.indicator_id in seen:
                shown = item.indicator_id[:200]
                raise ValueError(f"indicator_id {shown!r} appears more than once")
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
    settings = flow_settings(ctx)
    provider = req.body.llm_provider or settings.llm_provider
    problem = settings.for_provider(provider).problem()
    if problem is not None:
        raise HttpError(
            422, [{"loc": ["body", "llm_provider"], "msg": problem, "type": "value_error"}]
        )
    indicators = req.body.indicators
    store = store_of(ctx)
    # Held by this process until its events are published (if it dies first, its lease
    # lapses and a sweep re-emits them), then by where the events are kept: read before
    # they are published, so that a Redis losing its data meanwhile leaves the rows with
    # the data set that lost them (and a sweep re-emits them), never with the new one.
    leases = ctx.leases
    owner = leases.owner
    trace_id, count, created = await store.record_pending(
        ctx.trace_id, indicators, provider, owner=leases.process, batch_key=req.body.batch_key
    )
    if not created:
        ctx.logger.info("batch key seen before", extra={"batch": trace_id})
        return ApiResponse(status=202, body={"trace_id": trace_id, "count": count})
    try:
        await ctx.emit_many(
            NORMALIZE,
            [
                NormalizeRequest(indicator=i, provider=provider, batch_id=trace_id)
                for i in indicators
            ],
        )
    except Unavailable:
        await _forget(ctx, trace_id)
        raise
    try:
        await store.hand_over([i.indicator_id for i in indicators], leases.process, owner)
    except Unavailable:  # the events are out: the rows may stay ours (re-emitted if we die)
        ctx.logger.warning("could not hand a batch over to the bus", extra={"batch": trace_id})
    ctx.logger.info("batch accepted", extra={"count": count, "provider": provider})
    return ApiResponse(status=202, body={"trace_id": trace_id, "count": count})


async def _forget(ctx: Context, trace_id: str) -> None:
    try:
        await store_of(ctx).forget_batch(trace_id)
    except Unavailable:
        ctx.logger.error(
            "a batch that could not be emitted is left pending; submit it again",
            extra={"batch": trace_id},
        )
