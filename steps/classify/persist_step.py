"""Persist outcomes: a batch handler, many rows per transaction, upsert by indicator id."""

from __future__ import annotations

from stepflow import Context, event_step
from steps.classify.flow import PERSIST, store_of
from steps.classify.models import ClassifiedIndicator
from steps.classify.settings import declared_settings

SETTINGS = declared_settings()


@event_step(
    name="PersistClassification",
    subscribes=[PERSIST],
    input=ClassifiedIndicator,
    flows=["classify"],
    batch_size=SETTINGS.persist_batch_size,
    batch_wait=SETTINGS.persist_max_delay,
    concurrency=2,
    retries=5,
)
async def persist(results: list[ClassifiedIndicator], ctx: Context) -> None:
    await store_of(ctx).save_results(results)
