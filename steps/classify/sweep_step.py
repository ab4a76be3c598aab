"""Re-emit indicators left pending (after a crash, say) so each ends classified or failed."""

from __future__ import annotations

from stepflow import Context, cron_step
from steps.classify.flow import NORMALIZE, NormalizeRequest, flow_settings, store_of
from steps.classify.settings import startup_settings


@cron_step(
    name="SweepPending",
    cron=startup_settings().sweep_cron,
    emits=[NORMALIZE],
    flows=["classify"],
)
async def sweep_pending(ctx: Context) -> None:
    stale = await store_of(ctx).claim_stale_pending(flow_settings(ctx).sweep_after)
    if not stale:
        return
    ctx.logger.warning("re-emitting pending indicators", extra={"count": len(stale)})
    await ctx.emit_many(
        NORMALIZE,
        [
            NormalizeRequest(indicator=item, provider=provider, batch_id=batch)
            for item, provider, batch in stale
        ],
    )
