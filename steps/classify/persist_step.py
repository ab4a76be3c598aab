"""Persist an outcome: many rows per transaction, upsert by indicator id."""

from __future__ import annotations

from stepflow import Context, event_step
from steps.classify.flow import PERSIST, store_of
from steps.classify.models import ClassifiedIndicator
from steps.classify.settings import startup_settings


@event_step(
    name="PersistClassification",
    subscribes=[PERSIST],
    input=ClassifiedIndicator,
    flows=["classify"],
    # Enough handlers in flight to fill a write batch.
    concurrency=startup_settings().persist_batch_size,
    retries=5,
)
async def persist(result: ClassifiedIndicator, ctx: Context) -> None:
    await store_of(ctx).save_result(result)
