"""Re-emit indicators whose owner is gone (a crashed process, a Redis that lost its
data), so each ends classified or failed. Work a live process still holds is left."""

from __future__ import annotations

from stepflow import Context, cron_step
from steps.classify.flow import NORMALIZE, NormalizeRequest, store_of
from steps.classify.settings import declared_settings
from steps.classify.store import NO_OWNER


@cron_step(
    name="SweepPending",
    cron=declared_settings().sweep_cron,
    emits=[NORMALIZE],
    flows=["classify"],
)
async def sweep_pending(ctx: Context) -> None:
    # Taken as this process's until re-emitted, like a new batch (see StartClassify).
    store, leases = store_of(ctx), ctx.leases
    orphans = await store.claim_orphans(leases.process, leases.alive)
    if not orphans:
        return
    ctx.logger.warning(
        "re-emitting pending indicators whose owner is gone", extra={"count": len(orphans)}
    )
    ids = [item.indicator_id for item, _, _ in orphans]
    owner = leases.owner  # read before publishing, as StartClassify does
    try:
        await ctx.emit_many(
            NORMALIZE,
            [
                NormalizeRequest(indicator=item, provider=provider, batch_id=batch)
                for item, provider, batch in orphans
            ],
        )
    except Exception:
        # Not all were published: owned by no one, the next sweep takes them again
        # (those that were out run twice; a persist is idempotent).
        await store.hand_over(ids, leases.process, NO_OWNER)
        raise
    await store.hand_over(ids, leases.process, owner)
