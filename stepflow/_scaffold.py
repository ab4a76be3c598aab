"""`stepflow new NAME`: a project that runs at once (`stepflow dev`) and tests green."""

from __future__ import annotations

import re
from pathlib import Path

from ._errors import StepflowError

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")

PYPROJECT = """\
[tool.stepflow]
steps_dir = "steps"

[tool.stepflow.app]
greeting = "Hello"

[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["."]
asyncio_mode = "auto"
asyncio_default_fixture_loop_scope = "function"
"""

TEST_REQUIREMENTS = "pytest pytest-asyncio"
"""What the project's tests need besides stepflow."""

README = """\
# {name}

A stepflow project: `stepflow dev` serves it on http://127.0.0.1:3000 (the Workbench at
/_stepflow/), and `steps/` holds its steps. Its tests need pytest and pytest-asyncio:
`pip install {requirements}`, then `pytest` runs them.
"""

STEPS = '''\
"""POST /hello accepts a name; a second step composes the greeting and keeps it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from stepflow import ApiRequest, ApiResponse, Context, api_step, current_settings, event_step

GREETING = current_settings().app.get("greeting", "Hello")


class Name(BaseModel):
    name: str = Field(min_length=1, max_length=100)


@api_step(
    name="SayHello",
    method="POST",
    path="/hello",
    body=Name,
    emits=["hello.requested"],
    flows=["hello"],
)
async def say_hello(req: ApiRequest[Name], ctx: Context) -> ApiResponse:
    await ctx.emit("hello.requested", req.body)
    return ApiResponse(status=202, body={"trace_id": ctx.trace_id})


@event_step(
    name="ComposeGreeting",
    subscribes=["hello.requested"],
    input=Name,
    flows=["hello"],
)
async def compose_greeting(name: Name, ctx: Context) -> None:
    greeting = f"{GREETING}, {name.name}!"
    ctx.logger.info("composed", extra={"greeting": greeting})
    await ctx.state.set("greetings", name.name, greeting)
'''

TEST = '''\
"""The hello flow through stepflow's test harness: HTTP in, state out."""

from __future__ import annotations

from stepflow.testing import FlowTester


async def test_a_greeting_is_composed_and_kept() -> None:
    async with FlowTester.from_dir("steps") as flow:
        response = await flow.post("/hello", json={"name": "Ada"})
        assert response.status_code == 202
        await flow.drain()
        assert await flow.state.get("greetings", "Ada") == "Hello, Ada!"
        assert await flow.dead_letters() == []


async def test_a_name_is_required() -> None:
    async with FlowTester.from_dir("steps") as flow:
        response = await flow.post("/hello", json={})
        assert response.status_code == 422
'''


def scaffold(parent: Path, name: str) -> Path:
    """Write the project `name` under `parent`; its folder."""
    if not _NAME.match(name):
        raise StepflowError(
            f"project name {name!r} must start with a letter and hold only letters, digits,"
            " '-' and '_'"
        )
    root = parent / name
    if root.exists():
        raise StepflowError(f"{root} already exists")
    (root / "steps").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (root / "README.md").write_text(
        README.format(name=name, requirements=TEST_REQUIREMENTS), encoding="utf-8"
    )
    (root / ".gitignore").write_text(".stepflow/\n__pycache__/\n", encoding="utf-8")
    (root / "steps" / "hello_step.py").write_text(STEPS, encoding="utf-8")
    (root / "tests" / "test_hello.py").write_text(TEST, encoding="utf-8")
    return root
