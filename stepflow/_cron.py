"""Cron schedules, parsed by croniter."""

from __future__ import annotations

from datetime import UTC, datetime

from croniter import croniter

# Six fields put seconds first (`*/5 * * * * *` is every five seconds, as Motia,
# node-cron and Quartz read it); croniter's default puts them last, which made that
# every second of every fifth minute. `second_at_beginning` says so at both calls.


def valid_cron(expression: str) -> bool:
    """Whether `CronSchedule` takes `expression` (what `cron_step` checks)."""
    return bool(croniter.is_valid(expression, second_at_beginning=True))


class CronSchedule:
    """A five-field cron expression, or six with seconds first, evaluated in UTC."""

    def __init__(self, expression: str) -> None:
        if not valid_cron(expression):
            raise ValueError(f"invalid cron expression {expression!r}")
        self.expression = expression

    def next_after(self, timestamp: float) -> float:
        """The first fire time strictly after `timestamp` (seconds since the epoch)."""
        start = datetime.fromtimestamp(timestamp, tz=UTC)
        schedule = croniter(self.expression, start, second_at_beginning=True)
        return float(schedule.get_next(float))
