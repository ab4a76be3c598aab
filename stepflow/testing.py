"""A test harness: run a project's steps in-process and look at what they did.

    async with FlowTester.from_dir("steps") as flow:
        response = await flow.post("/orders", json={"id": "1", "qty": 2})
        await flow.drain()
        assert [e.data["id"] for e in flow.emitted("order.shipped")] == ["1"]

Also: `LiveServer` (an app on a free loopback port, in a thread), `ServerProcess`
(`stepflow start` in a subprocess), and `wait_until` (wait for a condition with a
deadline, never for a fixed time)."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import httpx

from ._config import Settings, load_settings
from ._deadletters import DeadLetter
from ._discovery import build_registry, load_steps
from ._events import Event
from ._http import build_app
from ._runtime import Runtime
from ._server import Server, bound_socket, uvicorn_config
from ._state import StateStore
from ._steps import StepSpec

# What a FlowTester runs on unless told otherwise: nothing outlives the test.
IN_MEMORY: dict[str, Any] = {"database": ":memory:", "state": "memory"}


class FlowTester:
    """A runtime on an in-memory bus, database and state, with the events it published
    and an HTTP client for its API steps."""

    def __init__(
        self,
        steps: Iterable[StepSpec | Callable[..., Any]],
        *,
        settings: Settings | None = None,
        **overrides: Any,
    ) -> None:
        self.settings = settings or _settings(None, overrides)
        if settings is not None and overrides:
            self.settings = settings.model_copy(update=overrides)
        registry, self.warnings = build_registry(steps)
        self.runtime = Runtime(registry, self.settings, cron=False)
        self.app = build_app(self.runtime)
        self._emitted: dict[str, list[Event]] = defaultdict(list)
        self.runtime.observers.append(self._observe)
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://localhost"
        )

    @classmethod
    def from_dir(
        cls,
        steps_dir: Path | str,
        *,
        settings: Settings | None = None,
        project: Path | str | None = None,
        **overrides: Any,
    ) -> FlowTester:
        """The steps under `steps_dir`, with the settings of their project: its
        pyproject.toml, then `STEPFLOW_*`, then `overrides` (`app={...}` merges into the
        project's app settings).

        A relative `steps_dir` is found from the calling test's folder upwards (so
        pytest may run from anywhere), unless `project` names the root."""
        root = Path(project).resolve() if project is not None else _project_of(Path(steps_dir))
        if settings is None:
            settings = _settings(root, {"steps_dir": steps_dir, **overrides})
        elif overrides:
            settings = settings.model_copy(update=overrides)
        return cls(load_steps(root / steps_dir, settings), settings=settings)

    async def __aenter__(self) -> FlowTester:
        await self.runtime.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.client.aclose()
        await self.runtime.stop(deadline=0)

    @property
    def state(self) -> StateStore:
        return self.runtime.state

    def _observe(self, event: Event) -> None:
        self._emitted[event.topic].append(
            dataclasses.replace(event, data=event.jsonable_data(lenient=True))
        )

    async def emit(self, topic: str, data: Any, trace_id: str | None = None) -> Event:
        """Publish an event as if a step had emitted it."""
        return await self.runtime.publish(topic, data, trace_id)

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Call an API step through the real HTTP app, in-process."""
        return await self.client.request(method, path, **kwargs)

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", path, **kwargs)

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait until no event is queued, waiting for a retry, or being handled."""
        async with asyncio.timeout(timeout):
            await self.runtime.drain()

    async def run_cron(self, name: str) -> None:
        """Run the cron step `name` once, now (`UnknownStepError` if there is none)."""
        await self.runtime.run_cron(name)

    def emitted(self, topic: str) -> list[Event]:
        """Every event published on `topic` so far, in order, with its data as plain
        JSON (a model emitted is here as the dict it serialises to)."""
        return list(self._emitted.get(topic, []))

    async def trace(self, trace_id: str) -> dict[str, Any] | None:
        """The trace's summary and spans as the Workbench shows them (its spans are
        written first): `status`, `span_list`, and each span's step, status, attempt,
        error and input."""
        await self.runtime.tracer.flush()
        return await self.runtime.traces.trace(trace_id)

    async def dead_letters(self) -> Sequence[DeadLetter]:
        return await self.runtime.dead_letters.list(limit=1_000)

    async def replay(self, ids: Sequence[str] | None = None) -> list[DeadLetter]:
        return await self.runtime.replay(ids)


def _settings(root: Path | None, overrides: dict[str, Any]) -> Settings:
    """Settings for a test runtime: the project's (if any), then the environment, then
    in-memory stores, then `overrides`."""
    merged = {**IN_MEMORY, **overrides}
    if root is None:
        return load_settings(Path.cwd(), overrides=merged, pyproject=False)
    return load_settings(root, overrides=merged)


def _project_of(steps_dir: Path) -> Path:
    """The folder holding `steps_dir`: searched from the calling test's file upwards,
    then from the current folder."""
    if steps_dir.is_absolute():
        return steps_dir.parent
    here = Path(__file__).resolve().parent
    for frame in inspect.stack()[2:]:
        caller = Path(frame.filename).resolve()
        if caller.parent != here and caller.exists():
            for folder in caller.parents:
                if (folder / steps_dir).is_dir():
                    return folder
            break
    return Path.cwd()


async def wait_until(
    condition: Callable[[], bool | Awaitable[bool]],
    *,
    timeout: float = 30.0,
    interval: float = 0.02,
    what: str = "the condition",
) -> None:
    """Return as soon as `condition()` is true (it may be async); `AssertionError`
    naming `what` after `timeout` seconds. For tests that wait for something to happen:
    never a fixed sleep followed by an assertion."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        await asyncio.sleep(interval)


def wait_until_blocking(
    condition: Callable[[], bool],
    *,
    timeout: float = 30.0,
    interval: float = 0.02,
    what: str = "the condition",
) -> None:
    """`wait_until` for code outside an event loop."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(interval)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class LiveServer:
    """An ASGI app served by uvicorn on loopback, in a background thread, as stepflow
    serves it (`stepflow start`).

    The socket is bound before uvicorn starts (port 0: a free one), so there is no race
    for the port; `url` holds the address. Usable as a context manager, or through
    `start()` and `stop()`."""

    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        settings: Settings | None = None,
    ) -> None:
        self.app = app
        self.host = host
        self.port = port
        runtime = getattr(getattr(app, "state", None), "runtime", None)
        self.settings = settings or (runtime.settings if runtime is not None else Settings())
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, wait: float = 30.0) -> LiveServer:
        if self._thread is not None:
            raise RuntimeError(f"already serving on {self.url}")
        sock = bound_socket(self.host, self.port)
        self._socket = sock
        self.port = sock.getsockname()[1]
        config = uvicorn_config(
            self.app, self.settings, host=self.host, port=self.port, timeout_graceful_shutdown=2
        )
        self._server = server = Server(config)
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        thread = self._thread
        try:
            wait_until_blocking(
                lambda: server.started or not thread.is_alive(),
                timeout=wait,
                what=f"the server on {self.url}",
            )
        except AssertionError:
            self.stop()
            raise RuntimeError(f"server did not start on {self.url}") from None
        if not server.started:
            self.stop()
            raise RuntimeError(f"server did not start on {self.url}")
        return self

    def stop(self, wait: float = 30.0) -> None:
        """Ask uvicorn to exit (forcing it if it does not) and wait for its thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(wait)
            if self._thread.is_alive() and self._server is not None:
                self._server.force_exit = True
                self._thread.join(wait)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class ServerProcess:
    """`stepflow start` for a project in a subprocess, on a free loopback port.

    `env` adds to the environment (for example `STEPFLOW_DATABASE`). `start()` waits until
    `/health` answers, unless `http` is False (a `--role worker` process serves no HTTP).
    `stop()` sends SIGINT and waits; `kill()` sends SIGKILL, as a crash would."""

    def __init__(
        self,
        project: Path | str,
        *,
        port: int | None = None,
        env: dict[str, str] | None = None,
        args: Sequence[str] = (),
        log: Path | None = None,
        http: bool = True,
        cwd: Path | str | None = None,
    ) -> None:
        self.project = Path(project)
        self.http = http
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "STEPFLOW_LOG_LEVEL": "WARNING", **(env or {})}
        self.args = list(args)
        self.log = log
        self.cwd = Path(cwd) if cwd is not None else None
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> ServerProcess:
        command = [sys.executable, "-m", "stepflow", "start", "--project", str(self.project)]
        command += ["--host", "127.0.0.1", "--port", str(self.port), *self.args]
        output: Any = subprocess.DEVNULL
        if self.log is not None:
            output = open(self.log, "ab")  # noqa: SIM115 - the child keeps its own descriptor
        try:
            self.process = subprocess.Popen(
                command, env=self.env, stdout=output, stderr=subprocess.STDOUT, cwd=self.cwd
            )
        finally:
            if self.log is not None:
                output.close()
        if not self.http:
            return self
        process = self.process
        try:
            wait_until_blocking(
                lambda: process.poll() is not None or self._healthy(),
                timeout=timeout,
                interval=0.05,
                what=f"the server on {self.url}",
            )
        except AssertionError:
            self.kill()
            raise RuntimeError(f"server did not answer on {self.url} within {timeout}s") from None
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        return self

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/health", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self, timeout: float = 60.0) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return -9

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


__all__ = [
    "FlowTester",
    "LiveServer",
    "ServerProcess",
    "free_port",
    "wait_until",
    "wait_until_blocking",
]
