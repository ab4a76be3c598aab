"""Cron steps run on their schedule while the runtime runs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from stepflow import (
    Context,
    Runtime,
    Settings,
    StepDeclarationError,
    UnknownStepError,
    build_registry,
    cron_step,
)
from stepflow._cron import CronSchedule
from stepflow.testing import FlowTester, wait_until


def test_next_fire_time_follows_the_expression() -> None:
    start = datetime(2026, 1, 1, 10, 2, 30, tzinfo=UTC).timestamp()
    assert (
        CronSchedule("*/5 * * * *").next_after(start)
        == datetime(2026, 1, 1, 10, 5, tzinfo=UTC).timestamp()
    )


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("61 * * * *", "its minute field '61' is not valid (it takes 0-59)"),
        ("* 24 * * *", "its hour field '24' is not valid (it takes 0-23)"),
        ("*/0 * * * *", "its minute field '*/0' is not valid (it takes 0-59)"),
        ("* * 32 * *", "its day-of-month field '32' is not valid (it takes 1-31)"),
        ("* * * foo *", "its month field 'foo' is not valid (it takes 1-12 or JAN-DEC)"),
        ("* * * * 8", "its day-of-week field '8' is not valid (it takes 0-7 or SUN-SAT)"),
        ("60 * * * * *", "its second field '60' is not valid (it takes 0-59)"),
        (
            "* * *",
            "it has 3 fields; a cron expression has five fields (minute hour day-of-month"
            " month day-of-week), or six with a second first",
        ),
    ],
)
def test_a_bad_cron_step_names_the_field_and_the_value(expression: str, problem: str) -> None:
    with pytest.raises(StepDeclarationError) as caught:
        cron_step(name="Tick", cron=expression)
    assert str(caught.value) == (
        f"step 'Tick': cron={expression!r}: not a valid cron expression: {problem}"
    )


def test_six_fields_put_seconds_first() -> None:
    start = datetime(2026, 12, 7, 12, 3, 1, tzinfo=UTC).timestamp()
    every_five_seconds = CronSchedule("*/5 * * * * *")
    first = every_five_seconds.next_after(start)
    assert datetime.fromtimestamp(first, UTC) == datetime(2026, 12, 7, 12, 3, 5, tzinfo=UTC)
    second = every_five_seconds.next_after(first)
    assert datetime.fromtimestamp(second, UTC) == datetime(2026, 12, 7, 12, 3, 10, tzinfo=UTC)
    at_minute_30 = CronSchedule("0 30 * * * *").next_after(start)
    assert datetime.fromtimestamp(at_minute_30, UTC) == datetime(2026, 12, 7, 12, 30, tzinfo=UTC)


async def test_a_cron_step_runs_every_second_while_the_runtime_runs() -> None:
    ticks: list[str] = []

    @cron_step(name="Tick", cron="* * * * * *")
    async def tick(ctx: Context) -> None:
        ticks.append(ctx.trace_id)

    registry, _ = build_registry([tick])
    settings = Settings(database=":memory:", state="memory")
    async with Runtime(registry, settings):
        await wait_until(lambda: len(ticks) >= 2, what="two ticks")
    assert len(set(ticks)) == len(ticks)  # each firing is a trace of its own


async def test_a_failing_cron_handler_is_logged_and_runs_again() -> None:
    calls: list[str] = []

    @cron_step(name="Flaky", cron="* * * * * *")
    async def flaky(ctx: Context) -> None:
        calls.append(ctx.trace_id)
        raise RuntimeError("not this time")

    registry, _ = build_registry([flaky])
    async with Runtime(registry, Settings(database=":memory:", state="memory")):
        await wait_until(lambda: len(calls) >= 2, what="a second firing")


async def test_run_cron_with_an_unknown_name_says_which_there_are() -> None:
    @cron_step(name="Tick", cron="* * * * *")
    async def tick(ctx: Context) -> None: ...

    async with FlowTester([tick]) as flow:
        with pytest.raises(UnknownStepError) as raised:
            await flow.run_cron("NoSuch")
    assert str(raised.value) == "no cron step named 'NoSuch'; the project has: Tick"
