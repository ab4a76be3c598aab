"""What a user installs: the wheel holds `stepflow` only, so a project's own `steps`
folder (with or without `__init__.py`) is never shadowed."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.helpers import REPO, stepflow


@pytest.mark.slow
def test_the_wheel_holds_the_stepflow_package_only(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), "."],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = tmp_path.glob("stepflow-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/", 1)[0] for name in names if not name.startswith("stepflow-")}
    assert top == {"stepflow"}
    assert "stepflow/py.typed" in names


def test_a_projects_steps_package_is_its_own(tmp_path: Path) -> None:
    orders = tmp_path / "steps" / "orders"  # no __init__.py, as in examples/hello
    orders.mkdir(parents=True)
    (orders / "models.py").write_text(
        "from pydantic import BaseModel\n\nclass Order(BaseModel):\n    id: str\n"
    )
    (orders / "orders_step.py").write_text(
        "from stepflow import Context, event_step\n"
        "from steps.orders.models import Order\n\n"
        '@event_step(name="Ship", subscribes=["order"], input=Order)\n'
        "async def ship(order: Order, ctx: Context) -> None: ...\n"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # An installed package named `steps` (regular, with __init__.py) would win over the
    # project's namespace package wherever it stood on sys.path.
    result = stepflow("steps", "--json", "--project", str(tmp_path), cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert [step["name"] for step in json.loads(result.stdout)] == ["Ship"]
