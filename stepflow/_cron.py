"""Cron schedules, parsed by croniter."""

from __future__ import annotations

from datetime import UTC, datetime

from croniter import croniter


class CronSchedule:
    """A five-field cron expression, or six with seconds first (`*/5 * * * * *` is
    every five seconds, as Motia, node-cron and Quartz read it; croniter's default puts
    seconds last, which made that every second of every fifth minute), in UTC."""

    def __init__(self, expression: str) -> None:
        if not croniter.is_valid(expression, second_at_beginning=True):
            raise ValueError(f"invalid cron expression {expression!r}")
        self.expression = expression

    def next_after(self, timestamp: float) -> float:
        """The first fire time strictly after `timestamp` (seconds since the epoch)."""
        start = datetime.fromtimestamp(timestamp, tz=UTC)
        found = croniter(self.expression, start, second_at_beginning=True).get_next(float)
        return float(found)
