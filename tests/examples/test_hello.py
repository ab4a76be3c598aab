"""examples/hello runs in the test harness, the way a user would test their own project."""

from __future__ import annotations

from pathlib import Path

from stepflow.testing import FlowTester

HELLO = Path(__file__).resolve().parents[2] / "examples" / "hello" / "steps"


async def test_hello_greets_through_the_whole_chain() -> None:
    async with FlowTester.from_dir(HELLO) as flow:
        response = await flow.post("/hello", json={"name": "Ada"})
        await flow.drain()

        assert response.status_code == 202
        trace_id = response.json()["trace_id"]
        assert response.headers["x-trace-id"] == trace_id
        [composed] = flow.emitted("hello.composed")
        assert composed.data == {"name": "Ada", "message": "Hello, Ada!"}
        assert composed.trace_id == trace_id
        assert await flow.state.get("greetings", "Ada") == "Hello, Ada!"
        assert flow.warnings == []


async def test_hello_rejects_an_empty_name() -> None:
    async with FlowTester.from_dir(HELLO) as flow:
        response = await flow.post("/hello", json={"name": ""})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "name"]
