"""Cron schedules, parsed by croniter."""

from __future__ import annotations

from datetime import UTC, datetime

from croniter import croniter


class CronSchedule:
    """A five-field (or six, with seconds) cron expression, evaluated in UTC."""

    def __init__(self, expression: str) -> None:
        if not croniter.is_valid(expression):
            raise ValueError(f"invalid cron expression {expression!r}")
        self.expression = expression

    def next_after(self, timestamp: float) -> float:
        """The first fire time strictly after `timestamp` (seconds since the epoch)."""
        start = datetime.fromtimestamp(timestamp, tz=UTC)
        return float(croniter(self.expression, start).get_next(float))
