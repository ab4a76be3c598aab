"""The classify flow's settings (`[tool.stepflow.app]`), checked as the framework checks
what they end up in."""

from __future__ import annotations

import pytest

from stepflow import ConfigError, Settings, StepDeclarationError, cron_step
from steps.classify.settings import classify_settings

SECONDS_LAST = "* * * * * 30"
"""Every 30th second to croniter's default (seconds last); to `cron_step` (seconds first)
a day of the week 30, which is none."""


def test_a_sweep_cron_that_cron_step_refuses_is_a_bad_setting() -> None:
    with pytest.raises(StepDeclarationError):
        cron_step(name="Sweep", cron=SECONDS_LAST)
    with pytest.raises(ConfigError) as raised:
        classify_settings(Settings(app={"sweep_cron": SECONDS_LAST}))
    assert str(raised.value) == (
        "bad value for setting 'app.sweep_cron': Value error, not a valid cron expression:"
        " its day-of-week field '30' is not valid (it takes 0-7 or SUN-SAT)"
    )


def test_a_sweep_cron_with_seconds_first_is_taken() -> None:
    assert classify_settings(Settings(app={"sweep_cron": "*/7 * * * * *"})).sweep_cron == (
        "*/7 * * * * *"
    )
