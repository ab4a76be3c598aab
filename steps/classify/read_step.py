"""Read endpoints: a batch's progress, one indicator's outcome, many statuses at once."""

from __future__ import annotations

from stepflow import ApiRequest, ApiResponse, Context, HttpError, api_step
from steps.classify.flow import store_of
from steps.classify.models import BatchStatus, IndicatorRecord, StatusesReply, StatusesRequest

MAX_ECHO = 200  # characters of a client's id quoted back in an error


def _quoted(text: str) -> str:
    return repr(text if len(text) <= MAX_ECHO else text[:MAX_ECHO] + "…")


@api_step(
    name="GetBatch",
    method="GET",
    path="/classify/batches/{trace_id}",
    response=BatchStatus,
    errors={404: "No batch has this trace id"},
    flows=["classify"],
    description="Totals of a batch: pending, classified, failed, and timings.",
)
async def get_batch(req: ApiRequest[None], ctx: Context) -> ApiResponse:
    trace_id = req.path_params["trace_id"]
    batch = await store_of(ctx).batch(trace_id)
    if batch is None:
        raise HttpError(404, f"no batch {_quoted(trace_id)}")
    return ApiResponse(body=batch)


@api_step(
    name="GetIndicator",
    method="GET",
    path="/classify/indicators/{indicator_id:path}",  # ids may hold "/"
    response=IndicatorRecord,
    errors={404: "No indicator has this id"},
    flows=["classify"],
    description="Status, normalized units, classification and error of one indicator.",
)
async def get_indicator(req: ApiRequest[None], ctx: Context) -> ApiResponse:
    indicator_id = req.path_params["indicator_id"]
    record = await store_of(ctx).indicator(indicator_id)
    if record is None:
        raise HttpError(404, f"no indicator {_quoted(indicator_id)}")
    return ApiResponse(body=record)


@api_step(
    name="GetStatuses",
    method="POST",
    path="/classify/statuses",
    body=StatusesRequest,
    response=StatusesReply,
    flows=["classify"],
    description="The status of up to 10,000 indicators at once (null: never submitted).",
)
async def get_statuses(req: ApiRequest[StatusesRequest], ctx: Context) -> ApiResponse:
    return ApiResponse(body={"statuses": await store_of(ctx).statuses(req.body.ids)})
