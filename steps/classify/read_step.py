"""Read endpoints: a batch's progress and one indicator's outcome."""

from __future__ import annotations

from stepflow import ApiRequest, ApiResponse, Context, api_step
from stepflow.http import HttpError
from steps.classify.flow import store_of


@api_step(
    name="GetBatch",
    method="GET",
    path="/classify/batches/{trace_id}",
    flows=["classify"],
    description="Totals of a batch: pending, classified, failed, and timings.",
)
async def get_batch(req: ApiRequest[None], ctx: Context) -> ApiResponse:
    trace_id = req.path_params["trace_id"]
    batch = await store_of(ctx).batch(trace_id)
    if batch is None:
        raise HttpError(404, f"no batch {trace_id!r}")
    return ApiResponse(body=batch)


@api_step(
    name="GetIndicator",
    method="GET",
    path="/classify/indicators/{indicator_id:path}",  # ids may hold "/"
    flows=["classify"],
    description="Status, normalized units, classification and error of one indicator.",
)
async def get_indicator(req: ApiRequest[None], ctx: Context) -> ApiResponse:
    indicator_id = req.path_params["indicator_id"]
    record = await store_of(ctx).indicator(indicator_id)
    if record is None:
        raise HttpError(404, f"no indicator {indicator_id!r}")
    return ApiResponse(body=record)
