"""The `stepflow` command line, run as users run it: as a subprocess."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from stepflow.testing import free_port

HELLO = Path(__file__).resolve().parents[2] / "examples" / "hello"

STEP = """
from pydantic import BaseModel
from stepflow import ApiRequest, ApiResponse, Context, api_step, event_step

class Name(BaseModel):
    name: str

@api_step(name="Greet", method="POST", path="/greet", body=Name, emits=["greet"])
async def greet(req: ApiRequest[Name], ctx: Context) -> ApiResponse:
    await ctx.emit("greet", req.body)
    return ApiResponse(status=202, body={"trace_id": ctx.trace_id})

@event_step(name="Compose", subscribes=["greet"], input=Name)
async def compose(name: Name, ctx: Context) -> None:
    await ctx.state.set("greetings", name.name, GREETING.format(name.name))

@api_step(name="Read", method="GET", path="/greetings/{name}")
async def read(req: ApiRequest[None], ctx: Context) -> ApiResponse:
    value = await ctx.state.get("greetings", req.path_params["name"])
    return ApiResponse(status=200 if value else 404, body={"greeting": value})
"""


def stepflow(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stepflow", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "200"},
    )


def _project(root: Path, greeting: str = "Hello, {}!") -> Path:
    (root / "steps").mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[tool.stepflow]\nshutdown_timeout = 2\n")
    _write_step(root, greeting)
    return root


def _write_step(root: Path, greeting: str) -> None:
    source = f"GREETING = {greeting!r}\n" + textwrap.dedent(STEP)
    (root / "steps" / "greet_step.py").write_text(source)


def _greeting(url: str, name: str, deadline: float = 15) -> str | None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            response = httpx.get(f"{url}/greetings/{name}")
            if response.status_code == 200:
                greeting: str = response.json()["greeting"]
                return greeting
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    return None


@pytest.fixture
def dev_server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str, Path]]:
    root = _project(tmp_path)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "stepflow", "dev", "--port", str(port)],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        yield process, f"http://127.0.0.1:{port}", root
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.mark.slow
def test_dev_serves_reloads_on_change_and_stops_cleanly_on_sigint(
    dev_server: tuple[subprocess.Popen[str], str, Path],
) -> None:
    process, url, root = dev_server
    _wait_until_up(url)
    assert httpx.post(f"{url}/greet", json={"name": "Ada"}).status_code == 202
    assert _greeting(url, "Ada") == "Hello, Ada!"

    _write_step(root, "Howdy, {}!")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.post(f"{url}/greet", json={"name": "Bob"})
            if _greeting(url, "Bob", deadline=0.5) == "Howdy, Bob!":
                break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        raise AssertionError("the changed step never took effect")

    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "Traceback" not in output
    assert "reloading after changes to greet_step.py" in output
    assert output.rstrip().endswith("stopped")


def _wait_until_up(url: str) -> None:
    end = time.monotonic() + 20
    while time.monotonic() < end:
        try:
            if httpx.get(f"{url}/health").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError(f"{url} never came up")


def test_graph_mermaid_on_examples_hello() -> None:
    result = stepflow("graph", "--format", "mermaid", cwd=HELLO)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "flowchart LR\n"
        '    SayHello(["SayHello<br/>POST /hello"])\n'
        '    ComposeGreeting["ComposeGreeting"]\n'
        '    RememberGreeting["RememberGreeting"]\n'
        '    SayHello -->|"hello.requested"| ComposeGreeting\n'
        '    ComposeGreeting -->|"hello.composed"| RememberGreeting\n'
    )


def test_graph_text_on_examples_hello() -> None:
    result = stepflow("graph", cwd=HELLO)
    assert result.stdout == (
        "SayHello (api: POST /hello)\n"
        "  --hello.requested--> ComposeGreeting\n"
        "ComposeGreeting (event: hello.requested)\n"
        "  --hello.composed--> RememberGreeting\n"
        "RememberGreeting (event: hello.composed)\n"
    )


def test_steps_lists_every_step_with_its_trigger() -> None:
    result = stepflow("steps", cwd=HELLO)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert any("api" in line and "SayHello" in line and "POST /hello" in line for line in lines)
    assert any("ComposeGreeting" in line and "hello.composed" in line for line in lines)


def test_a_missing_steps_directory_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = stepflow("steps", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: steps directory {tmp_path / 'steps'} does not exist"
    assert "Traceback" not in result.stderr


def test_bad_config_is_one_line_and_exit_1(tmp_path: Path) -> None:
    _project(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.stepflow]\nqueue_size = -1\n")
    result = stepflow("dev", "--no-reload", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: bad value for setting 'queue_size': Input should be greater than or equal to 1"
    )


def test_a_port_in_use_is_one_line_and_exit_1(tmp_path: Path) -> None:
    _project(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = stepflow("dev", "--port", str(port), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: port {port} on 127.0.0.1 is in use"


def test_emit_without_a_server_says_so(tmp_path: Path) -> None:
    _project(tmp_path)
    port = free_port()
    result = stepflow(
        "emit", "greet", '{"name": "x"}', "--url", f"http://127.0.0.1:{port}", cwd=tmp_path
    )
    assert result.returncode == 1
    assert "no stepflow server answers at" in result.stderr


def test_emit_rejects_bad_json(tmp_path: Path) -> None:
    _project(tmp_path)
    result = stepflow("emit", "greet", "{nope", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: DATA is not valid JSON")


def test_every_command_has_help(tmp_path: Path) -> None:
    for command in (
        ["dev"],
        ["start"],
        ["steps"],
        ["graph"],
        ["emit"],
        ["dlq", "list"],
        ["dlq", "replay"],
    ):
        result = stepflow(*command, "--help", cwd=tmp_path)
        assert result.returncode == 0, command
        assert "Usage" in result.stdout


FAILING = """
from pydantic import BaseModel
from stepflow import Context, event_step

class Job(BaseModel):
    n: int

@event_step(name="Work", subscribes=["job"], input=Job, retries=0)
async def work(job: Job, ctx: Context) -> None:
    if BROKEN:
        raise RuntimeError(f"cannot do {job.n}")
    await ctx.state.set("done", str(job.n), True)
"""


def test_dlq_lists_and_replays_without_a_running_server(tmp_path: Path) -> None:
    import asyncio

    from stepflow import Runtime, discover, load_settings

    (tmp_path / "steps").mkdir()
    (tmp_path / "pyproject.toml").write_text(f"[tool.stepflow]\nport = {free_port()}\n")
    step_file = tmp_path / "steps" / "work_step.py"
    step_file.write_text("BROKEN = True\n" + FAILING)

    async def fail_one() -> None:
        settings = load_settings(tmp_path)
        registry, _ = discover(settings.steps_dir)
        async with Runtime(registry, settings, cron=False) as runtime:
            await runtime.publish("job", {"n": 42}, trace_id="t-42")
            await runtime.drain()

    asyncio.run(fail_one())

    listed = stepflow("dlq", "list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "Work" in listed.stdout and "RuntimeError: cannot do 42" in listed.stdout
    assert "t-42" in listed.stdout

    step_file.write_text("BROKEN = False\n" + FAILING)
    replayed = stepflow("dlq", "replay", "--all", cwd=tmp_path)
    assert replayed.returncode == 0, replayed.stderr
    assert replayed.stdout.strip() == "replayed 1: 1"
    assert stepflow("dlq", "list", cwd=tmp_path).stdout.strip() == "no dead letters"

    async def done() -> object:
        from stepflow.state import SqliteState

        state = SqliteState(load_settings(tmp_path).database)
        try:
            return await state.get("done", "42")
        finally:
            await state.aclose()

    assert asyncio.run(done()) is True


def test_dlq_replay_needs_ids_or_all(tmp_path: Path) -> None:
    _project(tmp_path)
    result = stepflow("dlq", "replay", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: name dead letter IDS, or pass --all"
