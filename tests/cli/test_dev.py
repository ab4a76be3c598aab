"""`stepflow dev` as a user runs it: in any project folder, reloading on a change, and
draining in-flight work on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from stepflow.testing import free_port, wait_until_blocking
from tests.helpers import greet_project, greeting, healthy, wait_healthy, write_step

pytestmark = pytest.mark.slow

SLOW = """
import asyncio
from pydantic import BaseModel
from stepflow import ApiRequest, ApiResponse, Context, api_step, event_step

class Job(BaseModel):
    n: int

@api_step(name="Start", method="POST", path="/start", body=Job, emits=["job"])
async def start(req: ApiRequest[Job], ctx: Context) -> ApiResponse:
    await ctx.emit("job", req.body)
    return ApiResponse(status=202, body={"trace_id": ctx.trace_id})

@event_step(name="Slow", subscribes=["job"], input=Job)
async def slow(job: Job, ctx: Context) -> None:
    ctx.logger.warning("slow job started")
    await asyncio.sleep(3)  # the handler in flight when Ctrl-C comes
    await ctx.state.set("done", str(job.n), True)
    ctx.logger.warning("slow job finished")
"""


class Dev:
    """`stepflow dev` in `root`, its output collected."""

    def __init__(self, root: Path, *args: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = root / "dev.log"
        self.output = self.log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "stepflow", "dev", "--port", str(self.port), *args],
            cwd=root,
            stdout=self.output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "COLUMNS": "100"},
        )

    def text(self) -> str:
        return self.log.read_text()

    def signal(self, sig: signal.Signals) -> tuple[int, str]:
        self.process.send_signal(sig)
        code = self.process.wait(60)
        return code, self.text()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.output.close()


StartDev = Callable[..., Dev]


@pytest.fixture
def start_dev() -> Iterator[StartDev]:
    """`start_dev(root, *args)`: `stepflow dev` in `root`, once it answers (stopped after
    the test)."""
    started: list[Dev] = []

    def start(root: Path, *args: str) -> Dev:
        dev = Dev(root, *args)
        started.append(dev)
        wait_healthy(dev.url)
        return dev

    yield start
    for dev in started:
        dev.close()


def test_dev_serves_and_reloads_in_a_folder_without_pyproject(
    tmp_path: Path, start_dev: StartDev
) -> None:
    root = greet_project(tmp_path / "bare", pyproject=False)
    dev = start_dev(root)
    assert httpx.post(f"{dev.url}/greet", json={"name": "Ada"}).status_code == 202
    wait_until_blocking(lambda: greeting(dev.url, "Ada") == "Hello, Ada!", what="Ada's greeting")

    greet_project(root, "Howdy, {}!", pyproject=False)

    def changed() -> bool:
        try:
            httpx.post(f"{dev.url}/greet", json={"name": "Bob"}, timeout=2)
        except httpx.TransportError:
            return False
        return greeting(dev.url, "Bob") == "Howdy, Bob!"

    wait_until_blocking(changed, timeout=60, interval=0.2, what="the change to take effect")
    code, output = dev.signal(signal.SIGINT)
    assert code == 0, output
    assert "Traceback" not in output
    assert "reloading after changes to greet_step.py" in output
    assert output.rstrip().endswith("stopped")


def test_ctrl_c_lets_a_handler_in_flight_finish_then_exits_0(
    tmp_path: Path, start_dev: StartDev
) -> None:
    root = tmp_path / "slow"
    write_step(root, "slow", SLOW)
    dev = start_dev(root, "--no-reload")
    assert httpx.post(f"{dev.url}/start", json={"n": 1}).status_code == 202
    wait_until_blocking(lambda: "slow job started" in dev.text(), what="the handler to start")
    code, output = dev.signal(signal.SIGINT)
    assert code == 0, output
    assert "slow job finished" in output
    assert "Traceback" not in output and "CancelledError" not in output
    assert not healthy(dev.url)


def test_ctrl_c_on_the_reloading_parent_drains_the_server_too(
    tmp_path: Path, start_dev: StartDev
) -> None:
    root = tmp_path / "slow"
    write_step(root, "slow", SLOW)
    dev = start_dev(root)
    assert httpx.post(f"{dev.url}/start", json={"n": 1}).status_code == 202
    wait_until_blocking(lambda: "slow job started" in dev.text(), what="the handler to start")
    code, output = dev.signal(signal.SIGINT)
    assert code == 0, output
    assert "slow job finished" in output
    assert "Traceback" not in output and "KeyboardInterrupt" not in output
    assert output.rstrip().endswith("stopped")


def test_sigterm_stops_the_parent_and_its_server(tmp_path: Path, start_dev: StartDev) -> None:
    root = greet_project(tmp_path / "p")
    dev = start_dev(root)
    code, output = dev.signal(signal.SIGTERM)
    assert code == 0, output
    assert not healthy(dev.url)  # no child left serving the port
    assert "Traceback" not in output


def test_a_step_with_an_error_is_one_line_then_it_waits_for_the_fix(
    tmp_path: Path, start_dev: StartDev
) -> None:
    root = greet_project(tmp_path / "p")
    dev = start_dev(root)
    broken = root / "steps" / "broken_step.py"
    broken.write_text("raise RuntimeError('half written')\n")
    wait_until_blocking(lambda: "waiting for changes" in dev.text(), what="the error")
    assert f"error: {broken}:1: RuntimeError: half written" in dev.text()
    assert "error: error:" not in dev.text()
    broken.unlink()
    wait_healthy(dev.url)
    code, output = dev.signal(signal.SIGINT)
    assert code == 0, output


def test_pyproject_saved_by_replacing_the_file_reloads_every_time(
    tmp_path: Path, start_dev: StartDev
) -> None:
    root = greet_project(tmp_path / "p")
    dev = start_dev(root)
    pyproject = root / "pyproject.toml"

    def reloaded(times: int) -> Callable[[], bool]:
        return lambda: dev.text().count("reloading after changes to pyproject.toml") >= times

    for save in range(1, 4):  # as vim and sed -i save: a new file renamed over the old
        replacement = root / f".pyproject.toml.{save}"
        replacement.write_text(f"{pyproject.read_text()}# save {save}\n")
        os.replace(replacement, pyproject)
        wait_until_blocking(reloaded(save), what=f"a reload after save {save}")
        wait_healthy(dev.url)
    code, output = dev.signal(signal.SIGINT)
    assert code == 0, output


def test_traces_and_logs_outlive_a_restart_of_dev(tmp_path: Path, start_dev: StartDev) -> None:
    root = tmp_path / "slow"
    write_step(root, "slow", SLOW.replace("asyncio.sleep(3)", "asyncio.sleep(0)"))
    first = start_dev(root, "--no-reload")
    trace_id = httpx.post(f"{first.url}/start", json={"n": 1}).json()["trace_id"]

    def finished(url: str) -> bool:
        found = httpx.get(f"{url}/_stepflow/api/traces/{trace_id}", timeout=5)
        return found.status_code == 200 and found.json()["status"] == "ok"

    wait_until_blocking(lambda: finished(first.url), what="the trace to finish")
    code, output = first.signal(signal.SIGINT)
    assert code == 0, output

    second = start_dev(root, "--no-reload")
    trace = httpx.get(f"{second.url}/_stepflow/api/traces/{trace_id}").json()
    assert [(span["step"], span["status"]) for span in trace["span_list"]] == [
        ("Start", "ok"),
        ("Slow", "ok"),
    ]
    assert [entry["message"] for entry in trace["logs"]] == [
        "slow job started",
        "slow job finished",
    ]


def _gone(pid: int) -> bool:
    """Whether process `pid` has exited (a zombie not yet reaped has)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rpartition(")")[2].split()[0] == "Z"


def test_a_killed_dev_leaves_no_server_behind(tmp_path: Path, start_dev: StartDev) -> None:
    root = greet_project(tmp_path / "app")
    dev = start_dev(root)
    server = json.loads((root / ".stepflow" / "server.json").read_text())
    assert server["pid"] != dev.process.pid  # the server is the reloader's child

    dev.process.kill()  # SIGKILL: the reloader cannot pass anything on
    dev.process.wait()
    wait_until_blocking(lambda: _gone(server["pid"]), timeout=60, what="the server to stop")
    assert not healthy(dev.url)
    assert "the process that started this server is gone; stopping" in dev.text()
