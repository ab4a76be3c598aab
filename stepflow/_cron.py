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


_FIELDS = {
    "minute": "0-59",
    "hour": "0-23",
    "day-of-month": "1-31",
    "month": "1-12 or JAN-DEC",
    "day-of-week": "0-7 or SUN-SAT",
}
_SHAPE = "five fields (minute hour day-of-month month day-of-week), or six with a second first"


def cron_problem(expression: str) -> str | None:
    """What is wrong with `expression`, field by field; None when `valid_cron`."""
    if valid_cron(expression):
        return None
    fields = expression.split()
    if len(fields) not in (5, 6):
        count = f"{len(fields)} field{'' if len(fields) == 1 else 's'}"
        return f"it has {count}; a cron expression has {_SHAPE}"
    names = list(_FIELDS.items())
    if len(fields) == 6:
        names.insert(0, ("second", "0-59"))
    for i, ((name, values), field) in enumerate(zip(names, fields, strict=True)):
        alone = ["*"] * len(fields)
        alone[i] = field
        if not valid_cron(" ".join(alone)):
            return f"its {name} field {field!r} is not valid (it takes {values})"
    return f"its fields do not go together; a cron expression has {_SHAPE}"


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
